/* SPDX-License-Identifier: MIT */
/* perf_llc.h on Linux perf_event_open(2); elsewhere it reports "not
 * available". Counts user-space misses of the calling thread only. */
#define _GNU_SOURCE 1 /* syscall() */
#include "perf_llc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

bool perf_llc_open(perf_llc *p)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_HW_CACHE_MISSES;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1 /* any cpu */,
                      -1 /* no group */, 0UL);
    p->why[0] = '\0';
    if (fd < 0) {
        p->fd = -1;
        snprintf(p->why, sizeof p->why, "perf_event_open: %s", strerror(errno));
        return false;
    }
    p->fd = (int)fd;
    return true;
}

uint64_t perf_llc_read(const perf_llc *p)
{
    uint64_t v = 0;
    if (p->fd < 0 || read(p->fd, &v, sizeof v) != (ssize_t)sizeof v)
        return 0;
    return v;
}

void perf_llc_close(perf_llc *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

#else

bool perf_llc_open(perf_llc *p)
{
    p->fd = -1;
    snprintf(p->why, sizeof p->why, "perf_event is Linux-only");
    return false;
}

uint64_t perf_llc_read(const perf_llc *p)
{
    (void)p;
    return 0;
}

void perf_llc_close(perf_llc *p)
{
    p->fd = -1;
}

#endif
