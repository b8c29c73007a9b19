/* SPDX-License-Identifier: MIT */
/* Last-level-cache misses of the calling thread through Linux perf_event
 * (PERF_COUNT_HW_CACHE_MISSES), when the machine exposes hardware counters.
 * Deliberately minimal: one counter, open / read / close. Virtual machines
 * without a PMU make perf_event_open() fail, and the benchmark says so. */
#ifndef RTM_BENCH_PERF_LLC_H
#define RTM_BENCH_PERF_LLC_H

#include <stdbool.h>
#include <stdint.h>

typedef struct perf_llc {
    int fd;       /* counter's file descriptor, -1 when not available */
    char why[96]; /* why it is not available ("" when it is) */
} perf_llc;

/* Try to open the counter for the calling thread. Returns true when it runs. */
bool perf_llc_open(perf_llc *p);
/* Misses counted so far (0 when not available). */
uint64_t perf_llc_read(const perf_llc *p);
void perf_llc_close(perf_llc *p);

#endif
