/* SPDX-License-Identifier: MIT */
/* Allocation for everything a router owns: the caller's hooks (or the C
 * library) plus a byte counter that rtm_get_stats() reports. Not responsible
 * for any policy; every allocation in the library goes through here so that
 * the out-of-memory tests can fail each one in turn. */
#ifndef RTM_LIB_ALLOC_H
#define RTM_LIB_ALLOC_H

#include <stdatomic.h>
#include <stddef.h>

#include "routematch.h" /* rtm_allocator */

typedef struct rtm__alloc {
    rtm_allocator hooks; /* the caller's hooks, or the C library's */
    atomic_size_t bytes; /* bytes currently allocated through this */
} rtm__alloc;

/* Initialise from the caller's hooks (NULL: malloc/realloc/free). */
void rtm__alloc_init(rtm__alloc *a, const rtm_allocator *hooks);

/* Each returns NULL on failure and leaves the byte count unchanged. Size 0 is
 * allowed and gives a unique pointer. */
void *rtm__malloc(rtm__alloc *a, size_t size);
void *rtm__calloc(rtm__alloc *a, size_t size);
void *rtm__realloc(rtm__alloc *a, void *ptr, size_t old_size, size_t new_size);
/* Accepts NULL. `size` must be the size that was allocated. */
void rtm__free(rtm__alloc *a, void *ptr, size_t size);

#endif
