/* SPDX-License-Identifier: MIT */
/* Fuzz target for the adaptive algorithm's run-time reshaping: lookups
 * interleaved with deterministic policy ticks (rtm__adaptive_step) driven by
 * fuzz-chosen metrics, and with adds and removes that expand packed
 * subtrees again. The answers must never change: after every action each
 * request gets from the adaptive router exactly what the reference router
 * (itself held to the SPEC model by fuzz_diff_match) answers, and the tree
 * passes rtm__adaptive_check.
 *
 * The input decodes into: a config (sample one lookup in K, thresholds), an
 * initial table, requests, then actions:
 *   MATCH  every request on both routers (this also feeds the sketches);
 *   STEP   rtm__adaptive_step with injected per-subtree entropy and miss
 *          ratio (extremes, threshold neighbours, or raw values), a node
 *          budget, the repack flag and a front cost (so that the radix
 *          mirror answers in turns); or with no injection, so the sampled
 *          sketches and spans decide;
 *   ADD / REMOVE  a route on both routers, same result required;
 *   HOT    publish a hot-route index of every route it can hold (the
 *          policy's ticks also build one from the sampled winners);
 *   INFO   rtm__adaptive_subtrees must be consistent with stats.
 * The router runs with RTM_ADAPTIVE_NO_THREAD: every tick is ours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_step, _check, _subtrees */
#include "fuzz.h"
#include "fuzz_data.h"
#include "fuzz_helpers.h"
#include "fuzz_model.h"      /* fuzz_result_diff, fuzz_print_result */
#include "router_internal.h" /* struct rtm_router: the impl pointer */

#define MAX_ROUTES   48
#define MAX_REQS     24
#define MAX_ACTIONS  48
#define MAX_PAT      400
#define MAX_PATH     400
#define MAX_SUBTREES 64

typedef struct pat {
    unsigned methods;
    size_t len;
    char text[MAX_PAT];
} pat;

typedef struct req {
    unsigned method;
    size_t len;
    char path[MAX_PATH];
} req;

static pat pats[MAX_ROUTES + MAX_ACTIONS];
static const char *pat_ptr[MAX_ROUTES + MAX_ACTIONS];
static size_t pat_len[MAX_ROUTES + MAX_ACTIONS];
static size_t npats;
static req reqs[MAX_REQS];
static size_t nreqs;

static void check_tree(const rtm_router *ad, const char *after)
{
    const char *why = NULL;
    int rc = rtm__adaptive_check(ad->impl, &why);
    FUZZ_ASSERT_MSG(rc == 0, "adaptive invariant broken after %s: %s", after, why ? why : "?");
}

static void match_all(const rtm_router *ad, const rtm_router *ref, const char *after)
{
    for (size_t i = 0; i < nreqs; i++) {
        const req *q = &reqs[i];
        rtm_result want, got;
        rtm_match(ref, (rtm_method)q->method, q->path, q->len, &want);
        memset(&got, 0x5A, sizeof got);
        rtm_match(ad, (rtm_method)q->method, q->path, q->len, &got);
        const char *diff = fuzz_result_diff(&got, &want);
        if (diff) {
            for (size_t k = 0; k < npats; k++) {
                char label[48];
                snprintf(label, sizeof label, "route %zu methods=0x%x ", k + 1, pats[k].methods);
                fuzz_print_bytes(label, pats[k].text, pats[k].len);
            }
            fprintf(stderr, "after %s: request method=%u ", after, q->method);
            fuzz_print_bytes("path=", q->path, q->len);
            fuzz_print_result("  reference:", &want, q->path);
            fuzz_print_result("  adaptive: ", &got, q->path);
        }
        FUZZ_ASSERT_MSG(diff == NULL, "adaptive differs from reference after %s: %s", after, diff);
    }
}

/* A metric value: extremes, the default thresholds' neighbours, or raw. */
static double metric(fuzz_data *fd, double threshold)
{
    uint8_t c = fuzz_u8(fd);
    switch (c % 8) {
    case 0:
        return 0.0;
    case 1:
        return 1.0;
    case 2:
        return threshold - 1e-9;
    case 3:
        return threshold + 1e-9;
    case 4:
        return threshold;
    default:
        return (double)fuzz_u16(fd) / 65535.0 * (c >= 250 ? 4.0 : 1.0);
    }
}

