/* SPDX-License-Identifier: MIT */
/* The adaptive algorithm's own suite: the policy rule (fires for low entropy
 * and high miss ratio, and not otherwise, thresholds from the config), the
 * sampled metrics that feed it, answers unchanged across any sequence of
 * re-encodings on every shipped table, expansion back to the trie on insert
 * and remove, all-or-nothing under allocation failure during reshapes and
 * expansions, deep routes and long paths in both encodings, and "each node
 * visited at most once". Every policy tick here is deterministic: the
 * background thread is off and rtm__adaptive_step() gets injected figures
 * (or, where the sampled path is under test, sample_every = 1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/adaptive/adaptive.h"          /* rtm__adaptive_step, ..._subtrees, ... */
#include "algorithms/adaptive/adaptive_internal.h" /* ad_entropy, ad_token_hash, AD_SKETCH */
#include "metrics.h"                               /* rtm__metrics_kind, rtm__metrics_source */
#include "routes_file.h"                           /* rtm__table_read, rtm__table_add */
#include "test_alloc.h"
#include "test_cases.h"
#include "test_file.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* ---- Helpers ---- */

/* An adaptive router without its thread; sample_every 0 = default. */
static rtm_router *ad_new(uint32_t sample_every, const rtm_allocator *hooks)
{
    rtm_config cfg = {0};
    cfg.allocator = hooks;
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    cfg.adaptive_sample_every = sample_every;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    return r;
}

static rtm__adaptive_hot_info ad_hot_info(const rtm_router *r)
{
    rtm__adaptive_hot_info hi;
    rtm__adaptive_hot(r->impl, &hi);
    return hi;
}

static size_t ad_nsub(const rtm_router *r)
{
    return rtm__adaptive_subtrees(r->impl, NULL, 0);
}

static rtm__adaptive_subtree_info ad_sub_info(const rtm_router *r, size_t i)
{
    size_t n = ad_nsub(r);
    rtm__adaptive_subtree_info *v = calloc(n ? n : 1, sizeof *v);
    ASSERT_NOT_NULL(v);
    ASSERT_EQ_UINT(rtm__adaptive_subtrees(r->impl, v, n), n);
    if (i >= n) {
        free(v);
        RTM_TEST_FAIL("no subtree %zu (of %zu)", i, n);
    }
    rtm__adaptive_subtree_info s = v[i];
    free(v);
    return s;
}

/* Index of the subtree whose first segment is `label`. */
static size_t ad_sub_index(const rtm_router *r, const char *label)
{
    size_t n = ad_nsub(r);
    for (size_t i = 0; i < n; i++) {
        rtm__adaptive_subtree_info s = ad_sub_info(r, i);
        if (s.label_len == strlen(label) && memcmp(s.label, label, s.label_len) == 0)
            return i;
    }
    RTM_TEST_FAIL("no subtree \"%s\"", label);
}

/* One tick with the same figures for every subtree. */
static int ad_step_all(rtm_router *r, double entropy, double miss, bool repack, size_t budget)
{
    size_t n = ad_nsub(r);
    double *e = malloc((n ? n : 1) * sizeof *e), *m = malloc((n ? n : 1) * sizeof *m);
    ASSERT_TRUE(e && m);
    for (size_t i = 0; i < n; i++) {
        e[i] = entropy;
        m[i] = miss;
    }
    rtm__adaptive_metrics inj = {
        .count = n, .entropy = e, .miss_ratio = m, .budget = budget, .repack = repack};
    int rc = rtm__adaptive_step(r->impl, &inj);
    free(e);
    free(m);
    return rc;
}

static void ad_assert_invariants(const rtm_router *r)
{
    const char *why = NULL;
    if (rtm__adaptive_check(r->impl, &why) != 0)
        RTM_TEST_FAIL("adaptive invariant broken: %s", why ? why : "?");
    RTM_TEST_PASS();
}

/* Number of subtrees in the packed encoding. */
static size_t ad_npacked(const rtm_router *r)
{
    size_t n = ad_nsub(r), k = 0;
    for (size_t i = 0; i < n; i++)
        k += ad_sub_info(r, i).encoding == RTM__ADAPTIVE_PACKED;
    return k;
}

/* Subtrees that have children (the ones a reshape can pack). */
static size_t ad_npackable(const rtm_router *r)
{
    size_t n = ad_nsub(r), k = 0;
    for (size_t i = 0; i < n; i++)
        k += ad_sub_info(r, i).nodes > 0 || ad_sub_info(r, i).encoding == RTM__ADAPTIVE_PACKED;
    return k;
}

/* Requests for a table: its NAME.req lines when it has them, plus requests
 * generated from every `stride`-th pattern. */
static void ad_reqs(rt_reqs *q, const rtm__table *t, const char *req_path, size_t stride)
{
    rt_reqs_init(q);
    if (req_path) {
        rt_lines L;
        if (!rt_lines_read(&L, req_path))
            RTM_TEST_FAIL("cannot read %s", req_path);
        for (size_t i = 0; i < L.n; i++) {
            const char *m, *p;
            size_t ml, pl;
            rt_request_split(L.at[i], L.len[i], &m, &ml, &p, &pl);
            rt_reqs_push(q, rtm_method_parse(m, ml), p, pl);
        }
        rt_lines_free(&L);
    }
    for (size_t i = 0; i < t->n; i++)
        rt_reqs_learn(q, t->lines[i].pattern, t->lines[i].pattern_len);
    for (size_t i = 0; i < t->n; i += stride)
        rt_reqs_from_pattern(q, t->lines[i].pattern, t->lines[i].pattern_len);
}

static void ad_assert_same(const rtm_router *r, const rt_reqs *q, const rt_snapshot *want,
                           const char *what)
{
    rtm_test_set_context(what);
    rt_snapshot got;
    rt_snapshot_take(r, q, &got);
    ASSERT_SNAPSHOT_EQ(&got, want, RT_SNAP_ANSWERS);
    rt_snapshot_free(&got);
    ad_assert_invariants(r);
    rtm_test_set_context(NULL);
}

/* ---- The rule ---- */

static const rt_route rule_table[] = {
    {"GET", "/a/x/1"},    {"GET", "/a/x/2"}, {"GET", "/b/y/{id}"},  {"GET", "/c/z"},
    {"GET", "/d/w/{*p}"}, {"GET", "/e/q/r"}, {"GET", "/f/{a}/{b}"}, {"GET", "/g"},
};

TEST(adaptive, rule_fires_only_for_low_entropy_and_high_misses)
{
    rtm_router *r = ad_new(0, NULL);
    rt_add_table(r, rule_table, RT_COUNT(rule_table));
    ASSERT_EQ_UINT(ad_nsub(r), 7);
    /*                      a     b     c     d     e     f     g */
    const double ent[] = {0.10, 0.80, 0.10, 0.75, 0.10, 0.74, 0.00};
    const double mis[] = {0.50, 0.50, 0.05, 0.50, 0.12, 0.13, 1.00};
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g"};
    double e[7], m[7];
    for (size_t i = 0; i < 7; i++) {
        size_t k = ad_sub_index(r, names[i]);
        e[k] = ent[i];
        m[k] = mis[i];
    }
    rtm__adaptive_metrics inj = {
        .count = 7, .entropy = e, .miss_ratio = m, .budget = 0, .repack = false};
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, &inj), 2);
    /* a and f fire; b (entropy high), c (misses low), d and e (on the
     * thresholds, which are strict) do not; g fires but has nothing below. */
    const unsigned want[] = {1, 0, 0, 0, 0, 1, 0};
    for (size_t i = 0; i < 7; i++) {
        rtm__adaptive_subtree_info s = ad_sub_info(r, ad_sub_index(r, names[i]));
        rtm_test_set_context(names[i]);
        ASSERT_EQ_UINT(s.encoding, want[i] ? RTM__ADAPTIVE_PACKED : RTM__ADAPTIVE_TRIE);
        ASSERT_EQ_UINT(s.reshapes, want[i]);
        ASSERT_TRUE(fabs(s.entropy - ent[i]) < 1e-12 && fabs(s.miss_ratio - mis[i]) < 1e-12);
        rtm_test_set_context(NULL);
    }
    rtm_stats st;
    rtm_get_stats(r, &st);
    ASSERT_EQ_UINT(st.reshapes, 2);
    ASSERT_NOT_NULL(st.metric_source);
    ASSERT_GT_UINT(strlen(st.metric_source), 0);
    ad_assert_invariants(r);

    /* A packed subtree is not re-packed while its layout is fresh ... */
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, &inj), 0);
    rtm_get_stats(r, &st);
    ASSERT_EQ_UINT(st.reshapes, 2);
    /* ... unless asked to. */
    inj.repack = true;
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, &inj), 2);
    ASSERT_EQ_UINT(ad_sub_info(r, ad_sub_index(r, "a")).reshapes, 2);
    /* Subtrees past `count` get no decision. */
    inj.count = 0;
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, &inj), 0);
    ASSERT_MATCH(r, "GET", "/a/x/2", "200 2");
    ASSERT_MATCH(r, "GET", "/f/1/2", "200 7 a=1 b=2");
    rtm_free(r);

    /* Thresholds from the configuration. */
    rtm_config cfg = {0};
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    cfg.adaptive_entropy_max = 0.5;
    cfg.adaptive_miss_min = 0.3;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    rt_add_table(r, rule_table, RT_COUNT(rule_table));
    for (size_t i = 0; i < 7; i++) {
        size_t k = ad_sub_index(r, names[i]);
        e[k] = ent[i];
        m[k] = mis[i];
    }
    inj = (rtm__adaptive_metrics){
        .count = 7, .entropy = e, .miss_ratio = m, .budget = 0, .repack = false};
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, &inj), 1); /* a only: f's 0.74 >= 0.5 */
    ASSERT_EQ_UINT(ad_sub_info(r, ad_sub_index(r, "a")).encoding, RTM__ADAPTIVE_PACKED);
    ASSERT_EQ_UINT(ad_sub_info(r, ad_sub_index(r, "f")).encoding, RTM__ADAPTIVE_TRIE);
    rtm_free(r);
}

/* The per-tick node budget spreads work over ticks, round robin, and a
 * subtree larger than the budget is still reached. */
TEST(adaptive, budget_bounds_work_per_tick)
{
    rtm_router *r = ad_new(0, NULL);
    rt_add_table(r, rule_table, RT_COUNT(rule_table));
    size_t packable = ad_npackable(r);
    ASSERT_EQ_UINT(packable, 6);
    size_t ticks = 0;
    while (ad_npacked(r) < packable) {
        ASSERT_EQ_INT(ad_step_all(r, 0.0, 1.0, false, 1), 1); /* budget 1: one per tick */
        ASSERT_LT_INT(++ticks, 100);
    }
    ASSERT_EQ_UINT(ticks, packable);
    ad_assert_invariants(r);
    rtm_free(r);
}

/* ---- Sampled metrics ---- */

/* Four words whose tokens fall in four different sketch buckets. */
static void distinct_bucket_words(char words[4][8])
{
    unsigned used = 0, k = 0;
    for (unsigned i = 0; k < 4 && i < 1000; i++) {
        char w[8];
        snprintf(w, sizeof w, "w%u", i);
        unsigned b = (unsigned)(ad_token_hash(w, strlen(w)) & (AD_SKETCH - 1));
        if (used & (1u << b))
            continue;
        used |= 1u << b;
        memcpy(words[k++], w, sizeof w);
    }
    ASSERT_EQ_UINT(k, 4);
}

