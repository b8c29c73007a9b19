/* SPDX-License-Identifier: MIT */
/* The counting, failing allocator of test_alloc.h. Each block carries a
 * header in front of it with the size asked for and a magic word, so that a
 * free or realloc with the wrong size (or of a foreign pointer) is counted
 * rather than silently accepted:
 *
 *     [ header: size | magic | pad ][ caller's bytes ... ]
 *     ^ malloc'ed                   ^ returned to the library
 */
#include "test_alloc.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_MAGIC 0x52544d41u /* "RTMA" */
#define DEAD_MAGIC  0x44454144u /* "DEAD": freed */

typedef struct header {
    size_t size;    /* bytes the caller asked for */
    uint32_t magic; /* BLOCK_MAGIC while live */
} header;

/* The header is padded to the strictest alignment so the block stays aligned. */
typedef union header_slot {
    header h;
    max_align_t align;
} header_slot;

static _Thread_local uint64_t thread_calls; /* attempts by this thread */

static bool should_fail(rtm_test_alloc *t)
{
    thread_calls++;
    uint64_t n = atomic_fetch_add(&t->calls, 1) + 1;
    uint64_t at = atomic_load(&t->fail_at);
    if (at != 0 && n == at) {
        atomic_fetch_add(&t->failed, 1);
        return true;
    }
    return false;
}

/* The header of a block we handed out, or NULL (counted) when it is not one. */
static header_slot *slot_of(rtm_test_alloc *t, void *p, size_t size)
{
    header_slot *s = (header_slot *)(void *)((char *)p - sizeof(header_slot));
    if (s->h.magic != BLOCK_MAGIC) {
        atomic_fetch_add(&t->bad_pointers, 1);
        return NULL;
    }
    if (s->h.size != size)
        atomic_fetch_add(&t->bad_sizes, 1);
    return s;
}

static void *hook_malloc(void *ctx, size_t size)
{
    rtm_test_alloc *t = ctx;
    if (should_fail(t))
        return NULL;
    header_slot *s = malloc(sizeof *s + size);
    if (!s)
        return NULL;
    s->h.size = size;
    s->h.magic = BLOCK_MAGIC;
    atomic_fetch_add(&t->live_blocks, 1);
    atomic_fetch_add(&t->live_bytes, size);
    return s + 1;
}

static void *hook_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
    rtm_test_alloc *t = ctx;
    if (!ptr)
        return hook_malloc(ctx, new_size);
    if (should_fail(t))
        return NULL;
    header_slot *s = slot_of(t, ptr, old_size);
    if (!s)
        return NULL;
    size_t had = s->h.size;
    header_slot *g = realloc(s, sizeof *g + new_size);
    if (!g)
        return NULL;
    g->h.size = new_size;
    atomic_fetch_add(&t->live_bytes, new_size);
    atomic_fetch_sub(&t->live_bytes, had);
    return g + 1;
}

static void hook_free(void *ctx, void *ptr, size_t size)
{
    rtm_test_alloc *t = ctx;
    atomic_fetch_add(&t->frees, 1);
    if (!ptr)
        return;
    header_slot *s = slot_of(t, ptr, size);
    if (!s)
        return;
    atomic_fetch_sub(&t->live_blocks, 1);
    atomic_fetch_sub(&t->live_bytes, s->h.size);
    s->h.magic = DEAD_MAGIC;
    free(s);
}

void rtm_test_alloc_init(rtm_test_alloc *t)
{
    memset(t, 0, sizeof *t);
    t->hooks = (rtm_allocator){hook_malloc, hook_realloc, hook_free, t};
    atomic_init(&t->calls, 0);
    atomic_init(&t->fail_at, 0);
    atomic_init(&t->failed, 0);
    atomic_init(&t->frees, 0);
    atomic_init(&t->live_blocks, 0);
    atomic_init(&t->live_bytes, 0);
    atomic_init(&t->bad_sizes, 0);
    atomic_init(&t->bad_pointers, 0);
}

void rtm_test_alloc_fail_in(rtm_test_alloc *t, uint64_t n)
{
    atomic_store(&t->fail_at, n ? atomic_load(&t->calls) + n : 0);
}

uint64_t rtm_test_alloc_thread_calls(void)
{
    return thread_calls;
}

uint64_t rtm_test_alloc_calls(const rtm_test_alloc *t)
{
    return atomic_load(&((rtm_test_alloc *)t)->calls);
}

size_t rtm_test_alloc_live_bytes(const rtm_test_alloc *t)
{
    return atomic_load(&((rtm_test_alloc *)t)->live_bytes);
}

size_t rtm_test_alloc_live_blocks(const rtm_test_alloc *t)
{
    return atomic_load(&((rtm_test_alloc *)t)->live_blocks);
}

bool rtm_test_alloc_sane(const rtm_test_alloc *t)
{
    rtm_test_alloc *m = (rtm_test_alloc *)t;
    return atomic_load(&m->bad_sizes) == 0 && atomic_load(&m->bad_pointers) == 0;
}