static void step(fuzz_data *fd, rtm_router *ad, const rtm_config *cfg)
{
    static double entropy[MAX_SUBTREES], miss[MAX_SUBTREES];
    rtm__adaptive_metrics m;
    memset(&m, 0, sizeof m);
    size_t have = rtm__adaptive_subtrees(ad->impl, NULL, 0);
    uint8_t how = fuzz_u8(fd);
    double emax = cfg->adaptive_entropy_max > 0 ? cfg->adaptive_entropy_max : 0.75;
    double mmin = cfg->adaptive_miss_min > 0 ? cfg->adaptive_miss_min : 0.12;
    int rc;
    if (how < 40) { /* the sampled sketches decide */
        rc = rtm__adaptive_step(ad->impl, NULL);
    } else {
        m.count = how < 220 ? have : fuzz_range(fd, 0, MAX_SUBTREES); /* fewer or more */
        if (m.count > MAX_SUBTREES)
            m.count = MAX_SUBTREES;
        bool all_fire = how >= 200 && how < 220;
        for (size_t i = 0; i < m.count; i++) {
            entropy[i] = all_fire ? 0.0 : metric(fd, emax);
            miss[i] = all_fire ? 1.0 : metric(fd, mmin);
        }
        m.entropy = entropy;
        m.miss_ratio = miss;
        uint8_t b = fuzz_u8(fd);
        m.budget = b < 128 ? 0 : b < 192 ? (size_t)(b - 127) : (size_t)fuzz_u16(fd);
        m.repack = fuzz_chance(fd, 100);
        /* the cost the front measured: the radix mirror and the own
         * encodings take turns answering */
        m.front_cost = fuzz_chance(fd, 128) ? 1.0 + fuzz_u8(fd) : 0.0;
        rc = rtm__adaptive_step(ad->impl, &m);
    }
    FUZZ_ASSERT_MSG(rc >= 0, "rtm__adaptive_step returned %d without memory pressure", rc);
}

static void info(const rtm_router *ad)
{
    static rtm__adaptive_subtree_info sub[MAX_SUBTREES];
    size_t n = rtm__adaptive_subtrees(ad->impl, sub, MAX_SUBTREES);
    rtm_stats st;
    rtm_get_stats(ad, &st);
    uint64_t reshapes = 0;
    size_t nodes = 0;
    for (size_t i = 0; i < n && i < MAX_SUBTREES; i++) {
        FUZZ_ASSERT(sub[i].encoding == RTM__ADAPTIVE_TRIE ||
                    sub[i].encoding == RTM__ADAPTIVE_PACKED);
        FUZZ_ASSERT(sub[i].kind <= RTM__SEG_CATCHALL);
        reshapes += sub[i].reshapes;
        nodes += sub[i].nodes;
    }
    if (n <= MAX_SUBTREES) {
        /* Subtrees removed since keep no count, so the total can only be
         * at most the router's. */
        FUZZ_ASSERT_MSG(reshapes <= st.reshapes, "subtree reshapes %llu > router's %llu",
                        (unsigned long long)reshapes, (unsigned long long)st.reshapes);
        /* The root, the subtree roots, and what lies below them. */
        FUZZ_ASSERT_MSG(1 + n + nodes == st.nodes, "1 + %zu subtrees + %zu nodes below, router %zu",
                        n, nodes, st.nodes);
    }
}

