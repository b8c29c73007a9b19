/* SPDX-License-Identifier: MIT */
/* Memory latency by working-set size: a dependent pointer chase through a
 * random cyclic permutation of the 64-byte lines of a buffer (each load's
 * address comes from the previous load, as in a tree walk, so no two misses
 * overlap). The benchmark measures it in the same run as the routers and the
 * QPS-decay model uses it to price a cache line touched by a lookup on a
 * table of a given size. */
#ifndef RTM_BENCH_MEMLAT_H
#define RTM_BENCH_MEMLAT_H

#include <stddef.h>
#include <stdint.h>

typedef struct memlat {
    void **lines;  /* the buffer: one pointer at the start of each line, owned */
    size_t bytes;  /* buffer size */
    void **cursor; /* where the chase stands */
} memlat;

/* Allocate `bytes` (rounded down to whole lines, at least 2) and link its
 * lines in one random cycle (seeded). Returns 0 or -1 when out of memory. */
int memlat_setup(memlat *m, size_t bytes, uint64_t seed);
/* Follow `steps` links (a multiple of 8 is best); returns the last address. */
void *memlat_chase(memlat *m, uint64_t steps);
void memlat_free(memlat *m);

#endif
