/* SPDX-License-Identifier: MIT */
/* The per-algorithm hook table behind test_internals.h. */
#include "test_internals.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router_internal.h" /* struct rtm_router: algo, impl */
#include "test_util.h"
#if RTM_HAVE_TRIE
#include "algorithms/trie/trie.h" /* rtm__trie_check, rtm__trie_match_counted */
#endif
#if RTM_HAVE_RADIX
#include "algorithms/radix/radix.h" /* rtm__radix_check, rtm__radix_match_counted */
#endif
#if RTM_HAVE_ADAPTIVE
#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_check, ..._match_counted */
#endif

typedef struct hooks {
    int (*check)(const rtm__impl *impl, const char **why);
    int (*counted)(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                   unsigned flags, rtm_result *res, size_t *visits);
} hooks;

static hooks hooks_of(rtm_algorithm a)
{
    switch (a) {
#if RTM_HAVE_TRIE
    case RTM_ALGO_TRIE:
        return (hooks){rtm__trie_check, rtm__trie_match_counted};
#endif
#if RTM_HAVE_RADIX
    case RTM_ALGO_RADIX:
        return (hooks){rtm__radix_check, rtm__radix_match_counted};
#endif
#if RTM_HAVE_ADAPTIVE
    case RTM_ALGO_ADAPTIVE:
        return (hooks){rtm__adaptive_check, rtm__adaptive_match_counted};
#endif
    default:
        return (hooks){NULL, NULL};
    }
}

bool rt_invariants_hold(const rtm_router *r, const char **why)
{
    hooks h = hooks_of(r->algo);
    return !h.check || h.check(r->impl, why) == 0;
}

bool rt_match_counted(const rtm_router *r, rtm_method method, const char *path, size_t len,
                      rtm_result *res, size_t *visits, size_t *nodes)
{
    hooks h = hooks_of(r->algo);
    if (!h.counted)
        return false;
    rtm_stats st;
    rtm_get_stats(r, &st);
    *nodes = st.nodes;
    *visits = 0;
    h.counted(r->impl, (unsigned)method, path, len, 0, res, visits);
    return true;
}

#if RTM_HAVE_ADAPTIVE
/* Pack every subtree still in trie form; true when a tick ran. */
static bool settle_packed(const rtm_router *r)
{
    size_t n = rtm__adaptive_subtrees(r->impl, NULL, 0);
    if (n == 0)
        return false;
    rtm__adaptive_subtree_info *info = malloc(n * sizeof *info);
    double *entropy = malloc(n * sizeof *entropy), *miss = malloc(n * sizeof *miss);
    if (!info || !entropy || !miss)
        abort();
    rtm__adaptive_subtrees(r->impl, info, n);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        bool pack = info[i].encoding == RTM__ADAPTIVE_TRIE && info[i].nodes > 0;
        entropy[i] = pack ? 0.0 : 1.0; /* the rule fires exactly for these */
        miss[i] = pack ? 1.0 : 0.0;
        any |= pack;
    }
    int rc = 0;
    if (any) {
        rtm__adaptive_metrics m = {.count = n,
                                   .entropy = entropy,
                                   .miss_ratio = miss,
                                   .budget = SIZE_MAX,
                                   .repack = false};
        rc = rtm__adaptive_step(r->impl, &m);
    }
    free(info);
    free(entropy);
    free(miss);
    if (rc < 0)
        RTM_TEST_FAIL("packing the adaptive router failed: %s", rtm_err_name(rc));
    return any;
}
#endif

#if RTM_HAVE_ADAPTIVE
/* Let the mirror answer: one injected tick with the own encodings'
 * cost starts a trial of the mirror (a writer's call ends one). A router
 * that gave its mirror up (out of memory: the OOM suite) answers on its
 * own. */
static void settle_mirror(const rtm_router *r)
{
    rtm_stats st;
    rtm_get_stats(r, &st);
    if (strcmp(st.front, "radix") == 0 || !rtm__adaptive_has_mirror(r->impl))
        return;
    rtm__adaptive_metrics m = {0};
    m.front_cost = 100;
    int rc = rtm__adaptive_step(r->impl, &m);
    rtm_get_stats(r, &st);
    if (rc < 0 || strcmp(st.front, "radix") != 0)
        RTM_TEST_FAIL("the mirror does not answer after a tick (%s, front %s)", rtm_err_name(rc),
                      st.front);
}
#endif

void rt_settle(const rtm_router *r)
{
#if RTM_HAVE_ADAPTIVE
    if (rtm_test_mirror_pass() && r->algo == RTM_ALGO_ADAPTIVE) {
        settle_mirror(r);
        return;
    }
    bool hot = rtm_test_hot_pass();
    if (!(rtm_test_packed_pass() || hot) || r->algo != RTM_ALGO_ADAPTIVE)
        return;
    bool ticked = settle_packed(r);
    if (!hot)
        return;
    /* Writers drop the index and a tick may replace it with one built from
     * traffic: publish the whole-table one again. */
    rtm__adaptive_hot_info hi;
    rtm__adaptive_hot(r->impl, &hi);
    if (ticked || hi.routes == 0) {
        int rc = rtm__adaptive_hot_build_all(r->impl);
        if (rc != 0)
            RTM_TEST_FAIL("building the hot index failed: %s", rtm_err_name(rc));
    }
#else
    (void)r;
#endif
}