static void add_both(rtm_router *ad, rtm_router *ref, const pat *p, uint32_t id)
{
    rtm_diag d1, d2;
    int r1 = rtm_add(ref, p->methods, p->text, p->len, id, NULL, &d1);
    int r2 = rtm_add(ad, p->methods, p->text, p->len, id, NULL, &d2);
    FUZZ_ASSERT_MSG(r1 == r2 && d1.err == d2.err && d1.reason == d2.reason &&
                        d1.offset == d2.offset && d1.other_route_id == d2.other_route_id,
                    "add: reference %d (other %u), adaptive %d (other %u)", r1,
                    (unsigned)d1.other_route_id, r2, (unsigned)d2.other_route_id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_data fd;
    fuzz_data_init(&fd, data, size);

    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    static const uint32_t every[] = {1, 1, 2, 3, 64, 0};
    cfg.adaptive_sample_every = every[fuzz_u8(&fd) % 6];
    if (fuzz_chance(&fd, 64)) {
        cfg.adaptive_entropy_max = (double)fuzz_u8(&fd) / 255.0;
        cfg.adaptive_miss_min = (double)fuzz_u8(&fd) / 255.0;
    }
    rtm_router *ad, *ref;
    FUZZ_ASSERT(rtm_create(&ad, RTM_ALGO_ADAPTIVE, &cfg) == 0);
    FUZZ_ASSERT(rtm_create(&ref, RTM_ALGO_REFERENCE, NULL) == 0);

    npats = 0;
    size_t nroutes = fuzz_range(&fd, 1, MAX_ROUTES);
    nreqs = fuzz_range(&fd, 1, MAX_REQS);
    size_t nactions = fuzz_range(&fd, 1, MAX_ACTIONS);
    for (size_t i = 0; i < nroutes; i++) {
        pat *p = &pats[npats];
        p->methods = fuzz_gen_methods(&fd);
        p->len = fuzz_gen_pattern(&fd, pat_ptr, pat_len, npats, p->text, MAX_PAT);
        pat_ptr[npats] = p->text;
        pat_len[npats] = p->len;
        npats++;
        add_both(ad, ref, p, (uint32_t)npats);
    }
    for (size_t i = 0; i < nreqs; i++) {
        reqs[i].method = fuzz_gen_request_method(&fd);
        reqs[i].len = fuzz_gen_path(&fd, pat_ptr, pat_len, npats, reqs[i].path, MAX_PATH);
    }
    check_tree(ad, "building");
    match_all(ad, ref, "building");

    for (size_t k = 0; k < nactions; k++) {
        uint8_t c = fuzz_u8(&fd);
        if (c < 70) {
            unsigned reps = fuzz_range(&fd, 1, 8); /* feed the sketches */
            for (unsigned i = 0; i < reps; i++)
                match_all(ad, ref, "matching");
        } else if (c < 180) {
            step(&fd, ad, &cfg);
            check_tree(ad, "a policy step");
            match_all(ad, ref, "a policy step");
        } else if (c < 210 && npats < MAX_ROUTES + MAX_ACTIONS) {
            pat *p = &pats[npats];
            p->methods = fuzz_gen_methods(&fd);
            p->len = fuzz_gen_pattern(&fd, pat_ptr, pat_len, npats, p->text, MAX_PAT);
            pat_ptr[npats] = p->text;
            pat_len[npats] = p->len;
            npats++;
            add_both(ad, ref, p, (uint32_t)npats);
            check_tree(ad, "an add");
            match_all(ad, ref, "an add");
        } else if (c < 245) {
            const pat *p = &pats[fuzz_u8(&fd) % npats];
            unsigned methods = fuzz_chance(&fd, 180) ? p->methods : fuzz_gen_methods(&fd);
            rtm_diag d1, d2;
            int r1 = rtm_remove(ref, methods, p->text, p->len, &d1);
            int r2 = rtm_remove(ad, methods, p->text, p->len, &d2);
            FUZZ_ASSERT_MSG(r1 == r2 && d1.err == d2.err, "remove: reference %d, adaptive %d", r1,
                            r2);
            check_tree(ad, "a remove");
            match_all(ad, ref, "a remove");
        } else if (c < 250) {
            /* the hot-route index over every route it can hold (the
             * policy builds it only from enough sampled traffic) */
            FUZZ_ASSERT(rtm__adaptive_hot_build_all(ad->impl) == 0);
            check_tree(ad, "a hot index");
            for (unsigned i = 0; i < 3; i++) /* unsampled lookups answer from it */
                match_all(ad, ref, "a hot index");
        } else {
            info(ad);
        }
    }
    rtm_stats s1, s2;
    rtm_get_stats(ad, &s1);
    rtm_get_stats(ref, &s2);
    FUZZ_ASSERT(s1.routes == s2.routes);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "adaptive: %zu routes, %zu nodes, %llu reshapes\n", s1.routes, s1.nodes,
                (unsigned long long)s1.reshapes);
    rtm_free(ad);
    rtm_free(ref);
    return 0;
}