TEST(adaptive, sampled_metrics_feed_the_policy)
{
    char words[4][8];
    distinct_bucket_words(words);
    rtm_config cfg = {0};
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    cfg.adaptive_sample_every = 1; /* every lookup sampled */
    cfg.adaptive_entropy_max = 0.5;
    cfg.adaptive_miss_min = 1e-9;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    char pat[64], path[64];
    for (unsigned i = 0; i < 4; i++) {
        snprintf(pat, sizeof pat, "/hot/%s/{id}", words[i]);
        rt_add(r, "GET", pat, i + 1);
        snprintf(pat, sizeof pat, "/spread/%s", words[i]);
        rt_add(r, "GET", pat, i + 11);
    }
    rt_add(r, "GET", "/cold/x", 20);
    rtm__cachemodel_reset();
    /* hot: always the same edge; spread: the four edges evenly. */
    for (unsigned n = 0; n < 200; n++) {
        char want[64];
        snprintf(path, sizeof path, "/hot/%s/%u", words[0], n);
        snprintf(want, sizeof want, "200 1 id=%u", n);
        ASSERT_MATCH(r, "GET", path, want);
    }
    for (unsigned n = 0; n < 200; n++) {
        snprintf(path, sizeof path, "/spread/%s", words[n % 4]);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, strlen(path), &res), 200);
    }
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    rtm__adaptive_subtree_info hot = ad_sub_info(r, ad_sub_index(r, "hot"));
    rtm__adaptive_subtree_info spread = ad_sub_info(r, ad_sub_index(r, "spread"));
    rtm__adaptive_subtree_info cold = ad_sub_info(r, ad_sub_index(r, "cold"));
    ASSERT_EQ_UINT(hot.samples, 200);
    ASSERT_EQ_UINT(spread.samples, 200);
    ASSERT_EQ_UINT(cold.samples, 0);
    ASSERT_TRUE(hot.entropy == 0.0);
    ASSERT_TRUE(fabs(spread.entropy - 1.0) < 1e-6);
    /* The cache model starts cold: the first lookups miss. (Hardware
     * counters may count none for so little work.) */
    if (rtm__metrics_kind() == RTM__METRIC_MODEL)
        ASSERT_TRUE(hot.miss_ratio > 0.0);
    /* Only hot fires: low entropy and misses; spread is uniform; cold has
     * no samples. */
    ASSERT_EQ_UINT(hot.encoding, hot.miss_ratio > 1e-9 ? RTM__ADAPTIVE_PACKED : RTM__ADAPTIVE_TRIE);
    ASSERT_EQ_UINT(spread.encoding, RTM__ADAPTIVE_TRIE);
    ASSERT_EQ_UINT(cold.encoding, RTM__ADAPTIVE_TRIE);
    /* Lookups through the packed subtree are still sampled and right. */
    snprintf(path, sizeof path, "/hot/%s/7", words[2]);
    ASSERT_MATCH(r, "GET", path, "200 3 id=7");
    /* The window halves at each tick: 200 -> 100 (+1 new sample). */
    ASSERT_EQ_INT(rtm__adaptive_step(r->impl, NULL), 0);
    ASSERT_EQ_UINT(ad_sub_info(r, ad_sub_index(r, "hot")).samples, 101);
    /* A window too small to judge stays open until it is not: cold's 10
     * samples carry over a tick, are judged (packed) at 16, then halve. */
    rtm_result res;
    for (unsigned n = 0; n < 16; n++) {
        if (n == 10) {
            ASSERT_EQ_INT(rtm__adaptive_step(r->impl, NULL), 0);
            ASSERT_EQ_INT(rtm__adaptive_step(r->impl, NULL), 0);
            cold = ad_sub_info(r, ad_sub_index(r, "cold"));
            ASSERT_EQ_UINT(cold.samples, 10);
            ASSERT_EQ_UINT(cold.encoding, RTM__ADAPTIVE_TRIE);
        }
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, "/cold/x", 7, &res), 200);
    }
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    cold = ad_sub_info(r, ad_sub_index(r, "cold"));
    ASSERT_EQ_UINT(cold.samples, 16);
    if (rtm__metrics_kind() == RTM__METRIC_MODEL)
        ASSERT_EQ_UINT(cold.encoding, RTM__ADAPTIVE_PACKED);
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    ASSERT_EQ_UINT(ad_sub_info(r, ad_sub_index(r, "cold")).samples, 8);
    rtm_stats st;
    rtm_get_stats(r, &st);
    ASSERT_STR_EQ(st.metric_source, rtm__metrics_source());
    if (rtm__metrics_kind() == RTM__METRIC_MODEL)
        ASSERT_TRUE(strncmp(st.metric_source, "model:", 6) == 0);
    else
        ASSERT_TRUE(strncmp(st.metric_source, "perf:", 5) == 0);
    rtm_free(r);
}

TEST(adaptive, entropy_is_normalised_shannon)
{
    const uint32_t one[4] = {0, 9, 0, 0};
    const uint32_t flat[4] = {5, 5, 5, 5};
    const uint32_t skew[3] = {2, 1, 1};
    const uint32_t none[4] = {0, 0, 0, 0};
    ASSERT_TRUE(ad_entropy(one, 4) == 0.0);
    ASSERT_TRUE(ad_entropy(none, 4) == 0.0);
    ASSERT_TRUE(fabs(ad_entropy(flat, 4) - 1.0) < 1e-6);
    /* H = 1.5 bits over 3 tokens: 1.5 / log2(3) */
    ASSERT_TRUE(fabs(ad_entropy(skew, 3) - 1.5 / log2(3.0)) < 1e-6);
    const uint32_t big[2] = {1000000, 1};
    ASSERT_TRUE(ad_entropy(big, 2) > 0.0 && ad_entropy(big, 2) < 0.001);
}

/* ---- Answers across re-encodings ---- */

/* A table, its requests and the reference's answers to them; the
 * context names the table. */
typedef struct ad_fixture {
    rtm__table t;
    rt_reqs q;
    rtm_router *ref;
    rt_snapshot want;
} ad_fixture;

static void ad_fixture_open(ad_fixture *fx, const char *name, const char *routes, const char *req,
                            size_t stride)
{
    char err[512];
    if (rtm__table_read(&fx->t, routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    ad_reqs(&fx->q, &fx->t, req, stride);
    fx->ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rtm__table_add(fx->ref, &fx->t, NULL, name, NULL);
    rt_snapshot_take(fx->ref, &fx->q, &fx->want);
    rtm_test_set_context(name);
}

static void ad_fixture_close(ad_fixture *fx)
{
    rtm_free(fx->ref);
    rt_snapshot_free(&fx->want);
    rt_reqs_free(&fx->q);
    rtm__table_free(&fx->t);
    rtm_test_set_context(NULL);
}

/* Pack, re-pack with the heat the sweeps left, random subsets with random
 * budgets, remove / re-add cycles through packed subtrees: after each, the
 * answers equal the reference matcher's, result by result. */
static void reshape_sequence(const char *name, const char *routes, const char *req, size_t stride,
                             size_t rounds, size_t cycles)
{
    ad_fixture fx;
    ad_fixture_open(&fx, name, routes, req, stride);
    /* sample_every 1: every sweep also runs the sampled walker and leaves
     * heat behind, so re-packs lay out differently. */
    rtm_router *r = ad_new(1, NULL);
    rtm__table_add(r, &fx.t, NULL, name, NULL);
    ad_assert_same(r, &fx.q, &fx.want, "trie");
    ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, false, (size_t)-1), 0);
    ASSERT_EQ_UINT(ad_npacked(r), ad_npackable(r));
    ad_assert_same(r, &fx.q, &fx.want, "all packed");
    ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, true, (size_t)-1), 0);
    ad_assert_same(r, &fx.q, &fx.want, "all re-packed by heat");

    /* The index of every route it can hold, over each encoding: lookups
     * through the facade answer from it (K too large to sample again). */
    rtm_router *h = ad_new(UINT32_C(1) << 30, NULL);
    rtm__table_add(h, &fx.t, NULL, name, NULL);
    ASSERT_OK(rtm__adaptive_hot_build_all(h->impl));
    ASSERT_GT_UINT(ad_hot_info(h).routes, 0);
    ad_assert_same(h, &fx.q, &fx.want, "hot index of every route");
    ASSERT_GT_INT(ad_step_all(h, 0.0, 1.0, false, (size_t)-1), 0);
    ASSERT_OK(rtm__adaptive_hot_build_all(h->impl));
    ad_assert_same(h, &fx.q, &fx.want, "hot index of every route, packed");
    rtm_free(h);

    uint64_t seed = 0x5eed0001;
    for (size_t round = 0; round < rounds; round++) {
        size_t n = ad_nsub(r);
        double *e = malloc((n ? n : 1) * sizeof *e), *m = malloc((n ? n : 1) * sizeof *m);
        ASSERT_TRUE(e && m);
        for (size_t i = 0; i < n; i++) {
            uint64_t x = rt_rand(&seed);
            e[i] = (x & 1) ? 0.2 : 0.9;
            m[i] = (x & 2) ? 0.5 : 0.01;
        }
        rtm__adaptive_metrics inj = {.count = n,
                                     .entropy = e,
                                     .miss_ratio = m,
                                     .budget = 1 + (size_t)(rt_rand(&seed) % 4000),
                                     .repack = (rt_rand(&seed) & 1) != 0};
        ASSERT_TRUE(rtm__adaptive_step(r->impl, &inj) >= 0);
        free(e);
        free(m);
        ad_assert_same(r, &fx.q, &fx.want, "random subset");
    }

    /* Remove and re-add routes (expanding packed subtrees), compared with
     * the reference doing the same; then pack again. */
    rt_reqs q2;
    ad_reqs(&q2, &fx.t, req, fx.t.n + 1); /* the .req lines only: cheaper */
    for (size_t c = 0, i = 0; c < cycles && fx.t.n; c++, i = (i + 7919) % fx.t.n) {
        const rtm__table_line *L = &fx.t.lines[i];
        if (!L->methods || !L->pattern_len)
            continue;
        int rc1 = rtm_remove(fx.ref, L->methods, L->pattern, L->pattern_len, NULL);
        int rc2 = rtm_remove(r, L->methods, L->pattern, L->pattern_len, NULL);
        ASSERT_EQ_INT(rc2, rc1);
        if (rc1 != 0)
            continue; /* a line the table rejected */
        rt_snapshot w2;
        rt_snapshot_take(fx.ref, &q2, &w2);
        ad_assert_same(r, &q2, &w2, "after remove");
        ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, c & 1, (size_t)-1) >= 0);
        ad_assert_same(r, &q2, &w2, "after remove, packed");
        rt_snapshot_free(&w2);
        ASSERT_OK(rtm_add(fx.ref, L->methods, L->pattern, L->pattern_len, L->line, NULL, NULL));
        ASSERT_OK(rtm_add(r, L->methods, L->pattern, L->pattern_len, L->line, NULL, NULL));
        ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, false, (size_t)-1) >= 0);
    }
    ad_assert_same(r, &fx.q, &fx.want, "after remove/add cycles");
    rt_reqs_free(&q2);

    rtm_free(r);
    ad_fixture_close(&fx);
}

TEST(adaptive, answers_unchanged_across_reshapes_every_table)
{
    for (size_t i = 0; i < rt_ncases; i++) {
        char routes[1024], req[1024];
        rt_case_routes(&rt_cases[i], routes, sizeof routes);
        reshape_sequence(rt_cases[i].name, routes,
                         rt_spec_file(rt_cases[i].name, "req", req, sizeof req), 1, 4, 12);
    }
}

TEST(adaptive, answers_unchanged_across_reshapes_corpus)
{
    char routes[1024];
    snprintf(routes, sizeof routes, "%s/routes/corpus-dev.routes.gz", RTM_DATA_DIR);
    reshape_sequence("corpus-dev", routes, NULL, 150, 2, 4);
}

/* ---- Writers and packed subtrees ---- */

