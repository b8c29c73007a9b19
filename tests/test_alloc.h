/* SPDX-License-Identifier: MIT */
/* A counting, failing allocator for rtm_config.allocator: counts calls,
 * live blocks and live bytes, checks that every free/realloc passes the size
 * that was allocated, and can fail the Nth allocation attempt. Used by the
 * OOM and no-allocation tests, and reusable by fuzz and bench. Thread-safe
 * (counters are atomics), so the adaptive background thread may use it. */
#ifndef RTM_TESTS_TEST_ALLOC_H
#define RTM_TESTS_TEST_ALLOC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routematch.h" /* rtm_allocator */

typedef struct rtm_test_alloc {
    rtm_allocator hooks;        /* pass &hooks as rtm_config.allocator */
    atomic_uint_fast64_t calls; /* malloc + realloc attempts, failed ones included */
    atomic_uint_fast64_t
        fail_at; /* fail the attempt whose number (calls after it) is this; 0: never */
    atomic_uint_fast64_t failed; /* attempts failed on purpose */
    atomic_uint_fast64_t frees;  /* free calls */
    atomic_size_t live_blocks;   /* blocks allocated and not yet freed */
    atomic_size_t live_bytes;    /* bytes in those blocks, as the caller asked */
    atomic_size_t bad_sizes;     /* free/realloc calls whose size did not match */
    atomic_size_t bad_pointers;  /* free/realloc of a pointer this allocator never gave */
} rtm_test_alloc;

/* Reset every counter and point the hooks at t. */
void rtm_test_alloc_init(rtm_test_alloc *t);

/* Fail the n-th allocation attempt from now (n >= 1); 0 disarms. */
void rtm_test_alloc_fail_in(rtm_test_alloc *t, uint64_t n);

/* Attempts so far (malloc and realloc, failed ones included). */
uint64_t rtm_test_alloc_calls(const rtm_test_alloc *t);
size_t rtm_test_alloc_live_bytes(const rtm_test_alloc *t);
size_t rtm_test_alloc_live_blocks(const rtm_test_alloc *t);
/* Allocation attempts made by the calling thread, through any
 * rtm_test_alloc, since the thread started (to tell a lookup's allocations
 * from those of a background thread sharing the allocator). */
uint64_t rtm_test_alloc_thread_calls(void);
/* True when no free/realloc ever passed a wrong size or a foreign pointer. */
bool rtm_test_alloc_sane(const rtm_test_alloc *t);

#endif
