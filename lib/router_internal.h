/* SPDX-License-Identifier: MIT */
/* What the facade (router.c) and the algorithms share: the operations every
 * algorithm implements, the router object, and the match contract.
 *
 * Match contract, for every algorithm's match function:
 *   int NAME_match(const rtm__impl *impl, unsigned method, const char *path,
 *                  size_t len, unsigned flags, rtm_result *res);
 * - The facade calls it only with len >= 1 and path[0] == '/'.
 * - It finds the best-ranked route matching the path whose leaf accepts
 *   `method` (rtm__leaf_pick); if there is one it fills res with
 *   rtm__result_found() and returns 200.
 * - Otherwise, when some leaf of another method matches the path, it sets
 *   res->status = 405, res->allow = OR of those leaves' masks, returns 405.
 * - Otherwise res->status = 404 and it returns 404. It does not compute the
 *   trailing-slash hint: the facade does that with probes.
 * - flags & RTM__MATCH_ADD_SLASH: match as if the path had one more '/'
 *   appended (the path is not copied; the byte after path[len-1] is a
 *   virtual '/'). Only the status counts in that mode; captures may be left
 *   unfilled. Used for the hint, after a 404.
 * - It never allocates, locks, or writes shared memory (the adaptive
 *   algorithm's sampled relaxed-atomic metrics excepted), and visits each
 *   node at most once. */
#ifndef RTM_LIB_ROUTER_INTERNAL_H
#define RTM_LIB_ROUTER_INTERNAL_H

#include <stddef.h>

#include "alloc.h"      /* rtm__alloc */
#include "pattern.h"    /* rtm__pattern */
#include "route.h"      /* rtm__route, rtm__leaf */
#include "routematch.h" /* public types */

#define RTM__MATCH_ADD_SLASH 1u

typedef struct rtm__impl rtm__impl; /* each algorithm's own state */

/* The trace hook (benchmarks, tests): an algorithm may offer
 *   void rtm__NAME_trace(const rtm__impl *, unsigned method, const char *path,
 *                        size_t len, rtm__visit_fn visit, void *ctx);
 * which performs exactly the lookup its match does and calls visit() once per
 * node examined (address, bytes read), and for memory read outside any node
 * with RTM__TRACE_AUX set in the size (counts towards cache lines only). */
typedef void (*rtm__visit_fn)(void *ctx, const void *node_addr, size_t node_bytes);
#define RTM__TRACE_AUX ((size_t)1 << (sizeof(size_t) * 8 - 1))

typedef struct rtm__algo_ops {
    const char *name;
    /* Make an empty instance. Returns 0, RTM_ENOMEM or RTM_ETHREAD. */
    int (*create)(rtm__impl **out, rtm__alloc *a, const rtm_config *cfg);
    /* Free the instance and every record it holds. */
    void (*destroy)(rtm__impl *impl);
    /* Bind records routes[0..n) (distinct methods, same pattern) to the
     * pattern's shape. All-or-nothing. On success the instance owns the
     * records; on failure (RTM_ECONFLICT with diag->other_route_id, RTM_ENOMEM)
     * the caller still owns them and the instance is unchanged. */
    int (*insert)(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes, unsigned n,
                  rtm_diag *diag);
    /* Unbind `methods` from the pattern's shape and free those records.
     * All-or-nothing: RTM_ENOENT (or RTM_ENOMEM) leaves the instance as it
     * was. Afterwards the tree is as if the records had never been added. */
    int (*remove)(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag);
    /* The match contract above. */
    int (*match)(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                 unsigned flags, rtm_result *res);
    /* Fill nodes, reshapes, metric_source (routes and bytes come from the facade). */
    void (*stats)(const rtm__impl *impl, rtm_stats *st);
} rtm__algo_ops;

struct rtm_router {
    rtm_algorithm algo;       /* never RTM_ALGO_DEFAULT */
    const rtm__algo_ops *ops; /* cold-path calls; match is dispatched directly */
    rtm__impl *impl;          /* the algorithm's instance */
    size_t nroutes;           /* method bindings */
    rtm__alloc alloc;         /* hooks and byte count */
};

/* The ops of an algorithm, or NULL when it is not compiled in. */
const rtm__algo_ops *rtm__algo_ops_of(rtm_algorithm a);

/* Set diag (may be NULL): err, reason, offset, and a printf-style message. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
int rtm__diag_set(rtm_diag *diag, int err, int reason, size_t offset, const char *fmt, ...);

#endif
