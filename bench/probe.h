/* SPDX-License-Identifier: MIT */
/* The probe: how the benchmark learns which memory one lookup reads, so it
 * can report "nodes visited per lookup" and "distinct cache lines touched per
 * lookup" without hardware counters or valgrind. Not used on the timed path.
 *
 * ---- The contract an algorithm implements (debug hook) ----
 *
 *   void rtm__<name>_trace(const rtm__impl *impl, unsigned method,
 *                          const char *path, size_t len,
 *                          void (*visit)(void *ctx, const void *node_addr,
 *                                        size_t node_bytes),
 *                          void *ctx);
 *
 * <name> is the algorithm's folder name (reference, trie, radix, adaptive).
 * It performs exactly the lookup that rtm__<name>_match(impl, method, path,
 * len, 0, &res) performs (same nodes, same order, backtracking included) and
 * calls visit() for the memory that lookup reads:
 *   - once per tree node it examines: node_addr = the node's first byte,
 *     node_bytes = the bytes of that node the lookup reads (its header plus
 *     the labels / child slots it scans; a node of a directly indexed table
 *     reports the header and the one slot it indexes). Each such call counts
 *     as one node visited;
 *   - for memory read outside any node block (a separately allocated child
 *     array or label, the leaf, the route record), optionally
 *     visit(ctx, addr, bytes | RTM__TRACE_AUX): the bytes count towards cache
 *     lines, the call does not count as a node.
 * It allocates nothing and writes nothing but what visit() writes. Put it in
 * the same translation unit as the match function (best: one static inline
 * generic body with a `const` visit argument and two thin wrappers, STYLE C.6)
 * so that the static library links it whenever the algorithm is linked.
 *
 * The benchmark declares the trace (and counted-match) functions as weak
 * symbols: an
 * algorithm without the hook gives NaN for both counters, honestly, and an
 * algorithm that adds the hook is picked up with no change here. */
#ifndef RTM_BENCH_PROBE_H
#define RTM_BENCH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routematch.h" /* rtm_router, rtm_algorithm, rtm_method */

/* Set in node_bytes for an auxiliary block (see above). */
#define RTM__TRACE_AUX ((size_t)1 << (sizeof(size_t) * 8 - 1))

typedef void (*rtm__visit_fn)(void *ctx, const void *node_addr, size_t node_bytes);

/* What the probe measured over a set of lookups (sums; divide by lookups). */
typedef struct probe_totals {
    uint64_t lookups;    /* lookups traced */
    uint64_t nodes;      /* visit() calls without RTM__TRACE_AUX */
    uint64_t lines;      /* distinct 64-byte lines per lookup, summed */
    uint64_t bytes;      /* bytes reported per lookup, summed */
    uint64_t min_lines;  /* per lookup ceil(bytes / 64), summed: the fewest lines possible */
    uint64_t overflowed; /* lookups that touched more lines than the probe tracks */
} probe_totals;

#define PROBE_NODES 1u /* nodes visited per lookup can be measured */
#define PROBE_LINES 2u /* ... and cache lines and bytes too (the trace hook) */

/* What the probe can measure for algorithm `a` in this build: both with the
 * trace hook; PROBE_NODES alone when the algorithm only offers a counted
 * match (`int rtm__<name>_match_counted(impl, method, path, len, flags, res,
 * size_t *visits)`, as the trie does); 0 otherwise. */
unsigned probe_caps(rtm_algorithm a);

/* Trace one lookup on router `r` and add its figures to *t (nothing when
 * probe_caps() is 0; nodes only without PROBE_LINES). The router's facade is
 * bypassed: the algorithm's own match is traced with the path as given
 * (len >= 1, path[0] == '/'). */
void probe_lookup(const rtm_router *r, rtm_method method, const char *path, size_t len,
                  probe_totals *t);

struct wl_requests;

/* Shape a router without its policy thread (a traced copy of the timed
 * one) the way the thread shapes the timed router during its warm-up:
 * `periods` times, 2^20 lookups of the request stream (about 4,096 sampled
 * ones at the adaptive default of one in 256), then one policy tick on the
 * sampled figures. Nothing for an algorithm without a policy. Returns true
 * (usable in a condition chain). */
bool probe_settle(rtm_router *r, const struct wl_requests *q, unsigned periods);

#endif
