/* SPDX-License-Identifier: MIT */
/* rtm_match never allocates: with a counting allocator behind the router,
 * one million lookups (the github table's 1,500 conformance requests, over
 * and over: hits, misses, 405s and hints) make zero allocation calls and
 * leave the live byte count unchanged, for every algorithm. The adaptive
 * algorithm is also run with its background thread reshaping meanwhile:
 * then the lookups' own thread makes no allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "routes_file.h" /* rtm__table_read, rtm__table_add */
#include "test_alloc.h"
#include "test_file.h"
#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

#define LOOKUPS 1000000u

typedef struct one {
    rtm_method m;
    const char *path;
    size_t len;
} one;

/* The github table and its requests, pre-split so that loops only match. */
typedef struct github {
    rtm__table t;
    rt_lines req;
    one *reqs;
} github;

static void github_load(github *g)
{
    char rpath[1024], qpath[1024], err[512];
    if (rtm__table_read(&g->t, rt_routes_file("github", rpath, sizeof rpath), err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    if (!rt_lines_read(&g->req, rt_spec_file("github", "req", qpath, sizeof qpath)))
        RTM_TEST_FAIL("cannot read %s", qpath);
    g->reqs = calloc(g->req.n, sizeof *g->reqs);
    ASSERT_NOT_NULL(g->reqs);
    for (size_t i = 0; i < g->req.n; i++) {
        const char *meth;
        size_t mlen;
        rt_request_split(g->req.at[i], g->req.len[i], &meth, &mlen, &g->reqs[i].path,
                         &g->reqs[i].len);
        g->reqs[i].m = rtm_method_parse(meth, mlen);
    }
}

static void github_free(github *g)
{
    free(g->reqs);
    rt_lines_free(&g->req);
    rtm__table_free(&g->t);
}

/* LOOKUPS matches cycling through the requests; returns how many found. */
static unsigned long lookups(const rtm_router *r, const github *g, unsigned long *bad)
{
    unsigned long found = 0;
    *bad = 0;
    for (unsigned k = 0; k < LOOKUPS; k++) {
        const one *q = &g->reqs[k % g->req.n];
        rtm_result res;
        int st = rtm_match(r, q->m, q->path, q->len, &res);
        found += st == RTM_FOUND;
        *bad += st != RTM_FOUND && st != RTM_NOT_FOUND && st != RTM_METHOD_NOT_ALLOWED;
    }
    return found;
}

TEST(noalloc, million_lookups_on_github_table)
{
    github g;
    github_load(&g);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        ASSERT_EQ_UINT(rtm__table_add(r, &g.t, NULL, "github.routes", NULL), 0);
        rt_settle(r); /* the packed pass: measure the packed encoding */
        uint64_t calls = rtm_test_alloc_calls(&al);
        uint64_t frees = al.frees;
        size_t live = rtm_test_alloc_live_bytes(&al);
        unsigned long bad, found = lookups(r, &g, &bad);
        ASSERT_EQ_UINT(rtm_test_alloc_calls(&al) - calls, 0);
        ASSERT_EQ_UINT(al.frees - frees, 0);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), live);
        ASSERT_EQ_UINT(bad, 0);
        ASSERT_GT_UINT(found, LOOKUPS / 4); /* the loop really matched */
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
    }
    github_free(&g);
}

TEST(noalloc, adaptive_with_background_thread)
{
    if (!rtm_algorithm_available(RTM_ALGO_ADAPTIVE))
        return;
    github g;
    github_load(&g);
    rtm_test_alloc al;
    rtm_test_alloc_init(&al);
    rtm_config cfg = {0};
    cfg.allocator = &al.hooks;
    cfg.adaptive_period_ms = 5;
    cfg.adaptive_sample_every = 1;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    ASSERT_EQ_UINT(rtm__table_add(r, &g.t, NULL, "github.routes", NULL), 0);
    uint64_t mine = rtm_test_alloc_thread_calls();
    unsigned long bad, found = lookups(r, &g, &bad);
    ASSERT_EQ_UINT(rtm_test_alloc_thread_calls() - mine, 0);
    ASSERT_EQ_UINT(bad, 0);
    ASSERT_GT_UINT(found, LOOKUPS / 4);
    rtm_stats st;
    rtm_get_stats(r, &st);
    printf("\n    adaptive thread: %llu reshapes, %llu allocator calls in all (table build "
           "included)\n",
           (unsigned long long)st.reshapes, (unsigned long long)rtm_test_alloc_calls(&al));
    rtm_free(r);
    ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
    github_free(&g);
}
