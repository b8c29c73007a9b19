/* SPDX-License-Identifier: MIT */
/* The arena and the trap-flag tracer of memtrace.h.
 *
 * Tracing one access, step by step:
 *   1. the arena is PROT_NONE, so the lookup's load faults: SIGSEGV with
 *      si_addr = the exact address (x86 CR2);
 *   2. on_segv() records it, makes that page readable and writable, and sets
 *      the trap flag (EFLAGS.TF) in the interrupted context;
 *   3. the kernel resumes the lookup, which re-executes the instruction, now
 *      successfully, and the trap flag raises SIGTRAP right after it;
 *   4. on_trap() makes the page PROT_NONE again and clears the flag.
 * One instruction that touches two pages faults twice in step 3; both pages
 * are remembered and closed in step 4. Nothing in the handlers allocates;
 * mprotect() is async-signal-safe. */
#define _GNU_SOURCE 1 /* REG_EFL, MAP_ANONYMOUS */
#include "memtrace.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__) && defined(__x86_64__)
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#define MEMTRACE_OK 1
#else
#define MEMTRACE_OK 0
#endif

#define ARENA_RESERVE ((size_t)64 << 30) /* address space only */
#define TRAP_FLAG     0x100
#define BLOCK_TAG     ((uint64_t)1 << 62) /* marks a block index in the line map */

#if MEMTRACE_OK

/* ---- The arena ---- */

static struct arena {
    char *base;        /* reservation start, NULL when none */
    size_t used;       /* bytes handed out (chunk layout included) */
    uintptr_t *starts; /* user pointer of every allocation, increasing (malloc'ed) */
    size_t nstarts, cap;
    bool oom; /* the block table could not grow */
} A;

static void *arena_malloc(void *ctx, size_t size)
{
    (void)ctx;
    /* glibc's layout: a 16-byte aligned chunk, 8 bytes of header that the
     * user pointer follows by 16, chunk size max(32, round16(size + 8)). */
    size_t chunk = (size + 8 + 15) & ~(size_t)15;
    if (chunk < 32)
        chunk = 32;
    if (!A.base || size > ARENA_RESERVE || A.used + chunk + 16 > ARENA_RESERVE)
        return NULL;
    if (A.nstarts == A.cap) {
        size_t ncap = A.cap ? 2 * A.cap : 4096;
        uintptr_t *n = realloc(A.starts, ncap * sizeof *n);
        if (!n) {
            A.oom = true;
            return NULL;
        }
        A.starts = n;
        A.cap = ncap;
    }
    char *p = A.base + A.used + 16;
    A.used += chunk;
    A.starts[A.nstarts++] = (uintptr_t)p;
    return p;
}

static void *arena_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
    void *p = arena_malloc(ctx, new_size);
    if (p && ptr)
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    return p;
}

static void arena_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)ptr;
    (void)size; /* never reused: the layout stays that of a fresh build */
}

static const rtm_allocator arena_hooks = {arena_malloc, arena_realloc, arena_free, NULL};

