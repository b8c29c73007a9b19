/* SPDX-License-Identifier: MIT */
/* Removal (rtm_remove): afterwards the router answers, and has the shape
 * (routes, nodes), as if the bindings had never been added, compared with a
 * router built from scratch without them after every single removal;
 * ENOENT changes nothing; a subset of a route's methods can go; parameter
 * names do not matter; add/remove cycles do not grow memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_alloc.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* Much of tricky.routes plus shapes that share prefixes at every level. */

#define NROUTES RT_OVERLAP_TABLE_LEN

/* One (route, method) binding. */
typedef struct binding {
    size_t route;
    unsigned bit;
} binding;

static void table_sweep(rt_reqs *q)
{
    const char *pats[NROUTES];
    for (size_t i = 0; i < NROUTES; i++)
        pats[i] = rt_overlap_table[i].pattern;
    rt_reqs_init(q);
    rt_reqs_from_patterns(q, pats, NROUTES);
}

/* A router holding, for each route i, the methods in left[i]. */
static rtm_router *build_with(rtm_algorithm a, const unsigned *left)
{
    rtm_router *r = rt_new(a, NULL);
    for (size_t i = 0; i < NROUTES; i++) {
        if (left[i])
            ASSERT_OK(rtm_add(r, left[i], rt_overlap_table[i].pattern,
                              strlen(rt_overlap_table[i].pattern), (uint32_t)(i + 1),
                              rt_udata((uint32_t)(i + 1)), NULL));
    }
    return r;
}

static size_t all_bindings(binding *b, unsigned *left)
{
    size_t n = 0;
    for (size_t i = 0; i < NROUTES; i++) {
        left[i] = rt_methods(rt_overlap_table[i].method);
        for (unsigned bit = 1; bit <= RTM_METHODS_ANY; bit <<= 1) {
            if (left[i] & bit)
                b[n++] = (binding){i, bit};
        }
    }
    return n;
}

TEST(remove, as_if_never_added)
{
    rt_reqs q;
    table_sweep(&q);
    FOR_EACH_ALGORITHM(a)
    {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            binding b[NROUTES * 10];
            unsigned left[NROUTES];
            size_t n = all_bindings(b, left);
            size_t order[NROUTES * 10];
            for (size_t i = 0; i < n; i++)
                order[i] = i;
            if (seed > 1) {
                rt_shuffle(order, n, seed);
            } else { /* seed 1: newest first */
                for (size_t i = 0; i < n / 2; i++) {
                    size_t t = order[i];
                    order[i] = order[n - 1 - i];
                    order[n - 1 - i] = t;
                }
            }
            rtm_router *r = build_with(a, left);
            for (size_t k = 0; k < n; k++) {
                const binding *x = &b[order[k]];
                const char *pat = rt_overlap_table[x->route].pattern;
                char ctx[160];
                snprintf(ctx, sizeof ctx, "seed %u, removing %s 0x%x", (unsigned)seed, pat, x->bit);
                rtm_test_set_context(ctx);
                rtm_diag d;
                ASSERT_OK(rtm_remove(r, x->bit, pat, strlen(pat), &d));
                left[x->route] &= ~x->bit;
                rtm_router *fresh = build_with(a, left);
                rt_snapshot got, want;
                rt_snapshot_take(r, &q, &got);
                rt_snapshot_take(fresh, &q, &want);
                ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_NODES);
                rt_snapshot_free(&got);
                rt_snapshot_free(&want);
                rtm_free(fresh);
                rtm_test_set_context(NULL);
            }
            rtm_stats st;
            rtm_get_stats(r, &st);
            ASSERT_EQ_UINT(st.routes, 0);
            rtm_free(r);
        }
    }
    rt_reqs_free(&q);
}

