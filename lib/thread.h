/* SPDX-License-Identifier: MIT */
/* The small threading seam the adaptive algorithm needs: one background
 * thread, a mutex and a condition variable with a timed wait on the
 * monotonic clock. The same rtm__thread_* / rtm__mutex_* / rtm__cond_*
 * symbols are defined by thread_posix.c (and would be by a thread_win32.c);
 * CMake picks the file (libuv's pattern, STYLE.md C.7). Not responsible for
 * anything else: no pools, no thread-local storage helpers. */
#ifndef RTM_LIB_THREAD_H
#define RTM_LIB_THREAD_H

#include <stdint.h>

#include <pthread.h> /* pthread_t, pthread_mutex_t, pthread_cond_t */

typedef struct rtm__thread {
    pthread_t tid;      /* the running thread */
    void (*fn)(void *); /* its entry point ... */
    void *arg;          /* ... and argument; the struct must outlive the thread */
} rtm__thread;

typedef struct rtm__mutex {
    pthread_mutex_t m; /* a default (non-recursive) mutex */
} rtm__mutex;

typedef struct rtm__cond {
    pthread_cond_t c; /* waits on CLOCK_MONOTONIC */
} rtm__cond;

/* Start `fn(arg)` on a new thread. Returns 0 or RTM_ETHREAD. Allocates: the
 * thread's stack (system), nothing through the router allocator. */
int rtm__thread_create(rtm__thread *t, void (*fn)(void *), void *arg);
/* Wait for the thread to return. */
void rtm__thread_join(rtm__thread *t);

/* Returns 0 or RTM_ETHREAD. */
int rtm__mutex_init(rtm__mutex *m);
void rtm__mutex_destroy(rtm__mutex *m);
void rtm__mutex_lock(rtm__mutex *m);
void rtm__mutex_unlock(rtm__mutex *m);

/* Returns 0 or RTM_ETHREAD. */
int rtm__cond_init(rtm__cond *c);
void rtm__cond_destroy(rtm__cond *c);
void rtm__cond_signal(rtm__cond *c);
/* Wait until signalled or `ms` milliseconds have passed (spurious wakeups
 * possible: callers re-check their predicate). `m` must be locked. */
void rtm__cond_timedwait_ms(rtm__cond *c, rtm__mutex *m, uint32_t ms);

/* Milliseconds on the monotonic clock (arbitrary origin). */
uint64_t rtm__clock_ms(void);

#endif
