/* SPDX-License-Identifier: MIT */
/* POSIX threads behind thread.h: the adaptive algorithm's background thread,
 * its mutex, and a condition variable whose timed wait uses CLOCK_MONOTONIC
 * so that a change of the wall clock never stretches or skips a policy tick.
 * Nothing here allocates through the router allocator. */
#include "thread.h"

#include <time.h>

#include "routematch.h" /* RTM_ETHREAD */

/* pthread wants void *(*)(void *); the entry point and its argument are kept
 * in the caller's rtm__thread, which outlives the thread (it is joined). */
static void *trampoline(void *p)
{
    rtm__thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int rtm__thread_create(rtm__thread *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    return pthread_create(&t->tid, NULL, trampoline, t) == 0 ? 0 : RTM_ETHREAD;
}

void rtm__thread_join(rtm__thread *t)
{
    pthread_join(t->tid, NULL);
}

int rtm__mutex_init(rtm__mutex *m)
{
    return pthread_mutex_init(&m->m, NULL) == 0 ? 0 : RTM_ETHREAD;
}

void rtm__mutex_destroy(rtm__mutex *m)
{
    pthread_mutex_destroy(&m->m);
}

void rtm__mutex_lock(rtm__mutex *m)
{
    pthread_mutex_lock(&m->m);
}

void rtm__mutex_unlock(rtm__mutex *m)
{
    pthread_mutex_unlock(&m->m);
}

int rtm__cond_init(rtm__cond *c)
{
    pthread_condattr_t at;
    if (pthread_condattr_init(&at) != 0)
        return RTM_ETHREAD;
    int rc = pthread_condattr_setclock(&at, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&c->c, &at);
    pthread_condattr_destroy(&at);
    return rc == 0 ? 0 : RTM_ETHREAD;
}

void rtm__cond_destroy(rtm__cond *c)
{
    pthread_cond_destroy(&c->c);
}

void rtm__cond_signal(rtm__cond *c)
{
    pthread_cond_signal(&c->c);
}

void rtm__cond_timedwait_ms(rtm__cond *c, rtm__mutex *m, uint32_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000u);
    ts.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->c, &m->m, &ts);
}

uint64_t rtm__clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
