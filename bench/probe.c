/* SPDX-License-Identifier: MIT */
/* The benchmark side of the probe (probe.h): finds each algorithm's trace
 * hook through a weak reference and turns the visit() calls of one lookup
 * into nodes, bytes and distinct cache lines. Not responsible for the hooks
 * themselves, which live with the algorithms. */
#include "probe.h"

#include "router_internal.h" /* struct rtm_router (impl), rtm__impl */
#include "workload.h"        /* wl_requests */

/* ---- The hooks, weak: NULL when an algorithm does not offer one ---- */

#define PROBE_TRACE_DECL(NAME)                                                                     \
    __attribute__((weak)) void rtm__##NAME##_trace(const rtm__impl *impl, unsigned method,         \
                                                   const char *path, size_t len,                   \
                                                   rtm__visit_fn visit, void *ctx);
#define PROBE_COUNTED_DECL(NAME)                                                                   \
    __attribute__((weak)) int rtm__##NAME##_match_counted(                                         \
        const rtm__impl *impl, unsigned method, const char *path, size_t len, unsigned flags,      \
        rtm_result *res, size_t *visits);
#define PROBE_ALGOS(X) X(reference) X(trie) X(radix) X(adaptive)
PROBE_ALGOS(PROBE_TRACE_DECL)
PROBE_ALGOS(PROBE_COUNTED_DECL)
/* One policy tick (algorithms/adaptive/adaptive.h); NULL: sampled figures. */
struct rtm__adaptive_metrics;
__attribute__((weak)) int rtm__adaptive_step(rtm__impl *impl,
                                             const struct rtm__adaptive_metrics *injected);

typedef void (*probe_trace_fn)(const rtm__impl *, unsigned, const char *, size_t, rtm__visit_fn,
                               void *);
typedef int (*probe_counted_fn)(const rtm__impl *, unsigned, const char *, size_t, unsigned,
                                rtm_result *, size_t *);

typedef struct probe_hooks {
    probe_trace_fn trace;     /* NULL when absent */
    probe_counted_fn counted; /* NULL when absent */
} probe_hooks;

static probe_hooks hooks_of(rtm_algorithm a)
{
    switch (a) {
#define PROBE_CASE(NAME, ENUM)                                                                     \
    case ENUM:                                                                                     \
        return (probe_hooks){rtm__##NAME##_trace, rtm__##NAME##_match_counted};
        PROBE_CASE(reference, RTM_ALGO_REFERENCE)
        PROBE_CASE(trie, RTM_ALGO_TRIE)
        PROBE_CASE(radix, RTM_ALGO_RADIX)
        PROBE_CASE(adaptive, RTM_ALGO_ADAPTIVE)
#undef PROBE_CASE
    default:
        return (probe_hooks){NULL, NULL};
    }
}

unsigned probe_caps(rtm_algorithm a)
{
    if (a == RTM_ALGO_DEFAULT)
        a = rtm_algorithm_default();
    if (!rtm_algorithm_available(a))
        return 0;
    probe_hooks h = hooks_of(a);
    return h.trace ? PROBE_NODES | PROBE_LINES : h.counted ? PROBE_NODES : 0;
}

/* ---- One lookup's distinct lines: a small open-addressed set ---- */

#define PROBE_SET_SIZE 4096u /* slots; at most half are used */

typedef struct probe_ctx {
    uint64_t slot[PROBE_SET_SIZE];       /* line number + 1; 0 = empty */
    uint16_t filled[PROBE_SET_SIZE / 2]; /* indices of the used slots, to clear them */
    unsigned used;                       /* distinct lines so far */
    bool overflow;                       /* more than PROBE_SET_SIZE / 2 lines */
    uint64_t nodes;                      /* node visits */
    uint64_t bytes;                      /* bytes reported */
} probe_ctx;

static void add_line(probe_ctx *c, uint64_t line)
{
    uint64_t key = line + 1;
    unsigned h = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 52) & (PROBE_SET_SIZE - 1);
    while (c->slot[h]) {
        if (c->slot[h] == key)
            return;
        h = (h + 1) & (PROBE_SET_SIZE - 1);
    }
    if (c->used >= PROBE_SET_SIZE / 2) {
        c->overflow = true;
        return;
    }
    c->slot[h] = key;
    c->filled[c->used++] = (uint16_t)h;
}

static void visit(void *ctx, const void *addr, size_t bytes)
{
    probe_ctx *c = ctx;
    if (bytes & RTM__TRACE_AUX)
        bytes &= ~RTM__TRACE_AUX;
    else
        c->nodes++;
    c->bytes += bytes;
    if (bytes == 0)
        bytes = 1; /* a node whose size is not reported still sits on a line */
    uintptr_t a = (uintptr_t)addr;
    for (uintptr_t l = a / 64; l <= (a + bytes - 1) / 64; l++)
        add_line(c, (uint64_t)l);
}

void probe_lookup(const rtm_router *r, rtm_method method, const char *path, size_t len,
                  probe_totals *t)
{
    static probe_ctx c; /* 40 KiB: not on the stack; the bench is single-threaded */
    probe_hooks h = hooks_of(r->algo);
    if (len == 0 || path[0] != '/')
        return; /* the facade answers these itself */
    if (!h.trace) {
        if (h.counted) {
            static rtm_result res;
            size_t visits = 0;
            h.counted(r->impl, (unsigned)method, path, len, 0, &res, &visits);
            t->lookups++;
            t->nodes += visits;
        }
        return;
    }
    for (unsigned i = 0; i < c.used; i++)
        c.slot[c.filled[i]] = 0;
    c.used = 0;
    c.overflow = false;
    c.nodes = 0;
    c.bytes = 0;
    h.trace(r->impl, (unsigned)method, path, len, visit, &c);
    t->lookups++;
    t->nodes += c.nodes;
    t->lines += c.used;
    t->bytes += c.bytes;
    t->min_lines += (c.bytes + 63) / 64;
    t->overflowed += c.overflow;
}

bool probe_settle(rtm_router *r, const wl_requests *q, unsigned periods)
{
    if (r->algo != RTM_ALGO_ADAPTIVE || !rtm__adaptive_step || q->n == 0)
        return true;
    rtm_result res;
    size_t i = 0;
    for (unsigned p = 0; p < periods; p++) {
        for (size_t k = 0; k < ((size_t)1 << 20); k++) {
            rtm_match(r, (rtm_method)q->v[i].method, q->v[i].path, q->v[i].len, &res);
            if (++i == q->n)
                i = 0;
        }
        rtm__adaptive_step(r->impl, NULL);
    }
    return true;
}
