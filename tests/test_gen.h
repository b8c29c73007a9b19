/* SPDX-License-Identifier: MIT */
/* Request generation for sweeps: from a route pattern, paths that hit it
 * (params filled with made-up values or with static words of the table, so
 * static siblings compete) and near misses (trailing slash toggled, last
 * segment dropped, one segment added, last byte cut), each for every method.
 * Also a fixed-seed PRNG and shuffles. Deterministic: the same inputs give
 * the same requests on every run. */
#ifndef RTM_TESTS_TEST_GEN_H
#define RTM_TESTS_TEST_GEN_H

#include <stddef.h>
#include <stdint.h>

/* One request: a method (rtm_method value, RTM_METHOD_OTHER included) and
 * a path of len bytes (owned by the set). */
typedef struct rt_req {
    unsigned method;
    size_t len;
    char *path;
} rt_req;

typedef struct rt_reqs {
    rt_req *v;
    size_t n, cap;
    char **words; /* static segments seen so far (for param values), owned */
    size_t nwords, words_cap;
} rt_reqs;

void rt_reqs_init(rt_reqs *q);
void rt_reqs_free(rt_reqs *q);
/* Append one request (the path is copied). */
void rt_reqs_push(rt_reqs *q, unsigned method, const char *path, size_t len);
/* Remember the static segments of a pattern as candidate param values. Call
 * for every pattern of the table before rt_reqs_from_pattern. */
void rt_reqs_learn(rt_reqs *q, const char *pattern, size_t len);
/* Append the hit and near-miss requests of one pattern, each for all ten
 * methods (the nine and RTM_METHOD_OTHER). Malformed patterns give a few
 * requests too (their text as a path). */
void rt_reqs_from_pattern(rt_reqs *q, const char *pattern, size_t len);
/* Learn then generate for every pattern of a NUL-terminated list. */
void rt_reqs_from_patterns(rt_reqs *q, const char *const *patterns, size_t n);

/* ---- Fixed-seed randomness ---- */

/* splitmix64: the next value of the sequence in *state. */
uint64_t rt_rand(uint64_t *state);
/* Fisher-Yates shuffle of v[0..n) with seed. */
void rt_shuffle(size_t *v, size_t n, uint64_t seed);

#endif