TEST(adaptive, insert_and_remove_expand_packed_subtrees)
{
    static const rt_route base[] = {
        {"GET", "/users"},           {"GET", "/users/new"},          {"GET", "/users/{id}"},
        {"GET", "/users/{id}/edit"}, {"GET", "/api/v1/things/list"}, {"POST", "/api/v1/things"},
        {"GET", "/files/{*path}"},
    };
    rtm_router *r = ad_new(0, NULL), *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rt_add_table(r, base, RT_COUNT(base));
    rt_add_table(ref, base, RT_COUNT(base));
    const char *pats[] = {"/users/new/x",
                          "/users/{id}/edit",
                          "/api/v1/things/list",
                          "/api/v1/things",
                          "/api/v2",
                          "/files/a/b",
                          "/users",
                          "/zzz"};
    rt_reqs q;
    rt_reqs_init(&q);
    for (size_t i = 0; i < RT_COUNT(pats); i++)
        rt_reqs_from_pattern(&q, pats[i], strlen(pats[i]));
    ASSERT_EQ_INT(ad_step_all(r, 0.0, 1.0, false, 0), 3); /* users, api, files ({*path}) */
    size_t iu = ad_sub_index(r, "users"), ia = ad_sub_index(r, "api");
    ASSERT_EQ_UINT(ad_sub_info(r, iu).encoding, RTM__ADAPTIVE_PACKED);
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_PACKED);
    ad_assert_invariants(r);

    /* A route on the subtree root itself needs no expansion. */
    rt_add(r, "PUT", "/users", 50);
    rt_add(ref, "PUT", "/users", 50);
    ASSERT_EQ_UINT(ad_sub_info(r, iu).encoding, RTM__ADAPTIVE_PACKED);
    /* Below it: the writer expands the subtree back to the trie. */
    rt_add(r, "GET", "/users/{id}/ping", 51);
    rt_add(ref, "GET", "/users/{id}/ping", 51);
    ASSERT_EQ_UINT(ad_sub_info(r, iu).encoding, RTM__ADAPTIVE_TRIE);
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_PACKED);
    rt_snapshot want, got;
    rt_snapshot_take(ref, &q, &want);
    rt_snapshot_take(r, &q, &got);
    ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_ANSWERS);
    rt_snapshot_free(&got);
    rt_snapshot_free(&want);
    ad_assert_invariants(r);

    /* Remove inside the packed "api" subtree, through a merged chain. */
    ASSERT_OK(rt_try_remove(r, "GET", "/api/v1/things/list", NULL));
    ASSERT_OK(rt_try_remove(ref, "GET", "/api/v1/things/list", NULL));
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_TRIE);
    ad_assert_invariants(r);
    /* Not found in a packed subtree leaves it packed and unchanged. */
    ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, false, 0), 0);
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_PACKED);
    rtm_stats before, after;
    rtm_get_stats(r, &before);
    ASSERT_ERR(rt_try_remove(r, "GET", "/api/v1/nothing", NULL), RTM_ENOENT);
    ASSERT_ERR(rt_try_remove(r, "DELETE", "/api/v1/things", NULL), RTM_ENOENT);
    rtm_get_stats(r, &after);
    ASSERT_EQ_UINT(after.bytes, before.bytes);
    ASSERT_EQ_UINT(after.nodes, before.nodes);
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_PACKED);
    /* A conflict in a packed subtree leaves it packed and unchanged. */
    rtm_diag d;
    ASSERT_ERR(rt_try_add(r, "POST", "/api/v1/{x}", 60, &d), 0);
    rt_add(ref, "POST", "/api/v1/{x}", 60);
    ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, false, 0), 0);
    rtm_get_stats(r, &before);
    ASSERT_ERR(rt_try_add(r, "POST", "/api/v1/{other}", 61, &d), RTM_ECONFLICT);
    ASSERT_EQ_UINT(d.other_route_id, 60);
    rtm_get_stats(r, &after);
    ASSERT_EQ_UINT(after.bytes, before.bytes);
    ASSERT_EQ_UINT(ad_sub_info(r, ia).encoding, RTM__ADAPTIVE_PACKED);

    /* Remove everything: the tree is empty again (the root only). */
    rt_snapshot_take(ref, &q, &want);
    rt_snapshot_take(r, &q, &got);
    ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_ANSWERS);
    rt_snapshot_free(&got);
    rt_snapshot_free(&want);
    const char *all[][2] = {
        {"GET", "/users"},          {"PUT", "/users"},           {"GET", "/users/new"},
        {"GET", "/users/{id}"},     {"GET", "/users/{id}/edit"}, {"GET", "/users/{id}/ping"},
        {"POST", "/api/v1/things"}, {"POST", "/api/v1/{x}"},     {"GET", "/files/{*path}"}};
    for (size_t i = 0; i < RT_COUNT(all); i++) {
        ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, true, 0), -1);
        ASSERT_OK(rt_try_remove(r, all[i][0], all[i][1], NULL));
        ad_assert_invariants(r);
    }
    rtm_get_stats(r, &after);
    ASSERT_EQ_UINT(after.nodes, 1);
    ASSERT_EQ_UINT(after.routes, 0);
    ASSERT_EQ_UINT(ad_nsub(r), 0);
    rtm_free(r);
    rtm_free(ref);
    rt_reqs_free(&q);
}

/* ---- The hot-route index ---- */

/* `times` lookups of METHOD PATH through the facade. */
static void ad_traffic(const rtm_router *r, const char *method, const char *path, size_t times)
{
    rtm_result res;
    for (size_t i = 0; i < times; i++)
        rtm_match(r, rtm_method_parse(method, strlen(method)), path, strlen(path), &res);
}

/* The index's answer (tried first by the counted lookup, the tree after a
 * give-up) equals the tree's (a router without the index), in every detail
 * rt_format prints; the tree itself is held to the reference everywhere
 * else. */
static void ad_assert_hot_same_n(const rtm_router *r, const rtm_router *tree, const char *method,
                                 const char *path, size_t len)
{
    unsigned m = (unsigned)rtm_method_parse(method, strlen(method));
    size_t v = 0;
    rtm_result a, b;
    char la[1024], lb[1024];
    memset(&a, 0, sizeof a); /* the facade's fields (tsr) stay 0 in both */
    memset(&b, 0, sizeof b);
    rtm__adaptive_match_counted(r->impl, m, path, len, 0, &a, &v);
    rtm__adaptive_match_counted(tree->impl, m, path, len, 0, &b, &v);
    rtm_test_set_context(path);
    ASSERT_STR_EQ(rt_format(&a, path, len, 1, la, sizeof la),
                  rt_format(&b, path, len, 1, lb, sizeof lb));
    rtm_test_set_context(NULL);
}

static void ad_assert_hot_same(const rtm_router *r, const rtm_router *tree, const char *method,
                               const char *path)
{
    ad_assert_hot_same_n(r, tree, method, path, strlen(path));
}

static const rt_route hot_table[] = {
    {"GET", "/users"},
    {"GET", "/users/new"},
    {"GET", "/users/new/edit"},
    {"GET", "/users/{id}"},
    {"GET,PUT", "/users/{id}/edit"},
    {"GET", "/users/{id}/posts/{pid}"},
    {"GET", "/api/v1/things/{id}"},
    {"GET", "/api/v1/things/{id}/"},
    {"GET", "/files/{*path}"},
    {"GET", "/img/{name}.png"},
    {"*", "/any/{x}"},
};

/* Every request of the hot table's shapes, and the give-ups around them. */
static const char *const hot_requests[][2] = {
    {"GET", "/users/42/edit"},
    {"PUT", "/users/42/edit"},
    {"DELETE", "/users/42/edit"},
    {"GET", "/users/new"},
    {"GET", "/users/new/edit"},
    {"GET", "/users/42"},
    {"GET", "/users"},
    {"GET", "/users/"},
    {"GET", "/users//edit"},
    {"GET", "/users/42/edit/"},
    {"GET", "/users/42/posts/7"},
    {"GET", "/users/new/posts/7"},
    {"GET", "/api/v1/things/7"},
    {"GET", "/api/v1/things/7/"},
    {"GET", "/api/v1/things/"},
    {"GET", "/api/v1/things"},
    {"GET", "/api/v2/things/7"},
    {"GET", "/files/a/b"},
    {"GET", "/img/a.png"},
    {"PATCH", "/any/1"},
    {"GET", "/any/1/2"},
    {"GET", "/api/v1/things/7/x"},
    {"GET", "/"},
    {"OTHER", "/users/1/edit"},
};

static void ad_assert_hot_requests(const rtm_router *r, const rtm_router *tree)
{
    for (size_t i = 0; i < RT_COUNT(hot_requests); i++)
        ad_assert_hot_same(r, tree, hot_requests[i][0], hot_requests[i][1]);
}

/* An adaptive router without its thread, with these extra flags. */
static rtm_router *ad_new_flags(uint32_t sample_every, uint32_t flags)
{
    rtm_config cfg = {0};
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD | flags;
    cfg.adaptive_sample_every = sample_every;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    return r;
}

/* Built from traffic, the index holds exactly the sampled eligible routes;
 * a request for a static sibling it does not hold (a threat: /users/new
 * beside the hot /users/{id}), a missing method, a trailing or empty
 * segment all give the tree's answer; unsampled lookups through the facade
 * answer from it; a writer drops it; a window of traffic it cannot hold
 * withdraws it. Each window is judged alone here (the remembered wins are
 * forgotten before it; hot_index_remembers_windows tests the memory). */
TEST(adaptive, hot_index_from_traffic)
{
    rtm_router *tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
    rt_add_table(tree, hot_table, RT_COUNT(hot_table));
    rtm_router *r = ad_new(1, NULL); /* every lookup sampled */
    rt_add_table(r, hot_table, RT_COUNT(hot_table));
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);

    /* Under AD_HOT_MIN_SAMPLES samples: nothing is built. */
    ad_traffic(r, "GET", "/users/42/edit", AD_HOT_MIN_SAMPLES - 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ASSERT_EQ_UINT(ad_hot_info(r).builds, 0);

    /* Two eligible routes and a catch-all (never held): 2/3 covered. */
    ad_traffic(r, "GET", "/users/42/edit", 300);
    ad_traffic(r, "GET", "/api/v1/things/7", 200);
    ad_traffic(r, "GET", "/files/a/b", 250);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    rtm__adaptive_hot_info hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.routes, 2);
    ASSERT_EQ_UINT(hi.builds, 1);
    rtm_stats st;
    rtm_get_stats(r, &st);
    ASSERT_EQ_UINT(st.hot_routes, 2);              /* visible to users too */
    ASSERT_TRUE(hi.cover > 0.6 && hi.cover < 0.7); /* 500 of the 750 window samples */
    ad_assert_hot_requests(r, tree);

    /* Sampled lookups also try the index: hits for what it holds, none for
     * what it gives up on. */
    rtm__adaptive_hot_forget(r->impl);
    uint32_t tries = hi.tries, hits = hi.hits;
    ad_traffic(r, "GET", "/users/42/edit", 10);
    ad_traffic(r, "GET", "/users/new", 5);
    ad_traffic(r, "DELETE", "/users/42/edit", 5);
    hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.tries - tries, 20);
    ASSERT_EQ_UINT(hi.hits - hits, 10);

    /* A writer drops it (a new route can be a new threat); the next window
     * builds it again. */
    rt_add(r, "GET", "/users/me/edit", 90);
    rt_add(tree, "GET", "/users/me/edit", 90);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ad_traffic(r, "GET", "/users/42/edit", 300);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 2); /* and /users/new, sampled 5 times above */
    ad_assert_hot_requests(r, tree);
    ad_assert_hot_same(r, tree, "GET", "/users/me/edit");

    /* In the packed encoding too; a mixed last segment is held. */
    ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, false, (size_t)-1), 0);
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic(r, "GET", "/users/7/posts/8", 300);
    ad_traffic(r, "GET", "/img/x.png", 100);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 2);
    ASSERT_TRUE(rtm__adaptive_hot_answers(r->impl, RTM_GET, "/img/x.png", 10));
    ad_assert_hot_requests(r, tree);

    /* Mostly what it cannot hold: withdrawn. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic(r, "GET", "/files/x", 400);
    ad_traffic(r, "GET", "/users/42/edit", 100);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ad_assert_hot_requests(r, tree);
    ad_assert_invariants(r);
    rtm_free(r);

    /* RTM_ADAPTIVE_NO_HOT: the same traffic builds nothing. */
    ad_traffic(tree, "GET", "/users/42/edit", 1000);
    ASSERT_TRUE(ad_step_all(tree, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(tree).builds, 0);
    ASSERT_EQ_UINT(rtm__adaptive_hot_build_all(tree->impl), 0);
    ASSERT_EQ_UINT(ad_hot_info(tree).routes, 0);
    rtm_free(tree);
}

