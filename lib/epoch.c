/* SPDX-License-Identifier: MIT */
/* Epoch-based reclamation: the per-thread reader records, the global epoch,
 * grace-period detection and the limbo lists (API in epoch.h). Not
 * responsible for what is freed: every object comes with its own callback.
 *
 * ---- Why not liburcu ----
 *
 * Measured read-side cost (read lock + unlock, one thread, 2-core AMD EPYC,
 * gcc -O2, inlined; minimum of 10 runs of 2,000,000; liburcu 0.13.2 from
 * Debian):
 *
 *     this file, membarrier mode      0.81 ns
 *     liburcu-memb (_LGPL_SOURCE)     0.96 ns
 *     liburcu-bp   (_LGPL_SOURCE)     1.30 ns
 *     this file, fence mode           1.8-3.8 ns (no membarrier; TSan builds)
 *
 * against 50-300 ns per adaptive lookup. So liburcu buys no speed, and it
 * costs: urcu-memb needs rcu_register_thread() in every thread that calls
 * rtm_match(), which a library cannot ask of its callers; urcu-bp registers
 * on a thread's first read lock by allocating (mmap) on the lookup path,
 * which the match contract forbids; and call_rcu() frees from its own
 * worker thread with malloc'ed callbacks, outside the router's allocator
 * hooks and byte count. Our EBR claims a record from a static table on a
 * thread's first lookup (no allocation) and frees through the owner's
 * allocator, on the owner's policy thread.
 *
 * ---- The protocol ----
 *
 *   G            the global epoch, a 64-bit counter that only grows (no wrap).
 *   rec.state    per reader thread: 0 outside a section, (g << 1) | 1 inside
 *                a section that announced epoch g.
 *
 *   reader (rtm__epoch_enter/exit)        writer (the reshaper)
 *   R0: g = load(G, acquire)               W0: store(slot, new, release)
 *   R1: store(rec.state, g<<1|1, release)  W1: fence(seq_cst); e = load(G)
 *   R2: fence(seq_cst)  [fence mode]           retire(old, tag e)
 *       compiler barrier [membarrier mode]
 *   R3: p = load(slot, acquire); use *p    W2: g = load(G); membarrier() [if
 *   R4: store(rec.state, 0, release)           membarrier mode]; fence(seq_cst);
 *                                              for each rec: s = load(acquire);
 *                                              s active and s>>1 != g: give up
 *                                          W3: CAS(G, g, g + 1)
 *                                          W4: free entries with tag + 3 <= G
 *
 * ---- Which barrier pairs with which ----
 *
 * - W0 (release) pairs with R3 (acquire): a reader that loads the new
 *   pointer sees the object fully built. The reshaper builds privately, so
 *   readers never see a half-built node.
 * - R2 pairs with W1's and W2's fences (store-buffering shape): for a
 *   section S and a scan whose fence F2 comes after W1 in the single total
 *   order of seq_cst fences, either S's R3 load comes after F2's pairing
 *   point and sees `new` (so S never touches `old`), or S's R1 store is
 *   visible to the scan's loads. In membarrier mode R2 is only a compiler
 *   barrier: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) runs a full
 *   barrier on every CPU running one of our threads between its entry and
 *   return (context switches imply one for the others), which stands for R2
 *   at some point of S; the same case split holds (liburcu-memb's argument).
 * - R4 (release) pairs with W2's acquire loads: when the scan reads idle (or
 *   a later section's R1, also release), everything S did happens before the
 *   writer's later free. This is also the edge ThreadSanitizer sees.
 * - R0 (acquire) pairs with W3 (the CAS is seq_cst, hence release): a reader
 *   that announces epoch g + 1 started after the scan that made it g + 1.
 *
 * ---- Why an object retired with tag e is safe to free at G >= e + 3 ----
 *
 * Let S be a section that loaded `old`. Its R3 did not see W0, so every scan
 * whose fence comes after W1 sees S's R1 (previous point). The scan that
 * moved G from e + 1 to e + 2 read G = e + 1 after the CAS from e, which came
 * after W1's load of e in the seq_cst order, so its fence comes after W1 and
 * it saw S's announcement g_S unless S had already exited (R4, fine). Since
 * it advanced, g_S == e + 1 or S had exited. The scan from e + 2 to e + 3
 * comes later still; it needs g_S == e + 2, which is impossible for an S
 * that announced e + 1 (or less) and has not exited. So when G reaches
 * e + 3, S has exited, and R4 -> W2 orders S's reads before the free.
 * Can g_S be e + 2 or more? Then S's R0 read the value written by the CAS
 * to e + 2 (or later), whose scan fence came after W1; R0 is acquire, so
 * S's R3 comes after that fence and sees `new`: S never held `old`.
 * With seq_cst fences on both sides two scans would do (tag + 2, as in
 * ck_epoch), but in membarrier mode a reader's R0 may read a G that is one
 * step stale relative to its R3, hence the third scan for both modes.
 *
 * A reader that stalls inside a section only delays frees (G cannot pass
 * g_S + 1); it is never unsafe. Limbo lists are freed by their owner's
 * writer side only, so no lock guards them.
 *
 * ---- Records ----
 *
 * A thread claims a slot of a static, cache-line-aligned table on its first
 * enter (CAS on `owned`), raises the high-water mark that scans read (a
 * seq_cst RMW sequenced before the section's R2, so a scan that misses the
 * new slot is one whose fence precedes R2, and then S sees `new`), and
 * releases the slot from a pthread key destructor at thread exit. When all
 * RTM__EPOCH_SLOTS are taken, further threads share the overflow record,
 * whose state counts them (fetch_add seq_cst / fetch_sub release); a scan
 * gives up while it is not zero. */
