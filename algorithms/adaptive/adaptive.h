/* SPDX-License-Identifier: MIT */
/* The adaptive matcher: a segment tree whose depth-1 subtrees each live in
 * one of two encodings (a pointer trie, easy to insert into, or a packed
 * contiguous array laid out hot-first with merged static chains) and are
 * re-encoded at run time by a background policy thread from sampled path
 * entropy and cache-miss ratios; a hot trie of the routes traffic hits in
 * front of it; and a radix mirror of the table that the policy lets answer
 * when it measures the higher lookup rate (front.c). This header exports
 * the ops table, the direct-call match function, the deterministic policy
 * step for tests, and the per-subtree figures for tests, the CLI and
 * benchmarks. The design and its correctness argument are at the top of
 * adaptive.c and lookup.c, and in README.md. */
#ifndef RTM_ALGORITHMS_ADAPTIVE_ADAPTIVE_H
#define RTM_ALGORITHMS_ADAPTIVE_ADAPTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "router_internal.h" /* rtm__algo_ops, rtm__impl, rtm_result, rtm_config */

/* The adaptive algorithm's operations (create, destroy, insert, remove, match, stats). */
extern const rtm__algo_ops rtm__adaptive_ops;

/* THE MATCH CONTRACT of router_internal.h. Never allocates, never locks,
 * never recurses; enters each node at most once. Writes shared memory only
 * on one lookup in K (relaxed atomics in the per-subtree sketches). Safe to
 * run while the policy thread reshapes (epoch-protected). */
int rtm__adaptive_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                        unsigned flags, rtm_result *res);

/* The same lookup, also storing in *visits the number of nodes it entered
 * (the root, and every child whose segment matched). Never sampled. For
 * tests ("each node visited at most once": *visits <= stats.nodes) and for
 * benchmarks that report work per lookup. */
int rtm__adaptive_match_counted(const rtm__impl *impl, unsigned method, const char *path,
                                size_t len, unsigned flags, rtm_result *res, size_t *visits);

#ifdef RTM_DEBUG_VISITS
/* With RTM_DEBUG_VISITS defined when the library is built: the node count of
 * the calling thread's last rtm__adaptive_match() (thread-local). */
size_t rtm__adaptive_last_visits(void);
#endif

/* ---- Policy ---- */

/* Defaults for the rtm_config fields left 0. */
#define RTM__ADAPTIVE_PERIOD_MS    500u   /* policy tick period */
#define RTM__ADAPTIVE_SAMPLE_EVERY 512u   /* sample one lookup in K (README: measured) */
#define RTM__ADAPTIVE_ENTROPY_MAX  0.75   /* reshape when entropy < this ... */
#define RTM__ADAPTIVE_MISS_MIN     0.12   /* ... and miss ratio > this */
#define RTM__ADAPTIVE_BUDGET       16384u /* nodes re-encoded per tick (at least one subtree) */
#define RTM__ADAPTIVE_MIN_SAMPLES  16u    /* sampled lookups a subtree needs to be judged */
#define RTM__ADAPTIVE_REPACK_TICKS 16u    /* a packed subtree is re-packed at most this often */
#define RTM__ADAPTIVE_HOT_COVER    0.40   /* hot index kept when expected to answer this share */
#define RTM__ADAPTIVE_HOT_FULL     0.85   /* full index: when eligible routes take this share */

/* Injected metrics for one deterministic policy tick. Subtree i is the i-th
 * of rtm__adaptive_subtrees(); subtrees at or past `count` get no decision.
 * The sampled sketches are neither read nor decayed by an injected tick. */
typedef struct rtm__adaptive_metrics {
    size_t count;             /* entries in entropy[] and miss_ratio[] */
    const double *entropy;    /* normalised next-token entropy per subtree, 0..1 */
    const double *miss_ratio; /* misses per sampled lookup per subtree */
    size_t budget;            /* node budget for this tick; 0: RTM__ADAPTIVE_BUDGET */
    bool repack;              /* re-pack packed subtrees whose rule fires, ignoring
                                 RTM__ADAPTIVE_REPACK_TICKS */
    double front_cost;        /* > 0: the mean cost of the lookups that the front
                                 (own encodings or radix mirror) answered in the
                                 period now ending; the front is chosen only then */
    double front_cost_held;   /* > 0 with front_cost at a trial's end: the incumbent's
                                 mean in the same period, over the slices it answered
                                 (ad_front_slice); 0: not measured */
    double static_share;      /* > 0: the share of the period's sampled wins that were
                                 static routes (the exact-path map is asked when it is
                                 at least AD_EXACT_SHARE); 0: not injected */
} rtm__adaptive_metrics;

