/* SPDX-License-Identifier: MIT */
/* Router helpers for the suites: create a router for an algorithm, add
 * routes from small in-code tables, answer a request as the SPEC's `match`
 * output line, and take "snapshots" (stats plus the answers to a request
 * sweep) to prove a router unchanged or equal to another. The formatter here
 * is the tests' own, written from SPEC.md independently of lib/format.c, and
 * it also checks each result's internal consistency (param offsets inside
 * the path, lengths >= 1, names set). */
#ifndef RTM_TESTS_TEST_ROUTER_H
#define RTM_TESTS_TEST_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "routematch.h"
#include "test_gen.h" /* rt_reqs */

/* One route of an in-code table; its id is its index + 1 (a line number). */
typedef struct rt_route {
    const char *method;  /* "GET", "*", or a comma list "GET,POST" */
    const char *pattern; /* NUL-terminated */
} rt_route;

#define RT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A small table with overlapping shapes of every kind (statics beside params,
 * mixed segments, catch-alls, ANY, multi-method routes, trailing slashes),
 * shared by the suites that add and remove routes one at a time. */
#define RT_OVERLAP_TABLE_LEN 30
extern const rt_route rt_overlap_table[RT_OVERLAP_TABLE_LEN];

/* Method list ("GET,POST", "*", "ANY") to a method set; 0 if a token is unknown. */
unsigned rt_methods(const char *list);

/* The udata every helper passes for route `id`; rt_udata_id() inverts it. */
void *rt_udata(uint32_t id);
long rt_udata_id(const void *udata);

/* Create a router (adaptive without its thread) with `hooks` (may be NULL);
 * asserts success. */
rtm_router *rt_new(rtm_algorithm a, const rtm_allocator *hooks);

/* rtm_add with the helpers' conventions (udata = rt_udata(id)). */
int rt_try_add(rtm_router *r, const char *methods, const char *pattern, uint32_t id,
               rtm_diag *diag);
/* Same, asserting success. */
void rt_add(rtm_router *r, const char *methods, const char *pattern, uint32_t id);
/* Add t[0..n) with ids 1..n, asserting success. */
void rt_add_table(rtm_router *r, const rt_route *t, size_t n);
int rt_try_remove(rtm_router *r, const char *methods, const char *pattern, rtm_diag *diag);

/* Format `res` for `path` as the SPEC's match output line into buf. With
 * verbose set, also the udata, each param's offset and length, and 405/404
 * details for every status, so that two results format equal exactly when
 * they are equal. Inconsistent results format as "INVALID ...". */
const char *rt_format(const rtm_result *res, const char *path, size_t len, int verbose, char *buf,
                      size_t cap);

/* Answer METHOD PATH (method token parsed as a request's: "get" is OTHER)
 * and return the SPEC output line (in a static buffer, valid until the next
 * call). */
const char *rt_answer(const rtm_router *r, const char *method, const char *path, size_t len);

/* Assert that the request's output line is `want`; the message names the request. */
#define ASSERT_MATCH(r, method, path, want) ASSERT_MATCH_N(r, method, path, strlen(path), want)
#define ASSERT_MATCH_N(r, method, path, len, want)                                                 \
    rt_assert_match(__FILE__, __LINE__, r, method, path, len, want)
void rt_assert_match(const char *file, unsigned line, const rtm_router *r, const char *method,
                     const char *path, size_t len, const char *want);

/* ---- Snapshots ---- */

typedef struct rt_snapshot {
    rtm_stats st; /* routes, nodes, bytes */
    char *text;   /* one verbose line per request of the sweep, malloc'ed */
    size_t len;   /* bytes in text */
} rt_snapshot;

/* Also asserts the algorithm's invariants (test_internals.h). */
void rt_snapshot_take(const rtm_router *r, const rt_reqs *q, rt_snapshot *s);
void rt_snapshot_free(rt_snapshot *s);
/* What ASSERT_SNAPSHOT_EQ compares beyond the answers and stats.routes. */
#define RT_SNAP_ANSWERS 0u /* answers and routes only (different algorithms) */
#define RT_SNAP_NODES   1u /* and stats.nodes (same algorithm, same route set) */
#define RT_SNAP_BYTES   2u /* and stats.bytes (a router compared with itself) */

#define ASSERT_SNAPSHOT_EQ(got, want, what)                                                        \
    rt_assert_snapshot_eq(__FILE__, __LINE__, got, want, what)
void rt_assert_snapshot_eq(const char *file, unsigned line, const rt_snapshot *got,
                           const rt_snapshot *want, unsigned what);

#endif
