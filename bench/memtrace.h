/* SPDX-License-Identifier: MIT */
/* Which cache lines a lookup really reads, measured without hardware
 * counters or valgrind: the router under study is built with allocator hooks
 * that place all of its memory in one arena (laid out like glibc malloc: 16
 * byte aligned chunks with an 8-byte header, never reused), the arena is
 * mapped PROT_NONE, and every load or store the lookup makes to it traps:
 * the SIGSEGV handler records the exact address, opens the page and sets
 * the x86 trap flag; the SIGTRAP after that one instruction closes the page
 * again. So every access to router memory is seen, by byte address, and the
 * benchmark derives per lookup:
 *   - accesses: loads and stores to router memory;
 *   - lines: distinct 64-byte cache lines among them;
 *   - blocks: distinct heap blocks (allocations) among them, i.e. the
 *     pointer jumps of the lookup;
 *   - across the traced lookups, how many of them touch each line: hot lines
 *     (the top of a tree) stay cached, lines of one route do not.
 * About 10 us per access: used on a sample of lookups, never timed.
 * x86-64 Linux only; memtrace_supported() says whether it works here. */
#ifndef RTM_BENCH_MEMTRACE_H
#define RTM_BENCH_MEMTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routematch.h" /* rtm_allocator */

#define MEMTRACE_REUSE_BUCKETS 24

/* Per-lookup figures, summed over the traced lookups. */
typedef struct memtrace_totals {
    uint64_t lookups;    /* lookups traced completely */
    uint64_t accesses;   /* trapped accesses */
    uint64_t lines;      /* distinct lines per lookup, summed */
    uint64_t blocks;     /* distinct blocks per lookup, summed */
    uint64_t overflowed; /* lookups abandoned: more accesses than the cap */
    /* Reuse histogram, filled by memtrace_end(): reuse[k] sums, over the
     * distinct lines whose number of traced lookups touching them is c with
     * 2^k <= c < 2^(k+1), that count c. So reuse[k] / lookups is the number
     * of a lookup's lines that are shared with about 2^k of the lookups. */
    uint64_t reuse[MEMTRACE_REUSE_BUCKETS];
    uint64_t block_reuse[MEMTRACE_REUSE_BUCKETS]; /* the same for blocks */
} memtrace_totals;

/* True on platforms where the trap-flag tracer works (x86-64 Linux). */
bool memtrace_supported(void);

/* Reserve the arena (address space only) and return hooks that allocate
 * from it. Only one arena exists; a second call resets it (every pointer
 * from before becomes invalid: free the router first). Returns NULL on
 * failure. */
const rtm_allocator *memtrace_arena(void);
/* Bytes handed out by the arena so far (frees are not reused). */
size_t memtrace_arena_used(void);
/* Give the arena's memory back. */
void memtrace_arena_release(void);

/* Protect the arena and install the handlers; then memtrace_lookup() any
 * number of times; then memtrace_end(). Returns false when it cannot. */
bool memtrace_begin(size_t max_accesses_per_lookup);
/* Run rtm_match(r, method, path, len, res) under the tracer and add its
 * figures to *t. */
void memtrace_lookup(const rtm_router *r, rtm_method method, const char *path, size_t len,
                     rtm_result *res, memtrace_totals *t);
/* Stop tracing, restore the handlers, fill t->reuse and t->block_reuse. */
void memtrace_end(memtrace_totals *t);

#endif
