/* SPDX-License-Identifier: MIT */
/* Cache-miss measurement for the adaptive policy and the benchmarks: hardware
 * last-level-cache counters through perf_event_open() when the machine has
 * them, otherwise a documented proxy, a small per-thread set-associative
 * pseudo-LRU cache model fed with the addresses a sampled lookup touches. The source in
 * use is always reported as a string (rtm_stats.metric_source, the CLI, the
 * benchmark output). Not responsible for attributing misses to anything: the
 * caller reads before and after the work it wants to measure.
 *
 * Why the model tracks real misses: a lookup misses in the cache when the
 * lines it needs were evicted since its last use, i.e. when its reuse
 * distance (distinct lines touched in between) exceeds the capacity. The
 * model sees the exact line addresses of sampled lookups in order and
 * applies (pseudo-)LRU with the real line size (64 B) and associativity
 * (8), so a
 * subtree whose lookups touch many scattered lines, or whose lines are not
 * reused soon, misses in it; a packed, hot-first subtree touches few
 * contiguous lines and hits. It is a *relative* measure (which subtrees
 * miss more), not a prediction of the absolute LLC miss rate: the rest of
 * the program's traffic is invisible to it. Its capacity (32 KiB) is scaled
 * down from the real LLC because it only sees one lookup in K; the
 * comparison against cachegrind's simulated LL misses is in
 * algorithms/adaptive/README.md. */
#ifndef RTM_LIB_METRICS_H
#define RTM_LIB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rtm__metric_kind {
    RTM__METRIC_MODEL = 0, /* the per-thread cache model (no hardware counters) */
    RTM__METRIC_PERF = 1,  /* perf_event_open LLC (or generic cache) miss counter */
} rtm__metric_kind;

/* Probe once per process (thread-safe, idempotent): can this process open a
 * hardware cache-miss counter? The environment variable RTM_METRIC_SOURCE=model
 * forces the model even where counters exist (for comparisons and tests). */
void rtm__metrics_init(void);

/* The kind in use (calls rtm__metrics_init()). */
rtm__metric_kind rtm__metrics_kind(void);

/* A static string naming the source, e.g.
 * "perf:LLC-read-misses(rdpmc)", "perf:cache-misses(read)" or
 * "model:plru-32KiB-8way-64B". Never NULL. */
const char *rtm__metrics_source(void);

/* ---- Hardware counters (RTM__METRIC_PERF) ---- */

/* The calling thread's user-space miss count so far, opening its counter on
 * the first call (one perf_event_open and one mmap per thread, closed at
 * thread exit). Uses rdpmc when the kernel allows user-space reads, else
 * read(2). Returns false when no counter is available for this thread. */
bool rtm__metrics_read(uint64_t *misses);

/* ---- Cache model (RTM__METRIC_MODEL) ---- */

#define RTM__CACHEMODEL_LINE 64u /* bytes per line */
#define RTM__CACHEMODEL_SETS 64u /* sets (power of two) */
#define RTM__CACHEMODEL_WAYS 8u  /* ways per set, bit-PLRU (see below) */

/* The calling thread's model (defined in metrics.c, accessed inline):
 * tags[set][way], 0 marking an empty way, and per set one MRU bit per way
 * (bit-PLRU: a hit or fill sets its way's bit; when all eight are set, the
 * others are cleared; the victim is the lowest way whose bit is clear). */
extern _Thread_local uint32_t rtm__cm_tags[RTM__CACHEMODEL_SETS][RTM__CACHEMODEL_WAYS];
extern _Thread_local uint8_t rtm__cm_mru[RTM__CACHEMODEL_SETS];

/* Access one line (address / RTM__CACHEMODEL_LINE) in the calling thread's
 * model; returns 1 on a miss. Branch-free probe of the eight ways: this
 * runs ~25 times per sampled lookup, so it must stay a few nanoseconds. */
static inline unsigned rtm__cachemodel_line(uintptr_t line)
{
    unsigned s = (unsigned)(line & (RTM__CACHEMODEL_SETS - 1));
    uint32_t *set = rtm__cm_tags[s];
    uint32_t tag = (uint32_t)(line / RTM__CACHEMODEL_SETS) + 1u;
    unsigned hit = 0;
    for (unsigned i = 0; i < RTM__CACHEMODEL_WAYS; i++)
        hit |= (unsigned)(set[i] == tag) << i;
    unsigned mru = rtm__cm_mru[s];
    unsigned way = (unsigned)__builtin_ctz(hit ? hit : (~mru & 0xFFu));
    set[way] = tag;
    mru |= 1u << way;
    if (mru == 0xFFu)
        mru = 1u << way;
    rtm__cm_mru[s] = (uint8_t)mru;
    return hit == 0;
}

/* Access bytes [p, p + n) in the calling thread's model; returns how many of
 * the lines they span were misses. n == 0 touches nothing. No allocation, no
 * shared writes (the model is thread-local). */
static inline unsigned rtm__cachemodel_touch(const void *p, size_t n)
{
    if (n == 0)
        return 0;
    uintptr_t first = (uintptr_t)p / RTM__CACHEMODEL_LINE;
    uintptr_t last = ((uintptr_t)p + n - 1) / RTM__CACHEMODEL_LINE;
    unsigned misses = 0;
    for (uintptr_t l = first; l <= last; l++)
        misses += rtm__cachemodel_line(l);
    return misses;
}

/* Empty the calling thread's model (tests). */
void rtm__cachemodel_reset(void);

#endif