/* Run one policy tick now: for each subtree (round robin, within the node
 * budget) compute or take its entropy and miss ratio, re-encode it when the
 * rule fires (entropy < entropy_max and miss ratio > miss_min: trie ->
 * packed, or packed -> re-packed hot-first), then try to end grace periods
 * and free what they protect. Serialised with rtm_add/rtm_remove/rtm_free
 * and the background thread by the router's policy mutex; safe while any
 * number of threads match. Returns the number of subtrees re-encoded, or
 * RTM_ENOMEM if a re-encoding failed for lack of memory (the subtree keeps
 * its encoding; the rest of the tick still runs). */
int rtm__adaptive_step(rtm__impl *impl, const rtm__adaptive_metrics *injected);

/* What the background thread does between ticks while a trial runs: hand
 * the lookups to the other front (own encodings or radix mirror), so that
 * the two share the trial's period in turns. Nothing outside a trial.
 * Serialised like rtm__adaptive_step; safe while any number of threads
 * match. */
void rtm__adaptive_front_slice(rtm__impl *impl);

/* Does the router still keep its radix mirror (front.c)? It has none with
 * RTM_ADAPTIVE_NO_MIRROR, and gives it up when it runs out of memory while
 * following an add or remove (the call itself succeeds). Writer-side. */
bool rtm__adaptive_has_mirror(const rtm__impl *impl);

/* ---- Per-subtree figures ---- */

#define RTM__ADAPTIVE_TRIE   0 /* pointer trie encoding */
#define RTM__ADAPTIVE_PACKED 1 /* contiguous, hot-first, merged static chains */

typedef struct rtm__adaptive_subtree_info {
    const char *label; /* canonical first segment ("users", "{}", "v{}"); valid until
                          the next rtm_add / rtm_remove / rtm_free */
    size_t label_len;  /* bytes in label */
    unsigned kind;     /* rtm__seg_kind of that segment */
    unsigned encoding; /* RTM__ADAPTIVE_TRIE or RTM__ADAPTIVE_PACKED */
    double entropy;    /* last tick's normalised entropy (0 before any tick) */
    double miss_ratio; /* last tick's misses per sampled lookup */
    uint32_t samples;  /* sampled lookups counted in the last tick's window */
    uint64_t reshapes; /* times this subtree was re-encoded */
    size_t nodes;      /* nodes below the subtree root, in its current encoding */
} rtm__adaptive_subtree_info;

/* The subtrees (the root's children, in child order: static ones by
 * (length, bytes), then the others by rank). Writes min(count, cap) entries
 * to out (may be NULL with cap 0) and returns count. Takes the policy mutex.
 * Allocates: no. */
size_t rtm__adaptive_subtrees(const rtm__impl *impl, rtm__adaptive_subtree_info *out, size_t cap);

/* The hot-route index (hot.c): what is published now, and how sampled
 * lookups fared with it. */
typedef struct rtm__adaptive_hot_info {
    size_t routes;   /* routes in the published index (0: none) */
    size_t nodes;    /* hot trie nodes, root included */
    double cover;    /* estimated share of lookups it answers, when built (hot.c) */
    uint64_t builds; /* indexes published so far */
    bool full;       /* the index holds every eligible route, sampled or not */
    uint32_t tries;  /* sampled lookups that also tried the index (halved per tick) */
    uint32_t hits;   /* ... and that it answered, always as the tree did */
} rtm__adaptive_hot_info;

/* Fill *out under the policy mutex. Allocates: no. */
void rtm__adaptive_hot(const rtm__impl *impl, rtm__adaptive_hot_info *out);

/* Would the published index answer this request by itself (1), or leave
 * it to the tree (0, also when there is none)? For measurements that split
 * traffic by where it is answered. Allocates: no. */
int rtm__adaptive_hot_answers(const rtm__impl *impl, unsigned method, const char *path, size_t len);

/* Publish an index of every route it can hold, sampled or not, so that
 * tests meet it on every request (the policy builds it only from traffic).
 * Takes the policy mutex. Returns 0 or RTM_ENOMEM (the old index stays). */
int rtm__adaptive_hot_build_all(rtm__impl *impl);

/* Forget the routes' remembered wins and the samples not yet read, so that
 * the next tick judges the traffic after this call alone (hot.c keeps
 * decayed wins across ticks). For tests of one window's choice. Takes the
 * policy mutex. */
void rtm__adaptive_hot_forget(rtm__impl *impl);

/* Walk the whole tree in both encodings and check every invariant listed in
 * adaptive.c (parent links, child order and positions, parameter slots, no
 * dead nodes, node counts, packed layout bounds); the walker is check.c. Returns 0, or -1 and sets
 * *why (may be NULL) to a static message. Takes the policy mutex. Allocates:
 * no. Recursion: none. */
int rtm__adaptive_check(const rtm__impl *impl, const char **why);

#endif