/* `times` lookups of GET /s<i> for every i in [from, to). */
static void ad_traffic_range(const rtm_router *r, unsigned from, unsigned to, size_t times)
{
    char path[32];
    for (unsigned i = from; i < to; i++) {
        snprintf(path, sizeof path, "/s%u", i);
        ad_traffic(r, "GET", path, times);
    }
}

/* An adaptive router sampling every lookup, with GET /s<i> for i < n,
 * whose index holds sampled routes only (RTM_ADAPTIVE_NO_FULL_INDEX: the
 * tests of the choice among them). */
static rtm_router *ad_new_static_routes(unsigned n)
{
    rtm_router *r = ad_new_flags(1, RTM_ADAPTIVE_NO_FULL_INDEX);
    char pat[32];
    for (unsigned i = 0; i < n; i++) {
        snprintf(pat, sizeof pat, "/s%u", i);
        rt_add(r, "GET", pat, i);
    }
    return r;
}

/* The index's share of future lookups is estimated leaving each sample out
 * (a sample counts when its route was sampled more than the least a held
 * route needs), and routes sampled once are held only while they are a
 * minority of the routes sampled: a window in which every route came once
 * (uniform traffic over a table larger than the window) builds nothing,
 * although the routes it could hold are all of its samples. Each window
 * is judged alone (the remembered wins are forgotten before it). */
