/* SPDX-License-Identifier: MIT */
/* The plain trie matcher: one node per path segment, no path compression.
 * It is the baseline the radix and adaptive algorithms are measured against.
 * This header exports the ops table, the direct-call match function the
 * facade's hot path uses, and hooks for tests and benchmarks (a counted
 * match, a trace for the bench probe, an invariant walker). The design is
 * described at the top of trie.c. */
#ifndef RTM_ALGORITHMS_TRIE_TRIE_H
#define RTM_ALGORITHMS_TRIE_TRIE_H

#include <stddef.h>

#include "router_internal.h" /* rtm__algo_ops, rtm__impl, rtm_result */

/* The trie's operations (create, destroy, insert, remove, match, stats). */
extern const rtm__algo_ops rtm__trie_ops;

/* THE MATCH CONTRACT of router_internal.h. Never allocates, never recurses,
 * enters each trie node at most once. */
int rtm__trie_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                    unsigned flags, rtm_result *res);

/* The same lookup, also storing in *visits the number of trie nodes it read:
 * the root, each static child whose label it compared, each mixed child it
 * tried, the "{}" child it took and the "{*}" child it tried. No node is read
 * twice in one lookup, so *visits <= rtm_stats.nodes (tests check this).
 * Always compiled in; bench/probe.c finds it by name. */
int rtm__trie_match_counted(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res, size_t *visits);

/* The bench probe hook (bench/probe.h): performs exactly the lookup of
 * rtm__trie_match(impl, method, path, len, 0, ...) and calls visit() once per
 * node read (as counted above) with the node's address and its header plus
 * label bytes, and for the static-child slots probed, the mixed-array
 * entries read, the leaves checked and the winning record with the top bit
 * of node_bytes set (RTM__TRACE_AUX). Allocates nothing. */
void rtm__trie_trace(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                     void (*visit)(void *ctx, const void *node_addr, size_t node_bytes), void *ctx);

#ifdef RTM_DEBUG_VISITS
/* With RTM_DEBUG_VISITS defined when the library is built: the nodes read
 * (as counted above) by the calling thread's last rtm__trie_match()
 * (thread-local). */
size_t rtm__trie_last_visits(void);
#endif

/* Walk the whole trie and check every invariant listed in trie.c (parent
 * links, child order and positions, parameter indexes, no dead nodes, node
 * count). Returns 0, or -1 and sets *why (may be NULL) to a static message.
 * Writer-side: not during insert/remove. Allocates: no. Recursion: none. */
int rtm__trie_check(const rtm__impl *impl, const char **why);

#endif
