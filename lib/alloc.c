/* SPDX-License-Identifier: MIT */
/* The allocator seam: the caller's hooks or the C library, and the running
 * byte count reported by rtm_get_stats(). Nothing else. */
#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size ? size : 1);
}

static void *libc_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
    (void)ctx;
    (void)old_size;
    return realloc(ptr, new_size ? new_size : 1);
}

static void libc_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

void rtm__alloc_init(rtm__alloc *a, const rtm_allocator *hooks)
{
    if (hooks && hooks->malloc && hooks->realloc && hooks->free) {
        a->hooks = *hooks;
    } else {
        a->hooks = (rtm_allocator){libc_malloc, libc_realloc, libc_free, NULL};
    }
    atomic_init(&a->bytes, 0);
}

void *rtm__malloc(rtm__alloc *a, size_t size)
{
    void *p = a->hooks.malloc(a->hooks.ctx, size);
    if (p)
        atomic_fetch_add_explicit(&a->bytes, size, memory_order_relaxed);
    return p;
}

void *rtm__calloc(rtm__alloc *a, size_t size)
{
    void *p = rtm__malloc(a, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *rtm__realloc(rtm__alloc *a, void *ptr, size_t old_size, size_t new_size)
{
    if (!ptr)
        return rtm__malloc(a, new_size);
    void *p = a->hooks.realloc(a->hooks.ctx, ptr, old_size, new_size);
    if (p) {
        atomic_fetch_add_explicit(&a->bytes, new_size, memory_order_relaxed);
        atomic_fetch_sub_explicit(&a->bytes, old_size, memory_order_relaxed);
    }
    return p;
}

void rtm__free(rtm__alloc *a, void *ptr, size_t size)
{
    if (!ptr)
        return;
    a->hooks.free(a->hooks.ctx, ptr, size);
    atomic_fetch_sub_explicit(&a->bytes, size, memory_order_relaxed);
}