TEST(adaptive, hot_index_estimated_cover)
{
    rtm_router *r = ad_new_static_routes(400);
    /* 300 routes once each: no index. */
    ad_traffic_range(r, 0, 300, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ASSERT_EQ_UINT(ad_hot_info(r).builds, 0);

    /* 60 routes 4 times and 40 once: the 40 are a minority of the 100
     * routes sampled, so all are held; 240 of the 280 samples count. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic_range(r, 0, 60, 4);
    ad_traffic_range(r, 100, 140, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    rtm__adaptive_hot_info hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.routes, 100);
    ASSERT_TRUE(hi.cover > 0.856 && hi.cover < 0.858);

    /* 10 routes 30 times and 30 once: the 30 are most of the 40, so only
     * the 10 are held; all their 300 of the 330 samples count. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic_range(r, 0, 10, 30);
    ad_traffic_range(r, 200, 230, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.routes, 10);
    ASSERT_TRUE(hi.cover > 0.908 && hi.cover < 0.910);

    /* 100 routes twice and 200 once: the held 100 would each be held on
     * one sample less only if singletons were held, which they are not:
     * nothing counts, and the published index is withdrawn. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic_range(r, 0, 100, 2);
    ad_traffic_range(r, 100, 300, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ad_assert_invariants(r);
    rtm_free(r);
}

/* A window too small to tell (mostly routes sampled once) does not
 * withdraw an index that answers at least RTM__ADAPTIVE_HOT_COVER of the
 * sampled lookups that tried it; once it stops answering, it goes. */
TEST(adaptive, hot_index_kept_while_it_answers)
{
    rtm_router *r = ad_new_static_routes(400);
    ad_traffic_range(r, 0, 100, 4);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 100);
    ASSERT_EQ_UINT(ad_hot_info(r).builds, 1);

    /* The 100 twice and 150 others once: the 150 are most of the 250
     * routes sampled, so only the 100 would be held and none of their
     * samples counts (nothing to build from), but the index answered 200
     * of the 350 lookups that tried it. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic_range(r, 0, 100, 2);
    ad_traffic_range(r, 100, 250, 1);
    rtm__adaptive_hot_info hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.tries, 350);
    ASSERT_EQ_UINT(hi.hits, 200);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.routes, 100);
    ASSERT_EQ_UINT(hi.builds, 1);

    /* 300 more, none of them held: 100 hits of 475 tries (the last
     * window's halved): withdrawn. */
    rtm__adaptive_hot_forget(r->impl);
    ad_traffic_range(r, 100, 400, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
    ad_assert_invariants(r);
    rtm_free(r);
}

/* shape with each '@' replaced by lab; returns the length. */
static size_t ad_shape(char *out, size_t cap, const char *shape, const char *lab)
{
    size_t n = 0, ln = strlen(lab);
    for (const char *p = shape; *p; p++) {
        size_t k = *p == '@' ? ln : 1;
        ASSERT_LE_UINT(n + k + 1, cap);
        memcpy(out + n, *p == '@' ? lab : p, k);
        n += k;
    }
    out[n] = '\0';
    return n;
}

/* GET <shape with lab> for each shape, added to both routers with the ids
 * after *id. */
static void ad_add_shapes(rtm_router *r, rtm_router *tree, const char *const *shapes, size_t n,
                          const char *lab, uint32_t *id)
{
    char buf[256];
    for (size_t k = 0; k < n; k++) {
        ad_shape(buf, sizeof buf, shapes[k], lab);
        rt_add(r, "GET", buf, ++*id);
        rt_add(tree, "GET", buf, *id);
    }
}

/* lab = l (variant 0 and others), one byte short (1; "" for "a"), one
 * byte long (2), or with its last byte changed (3); lab has room for
 * strlen(l) + 2 bytes. */
static void ad_label_variant(char *lab, const char *l, int variant)
{
    size_t n = strlen(l);
    memcpy(lab, l, n + 1);
    if (variant == 1) {
        lab[n - 1] = '\0';
    } else if (variant == 2) {
        lab[n] = 'z';
        lab[n + 1] = '\0';
    } else if (variant == 3) {
        lab[n - 1] = 'Z';
    }
}

/* Mixed children beside a param. The param is held: a segment holding
 * one of their stop bytes (":" of "{}:cancel", "." of "{}.json") gives up
 * before the path's end; at its end the mixed children are tried in the
 * tree's order, their leaves inline, a match without the method giving
 * up (the tree backtracks to the next); none matching, the param. A node
 * with mixed children and no param route held keeps them on a holder. */
static const rt_route mixed_table[] = {
    {"GET", "/v1/{name}:cancel"},  {"GET", "/v1/{name}:run"},
    {"POST", "/v1/{id}.json"},     {"GET", "/v1/{a}.{b}"},
    {"GET", "/v1/{name}"},         {"GET", "/v1/{parent}/items"},
    {"GET", "/f/{id}.json/raw"},   {"GET", "/f/{id}"},
    {"GET", "/only/{x}.png"},      {"GET", "/p/{a}-{b}-{c}"},
    {"GET", "/p/{a}/{b}/{c}/{d}"},
};

/* Requests and whether the index of every route answers them. */
static const struct {
    const char *method, *path;
    bool hit;
} mixed_requests[] = {
    {"GET", "/v1/x:cancel", true},
    {"GET", "/v1/x:other", true},
    {"GET", "/v1/a.txt", true},
    {"POST", "/v1/a.json", true},
    {"GET", "/v1/a.json", false},
    {"DELETE", "/v1/a.json", false},
    {"GET", "/v1/x", true},
    {"GET", "/v1/x/items", true},
    {"GET", "/v1/x:run/items", false},
    {"GET", "/v1/x:run/", false},
    {"GET", "/f/7", true},
    {"GET", "/f/7.json", false},
    {"GET", "/f/7.json/raw", false},
    {"GET", "/only/a.png", true},
    {"GET", "/only/a", false},
    {"GET", "/only/a.gif", false},
    {"GET", "/only/.png", false},
    {"GET", "/p/1-2-3", true},
    {"GET", "/p/1-2", false},
    {"GET", "/p/1/2/3/4", true},
    {"GET", "/v1/:cancel", true},
    {"GET", "/v1/x:cancel:run", true},
};

TEST(adaptive, hot_index_mixed_children)
{
    rtm_router *tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
    rtm_router *r = ad_new_flags(1, 0);
    rt_add_table(tree, mixed_table, RT_COUNT(mixed_table));
    rt_add_table(r, mixed_table, RT_COUNT(mixed_table));
    for (int packed = 0; packed < 2; packed++) {
        if (packed) {
            ASSERT_GT_INT(ad_step_all(r, 0.0, 1.0, false, (size_t)-1), 0);
            ASSERT_GT_INT(ad_step_all(tree, 0.0, 1.0, false, (size_t)-1), 0);
        }
        ASSERT_OK(rtm__adaptive_hot_build_all(r->impl));
        /* all but the mixed child with a child of its own */
        ASSERT_EQ_UINT(ad_hot_info(r).routes, RT_COUNT(mixed_table) - 1);
        for (size_t i = 0; i < RT_COUNT(mixed_requests); i++) {
            const char *m = mixed_requests[i].method, *p = mixed_requests[i].path;
            rtm_test_set_context(p);
            ASSERT_EQ_INT(
                rtm__adaptive_hot_answers(r->impl, rtm_method_parse(m, strlen(m)), p, strlen(p)),
                mixed_requests[i].hit);
            rtm_test_set_context(NULL);
            ad_assert_hot_same(r, tree, m, p);
        }
    }
    rtm_free(r);
    rtm_free(tree);

    /* A param with more static siblings than a lookup could once check
     * (40): held, each sibling a threat it gives up on. */
    tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
    r = ad_new_flags(1, RTM_ADAPTIVE_NO_FULL_INDEX);
    char pat[32], path[32];
    for (unsigned i = 0; i < 40; i++) {
        snprintf(pat, sizeof pat, "/t/s%u/x", i);
        rt_add(tree, "GET", pat, i);
        rt_add(r, "GET", pat, i);
    }
    rt_add(tree, "GET", "/t/{id}/x", 40);
    rt_add(r, "GET", "/t/{id}/x", 40);
    ad_traffic(r, "GET", "/t/abc/x", 300);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 1);
    ASSERT_TRUE(rtm__adaptive_hot_answers(r->impl, RTM_GET, "/t/abc/x", 8));
    for (unsigned i = 0; i < 40; i++) {
        snprintf(path, sizeof path, "/t/s%u/x", i);
        ASSERT_FALSE(rtm__adaptive_hot_answers(r->impl, RTM_GET, path, strlen(path)));
        ad_assert_hot_same(r, tree, "GET", path);
    }
    ad_assert_hot_same(r, tree, "GET", "/t/s40/x");
    ASSERT_TRUE(rtm__adaptive_hot_answers(r->impl, RTM_GET, "/t/s40/x", 8));
    rtm_free(r);
    rtm_free(tree);
}

/* Static labels around the word sizes the index compares in (7, 8, 15, 16
 * bytes), as middle and last segments, beside params: a request with the
 * label is the index's answer; with the label one byte short, one byte
 * long, its last byte changed or a NUL inside, at the path's end, before
 * a '/' or before a trailing '/', it is the tree's answer (a param route,
 * or none). Paths of under 8 bytes read their last word without reading
 * before the path. */
TEST(adaptive, hot_index_label_lengths)
{
    static const char *const labels[] = {"a",
                                         "abcdefg",
                                         "abcdefgh",
                                         "abcdefghi",
                                         "abcdefghijklmno",
                                         "abcdefghijklmnop",
                                         "abcdefghijklmnopq",
                                         "abcdefghijklmnopqrstuvwxyz0123456789"};
    static const char *const shapes[] = {"/s/@", "/s/@/{p}/@", "/p/{p}/@", "/x/@/y"};
    /* the label is at byte 3 but in the last; the first four are the
     * index's own routes */
    static const char *const requests[] = {"/s/@",    "/s/@/7/@", "/p/7/@",  "/x/@/y", "/s/@/",
                                           "/p/7/@/", "/x/@",     "/x/@/y/", "/s/@/7", "/@"};
    rtm_router *tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
    rtm_router *r = ad_new(1, NULL); /* every lookup sampled: hits are counted */
    char buf[256], lab[64];
    uint32_t id = 0;
    rt_add(r, "GET", "/{p}", ++id);
    rt_add(tree, "GET", "/{p}", id);
    rt_add(r, "GET", "/s/{p}", ++id); /* beside all eight labels */
    rt_add(tree, "GET", "/s/{p}", id);
    for (size_t i = 0; i < RT_COUNT(labels); i++)
        ad_add_shapes(r, tree, shapes, RT_COUNT(shapes), labels[i], &id);
    ASSERT_OK(rtm__adaptive_hot_build_all(r->impl));
    ASSERT_EQ_UINT(ad_hot_info(r).routes, id);

    for (size_t i = 0; i < RT_COUNT(labels); i++) {
        size_t n = strlen(labels[i]);
        for (int variant = 0; variant < 5; variant++) {
            ad_label_variant(lab, labels[i], variant); /* 4: as 0 */
            for (size_t k = 0; k < RT_COUNT(requests); k++) {
                size_t len = ad_shape(buf, sizeof buf, requests[k], lab);
                if (variant == 4) /* a NUL inside the (first) label */
                    buf[(k == RT_COUNT(requests) - 1 ? 1 : 3) + n / 2] = '\0';
                uint32_t hits = ad_hot_info(r).hits;
                ad_assert_hot_same_n(r, tree, "GET", buf, len);
                rtm_result res;
                rtm_match(r, RTM_GET, buf, len, &res);
                if (variant == 0 && k < 4) /* the index answered the sampled lookup */
                    ASSERT_EQ_UINT(ad_hot_info(r).hits, hits + 1);
            }
        }
        /* The label, two more bytes, then the label again: a segment end
         * missed after the label would take "Z" for the param of
         * /s/@/{p}/@ and answer it. */
        size_t len = ad_shape(buf, sizeof buf, "/s/@YZ/@", labels[i]);
        ad_assert_hot_same_n(r, tree, "GET", buf, len);
    }
    ad_assert_invariants(r);
    rtm_free(r);
    rtm_free(tree);
}

/* Hot trie nodes whose statics' hash slots are keyed `keying`
 * (AD_HOT_WIDE: by 16 bytes, AD_HOT_WHOLE: by the whole segment). */
static size_t ad_hot_keyed_nodes(const rtm_router *r, unsigned keying)
{
    const ad_hot *h = atomic_load(&r->impl->hot);
    size_t n = 0;
    for (uint32_t i = 0; h && i < h->nnodes; i++)
        n += (h->nodes[i].hbits & AD_HOT_KEYING) == keying;
    return n;
}

/* Statics shared[0, nheld) beside 8 others under /p: with more than
 * AD_HOT_SHARED of them sharing a key of 8 bytes (and of 16), the node
 * keys its hash slots by 16 bytes (by the whole segment): `keying`; with
 * AD_HOT_SHARED, by 8. The index still answers every request as the tree does: each
 * label, one byte short, one byte long, its last byte changed, at the
 * path's end or before more segments. */
static void ad_check_shared_keys(const char *const *shared, size_t nshared, unsigned keying)
{
    static const char *const others[] = {"a", "b", "users", "orders", "x1", "x2", "x3", "x4"};
    static const char *const shapes[] = {"/p/@", "/p/@/{id}"};
    static const char *const requests[] = {"/p/@", "/p/@/7", "/p/@/", "/p/@/7/8"};
    ASSERT_EQ_UINT(nshared, AD_HOT_SHARED + 2);
    for (size_t nheld = AD_HOT_SHARED; nheld <= nshared; nheld += 2) {
        rtm_router *tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
        rtm_router *r = ad_new(1, NULL);
        char buf[256], lab[64];
        uint32_t id = 0;
        for (size_t i = 0; i < nheld + RT_COUNT(others); i++)
            ad_add_shapes(r, tree, shapes, RT_COUNT(shapes),
                          i < nheld ? shared[i] : others[i - nheld], &id);
        ASSERT_OK(rtm__adaptive_hot_build_all(r->impl));
        ASSERT_EQ_UINT(ad_hot_info(r).routes, id);
        unsigned expect = nheld > AD_HOT_SHARED ? keying : 0;
        ASSERT_EQ_UINT(ad_hot_keyed_nodes(r, AD_HOT_WIDE), expect == AD_HOT_WIDE);
        ASSERT_EQ_UINT(ad_hot_keyed_nodes(r, AD_HOT_WHOLE), expect == AD_HOT_WHOLE);
        for (size_t i = 0; i < nshared + RT_COUNT(others); i++) {
            const char *l = i < nshared ? shared[i] : others[i - nshared];
            for (int variant = 0; variant < 4; variant++) {
                ad_label_variant(lab, l, variant);
                for (size_t k = 0; k < RT_COUNT(requests); k++) {
                    size_t len = ad_shape(buf, sizeof buf, requests[k], lab);
                    uint32_t hits = ad_hot_info(r).hits;
                    ad_assert_hot_same_n(r, tree, "GET", buf, len);
                    rtm_result res;
                    rtm_match(r, RTM_GET, buf, len, &res);
                    bool held = i < nheld || i >= nshared;
                    if (variant == 0 && k < 2 && held) /* the index answered */
                        ASSERT_EQ_UINT(ad_hot_info(r).hits, hits + 1);
                }
            }
        }
        ad_assert_invariants(r);
        rtm_free(r);
        rtm_free(tree);
    }
}

TEST(adaptive, hot_index_wide_keys)
{
    static const char *const shared[] = {"Microsof",
                                         "Microsoft",
                                         "Microsoft.Web",
                                         "Microsoft.Sql",
                                         "Microsoft.Storag",
                                         "Microsoft.Storage",
                                         "Microsoft.Compu",
                                         "Microsoft.Network",
                                         "Microsoft.KeyVaultAndMore", /* past 16 bytes */
                                         "Microsoft.KeyVaultAndMorx"};
    ad_check_shared_keys(shared, RT_COUNT(shared), AD_HOT_WIDE);
}

/* Slack's shape: ten labels sharing their first 16 bytes, of 16 to 33
 * bytes (a chunk of 0 bytes after 16 and 24), are keyed by the whole
 * segment. */
TEST(adaptive, hot_index_whole_segment_keys)
{
    static const char *const shared[] = {"admin.conversati",
                                         "admin.conversatio",
                                         "admin.conversations.arc",
                                         "admin.conversations.arch",
                                         "admin.conversations.archi",
                                         "admin.conversations.create",
                                         "admin.conversations.search",
                                         "admin.conversations.setTeams",
                                         "admin.conversations.restrictAcc",
                                         "admin.conversations.restrictAcce"};
    ad_check_shared_keys(shared, RT_COUNT(shared), AD_HOT_WHOLE);
}

/* The index's answer to METHOD PATH, which it must hold, against the
 * tree's in the same router (r samples every lookup, so rtm_match walks
 * the tree): the same record, so the same id, udata and name pointers. */
static void ad_assert_hot_answer(const rtm_router *r, rtm_method m, const char *path)
{
    size_t len = strlen(path), v = 0;
    rtm_result a, b;
    memset(&a, 0, sizeof a);
    rtm_test_set_context(path);
    ASSERT_TRUE(rtm__adaptive_hot_answers(r->impl, m, path, len));
    rtm__adaptive_match_counted(r->impl, m, path, len, 0, &a, &v);
    ASSERT_EQ_INT(rtm_match(r, m, path, len, &b), RTM_FOUND);
    ASSERT_EQ_INT(a.status, RTM_FOUND);
    ASSERT_EQ_UINT(a.route_id, b.route_id);
    ASSERT_TRUE(a.udata == b.udata);
    ASSERT_EQ_UINT(a.nparams, b.nparams);
    for (unsigned i = 0; i < b.nparams; i++) {
        ASSERT_TRUE(a.params[i].name == b.params[i].name); /* the record's own bytes */
        ASSERT_EQ_UINT(a.params[i].name_len, b.params[i].name_len);
        ASSERT_EQ_UINT(a.params[i].offset, b.params[i].offset);
        ASSERT_EQ_UINT(a.params[i].length, b.params[i].length);
    }
    rtm_test_set_context(NULL);
}

/* A hit answers from the index's copy of the record (ad_hanswer): for
 * routes of 0 to 15 params (past AD_HOT_NAMES from the record itself),
 * names of 1 to 7 bytes, two methods on one leaf, ANY, and a mixed last
 * segment of two params. */
TEST(adaptive, hot_index_answers_as_the_record)
{
    _Static_assert(AD_HOT_NAMES < AD_HOT_SEGS - 1, "some routes below exceed AD_HOT_NAMES");
    rtm_router *r = ad_new(1, NULL);
    char pat[512], req[512];
    for (unsigned n = 0; n < AD_HOT_SEGS; n++) {
        int pl = snprintf(pat, sizeof pat, "/p%u", n), ql = snprintf(req, sizeof req, "/p%u", n);
        for (unsigned i = 0; i < n; i++) {
            pl += snprintf(pat + pl, sizeof pat - (size_t)pl, "/{%.*s%u}", (int)(i % 7), "abcdefg",
                           i);
            ql += snprintf(req + ql, sizeof req - (size_t)ql, "/%.*s", (int)(i % 5 + 1), "vwxyz");
        }
        rt_add(r, n % 2 ? "*" : "GET,PUT", pat, n + 1);
        ASSERT_TRUE(rtm__adaptive_hot_build_all(r->impl) == 0);
        for (unsigned k = 0; k <= n; k++) { /* every route so far, each of its methods */
            ql = snprintf(req, sizeof req, "/p%u", k);
            for (unsigned i = 0; i < k; i++)
                ql +=
                    snprintf(req + ql, sizeof req - (size_t)ql, "/%.*s", (int)(i % 5 + 1), "vwxyz");
            ad_assert_hot_answer(r, k % 2 ? RTM_DELETE : RTM_GET, req);
            ad_assert_hot_answer(r, k % 2 ? RTM_GET : RTM_PUT, req);
        }
    }
    rt_add(r, "GET", "/m/{a}.{bb}", 100);
    ASSERT_TRUE(rtm__adaptive_hot_build_all(r->impl) == 0);
    ad_assert_hot_answer(r, RTM_GET, "/m/x.yz");
    ASSERT_EQ_UINT(ad_hot_info(r).routes, AD_HOT_SEGS + 1);
    rtm_free(r);
}

/* A window of 10 routes (/s0 .. /s9) 30 times each and 30 (/s100 ..
 * /s129) once each, then a tick. */
static void ad_window_of_two_tiers(rtm_router *r)
{
    ad_traffic_range(r, 0, 10, 30);
    ad_traffic_range(r, 100, 130, 1);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
}

/* The wins of past windows are remembered, each window's weighing 1/8 less
 * than the next one's (AD_HOT_DECAY): routes that come once per window are
 * held once they have come in two, and let go once their weight has
 * decayed to one sample's. A writer that removes routes forgets them all. */
TEST(adaptive, hot_index_remembers_windows)
{
    _Static_assert(AD_HOT_DECAY == 8, "the weights below assume a decay of 1/8 per tick");
    rtm_router *r = ad_new_static_routes(400);
    /* Window 1: 10 routes 30 times and 30 once: the 30 are most of the 40
     * routes sampled, so only the 10 are held (as in one window alone). */
    ad_window_of_two_tiers(r);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 10);

    /* Window 2, the same: the 30 now weigh 7/8 + 1 samples, more than one
     * sample's, so all 40 are held, and every remembered win counts. */
    ad_window_of_two_tiers(r);
    rtm__adaptive_hot_info hi = ad_hot_info(r);
    ASSERT_EQ_UINT(hi.routes, 40);
    ASSERT_TRUE(hi.cover > 0.999);

    /* Windows of the 10 alone: the 30 weigh 480 (256 is one sample), then
     * 420, 368, 322, 282: held for four windows; at 247 (the fifth) they
     * are routes of one sample's weight, most of those remembered: let go. */
    for (int w = 0; w < 4; w++) {
        ad_traffic_range(r, 0, 10, 30);
        ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
        ASSERT_EQ_UINT(ad_hot_info(r).routes, 40);
    }
    ad_traffic_range(r, 0, 10, 30);
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 10);

    /* Two windows like the first two again hold the 40; a removal (of a
     * route never sampled) forgets, and the next such window holds 10. */
    ad_window_of_two_tiers(r);
    ad_window_of_two_tiers(r);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 40);
    ASSERT_OK(rtm_remove(r, RTM_METHOD_BIT(RTM_GET), "/s399", 5, NULL));
    ad_window_of_two_tiers(r);
    ASSERT_EQ_UINT(ad_hot_info(r).routes, 10);
    ad_assert_invariants(r);
    rtm_free(r);
}

/* <prefix>g<i / 128>/s<i><suffix> into buf: many routes in groups of
 * 128 (one node with tens of thousands of children is slow to build). */