#define _GNU_SOURCE /* syscall() */
#include "epoch.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__) && defined(SYS_membarrier)
#include <linux/membarrier.h>
#define RTM__HAVE_MEMBARRIER 1
#endif

_Atomic uint64_t rtm__epoch_global = 1;
_Atomic int rtm__epoch_asym = 0;
rtm__epoch_rec rtm__epoch_overflow;
_Thread_local rtm__epoch_rec *rtm__epoch_self;

static rtm__epoch_rec slots[RTM__EPOCH_SLOTS];
static _Atomic uint32_t slots_hwm; /* slots [0, hwm) have been claimed at least once */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t slot_key;
static bool slot_key_ok;

static void epoch_thread_exit(void *p);

/* ---- Mode and registration ---- */

static void epoch_init_once(void)
{
    slot_key_ok = false;
    if (pthread_key_create(&slot_key, epoch_thread_exit) == 0)
        slot_key_ok = true;
#if defined(RTM__HAVE_MEMBARRIER) && !defined(RTM__EPOCH_TSAN)
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (q > 0 && (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        atomic_store_explicit(&rtm__epoch_asym, 1, memory_order_seq_cst);
#endif
}

void rtm__epoch_init(void)
{
    pthread_once(&init_once, epoch_init_once);
}

const char *rtm__epoch_mode(void)
{
    return atomic_load_explicit(&rtm__epoch_asym, memory_order_relaxed) ? "membarrier" : "fence";
}

/* Thread exit: the thread is outside any section (state 0); give the slot
 * back. */
static void epoch_thread_exit(void *p)
{
    rtm__epoch_rec *r = p;
    rtm__epoch_self = NULL;
    atomic_store_explicit(&r->state, 0, memory_order_release);
    atomic_store_explicit(&r->owned, 0, memory_order_release); /* pairs with the claim CAS */
}

rtm__epoch_rec *rtm__epoch_register(void)
{
    rtm__epoch_init();
    for (uint32_t i = 0; i < RTM__EPOCH_SLOTS; i++) {
        uint32_t zero = 0;
        if (atomic_load_explicit(&slots[i].owned, memory_order_relaxed) != 0 ||
            !atomic_compare_exchange_strong_explicit(&slots[i].owned, &zero, 1,
                                                     memory_order_acquire, memory_order_relaxed))
            continue;
        /* Raise the high-water mark before the first R2 (see "Records"). */
        uint32_t h = atomic_load_explicit(&slots_hwm, memory_order_seq_cst);
        while (h < i + 1 && !atomic_compare_exchange_weak_explicit(
                                &slots_hwm, &h, i + 1, memory_order_seq_cst, memory_order_seq_cst))
            ;
        /* Without a key destructor the slot is never given back (still
         * correct; the table just fills up). glibc keeps the first 32 keys'
         * values inline: no allocation here. */
        if (slot_key_ok)
            pthread_setspecific(slot_key, &slots[i]);
        rtm__epoch_self = &slots[i];
        return &slots[i];
    }
    rtm__epoch_self = &rtm__epoch_overflow;
    return &rtm__epoch_overflow;
}

/* ---- Write side ---- */

uint64_t rtm__epoch_unlinked(void)
{
    atomic_thread_fence(memory_order_seq_cst); /* W1: pairs with R2 */
    return atomic_load_explicit(&rtm__epoch_global, memory_order_seq_cst);
}

void rtm__epoch_retire(rtm__epoch_limbo *l, rtm__epoch_entry *e, uint64_t tag,
                       void (*fn)(rtm__epoch_entry *e, void *ctx))
{
    e->next = NULL;
    e->epoch = tag;
    e->fn = fn;
    if (l->tail)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    l->n++;
}

/* One attempt at G -> G + 1 (steps W2, W3). True when G moved (by us or by
 * a concurrent scanner). */
static bool epoch_try_advance(void)
{
    uint64_t g = atomic_load_explicit(&rtm__epoch_global, memory_order_seq_cst);
#if defined(RTM__HAVE_MEMBARRIER)
    if (atomic_load_explicit(&rtm__epoch_asym, memory_order_relaxed) &&
        syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
        return false; /* cannot prove anything about the readers: free nothing */
#endif
    atomic_thread_fence(memory_order_seq_cst); /* W2: pairs with R2 */
    uint32_t n = atomic_load_explicit(&slots_hwm, memory_order_seq_cst);
    for (uint32_t i = 0; i < n; i++) {
        /* pairs with R1 / R4 (release) */
        uint64_t s = atomic_load_explicit(&slots[i].state, memory_order_acquire);
        if ((s & 1u) && (s >> 1) != g)
            return false;
    }
    /* pairs with the overflow readers' fetch_add / fetch_sub */
    if (atomic_load_explicit(&rtm__epoch_overflow.state, memory_order_acquire) != 0)
        return false;
    uint64_t expect = g;
    /* W3: pairs with R0 (acquire) */
    atomic_compare_exchange_strong_explicit(&rtm__epoch_global, &expect, g + 1,
                                            memory_order_seq_cst, memory_order_seq_cst);
    return true;
}

static size_t limbo_free_upto(rtm__epoch_limbo *l, void *ctx, uint64_t limit, bool all)
{
    size_t freed = 0;
    while (l->head && (all || l->head->epoch + RTM__EPOCH_LAG <= limit)) {
        rtm__epoch_entry *e = l->head;
        l->head = e->next;
        if (!l->head)
            l->tail = NULL;
        l->n--;
        e->fn(e, ctx);
        freed++;
    }
    return freed;
}

size_t rtm__epoch_poll(rtm__epoch_limbo *l, void *ctx, unsigned tries)
{
    rtm__epoch_init();
    for (unsigned i = 0; i < tries; i++) {
        if (!l->head || l->head->epoch + RTM__EPOCH_LAG <=
                            atomic_load_explicit(&rtm__epoch_global, memory_order_seq_cst))
            break;
        if (!epoch_try_advance())
            break;
    }
    uint64_t g = atomic_load_explicit(&rtm__epoch_global, memory_order_seq_cst);
    return limbo_free_upto(l, ctx, g, false);
}

size_t rtm__epoch_drain(rtm__epoch_limbo *l, void *ctx)
{
    return limbo_free_upto(l, ctx, 0, true);
}
