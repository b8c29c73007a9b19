/* SPDX-License-Identifier: MIT */
/* The radix matcher: a path-compressed radix tree over canonical shapes,
 * built for speed. It branches at segment boundaries; static edges carry
 * labels of one or more whole segments ('/' inside), and parameters, mixed
 * segments and catch-alls are nodes of their own. This header exports the
 * ops table, the direct-call match function of the facade's hot path, and
 * hooks for tests and benchmarks (a counted match, a trace for the bench
 * probe, an invariant walker). The node layout, the invariants and the
 * complexity bound are described at the top of radix.c. */
#ifndef RTM_ALGORITHMS_RADIX_RADIX_H
#define RTM_ALGORITHMS_RADIX_RADIX_H

#include <stddef.h>

#include "route.h"           /* rtm__leaf */
#include "router_internal.h" /* rtm__algo_ops, rtm__impl, rtm_result */

/* The radix tree's operations (create, destroy, insert, remove, match, stats). */
extern const rtm__algo_ops rtm__radix_ops;

/* An empty radix tree that borrows its records: insert binds records that
 * stay owned by the caller, and remove and destroy free only the tree's own
 * nodes and leaves. The adaptive algorithm keeps its table in one
 * (algorithms/adaptive/front.c). 0 or RTM_ENOMEM. */
int rtm__radix_create_mirror(rtm__impl **out, rtm__alloc *a);

/* Re-lay a mirror's nodes and leaves out in one block, in preorder (each
 * node followed by its leaf), and free the old ones; the answers do not
 * change. The mirror must have no reader. Inserts and removes go on as
 * before. 0, RTM_ENOMEM (the tree is left as it was), or RTM_EUNSUPP for
 * an instance that is not a mirror. */
int rtm__radix_pack(rtm__impl *impl);

/* Call fn for every leaf whose shape is static throughout (no param,
 * mixed or catch-all segment), with the request path that shape matches
 * exactly, in preorder. Scratch memory comes from `a`. 0, or RTM_ENOMEM
 * (fn was called for some of the leaves). */
int rtm__radix_each_static(const rtm__impl *impl, rtm__alloc *a,
                           void (*fn)(void *ctx, const char *path, size_t len,
                                      const rtm__leaf *leaf),
                           void *ctx);

/* THE MATCH CONTRACT of router_internal.h. Never allocates, never recurses,
 * reads each tree node at most once per lookup. */
int rtm__radix_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                     unsigned flags, rtm_result *res);

/* The same lookup, also storing in *visits the number of tree nodes it read:
 * the root, each static child whose label it compared and each wildcard
 * child (mixed, param, catch-all) it tried. No node is read twice in one
 * lookup, so *visits <= rtm_stats.nodes (tests check this). Always compiled
 * in; bench/probe.c finds it by name. */
int rtm__radix_match_counted(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                             unsigned flags, rtm_result *res, size_t *visits);

/* The bench probe hook (bench/probe.h): performs exactly the lookup of
 * rtm__radix_match(impl, method, path, len, 0, ...) and calls visit() once
 * per node read (as counted above) with the node's address and the bytes of
 * it the lookup reads (header, label and, in a narrow node, the tags), and
 * with the top bit of node_bytes set (RTM__TRACE_AUX) for the kid pointer
 * or wide-table slots it reads, the leaves checked and the winning record.
 * Allocates nothing. */
void rtm__radix_trace(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                      void (*visit)(void *ctx, const void *node_addr, size_t node_bytes),
                      void *ctx);

#ifdef RTM_DEBUG_VISITS
/* With RTM_DEBUG_VISITS defined when the library is built: the nodes read
 * (as counted above) by the calling thread's last rtm__radix_match()
 * (thread-local). */
size_t rtm__radix_last_visits(void);
#endif

/* Walk the whole tree and check every invariant listed in radix.c (parent
 * links, child order and keys, the first-byte index, wildcard placement and
 * parameter indexes, path compression, no dead nodes, node count). Returns
 * 0, or -1 and sets *why (may be NULL) to a static message. Writer-side: not
 * during insert/remove. Allocates: no. Recursion: none. */
int rtm__radix_check(const rtm__impl *impl, const char **why);

#endif