static size_t ad_grouped_path(char *buf, size_t cap, const char *prefix, unsigned i,
                              const char *suffix)
{
    return (size_t)snprintf(buf, cap, "%sg%u/s%u%s", prefix, i / 128, i, suffix);
}

/* GET <prefix>g<i / 128>/s<i><suffix> for i < n, with route id i. */
static void ad_add_grouped_routes(rtm_router *r, const char *prefix, const char *suffix, unsigned n)
{
    char pat[64];
    for (unsigned i = 0; i < n; i++) {
        ad_grouped_path(pat, sizeof pat, prefix, i, suffix);
        rt_add(r, "GET", pat, i);
    }
}

/* n lookups of GET <prefix>g<i / 128>/s<i><suffix>, i drawn uniformly
 * below `routes` (a fixed generator: the same draws every run). */
static void ad_uniform_traffic(const rtm_router *r, const char *prefix, const char *suffix,
                               unsigned routes, size_t n, uint64_t *rng)
{
    char path[64];
    rtm_result res;
    for (size_t k = 0; k < n; k++) {
        *rng = *rng * 6364136223846793005u + 1442695040888963407u;
        unsigned i = (unsigned)(*rng >> 33) % routes;
        rtm_match(r, RTM_GET, path, ad_grouped_path(path, sizeof path, prefix, i, suffix), &res);
    }
}

/* Uniform traffic over a table of 20,000 routes, all of them eligible:
 * the sampled routes could answer few lookups, so the index holds every
 * eligible route (a full index) from the first window on, and is built
 * again only after AD_HOT_FULL_AGE windows; it answers what the tree
 * does. With RTM_ADAPTIVE_NO_FULL_INDEX the same traffic builds nothing. */
TEST(adaptive, hot_index_full_for_broad_traffic)
{
    _Static_assert(20000 > AD_HOT_ROUTES && 20000 <= AD_HOT_FULL_ROUTES, "table size");
    rtm_router *r = ad_new(1, NULL), *sampled = ad_new_flags(1, RTM_ADAPTIVE_NO_FULL_INDEX);
    rtm_router *tree = ad_new_flags(1, RTM_ADAPTIVE_NO_HOT);
    ad_add_grouped_routes(r, "/x/", "", 20000);
    ad_add_grouped_routes(sampled, "/x/", "", 20000);
    ad_add_grouped_routes(tree, "/x/", "", 20000);
    uint64_t rng = 1, rng2 = 1;
    for (unsigned window = 1; window <= AD_HOT_FULL_AGE + 1; window++) {
        ad_uniform_traffic(r, "/x/", "", 20000, AD_HOT_RING, &rng);
        ad_uniform_traffic(sampled, "/x/", "", 20000, AD_HOT_RING, &rng2);
        ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
        ASSERT_TRUE(ad_step_all(sampled, 1.0, 0.0, false, 0) >= 0);
        rtm__adaptive_hot_info hi = ad_hot_info(r);
        ASSERT_TRUE(hi.full);
        ASSERT_EQ_UINT(hi.routes, 20000);
        ASSERT_EQ_UINT(hi.builds, window <= AD_HOT_FULL_AGE ? 1 : 2);
        ASSERT_EQ_UINT(ad_hot_info(sampled).routes, 0);
    }
    /* every route, and near misses, as the tree answers; the index
     * answers the routes */
    char path[64];
    rtm_result res;
    for (unsigned i = 0; i < 20000; i += 7) {
        uint32_t hits = ad_hot_info(r).hits;
        size_t n = ad_grouped_path(path, sizeof path, "/x/", i, "");
        ad_assert_hot_same(r, tree, "GET", path);
        rtm_match(r, RTM_GET, path, n, &res); /* sampled: the index is tried too */
        ASSERT_EQ_UINT(ad_hot_info(r).hits, hits + 1);
        ad_grouped_path(path, sizeof path, "/x/", i, "/");
        ad_assert_hot_same(r, tree, "GET", path);
        ad_grouped_path(path, sizeof path, "/x/", i, "x");
        ad_assert_hot_same(r, tree, "GET", path);
    }
    ad_assert_invariants(r);
    rtm_free(r);
    rtm_free(sampled);
    rtm_free(tree);
}

/* The index holds every eligible route only when they take at least
 * RTM__ADAPTIVE_HOT_FULL of the sampled wins: uniform traffic over 4,000
 * eligible routes and 16,000 behind a catch-all (which the index cannot
 * hold) builds nothing. Past AD_HOT_FULL_ROUTES eligible routes the index
 * holds that many, and their share is scaled by the part held: 66,000
 * eligible routes alone get an index of AD_HOT_FULL_ROUTES (a share of
 * 0.99), 72,000 beside 8,000 catch-alls nothing (a share of 0.9 of the
 * wins, 0.82 held). */
TEST(adaptive, hot_index_full_only_when_it_answers)
{
    _Static_assert(AD_HOT_FULL_ROUTES == 65534, "the shares above");
    rtm_router *r = ad_new(1, NULL);
    ad_add_grouped_routes(r, "/x/", "", 4000);
    ad_add_grouped_routes(r, "/y/", "/{*rest}", 16000);
    rtm_router *big = ad_new(1, NULL);
    ad_add_grouped_routes(big, "/x/", "", 66000);
    rtm_router *bigger = ad_new(1, NULL);
    ad_add_grouped_routes(bigger, "/x/", "", 72000);
    ad_add_grouped_routes(bigger, "/y/", "/{*rest}", 8000);
    uint64_t rng = 1, rng2 = 1, rng3 = 1;
    for (unsigned window = 0; window < 4; window++) {
        ad_uniform_traffic(r, "/x/", "", 4000, AD_HOT_RING / 5, &rng);
        ad_uniform_traffic(r, "/y/", "/a/b", 16000, AD_HOT_RING * 4 / 5, &rng);
        ad_uniform_traffic(big, "/x/", "", 66000, AD_HOT_RING, &rng2);
        ad_uniform_traffic(bigger, "/x/", "", 72000, AD_HOT_RING * 9 / 10, &rng3);
        ad_uniform_traffic(bigger, "/y/", "/a/b", 8000, AD_HOT_RING / 10, &rng3);
        ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
        ASSERT_TRUE(ad_step_all(big, 1.0, 0.0, false, 0) >= 0);
        ASSERT_TRUE(ad_step_all(bigger, 1.0, 0.0, false, 0) >= 0);
        ASSERT_EQ_UINT(ad_hot_info(r).routes, 0);
        ASSERT_TRUE(ad_hot_info(big).full);
        ASSERT_EQ_UINT(ad_hot_info(big).routes, AD_HOT_FULL_ROUTES);
        ASSERT_EQ_UINT(ad_hot_info(bigger).routes, 0);
    }
    rtm_free(r);
    rtm_free(big);
    rtm_free(bigger);
}

/* With the default one-in-K sampling most facade lookups answer from the
 * index: after a window of Zipf-like traffic, repeated sweeps through
 * rtm_match() equal the reference on the tricky table, and on the whole
 * table index. */
TEST(adaptive, hot_index_answers_through_the_facade)
{
    const rt_case *tricky = NULL;
    for (size_t i = 0; i < rt_ncases; i++) {
        if (strcmp(rt_cases[i].name, "tricky") == 0)
            tricky = &rt_cases[i];
    }
    ASSERT_NOT_NULL(tricky);
    char routes[1024], req[1024], err[512];
    rtm__table t;
    rt_case_routes(tricky, routes, sizeof routes);
    if (rtm__table_read(&t, routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    rt_reqs q;
    ad_reqs(&q, &t, rt_spec_file(tricky->name, "req", req, sizeof req), 1);
    rtm_router *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rtm__table_add(ref, &t, NULL, "tricky", NULL);
    rt_snapshot want;
    rt_snapshot_take(ref, &q, &want);

    rtm_router *r = ad_new(4, NULL);
    rtm__table_add(r, &t, NULL, "tricky", NULL);
    for (size_t k = 0; k < 4 * AD_HOT_MIN_SAMPLES / q.n + 8; k++) {
        for (size_t i = 0; i < q.n; i++) {
            rtm_result res;
            for (size_t z = 0; z <= 8 / (i + 1); z++) /* the first requests hottest */
                rtm_match(r, (rtm_method)q.v[i].method, q.v[i].path, q.v[i].len, &res);
        }
    }
    ASSERT_TRUE(ad_step_all(r, 1.0, 0.0, false, 0) >= 0);
    ASSERT_GT_UINT(ad_hot_info(r).routes, 0);
    for (int sweep = 0; sweep < 4; sweep++) /* each request meets the index 3 in 4 */
        ad_assert_same(r, &q, &want, "hot index from traffic");
    size_t from_traffic = ad_hot_info(r).routes;
    ASSERT_OK(rtm__adaptive_hot_build_all(r->impl));
    ASSERT_LE_UINT(from_traffic, ad_hot_info(r).routes);
    for (int sweep = 0; sweep < 4; sweep++)
        ad_assert_same(r, &q, &want, "hot index of every route");
    rt_snapshot_free(&want);
    rtm_free(r);
    rtm_free(ref);
    rt_reqs_free(&q);
    rtm__table_free(&t);
}

/* ---- Out of memory ---- */

TEST(adaptive, oom_in_reshape_and_expansion_changes_nothing)
{
    char routes[1024], err[512];
    rtm__table t;
    const rt_case *tricky = NULL;
    for (size_t i = 0; i < rt_ncases; i++) {
        if (strcmp(rt_cases[i].name, "tricky") == 0)
            tricky = &rt_cases[i];
    }
    ASSERT_NOT_NULL(tricky);
    rt_case_routes(tricky, routes, sizeof routes);
    if (rtm__table_read(&t, routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    rt_reqs q;
    ad_reqs(&q, &t, NULL, 1);
    rtm_test_alloc ta;
    rtm_test_alloc_init(&ta);
    rtm_router *r = ad_new(0, &ta.hooks);
    rtm__table_add(r, &t, NULL, "tricky", NULL);
    rt_snapshot want;
    rt_snapshot_take(r, &q, &want);

    /* A tick whose Nth allocation fails: the subtree being re-encoded keeps
     * its encoding, answers never change. */
    for (uint64_t n = 1;; n++) {
        ASSERT_LT_INT(n, 10000);
        rtm_test_alloc_fail_in(&ta, n);
        int rc = ad_step_all(r, 0.0, 1.0, true, (size_t)-1);
        rtm_test_alloc_fail_in(&ta, 0);
        ASSERT_TRUE(rc >= 0 || rc == RTM_ENOMEM);
        ad_assert_same(r, &q, &want, "after a failed tick");
        if (rc >= 0 && ad_npacked(r) == ad_npackable(r) && ta.failed == 0)
            break;
        atomic_store(&ta.failed, 0);
    }
    /* Insert below a packed subtree (expansion + insertion) and remove from
     * one: each allocation fails in turn; a failure changes nothing, bytes
     * and nodes included. */
    const char *pat = "/users/{id}/edit/more/{x}";
    for (uint64_t n = 1;; n++) {
        ASSERT_LT_INT(n, 10000);
        ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, true, (size_t)-1) >= 0);
        rt_snapshot before;
        rt_snapshot_take(r, &q, &before);
        rtm_test_alloc_fail_in(&ta, n);
        int rc = rt_try_add(r, "GET", pat, 900, NULL);
        rtm_test_alloc_fail_in(&ta, 0);
        if (rc == 0) {
            rt_snapshot_free(&before);
            break;
        }
        ASSERT_ERR(rc, RTM_ENOMEM);
        rt_snapshot after;
        rt_snapshot_take(r, &q, &after);
        ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_ANSWERS | RT_SNAP_NODES | RT_SNAP_BYTES);
        rt_snapshot_free(&after);
        rt_snapshot_free(&before);
        ad_assert_invariants(r);
    }
    for (uint64_t n = 1;; n++) {
        ASSERT_LT_INT(n, 10000);
        ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, true, (size_t)-1) >= 0);
        rt_snapshot before;
        rt_snapshot_take(r, &q, &before);
        rtm_test_alloc_fail_in(&ta, n);
        int rc = rt_try_remove(r, "GET", pat, NULL);
        rtm_test_alloc_fail_in(&ta, 0);
        if (rc == 0) {
            rt_snapshot_free(&before);
            break;
        }
        ASSERT_ERR(rc, RTM_ENOMEM);
        rt_snapshot after;
        rt_snapshot_take(r, &q, &after);
        ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_ANSWERS | RT_SNAP_NODES | RT_SNAP_BYTES);
        rt_snapshot_free(&after);
        rt_snapshot_free(&before);
    }
    ad_assert_same(r, &q, &want, "after add + remove");
    rtm_free(r);
    ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&ta), 0);
    ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&ta), 0);
    ASSERT_TRUE(rtm_test_alloc_sane(&ta));
    rt_snapshot_free(&want);
    rt_reqs_free(&q);
    rtm__table_free(&t);
}

