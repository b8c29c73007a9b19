/* SPDX-License-Identifier: MIT */
/* Cache-miss sources behind metrics.h: the perf_event_open probe and the
 * per-thread counters (rdpmc fast path, read(2) otherwise), and the
 * per-thread pseudo-LRU cache model used when the machine has no counters (these
 * build machines: `perf stat -e cycles true` says "not supported", and
 * perf_event_open fails with ENOENT/EOPNOTSUPP). */
#define _GNU_SOURCE /* syscall() */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#define RTM__HAVE_PERF 1
#endif

/* ---- Probe ---- */

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static rtm__metric_kind probe_kind = RTM__METRIC_MODEL;
static const char *probe_source = "model:plru-32KiB-8way-64B";
static uint32_t probe_type;   /* perf_event_attr.type that worked */
static uint64_t probe_config; /* ... and its config */
static int probe_rdpmc;       /* the probe thread could use rdpmc */

#if defined(RTM__HAVE_PERF)
static pthread_key_t perf_key;
static bool perf_key_ok;

static int perf_open(uint32_t type, uint64_t config)
{
    struct perf_event_attr at;
    memset(&at, 0, sizeof at);
    at.size = sizeof at;
    at.type = type;
    at.config = config;
    at.exclude_kernel = 1;
    at.exclude_hv = 1;
    return (int)syscall(SYS_perf_event_open, &at, 0 /* this thread */, -1 /* any cpu */,
                        -1 /* no group */, 0);
}

/* The user-page of an open counter, or NULL. */
static struct perf_event_mmap_page *perf_map(int fd)
{
    long page = sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}
#endif

static void probe(void)
{
    const char *force = getenv("RTM_METRIC_SOURCE");
    if (force && strcmp(force, "model") == 0)
        return;
#if defined(RTM__HAVE_PERF)
    static const struct {
        uint32_t type;
        uint64_t config;
        const char *rdpmc_name;
        const char *read_name;
    } events[] = {
        {PERF_TYPE_HW_CACHE,
         PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
             (PERF_COUNT_HW_CACHE_RESULT_MISS << 16),
         "perf:LLC-read-misses(rdpmc)", "perf:LLC-read-misses(read)"},
        {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "perf:cache-misses(rdpmc)",
         "perf:cache-misses(read)"},
    };
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        int fd = perf_open(events[i].type, events[i].config);
        if (fd < 0)
            continue;
        struct perf_event_mmap_page *pg = perf_map(fd);
        probe_rdpmc = 0;
#if defined(__x86_64__)
        if (pg && pg->cap_user_rdpmc)
            probe_rdpmc = 1;
#endif
        if (pg)
            munmap(pg, (size_t)sysconf(_SC_PAGESIZE));
        close(fd);
        probe_type = events[i].type;
        probe_config = events[i].config;
        probe_kind = RTM__METRIC_PERF;
        probe_source = probe_rdpmc ? events[i].rdpmc_name : events[i].read_name;
        break;
    }
#endif
}

void rtm__metrics_init(void)
{
    pthread_once(&probe_once, probe);
}

rtm__metric_kind rtm__metrics_kind(void)
{
    rtm__metrics_init();
    return probe_kind;
}

const char *rtm__metrics_source(void)
{
    rtm__metrics_init();
    return probe_source;
}

/* ---- Per-thread counters ---- */

#if defined(RTM__HAVE_PERF)
typedef struct perf_thread {
    int fd;                          /* the thread's counter, -1 if none */
    struct perf_event_mmap_page *pg; /* its user page (rdpmc), or NULL */
    int tried;                       /* open attempted on this thread */
} perf_thread;

static _Thread_local perf_thread perf_self;

static void perf_thread_exit(void *p)
{
    perf_thread *pt = p;
    if (pt->pg)
        munmap(pt->pg, (size_t)sysconf(_SC_PAGESIZE));
    if (pt->fd >= 0)
        close(pt->fd);
    pt->pg = NULL;
    pt->fd = -1;
}

static pthread_once_t perf_key_once = PTHREAD_ONCE_INIT;

static void perf_key_init(void)
{
    perf_key_ok = pthread_key_create(&perf_key, perf_thread_exit) == 0;
}

#if defined(__x86_64__)
static inline uint64_t rdpmc(uint32_t counter)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi) : "c"(counter));
    return (uint64_t)lo | ((uint64_t)hi << 32);
}

/* The documented self-monitoring read (linux/perf_event.h, struct
 * perf_event_mmap_page): retry while the kernel updates the page. */
static bool read_rdpmc(const struct perf_event_mmap_page *pg, uint64_t *out)
{
    uint32_t seq;
    uint64_t count;
    do {
        seq = pg->lock;
        atomic_signal_fence(memory_order_seq_cst);
        uint32_t idx = pg->index;
        count = (uint64_t)pg->offset;
        if (!pg->cap_user_rdpmc || idx == 0)
            return false;
        uint64_t pmc = rdpmc(idx - 1);
        unsigned width = pg->pmc_width;
        pmc <<= 64 - width;
        count += (uint64_t)((int64_t)pmc >> (64 - width));
        atomic_signal_fence(memory_order_seq_cst);
    } while (pg->lock != seq);
    *out = count;
    return true;
}
#endif
#endif

bool rtm__metrics_read(uint64_t *misses)
{
#if defined(RTM__HAVE_PERF)
    if (rtm__metrics_kind() != RTM__METRIC_PERF)
        return false;
    perf_thread *pt = &perf_self;
    if (!pt->tried) {
        pt->tried = 1;
        pt->fd = perf_open(probe_type, probe_config);
        pt->pg = NULL;
        if (pt->fd >= 0) {
            if (probe_rdpmc)
                pt->pg = perf_map(pt->fd);
            pthread_once(&perf_key_once, perf_key_init);
            if (perf_key_ok)
                pthread_setspecific(perf_key, pt);
        }
    }
    if (pt->fd < 0)
        return false;
#if defined(__x86_64__)
    if (pt->pg && read_rdpmc(pt->pg, misses))
        return true;
#endif
    uint64_t v;
    if (read(pt->fd, &v, sizeof v) != (ssize_t)sizeof v)
        return false;
    *misses = v;
    return true;
#else
    (void)misses;
    return false;
#endif
}

/* ---- Cache model ---- */

_Thread_local uint32_t rtm__cm_tags[RTM__CACHEMODEL_SETS][RTM__CACHEMODEL_WAYS];
_Thread_local uint8_t rtm__cm_mru[RTM__CACHEMODEL_SETS];

void rtm__cachemodel_reset(void)
{
    memset(rtm__cm_tags, 0, sizeof rtm__cm_tags);
    memset(rtm__cm_mru, 0, sizeof rtm__cm_mru);
}
