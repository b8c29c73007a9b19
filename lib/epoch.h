/* SPDX-License-Identifier: MIT */
/* Epoch-based reclamation (EBR) for structures that readers walk without
 * locks while one writer per structure replaces parts of them: the adaptive
 * algorithm's reshaper. Shaped like Concurrency Kit's ck_epoch: readers
 * bracket a lookup with rtm__epoch_enter()/rtm__epoch_exit(), the writer
 * unlinks an object, hands it to rtm__epoch_retire(), and rtm__epoch_poll()
 * frees it once no reader can still hold it. The correctness argument (which
 * barrier pairs with which) is at the top of epoch.c; read it before
 * touching any memory order here.
 *
 * One process-wide domain: every thread gets one cache-line-aligned record
 * from a static table on its first enter (no allocation, ever, on the read
 * side), released when the thread exits. Objects wait in per-owner limbo
 * lists (each router has its own) so that they are freed with the owner's
 * allocator. Not responsible for the objects themselves: the callback frees. */
#ifndef RTM_LIB_EPOCH_H
#define RTM_LIB_EPOCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Records in the static table; threads past this share one slower overflow
 * record (a reader count), which stays correct but blocks epoch advances
 * while any overflow reader is inside. */
#define RTM__EPOCH_SLOTS 512

/* An object retired at global epoch e is freed once the epoch reaches
 * e + RTM__EPOCH_LAG (see epoch.c for why 3 and not 2). */
#define RTM__EPOCH_LAG 3

/* One reader's announcement. state: 0 when outside a read section, else
 * (epoch << 1) | 1. Alone on its cache line: only its thread writes it. */
typedef struct rtm__epoch_rec {
    _Alignas(64) _Atomic uint64_t state; /* 0 idle, else (epoch << 1) | 1 */
    _Atomic uint32_t owned;              /* 1 while a live thread holds this slot */
} rtm__epoch_rec;

/* An intrusive retire entry: embed it in the retired object (or a small
 * record pointing at it) and recover the container in the callback. */
typedef struct rtm__epoch_entry {
    struct rtm__epoch_entry *next;                     /* limbo list link */
    uint64_t epoch;                                    /* global epoch when retired */
    void (*fn)(struct rtm__epoch_entry *e, void *ctx); /* frees the object */
} rtm__epoch_entry;

/* A FIFO of retired objects owned by one writer (one router); entries are in
 * non-decreasing epoch order. Only the owner's writer side touches it. */
typedef struct rtm__epoch_limbo {
    rtm__epoch_entry *head; /* oldest */
    rtm__epoch_entry *tail; /* newest */
    size_t n;               /* entries waiting */
} rtm__epoch_limbo;

/* ThreadSanitizer does not model membarrier(): sanitized builds always use
 * the symmetric fences on the read side. */
#if defined(__SANITIZE_THREAD__)
#define RTM__EPOCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RTM__EPOCH_TSAN 1
#endif
#endif

/* ---- Shared state the inline read side needs (defined in epoch.c) ---- */

extern _Atomic uint64_t rtm__epoch_global;            /* the global epoch, starts at 1 */
extern _Atomic int rtm__epoch_asym;                   /* 1: writers use membarrier() */
extern rtm__epoch_rec rtm__epoch_overflow;            /* state counts overflow readers */
extern _Thread_local rtm__epoch_rec *rtm__epoch_self; /* this thread's record */

/* Claim a record for the calling thread (first enter only). Never allocates;
 * returns &rtm__epoch_overflow when the table is full. */
rtm__epoch_rec *rtm__epoch_register(void);

/* ---- Read side ---- */

/* Start a read section: from here until rtm__epoch_exit() every object the
 * thread reaches through a published pointer stays allocated. Wait-free, no
 * allocation, no lock; the cost is one relaxed store and a compiler barrier
 * when the kernel offers membarrier(), else a store and a full fence. Not
 * reentrant (the library never nests sections). */
static inline rtm__epoch_rec *rtm__epoch_enter(void)
{
    rtm__epoch_rec *r = rtm__epoch_self;
    if (__builtin_expect(r == NULL, 0))
        r = rtm__epoch_register();
    if (__builtin_expect(r == &rtm__epoch_overflow, 0)) {
        /* pairs with the acquire load in epoch_try_advance() */
        atomic_fetch_add_explicit(&r->state, 1, memory_order_seq_cst);
        return r;
    }
    /* pairs with the release CAS that advanced it (epoch.c, step W3) */
    uint64_t g = atomic_load_explicit(&rtm__epoch_global, memory_order_acquire);
    /* R1: announce. Release so that a writer reading this value also sees
     * everything the previous section did (pairs with W2's acquire load). */
    atomic_store_explicit(&r->state, (g << 1) | 1u, memory_order_release);
#if defined(RTM__EPOCH_TSAN)
    atomic_thread_fence(memory_order_seq_cst); /* R2, symmetric mode only */
#else
    if (atomic_load_explicit(&rtm__epoch_asym, memory_order_relaxed))
        atomic_signal_fence(memory_order_seq_cst); /* R2: membarrier() supplies the fence */
    else
        atomic_thread_fence(memory_order_seq_cst); /* R2: pairs with the writer's W2 fence */
#endif
    return r;
}

/* End a read section. Release: pairs with the acquire loads of the scan in
 * epoch_try_advance(), so the section's reads happen before any free. */
static inline void rtm__epoch_exit(rtm__epoch_rec *r)
{
    if (__builtin_expect(r == &rtm__epoch_overflow, 0)) {
        atomic_fetch_sub_explicit(&r->state, 1, memory_order_release);
        return;
    }
    atomic_store_explicit(&r->state, 0, memory_order_release);
}

/* ---- Write side (one writer per limbo list; callers serialise) ---- */

/* Call after the release store that unlinked the object: a full fence (W1)
 * then the global epoch the object is tagged with. */
uint64_t rtm__epoch_unlinked(void);

/* Queue `e` (already unlinked; `tag` from rtm__epoch_unlinked()) to run
 * e->fn(e, ctx) after a grace period. Never allocates. */
void rtm__epoch_retire(rtm__epoch_limbo *l, rtm__epoch_entry *e, uint64_t tag,
                       void (*fn)(rtm__epoch_entry *e, void *ctx));

/* Try to advance the global epoch up to `tries` times (each try needs every
 * active reader to be in the current epoch), then run the callbacks of every
 * entry whose grace period has passed. Returns the number freed. Never
 * blocks on readers. */
size_t rtm__epoch_poll(rtm__epoch_limbo *l, void *ctx, unsigned tries);

/* Run every callback now. Only when the caller knows that no reader of the
 * owner's structure is inside a read section (e.g. rtm_add, rtm_free: the
 * threading contract quiesces readers). */
size_t rtm__epoch_drain(rtm__epoch_limbo *l, void *ctx);

/* Which read-side barrier is in use: "membarrier" or "fence". */
const char *rtm__epoch_mode(void);

/* Make the mode choice now (also done lazily). Idempotent, thread-safe. */
void rtm__epoch_init(void);

#endif
