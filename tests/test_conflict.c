/* SPDX-License-Identifier: MIT */
/* Conflicts (SPEC.md "Patterns", last paragraph): same method (ANY is a
 * method of its own) and same shape, parameter names ignored. A conflicting
 * add names the existing route and leaves the router exactly as it was,
 * checked by comparing stats and a full request sweep before and after. */
#include <stdio.h>
#include <string.h>

#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* A base table, each row a route with id = index + 1. */
static const rt_route base[] = {
    {"GET", "/users/{id}"},                      /* 1 */
    {"PUT", "/users/{uid}"},                     /* 2 */
    {"*", "/users/{id}/ping"},                   /* 3 */
    {"GET", "/files/{*path}"},                   /* 4 */
    {"GET", "/img/{name}.png"},                  /* 5 */
    {"GET", "/img/{a}.{b}"},                     /* 6 */
    {"GET,POST", "/repos/{owner}"},              /* 7 */
    {"GET", "/repos/{template_owner}/generate"}, /* 8 */
    {"GET", "/users"},                           /* 9 */
    {"GET", "/legacy/:id"},                      /* 10 */
    {"GET", "/"},                                /* 11 */
};

typedef struct conflict_case {
    const char *method, *pattern; /* the route tried */
    uint32_t other;               /* 0: no conflict; else the route it names */
} conflict_case;

static const conflict_case cases[] = {
    /* same shape, other names: conflicts, and names the existing route */
    {"GET", "/users/{uid}", 1},
    {"GET", "/users/:x", 1},
    {"PUT", "/users/{id}", 2},
    {"*", "/users/{x}/ping", 3},
    {"GET", "/files/{*rest}", 4},
    {"GET", "/files/*rest", 4},
    {"GET", "/img/{n}.png", 5},
    {"GET", "/img/{x}.{y}", 6},
    {"POST", "/repos/{o}", 7},
    {"GET", "/repos/{owner}/generate", 8},
    {"GET", "/users", 9},
    {"GET", "/legacy/{id}", 10},
    {"GET", "/", 11},
    /* multi-method adds conflict on the method that is taken */
    {"DELETE,PUT", "/users/{z}", 2},
    {"PATCH,GET", "/users/{z}", 1},
    {"HEAD,*", "/users/{z}/ping", 3},
    /* different method, ANY vs explicit, or different shape: fine */
    {"POST", "/users/{uid}", 0},
    {"*", "/users/{uid}", 0},
    {"GET", "/users/{id}/ping", 0},
    {"GET", "/users/", 0},
    {"GET", "/files/{path}", 0},
    {"GET", "/img/{name}.jpg", 0},
    {"GET", "/img/{name}.pn", 0},
    {"GET", "/img/x{name}.png", 0},
    {"GET", "/img/{a}.{b}.{c}", 0},
    {"GET", "/img/{a}-{b}", 0},
    {"PUT", "/repos/{owner}", 0},
    {"GET", "/Users", 0},
    {"GET", "/legacy/{id}/", 0},
};

static void sweep_of(const rt_route *t, size_t n, const char *extra, rt_reqs *q)
{
    const char *pats[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        pats[k++] = t[i].pattern;
    pats[k++] = extra;
    rt_reqs_init(q);
    rt_reqs_from_patterns(q, pats, k);
}

TEST(conflict, names_existing_route_and_changes_nothing)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, base, RT_COUNT(base));
        for (size_t i = 0; i < RT_COUNT(cases); i++) {
            const conflict_case *c = &cases[i];
            char ctx[128];
            snprintf(ctx, sizeof ctx, "%s %s", c->method, c->pattern);
            rtm_test_set_context(ctx);
            rt_reqs q;
            sweep_of(base, RT_COUNT(base), c->pattern, &q);
            rt_snapshot before, after;
            rt_snapshot_take(r, &q, &before);
            rtm_diag d;
            memset(&d, 0x5A, sizeof d);
            uint32_t id = (uint32_t)(100 + i);
            int rc = rt_try_add(r, c->method, c->pattern, id, &d);
            if (c->other) {
                ASSERT_ERR(rc, RTM_ECONFLICT);
                ASSERT_EQ_INT(d.err, RTM_ECONFLICT);
                ASSERT_EQ_UINT(d.other_route_id, c->other);
                ASSERT_GT_UINT(strlen(d.msg), 0);
                rt_snapshot_take(r, &q, &after);
                ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_NODES | RT_SNAP_BYTES);
                rt_snapshot_free(&after);
            } else {
                ASSERT_OK(rc);
                /* Remove it again: back to the base table. */
                ASSERT_OK(rt_try_remove(r, c->method, c->pattern, NULL));
                rt_snapshot_take(r, &q, &after);
                ASSERT_SNAPSHOT_EQ(&after, &before, RT_SNAP_NODES);
                rt_snapshot_free(&after);
            }
            rt_snapshot_free(&before);
            rt_reqs_free(&q);
            rtm_test_set_context(NULL);
        }
        rtm_free(r);
    }
}

/* A failed multi-method add adds none of its methods. */
TEST(conflict, all_or_nothing_across_methods)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "PUT", "/users/{id}", 1);
        rtm_diag d;
        ASSERT_ERR(rt_try_add(r, "GET,POST,PUT,DELETE", "/users/{uid}", 2, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 1);
        ASSERT_MATCH(r, "GET", "/users/7", "405 allow=PUT");
        ASSERT_MATCH(r, "POST", "/users/7", "405 allow=PUT");
        ASSERT_MATCH(r, "PUT", "/users/7", "200 1 id=7");
        /* The names are still the first route's. */
        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 1);
        /* The route named is the one of the conflicting method. */
        rt_add(r, "GET", "/users/{a}", 3);
        rt_add(r, "*", "/users/{b}", 4);
        ASSERT_ERR(rt_try_add(r, "POST,GET", "/users/{c}", 5, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 3);
        ASSERT_ERR(rt_try_add(r, "POST,*", "/users/{c}", 6, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 4);
        ASSERT_MATCH(r, "POST", "/users/7", "200 4 b=7");
        ASSERT_MATCH(r, "GET", "/users/7", "200 3 a=7");
        rt_add(r, "POST", "/users/{c}", 7);
        ASSERT_MATCH(r, "POST", "/users/7", "200 7 c=7");
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 4);
        rtm_free(r);
    }
}

/* The same route twice, with the same and with another id. */
TEST(conflict, exact_duplicate)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/a/{x}/b", 41);
        rtm_diag d;
        ASSERT_ERR(rt_try_add(r, "GET", "/a/{x}/b", 41, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 41);
        ASSERT_ERR(rt_try_add(r, "GET", "/a/{x}/b", 42, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 41);
        ASSERT_MATCH(r, "GET", "/a/1/b", "200 41 x=1");
        rtm_free(r);
    }
}