/* ---- Deep routes, long paths, visits ---- */

TEST(adaptive, deep_routes_and_long_paths_in_both_encodings)
{
    /* A 32,767-segment static route (one merged label once packed), the
     * same with a param in the middle, and 100,000-segment paths. */
    size_t nseg = 32767, plen = 2 * nseg;
    char *deep = malloc(plen + 1), *deep_p = malloc(plen + 8);
    ASSERT_TRUE(deep && deep_p);
    for (size_t i = 0; i < nseg; i++)
        memcpy(deep + 2 * i, "/a", 2);
    deep[plen] = '\0';
    memcpy(deep_p, deep, plen + 1);
    memcpy(deep_p + 2 * 16000, "/{p}", 4); /* replaces "/a/a": same length */
    size_t longn = 100000;
    char *lpath = malloc(2 * longn + 1);
    ASSERT_NOT_NULL(lpath);
    for (size_t i = 0; i < longn; i++)
        memcpy(lpath + 2 * i, "/a", 2);
    rtm_router *r = ad_new(0, NULL), *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    for (int k = 0; k < 2; k++) {
        rtm_router *x = k ? ref : r;
        ASSERT_OK(rtm_add(x, RTM_METHOD_BIT(RTM_GET), deep, plen, 1, NULL, NULL));
        ASSERT_OK(rtm_add(x, RTM_METHOD_BIT(RTM_POST), deep_p, strlen(deep_p), 2, NULL, NULL));
        ASSERT_OK(rtm_add(x, RTM_METHOD_BIT(RTM_GET), "/a/{*rest}", 10, 3, NULL, NULL));
    }
    for (int pass = 0; pass < 3; pass++) {
        const char *paths[] = {deep, lpath, lpath, deep};
        size_t lens[] = {plen, 2 * longn, 2 * nseg + 2, plen - 1};
        for (size_t i = 0; i < 4; i++) {
            for (unsigned m = 0; m < 3; m++) {
                rtm_result a, b;
                size_t visits = 0;
                rtm_stats st;
                rtm_get_stats(r, &st);
                int sa = rtm_match(r, (rtm_method)m, paths[i], lens[i], &a);
                int sb = rtm_match(ref, (rtm_method)m, paths[i], lens[i], &b);
                ASSERT_EQ_INT(sa, sb);
                ASSERT_EQ_UINT(a.route_id, b.route_id);
                ASSERT_EQ_UINT(a.nparams, b.nparams);
                ASSERT_EQ_UINT(a.allow, b.allow);
                for (unsigned j = 0; j < a.nparams; j++) {
                    ASSERT_EQ_UINT(a.params[j].offset, b.params[j].offset);
                    ASSERT_EQ_UINT(a.params[j].length, b.params[j].length);
                }
                rtm_result c;
                rtm__adaptive_match_counted(r->impl, m, paths[i], lens[i], 0, &c, &visits);
                ASSERT_LE_UINT(visits, st.nodes);
            }
        }
        ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, true, 0) >= 0);
        ad_assert_invariants(r);
        ASSERT_EQ_UINT(ad_sub_info(r, 0).encoding, RTM__ADAPTIVE_PACKED);
    }
    rtm_free(r);
    rtm_free(ref);
    free(deep);
    free(deep_p);
    free(lpath);
}

TEST(adaptive, each_node_visited_at_most_once)
{
    for (size_t c = 0; c < rt_ncases; c++) {
        char routes[1024], req[1024], err[512];
        rtm__table t;
        rt_case_routes(&rt_cases[c], routes, sizeof routes);
        if (rtm__table_read(&t, routes, err, sizeof err) != 0)
            RTM_TEST_FAIL("%s", err);
        rt_reqs q;
        ad_reqs(&q, &t, rt_spec_file(rt_cases[c].name, "req", req, sizeof req), 3);
        rtm_router *r = ad_new(0, NULL);
        rtm__table_add(r, &t, NULL, rt_cases[c].name, NULL);
        rtm_test_set_context(rt_cases[c].name);
        for (int pass = 0; pass < 2; pass++) {
            rtm_stats st;
            rtm_get_stats(r, &st);
            for (size_t i = 0; i < q.n; i++) {
                if (!q.v[i].len || q.v[i].path[0] != '/')
                    continue; /* the facade never passes these on */
                for (unsigned fl = 0; fl < 2; fl++) {
                    rtm_result res;
                    size_t v = 0;
                    rtm__adaptive_match_counted(r->impl, q.v[i].method, q.v[i].path, q.v[i].len, fl,
                                                &res, &v);
                    if (v > st.nodes)
                        RTM_TEST_FAIL("%zu visits > %zu nodes", v, st.nodes);
                }
            }
            RTM_TEST_PASS();
            ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, false, 0) >= 0);
        }
        rtm_test_set_context(NULL);
        rtm_free(r);
        rt_reqs_free(&q);
        rtm__table_free(&t);
    }
}

/* ---- The front: own encodings or radix mirror (front.c) ---- */

static const char *ad_front_of(const rtm_router *r)
{
    rtm_stats st;
    rtm_get_stats(r, &st);
    return st.front;
}

/* One injected tick: `cost` is what the front of the period now ending
 * measured. */
static void ad_front_step(rtm_router *r, double cost)
{
    rtm__adaptive_metrics m = {0};
    m.front_cost = cost;
    ASSERT_TRUE(rtm__adaptive_step(r->impl, &m) >= 0);
}

/* The incumbent answers; when its wait is over the other answers a period
 * on trial and takes over only when cheaper by the margin; a trial that
 * loses doubles the wait (quadruples it, to at least 8, when it loses by
 * three margins); a switch makes it 2 (8 when clear); a writer ends a
 * trial. */
TEST(adaptive, front_trials_choose_the_cheaper)
{
    rtm_router *r = ad_new(0, NULL);
    rt_add(r, "GET", "/users/{id}", 1);
    rt_add(r, "GET", "/users/new", 2);
    ASSERT_TRUE(rtm__adaptive_has_mirror(r->impl));
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    const ad_front *f = &r->impl->fr;

    ad_front_step(r, 100); /* own measured, no wait: a trial */
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_TRUE(f->trial);
    ad_front_step(r, 98); /* within the margin: the incumbent stays */
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_OWN);
    ASSERT_EQ_UINT(f->backoff, 2);
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "tree"); /* one period of two */
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "radix"); /* the second: a trial */
    ad_front_step(r, 96);                   /* cheaper by 4%: it takes over */
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_RADIX);
    ASSERT_EQ_UINT(f->switches, 1);
    ASSERT_EQ_UINT(f->backoff, 2);
    ad_front_step(r, 96);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ad_front_step(r, 90); /* the incumbent's least since the trial: 90 */
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ASSERT_TRUE(f->trial);
    ASSERT_TRUE(f->cost[AD_FRONT_RADIX] == 90);
    ad_front_step(r, 95); /* own on trial, dearer by less than 3 margins: wait x2 */
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_EQ_UINT(f->backoff, 4);
    for (int i = 0; i < 3; i++) {
        ad_front_step(r, 90);
        ASSERT_STR_EQ(ad_front_of(r), "radix");
    }
    ad_front_step(r, 90);
    ASSERT_STR_EQ(ad_front_of(r), "tree"); /* after 4 periods */
    ad_front_step(r, 200);                 /* loses by far: the wait quadruples */
    ASSERT_EQ_UINT(f->backoff, 16);
    ASSERT_STR_EQ(ad_front_of(r), "radix");

    /* A writer: the measures start over, a trial stops, and the own
     * encodings answer until a tick has packed the changed mirror. */
    for (int i = 0; i < 15; i++)
        ad_front_step(r, 90);
    ad_front_step(r, 90);
    ASSERT_TRUE(f->trial);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    rt_add(r, "GET", "/teams", 3);
    ASSERT_FALSE(f->trial);
    ASSERT_TRUE(f->unpacked);
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_RADIX);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ASSERT_EQ_UINT(f->backoff, 1);
    ASSERT_TRUE(f->cost[0] == 0 && f->cost[1] == 0);
    /* A clear switch (by three margins): the next trial waits 8 periods. */
    ad_front_step(r, 100); /* the mirror measured: the own encodings on trial */
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ad_front_step(r, 50);
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_OWN);
    ASSERT_EQ_UINT(f->backoff, AD_FRONT_BACKOFF_CLEAR);
    ASSERT_STR_EQ(ad_front_of(r), "tree");

    /* Injected ticks about subtrees leave the front alone. */
    ASSERT_TRUE(ad_step_all(r, 0.0, 1.0, false, 0) >= 0);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ASSERT_EQ_UINT(f->wait, AD_FRONT_BACKOFF_CLEAR);
    rtm_free(r);

    /* Without a mirror there is nothing to choose. */
    r = ad_new_flags(0, RTM_ADAPTIVE_NO_MIRROR);
    rt_add(r, "GET", "/users/{id}", 1);
    ASSERT_FALSE(rtm__adaptive_has_mirror(r->impl));
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    rtm_free(r);
}

/* One injected tick ending a trial: the challenger's cost, and the
 * incumbent's measured in its slices of the same period. */
static void ad_front_step_paired(rtm_router *r, double cost, double held)
{
    rtm__adaptive_metrics m = {.front_cost = cost, .front_cost_held = held};
    ASSERT_TRUE(rtm__adaptive_step(r->impl, &m) >= 0);
}

/* A trial's period is shared out in slices: each slice hands the lookups
 * to the other front, and none does outside a trial. When the incumbent
 * was timed in its slices, the trial is judged against that figure, taken
 * beside the challenger's, not against its least of earlier periods. */
TEST(adaptive, front_trial_slices_pair_the_fronts)
{
    rtm_router *r = ad_new(0, NULL);
    rt_add(r, "GET", "/users/{id}", 1);
    rt_add(r, "GET", "/users/new", 2);
    const ad_front *f = &r->impl->fr;
    rtm__adaptive_front_slice(r->impl); /* no trial yet: nothing */
    ASSERT_STR_EQ(ad_front_of(r), "tree");

    ad_front_step(r, 100); /* own measured at 100: the mirror on trial */
    ASSERT_TRUE(f->trial);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    for (unsigned i = 1; i < AD_FRONT_SLICES; i++) {
        rtm__adaptive_front_slice(r->impl);
        ASSERT_STR_EQ(ad_front_of(r), i % 2 ? "tree" : "radix");
    }
    /* 96 would win against the least (100); beside own's 98 it does not */
    ad_front_step_paired(r, 96, 98);
    ASSERT_FALSE(f->trial);
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_OWN);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    rtm__adaptive_front_slice(r->impl);
    ASSERT_STR_EQ(ad_front_of(r), "tree");

    ad_front_step(r, 90); /* own's least: 90 */
    ad_front_step(r, 95);
    ASSERT_TRUE(f->trial);
    /* 88 would lose against the least (90); beside own's 95 it wins */
    ad_front_step_paired(r, 88, 95);
    ASSERT_EQ_UINT(f->incumbent, AD_FRONT_RADIX);
    ASSERT_EQ_UINT(f->switches, 1);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    rtm__adaptive_front_slice(r->impl);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    rtm_free(r);
}

/* The mirror answers only once packed (rtm__radix_pack: every node and
 * leaf copied into one block, in preorder). On every table its answers
 * equal the reference's after the first pack, and after removes and
 * re-adds that change a tree which is part block, part nodes allocated
 * since, each followed by a pack; the invariant walker checks the
 * mirror's tree and its byte count, the next pack's size. */