TEST(remove, enoent_changes_nothing)
{
    rt_reqs q;
    table_sweep(&q);
    static const struct {
        const char *methods, *pattern;
    } missing[] = {
        {"GET", "/nope"},
        {"POST", "/users"},
        {"GET,POST", "/users/new"},
        {"*", "/users/new"},
        {"GET", "/users/{x}/ping"},
        {"GET", "/users/{x}/"},
        {"GET", "/files"},
        {"GET", "/files/{p}"},
        {"GET", "/img/{n}.jpg"},
        {"GET", "/repos/{a}/{b}"},
        {"GET", "/abc/def"},
        {"GET", "/abc"},
        {"GET", "/a"},
        {"GET", "/abc/de"},
        {"GET", "/v{a}.{b}"},
        {"GET,PATCH", "/users/{id}"},
        {"HEAD", "/files/readme/"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        rt_add_table(r, rt_overlap_table, NROUTES);
        rt_snapshot before;
        rt_snapshot_take(r, &q, &before);
        size_t live = rtm_test_alloc_live_bytes(&al);
        for (size_t i = 0; i < RT_COUNT(missing); i++) {
            rtm_test_set_context(missing[i].pattern);
            rtm_diag d;
            memset(&d, 0x5A, sizeof d);
            ASSERT_ERR(rt_try_remove(r, missing[i].methods, missing[i].pattern, &d), RTM_ENOENT);
            ASSERT_EQ_INT(d.err, RTM_ENOENT);
            rt_snapshot after;
            rt_snapshot_take(r, &q, &after);
            ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_NODES | RT_SNAP_BYTES);
            rt_snapshot_free(&after);
            ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), live);
            rtm_test_set_context(NULL);
        }
        rt_snapshot_free(&before);
        rtm_free(r);
        /* An empty router, and removing twice. */
        r = rt_new(a, NULL);
        ASSERT_ERR(rt_try_remove(r, "GET", "/", NULL), RTM_ENOENT);
        rt_add(r, "GET", "/x/{a}", 1);
        ASSERT_OK(rt_try_remove(r, "GET", "/x/{a}", NULL));
        ASSERT_ERR(rt_try_remove(r, "GET", "/x/{a}", NULL), RTM_ENOENT);
        ASSERT_MATCH(r, "GET", "/x/1", "404");
        rtm_free(r);
    }
    rt_reqs_free(&q);
}

TEST(remove, partial_methods)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET,POST,PUT", "/x/{a}", 1);
        ASSERT_OK(rt_try_remove(r, "POST", "/x/{a}", NULL));
        ASSERT_MATCH(r, "GET", "/x/1", "200 1 a=1");
        ASSERT_MATCH(r, "POST", "/x/1", "405 allow=GET,PUT");
        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 2);
        ASSERT_OK(rt_try_remove(r, "GET,PUT", "/x/{a}", NULL));
        ASSERT_MATCH(r, "GET", "/x/1", "404");
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 0);

        rt_add(r, "GET", "/y", 2);
        rt_add(r, "*", "/y", 3);
        ASSERT_MATCH(r, "POST", "/y", "200 3");
        ASSERT_OK(rt_try_remove(r, "*", "/y", NULL));
        ASSERT_MATCH(r, "POST", "/y", "405 allow=GET");
        ASSERT_MATCH(r, "GET", "/y", "200 2");
        rt_add(r, "*", "/y", 4);
        ASSERT_OK(rt_try_remove(r, "GET", "/y", NULL));
        ASSERT_MATCH(r, "GET", "/y", "200 4");
        ASSERT_OK(rt_try_remove(r, "ANY", "/y", NULL));
        ASSERT_MATCH(r, "GET", "/y", "404");
        rtm_free(r);
    }
}

TEST(remove, param_names_ignored_and_readd)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/u/{id}", 1);
        rt_add(r, "GET", "/l/:id/*rest", 2);
        rt_add(r, "GET", "/m/{a}.{b}", 3);
        ASSERT_OK(rt_try_remove(r, "GET", "/u/{other}", NULL));
        ASSERT_MATCH(r, "GET", "/u/1", "404");
        rt_add(r, "GET", "/u/{uid}", 5);
        ASSERT_MATCH(r, "GET", "/u/1", "200 5 uid=1");
        ASSERT_OK(rt_try_remove(r, "GET", "/l/{x}/{*y}", NULL));
        ASSERT_MATCH(r, "GET", "/l/1/2", "404");
        ASSERT_OK(rt_try_remove(r, "GET", "/m/{x}.{y}", NULL));
        ASSERT_MATCH(r, "GET", "/m/a.b", "404");
        rt_add(r, "GET", "/m/{c}.{d}", 6);
        ASSERT_MATCH(r, "GET", "/m/a.b", "200 6 c=a d=b");
        rtm_free(r);
    }
}

/* Remove everything, add it again, three times: memory does not grow from
 * one cycle to the next, and rtm_free gives back every byte. */
TEST(remove, cycles_do_not_grow_memory)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        size_t empty_bytes[3], full_bytes[3];
        for (int cycle = 0; cycle < 3; cycle++) {
            rt_add_table(r, rt_overlap_table, NROUTES);
            rtm_stats st;
            rtm_get_stats(r, &st);
            full_bytes[cycle] = st.bytes;
            for (size_t i = NROUTES; i-- > 0;)
                ASSERT_OK(rt_try_remove(r, rt_overlap_table[i].method, rt_overlap_table[i].pattern,
                                        NULL));
            rtm_get_stats(r, &st);
            ASSERT_EQ_UINT(st.routes, 0);
            empty_bytes[cycle] = st.bytes;
        }
        ASSERT_EQ_UINT(empty_bytes[2], empty_bytes[1]);
        ASSERT_EQ_UINT(full_bytes[2], full_bytes[1]);
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
        ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&al), 0);
        ASSERT_TRUE(rtm_test_alloc_sane(&al));
    }
}
