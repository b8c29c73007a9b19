/* SPDX-License-Identifier: MIT */
/* Out of memory, exhaustively: for N = 1, 2, ... the Nth allocation of an
 * rtm_create / rtm_add / rtm_remove fails, until the call succeeds. After
 * every failure the call returned RTM_ENOMEM, the router's stats (routes,
 * nodes, bytes), the allocator's live bytes and the answers to a full
 * request sweep equal those before the call; after rtm_free the allocator
 * holds nothing, and every free passed the size that was allocated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router_internal.h" /* struct rtm_router (impl) */
#include "routes_file.h"     /* rtm__table_read */
#if RTM_HAVE_ADAPTIVE
#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_has_mirror */
#endif
#include "test_alloc.h"
#include "test_file.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* Attempts before giving up on a call that keeps failing. */
#define MAX_ATTEMPTS 100000u

/* One call under test. */
typedef struct call {
    int remove;       /* rtm_remove instead of rtm_add */
    unsigned methods; /* method set */
    const char *pattern;
    size_t len;
    uint32_t id;
} call;

static int run_call(rtm_router *r, const call *c, rtm_diag *d)
{
    if (c->remove)
        return rtm_remove(r, c->methods, c->pattern, c->len, d);
    return rtm_add(r, c->methods, c->pattern, c->len, c->id, rt_udata(c->id), d);
}

/* Does r keep a copy of its table that it may give up (adaptive.h)? */
static bool has_mirror(const rtm_router *r)
{
#if RTM_HAVE_ADAPTIVE
    if (rtm_router_algorithm(r) == RTM_ALGO_ADAPTIVE)
        return rtm__adaptive_has_mirror(r->impl);
#endif
    (void)r;
    return false;
}

/* Make the call fail at its 1st, 2nd, ... allocation until it succeeds,
 * checking after each failure that nothing changed. Returns the number of
 * failed attempts. */
static unsigned exhaust(rtm_router *r, rtm_test_alloc *al, const rt_reqs *q, const call *c)
{
    rt_snapshot before;
    rt_snapshot_take(r, q, &before);
    size_t live = rtm_test_alloc_live_bytes(al);
    bool had_mirror = has_mirror(r);
    unsigned n;
    for (n = 1; n <= MAX_ATTEMPTS; n++) {
        rtm_diag d;
        rtm_test_alloc_fail_in(al, n);
        uint64_t calls = rtm_test_alloc_calls(al);
        int rc = run_call(r, c, &d);
        int reached = rtm_test_alloc_calls(al) >= calls + n;
        rtm_test_alloc_fail_in(al, 0);
        if (rc == 0) {
            /* Success must mean the Nth allocation was never reached: a
             * failure swallowed here would hide the allocations after it.
             * The one exception: the adaptive router's radix mirror, a
             * copy it gives up when it cannot follow the change. */
            if (reached && !(had_mirror && !has_mirror(r)))
                RTM_TEST_FAIL("call succeeded although its allocation %u failed", n);
            break;
        }
        ASSERT_ERR(rc, RTM_ENOMEM);
        ASSERT_TRUE(reached);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(al), live);
        rt_snapshot after;
        rt_snapshot_take(r, q, &after);
        ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_NODES | RT_SNAP_BYTES);
        rt_snapshot_free(&after);
        /* Last, so that a missing diag does not hide a changed router. */
        ASSERT_EQ_INT(d.err, RTM_ENOMEM);
    }
    ASSERT_LE_UINT(n, MAX_ATTEMPTS);
    rt_snapshot_free(&before);
    ASSERT_TRUE(rtm_test_alloc_sane(al));
    return n - 1;
}

static void sweep_of_table(rt_reqs *q)
{
    const char *pats[RT_OVERLAP_TABLE_LEN];
    for (size_t i = 0; i < RT_OVERLAP_TABLE_LEN; i++)
        pats[i] = rt_overlap_table[i].pattern;
    rt_reqs_init(q);
    rt_reqs_from_patterns(q, pats, RT_OVERLAP_TABLE_LEN);
}

TEST(oom, create)
{
    FOR_EACH_ALGORITHM(a)
    {
        unsigned n;
        for (n = 1; n <= MAX_ATTEMPTS; n++) {
            rtm_test_alloc al;
            rtm_test_alloc_init(&al);
            rtm_test_alloc_fail_in(&al, n);
            rtm_config cfg = {0};
            cfg.allocator = &al.hooks;
            cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
            rtm_router *r = (rtm_router *)rt_udata(1);
            int rc = rtm_create(&r, a, &cfg);
            if (rc == 0) {
                rtm_free(r);
                ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
                ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&al), 0);
                break;
            }
            ASSERT_ERR(rc, RTM_ENOMEM);
            ASSERT_EQ_PTR(r, rt_udata(1));
            ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
            ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&al), 0);
            ASSERT_TRUE(rtm_test_alloc_sane(&al));
        }
        ASSERT_GT_UINT(n, 1); /* creating a router allocates */
    }
}