static void mirror_pack_sequence(const char *name, const char *routes, const char *req,
                                 size_t stride, size_t cycles)
{
    ad_fixture fx;
    ad_fixture_open(&fx, name, routes, req, stride);
    rtm_router *r = ad_new(UINT32_C(1) << 30, NULL); /* no sampled lookups */
    rtm__table_add(r, &fx.t, NULL, name, NULL);
    const ad_front *f = &r->impl->fr;
    ASSERT_TRUE(f->unpacked);
    ASSERT_STR_EQ(ad_front_of(r), "tree");
    ad_front_step(r, 100); /* a trial of the mirror, packed first */
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_FALSE(f->unpacked);
    ASSERT_EQ_UINT(f->packs, 1);
    ad_assert_invariants(r);
    ad_assert_same(r, &fx.q, &fx.want, "mirror packed");

    rt_reqs q2;
    ad_reqs(&q2, &fx.t, req, fx.t.n + 1); /* the .req lines only: cheaper */
    uint64_t packs = 1;
    for (size_t c = 0, i = 0; c < cycles && fx.t.n; c++, i = (i + 7919) % fx.t.n) {
        const rtm__table_line *L = &fx.t.lines[i];
        if (!L->methods || !L->pattern_len)
            continue;
        int rc1 = rtm_remove(fx.ref, L->methods, L->pattern, L->pattern_len, NULL);
        ASSERT_EQ_INT(rtm_remove(r, L->methods, L->pattern, L->pattern_len, NULL), rc1);
        if (rc1 != 0)
            continue; /* a line the table rejected */
        ASSERT_STR_EQ(ad_front_of(r), "tree");
        ad_front_step(r, 100);
        ASSERT_STR_EQ(ad_front_of(r), "radix");
        ASSERT_EQ_UINT(f->packs, ++packs);
        ad_assert_invariants(r);
        rt_snapshot w2;
        rt_snapshot_take(fx.ref, &q2, &w2);
        ad_assert_same(r, &q2, &w2, "mirror packed after remove");
        rt_snapshot_free(&w2);
        ASSERT_OK(rtm_add(fx.ref, L->methods, L->pattern, L->pattern_len, L->line, NULL, NULL));
        ASSERT_OK(rtm_add(r, L->methods, L->pattern, L->pattern_len, L->line, NULL, NULL));
        if (c & 1) { /* every other re-add packed alone, else with the next remove */
            ad_front_step(r, 100);
            ASSERT_EQ_UINT(f->packs, ++packs);
            ad_assert_invariants(r);
        }
    }
    if (f->unpacked) /* else the last re-add's tick packed it */
        ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ad_assert_invariants(r);
    ad_assert_same(r, &fx.q, &fx.want, "mirror packed after remove/add cycles");

    rt_reqs_free(&q2);
    rtm_free(r);
    ad_fixture_close(&fx);
}

TEST(adaptive, mirror_packs_keep_answers_every_table)
{
    for (size_t i = 0; i < rt_ncases; i++) {
        char routes[1024], req[1024];
        rt_case_routes(&rt_cases[i], routes, sizeof routes);
        mirror_pack_sequence(rt_cases[i].name, routes,
                             rt_spec_file(rt_cases[i].name, "req", req, sizeof req), 1, 12);
    }
}

/* The request's answer from r and from ref, formatted verbosely, equal. */
static void ad_same_answer(const rtm_router *r, const rtm_router *ref, rtm_method m,
                           const char *path)
{
    rtm_result a, b;
    char fa[2048], fb[2048];
    rtm_match(r, m, path, strlen(path), &a);
    rtm_match(ref, m, path, strlen(path), &b);
    ASSERT_STR_EQ(rt_format(&a, path, strlen(path), 1, fa, sizeof fa),
                  rt_format(&b, path, strlen(path), 1, fb, sizeof fb));
}

/* The exact-path map (exact.c) holds the static shapes only, answers a
 * request for one of them with a record for its method, and leaves the
 * rest to the mirror: a static shape without the method (a param sibling
 * takes it, or 405), params, catch-alls, trailing-slash hints. */
TEST(adaptive, exact_map_answers_static_paths_only)
{
    static const rt_route t[] = {
        {"GET", "/"},
        {"GET", "/users"},
        {"POST", "/users/new"},
        {"GET", "/users/{id}"},
        {"GET,PUT", "/api/chat.postMessage"},
        {"ANY", "/api/admin.conversations.restrictAccess.addGroup"},
        {"GET", "/files/{*path}"},
        {"GET", "/v{major}/status"},
        {"GET", "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t"},
        {"GET", "/users/"},
    };
    rtm_router *r = ad_new(UINT32_C(1) << 30, NULL), *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rt_add_table(r, t, sizeof t / sizeof t[0]);
    rt_add_table(ref, t, sizeof t / sizeof t[0]);
    ad_front_step(r, 100); /* a trial of the mirror: packed, with its map */
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    const ad_exact *x = atomic_load(&r->impl->exact);
    ASSERT_NOT_NULL(x);
    ASSERT_EQ_UINT(ad_exact_paths(x), 7); /* the static shapes */

    rtm_result res;
    static const struct {
        rtm_method m;
        const char *path;
        bool map; /* the map answers it */
    } q[] = {
        {RTM_GET, "/", true},
        {RTM_GET, "/users", true},
        {RTM_GET, "/users/", true},
        {RTM_POST, "/users/new", true},
        {RTM_GET, "/users/new", false}, /* no GET there: /users/{id} */
        {RTM_DELETE, "/users/new", false},
        {RTM_PUT, "/api/chat.postMessage", true},
        {RTM_DELETE, "/api/chat.postMessage", false}, /* 405 */
        {RTM_METHOD_OTHER, "/api/admin.conversations.restrictAccess.addGroup", true},
        {RTM_GET, "/api/admin.conversations.restrictAccess.addGrou", false},
        {RTM_GET, "/api/chat.postMessag", false},
        {RTM_GET, "/users/42", false},
        {RTM_GET, "/files/a/b", false},
        {RTM_GET, "/v2/status", false},
        {RTM_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t", true},
        {RTM_GET, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/u", false},
        {RTM_GET, "/api/chat.postMessage/", false}, /* 404, with the hint */
        {RTM_GET, "/USERS", false},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        rtm_test_set_context(q[i].path);
        memset(&res, 0, sizeof res);
        ASSERT_EQ_INT(ad_exact_answer(x, (unsigned)q[i].m, q[i].path, strlen(q[i].path), &res),
                      q[i].map);
        ad_same_answer(r, ref, q[i].m, q[i].path);
    }
    rtm_test_set_context(NULL);

    /* A writer drops the map with the mirror's layout; the next pack
     * builds it again, with the change. */
    rt_add(r, "GET", "/users/new", 20);
    rt_add(ref, "GET", "/users/new", 20);
    ASSERT_NULL(atomic_load(&r->impl->exact));
    ASSERT_NULL(r->impl->exact_map);
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_NOT_NULL(atomic_load(&r->impl->exact));
    ad_same_answer(r, ref, RTM_GET, "/users/new");
    ad_same_answer(r, ref, RTM_POST, "/users/new");
    rtm_free(r);
    rtm_free(ref);

    /* RTM_ADAPTIVE_NO_EXACT: the mirror alone. */
    r = ad_new_flags(0, RTM_ADAPTIVE_NO_EXACT);
    rt_add_table(r, t, sizeof t / sizeof t[0]);
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_NULL(atomic_load(&r->impl->exact));
    rtm_free(r);
}

/* The map is asked while at least AD_EXACT_SHARE of the sampled lookups
 * that found a route found a static one: judged each tick from the
 * period's samples (at least AD_EXACT_MIN_WINS of them), or injected. */
TEST(adaptive, exact_map_follows_the_static_share)
{
    rtm_router *r = ad_new(1, NULL); /* every lookup sampled */
    rt_add(r, "GET", "/api/chat.postMessage", 1);
    rt_add(r, "GET", "/users/{id}", 2);
    ad_front_step(r, 100);
    ASSERT_STR_EQ(ad_front_of(r), "radix");
    ASSERT_NOT_NULL(atomic_load(&r->impl->exact)); /* no samples yet: asked */
    rtm_result res;
    for (unsigned i = 0; i < 2 * AD_EXACT_MIN_WINS; i++)
        rtm_match(r, RTM_GET, "/users/7", 8, &res);
    ASSERT_EQ_UINT(atomic_load(&r->impl->wins), 2 * AD_EXACT_MIN_WINS);
    ASSERT_EQ_UINT(atomic_load(&r->impl->static_wins), 0);
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    ASSERT_FALSE(r->impl->fr.exact_on);
    ASSERT_NULL(atomic_load(&r->impl->exact));
    ASSERT_NOT_NULL(r->impl->exact_map); /* kept for when the share comes back */
    for (unsigned i = 0; i < 2 * AD_EXACT_MIN_WINS; i++)
        rtm_match(r, RTM_GET, i % 2 ? "/users/7" : "/api/chat.postMessage", i % 2 ? 8 : 21, &res);
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    ASSERT_TRUE(r->impl->fr.exact_on);
    /* Too few wins: the judgment stands. */
    rtm_match(r, RTM_GET, "/users/7", 8, &res);
    ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
    ASSERT_TRUE(r->impl->fr.exact_on);
    /* Injected. */
    rtm__adaptive_metrics m = {0};
    m.front_cost = 100;
    m.static_share = 0.2;
    ASSERT_TRUE(rtm__adaptive_step(r->impl, &m) >= 0);
    ASSERT_FALSE(r->impl->fr.exact_on);
    m.static_share = 0.3;
    ASSERT_TRUE(rtm__adaptive_step(r->impl, &m) >= 0);
    ASSERT_TRUE(r->impl->fr.exact_on);
    rtm_free(r);
}

/* Unsampled lookups are timed in spans between sampled ones: a sampled
 * tick drops the first period (the table was new), counts the next and
 * starts a trial, and the trial's own period decides. Which front wins
 * depends on the machine; that a decision is made on measured figures
 * does not. */
TEST(adaptive, front_spans_feed_the_choice)
{
    rtm_router *r = ad_new(64, NULL);
    for (uint32_t i = 0; i < 40; i++) {
        char p[48];
        snprintf(p, sizeof p, "/api/admin.conversations.method%u", i);
        rt_add(r, "GET", p, i);
    }
    const ad_front *f = &r->impl->fr;
    rtm_result res;
    const char *path = "/api/admin.conversations.method7";
    for (int period = 0; period < 3; period++) {
        for (uint32_t i = 0; i < 2 * AD_FRONT_MIN_LOOKUPS; i++)
            rtm_match(r, RTM_GET, path, strlen(path), &res);
        ASSERT_EQ_INT(res.status, RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 7);
        unsigned on = atomic_load(&r->impl->front) ? AD_FRONT_RADIX : AD_FRONT_OWN;
        ASSERT_TRUE(atomic_load(&r->impl->front_n[on]) >= AD_FRONT_MIN_LOOKUPS);
        ASSERT_TRUE(atomic_load(&r->impl->front_ticks[on]) > 0);
        ASSERT_TRUE(rtm__adaptive_step(r->impl, NULL) >= 0);
        if (period == 0) /* dropped: the first period of a new table */
            ASSERT_TRUE(!f->trial && f->cost[0] == 0 && f->cost[1] == 0);
        if (period == 1) /* measured: a trial of the mirror */
            ASSERT_TRUE(f->trial && f->cost[AD_FRONT_OWN] > 0 &&
                        strcmp(ad_front_of(r), "radix") == 0);
    }
    ASSERT_FALSE(f->trial);
    ASSERT_TRUE(f->cost[AD_FRONT_OWN] > 0 && f->cost[AD_FRONT_RADIX] > 0);
    ASSERT_EQ_UINT(f->incumbent,
                   f->cost[AD_FRONT_RADIX] < f->cost[AD_FRONT_OWN] * (1 - AD_FRONT_MARGIN)
                       ? AD_FRONT_RADIX
                       : AD_FRONT_OWN);
    rtm_free(r);
}