/* Index of the block holding address a (the last start <= a). */
static size_t block_of(uintptr_t a)
{
    size_t lo = 0, hi = A.nstarts;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (A.starts[mid] <= a)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

bool memtrace_supported(void)
{
    return true;
}

const rtm_allocator *memtrace_arena(void)
{
    memtrace_arena_release();
    void *p = mmap(NULL, ARENA_RESERVE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    A.base = p;
    return &arena_hooks;
}

size_t memtrace_arena_used(void)
{
    return A.used;
}

void memtrace_arena_release(void)
{
    if (A.base)
        munmap(A.base, ARENA_RESERVE);
    free(A.starts);
    memset(&A, 0, sizeof A);
}

/* ---- Lines (and tagged blocks) seen across lookups: how many lookups touch each ---- */

static struct linemap {
    uint64_t *key; /* line + 1; 0 = empty */
    uint32_t *cnt; /* lookups that touched it */
    size_t cap;    /* power of two */
    size_t used;
} M;

static bool map_grow(void)
{
    size_t ncap = M.cap ? 2 * M.cap : 1u << 14;
    uint64_t *k = calloc(ncap, sizeof *k);
    uint32_t *c = calloc(ncap, sizeof *c);
    if (!k || !c) {
        free(k);
        free(c);
        return false;
    }
    for (size_t i = 0; i < M.cap; i++) {
        if (!M.key[i])
            continue;
        size_t h = (size_t)((M.key[i] * 0x9E3779B97F4A7C15ull) >> 20) & (ncap - 1);
        while (k[h])
            h = (h + 1) & (ncap - 1);
        k[h] = M.key[i];
        c[h] = M.cnt[i];
    }
    free(M.key);
    free(M.cnt);
    M.key = k;
    M.cnt = c;
    M.cap = ncap;
    return true;
}

static void map_count(uint64_t line)
{
    if (2 * (M.used + 1) > M.cap && !map_grow())
        return;
    uint64_t key = line + 1;
    size_t h = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (M.cap - 1);
    while (M.key[h] && M.key[h] != key)
        h = (h + 1) & (M.cap - 1);
    if (!M.key[h]) {
        M.key[h] = key;
        M.used++;
    }
    M.cnt[h]++;
}

static void map_free(void)
{
    free(M.key);
    free(M.cnt);
    memset(&M, 0, sizeof M);
}

/* ---- The tracer ---- */

static struct tracer {
    uintptr_t lo, hi;         /* the protected range, page aligned */
    size_t page;              /* page size */
    volatile sig_atomic_t on; /* handlers are ours to act */
    uintptr_t open[8];        /* pages opened for the current instruction */
    int nopen;
    uintptr_t *acc; /* addresses of the current lookup */
    size_t nacc, cap;
    volatile sig_atomic_t overflow; /* cap reached: the range is open */
    struct sigaction old_segv, old_trap;
} T;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (!T.on || a < T.lo || a >= T.hi) {
        /* not ours: restore the previous disposition and fault again */
        sigaction(SIGSEGV, &T.old_segv, NULL);
        return;
    }
    if (T.nacc == T.cap) {
        /* Too many: open the whole arena and let the lookup run free. */
        T.overflow = 1;
        T.nopen = 0;
        mprotect((void *)T.lo, T.hi - T.lo, PROT_READ | PROT_WRITE);
        return;
    }
    T.acc[T.nacc++] = a;
    uintptr_t pg = a & ~(uintptr_t)(T.page - 1);
    mprotect((void *)pg, T.page, PROT_READ | PROT_WRITE);
    if (T.nopen < 8)
        T.open[T.nopen++] = pg;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
    if (!T.overflow)
        for (int i = 0; i < T.nopen; i++)
            mprotect((void *)T.open[i], T.page, PROT_NONE);
    T.nopen = 0;
}

bool memtrace_begin(size_t max_accesses_per_lookup)
{
    if (!A.base || A.used == 0)
        return false;
    T.page = (size_t)sysconf(_SC_PAGESIZE);
    T.lo = (uintptr_t)A.base;
    T.hi = ((uintptr_t)A.base + A.used + 16 + T.page - 1) & ~(uintptr_t)(T.page - 1);
    T.cap = max_accesses_per_lookup ? max_accesses_per_lookup : 1;
    T.acc = malloc(T.cap * sizeof *T.acc);
    if (!T.acc)
        return false;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &T.old_segv);
    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, &T.old_trap);
    T.nopen = 0;
    T.overflow = 0;
    map_free();
    T.on = 1;
    mprotect((void *)T.lo, T.hi - T.lo, PROT_NONE);
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t distinct(uint64_t *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    uint64_t d = 1;
    for (size_t i = 1; i < n; i++)
        d += v[i] != v[i - 1];
    return d;
}

void memtrace_lookup(const rtm_router *r, rtm_method method, const char *path, size_t len,
                     rtm_result *res, memtrace_totals *t)
{
    if (T.overflow) {
        mprotect((void *)T.lo, T.hi - T.lo, PROT_NONE);
        T.overflow = 0;
    }
    T.nacc = 0;
    rtm_match(r, method, path, len, res);
    if (T.overflow) {
        t->overflowed++;
        return;
    }
    size_t n = T.nacc;
    uint64_t *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = T.acc[i] >> 6;
    t->lines += distinct(v, n);
    for (size_t i = 0; i < n; i++) /* v is sorted: count each line once */
        if (i == 0 || v[i] != v[i - 1])
            map_count(v[i]);
    for (size_t i = 0; i < n; i++)
        v[i] = block_of(T.acc[i]);
    t->blocks += distinct(v, n);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || v[i] != v[i - 1])
            map_count(v[i] | BLOCK_TAG);
    t->accesses += n;
    t->lookups++;
    free(v);
}

void memtrace_end(memtrace_totals *t)
{
    T.on = 0;
    mprotect((void *)T.lo, T.hi - T.lo, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &T.old_segv, NULL);
    sigaction(SIGTRAP, &T.old_trap, NULL);
    free(T.acc);
    T.acc = NULL;
    for (size_t i = 0; i < M.cap; i++) {
        if (!M.key[i])
            continue;
        unsigned k = 0;
        while (k + 1 < MEMTRACE_REUSE_BUCKETS && (M.cnt[i] >> (k + 1)))
            k++;
        if ((M.key[i] - 1) & BLOCK_TAG)
            t->block_reuse[k] += M.cnt[i];
        else
            t->reuse[k] += M.cnt[i];
    }
    map_free();
}

#else /* not x86-64 Linux */

bool memtrace_supported(void)
{
    return false;
}

const rtm_allocator *memtrace_arena(void)
{
    return NULL;
}

size_t memtrace_arena_used(void)
{
    return 0;
}

void memtrace_arena_release(void)
{
}

bool memtrace_begin(size_t max_accesses_per_lookup)
{
    (void)max_accesses_per_lookup;
    return false;
}

void memtrace_lookup(const rtm_router *r, rtm_method method, const char *path, size_t len,
                     rtm_result *res, memtrace_totals *t)
{
    (void)t;
    rtm_match(r, method, path, len, res);
}

void memtrace_end(memtrace_totals *t)
{
    (void)t;
}

#endif