/* Add the table route by route (in file order, then newest first), each add
 * failing at every allocation in turn. */
TEST(oom, add_every_allocation)
{
    rt_reqs q;
    sweep_of_table(&q);
    FOR_EACH_ALGORITHM(a)
    {
        for (int reverse = 0; reverse < 2; reverse++) {
            rtm_test_alloc al;
            rtm_test_alloc_init(&al);
            rtm_router *r = rt_new(a, &al.hooks);
            unsigned failures = 0;
            for (size_t k = 0; k < RT_OVERLAP_TABLE_LEN; k++) {
                size_t i = reverse ? RT_OVERLAP_TABLE_LEN - 1 - k : k;
                rtm_test_set_context(rt_overlap_table[i].pattern);
                call c = {0, rt_methods(rt_overlap_table[i].method), rt_overlap_table[i].pattern,
                          strlen(rt_overlap_table[i].pattern), (uint32_t)(i + 1)};
                failures += exhaust(r, &al, &q, &c);
                rtm_test_set_context(NULL);
            }
            ASSERT_GT_UINT(failures, RT_OVERLAP_TABLE_LEN); /* every add allocates */
            /* The router built under failures answers like a clean one. */
            rtm_router *clean = rt_new(a, NULL);
            rt_add_table(clean, rt_overlap_table, RT_OVERLAP_TABLE_LEN);
            rt_snapshot got, want;
            rt_snapshot_take(r, &q, &got);
            rt_snapshot_take(clean, &q, &want);
            ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_ANSWERS);
            rt_snapshot_free(&got);
            rt_snapshot_free(&want);
            rtm_free(clean);
            rtm_free(r);
            ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
            ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&al), 0);
        }
    }
    rt_reqs_free(&q);
}

/* Remove the table route by route (in a shuffled order), each removal
 * failing at every allocation it makes (it may make none). */
TEST(oom, remove_every_allocation)
{
    rt_reqs q;
    sweep_of_table(&q);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        rt_add_table(r, rt_overlap_table, RT_OVERLAP_TABLE_LEN);
        size_t order[RT_OVERLAP_TABLE_LEN];
        for (size_t i = 0; i < RT_OVERLAP_TABLE_LEN; i++)
            order[i] = i;
        rt_shuffle(order, RT_OVERLAP_TABLE_LEN, 42);
        for (size_t k = 0; k < RT_OVERLAP_TABLE_LEN; k++) {
            size_t i = order[k];
            rtm_test_set_context(rt_overlap_table[i].pattern);
            call c = {1, rt_methods(rt_overlap_table[i].method), rt_overlap_table[i].pattern,
                      strlen(rt_overlap_table[i].pattern), 0};
            exhaust(r, &al, &q, &c);
            rtm_test_set_context(NULL);
        }
        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 0);
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
        ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&al), 0);
    }
    rt_reqs_free(&q);
}

/* A real table, spotify.routes (88 routes), added line by line under
 * failing allocations, then removed the same way. */
TEST(oom, real_table)
{
    char path[1024], err[512];
    rt_routes_file("spotify", path, sizeof path);
    rtm__table t;
    if (rtm__table_read(&t, path, err, sizeof err) != 0)
        RTM_TEST_FAIL("cannot read %s: %s", path, err);
    rt_reqs q;
    rt_reqs_init(&q);
    for (size_t i = 0; i < t.n; i++)
        rt_reqs_learn(&q, t.lines[i].pattern, t.lines[i].pattern_len);
    for (size_t i = 0; i < t.n; i++)
        rt_reqs_from_pattern(&q, t.lines[i].pattern, t.lines[i].pattern_len);
    FOR_EACH_ALGORITHM(a)
    {
        if (rtm_test_mirror_pass())
            continue; /* its mirror goes at the first failure: the adaptive pass again */
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        for (size_t i = 0; i < t.n; i++) {
            const rtm__table_line *ln = &t.lines[i];
            call c = {0, ln->methods, ln->pattern, ln->pattern_len, ln->line};
            exhaust(r, &al, &q, &c);
        }
        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, t.n);
        for (size_t i = t.n; i-- > 0;) {
            const rtm__table_line *ln = &t.lines[i];
            call c = {1, ln->methods, ln->pattern, ln->pattern_len, 0};
            exhaust(r, &al, &q, &c);
        }
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 0);
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
    }
    rt_reqs_free(&q);
    rtm__table_free(&t);
}
