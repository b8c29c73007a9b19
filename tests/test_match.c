/* SPDX-License-Identifier: MIT */
/* Which route wins (SPEC.md "Which route wins" and "Requests"), through the
 * API, for every algorithm: the SPEC's example table, ranking between
 * segment kinds and between mixed segments, backtracking, greedy splits,
 * catch-alls, ANY routes, unknown and case-sensitive methods, undecoded
 * path bytes, lookups that must not blow up, and insertion order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

typedef struct expect {
    const char *method, *path, *want;
} expect;

static void check_all(const rtm_router *r, const expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ASSERT_MATCH(r, e[i].method, e[i].path, e[i].want);
}

/* SPEC.md, "The command-line match output": the example table. */
static const rt_route spec_table[] = {
    {"GET", "/users/new"},
    {"GET", "/users/{id}"},
    {"GET", "/users/{id}/edit"},
    {"POST", "/users"},
    {"GET", "/files/{*path}"},
    {"GET", "/v{major}/status"},
    {"GET", "/repos/{owner}/{repo}/compare/{base}...{head}"},
};
static const expect spec_expect[] = {
    {"GET", "/users/new", "200 1"},
    {"GET", "/users/42", "200 2 id=42"},
    {"GET", "/users/new/edit", "200 3 id=new"},
    {"DELETE", "/users", "405 allow=POST"},
    {"GET", "/users/42/", "404 tsr"},
    {"GET", "/files/a/b%2Fc", "200 5 path=a/b%252Fc"},
    {"GET", "/files/", "404"},
    {"GET", "/v2/status", "200 6 major=2"},
    {"GET", "/repos/o/r/compare/main...a...b", "200 7 owner=o repo=r base=main...a head=b"},
};

TEST(match, spec_example_table)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, spec_table, RT_COUNT(spec_table));
        check_all(r, spec_expect, RT_COUNT(spec_expect));
        rtm_free(r);
    }
}

/* Every one of the 5,040 insertion orders of the example table gives the
 * same answers. */
TEST(match, insertion_order_never_matters)
{
    FOR_EACH_ALGORITHM(a)
    {
        size_t n = RT_COUNT(spec_table), idx[RT_COUNT(spec_table)];
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        for (unsigned perm = 0;; perm++) {
            rtm_router *r = rt_new(a, NULL);
            for (size_t i = 0; i < n; i++)
                rt_add(r, spec_table[idx[i]].method, spec_table[idx[i]].pattern,
                       (uint32_t)(idx[i] + 1));
            check_all(r, spec_expect, RT_COUNT(spec_expect));
            rtm_free(r);
            /* Next permutation in lexicographic order. */
            size_t k = n - 1;
            while (k > 0 && idx[k - 1] > idx[k])
                k--;
            if (k == 0)
                break;
            size_t l = n - 1;
            while (idx[l] < idx[k - 1])
                l--;
            size_t t = idx[k - 1];
            idx[k - 1] = idx[l];
            idx[l] = t;
            for (size_t i = k, j = n - 1; i < j; i++, j--) {
                t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
    }
}

/* static > params with static text > bare param > catch-all, decided at the
 * first segment where two candidates differ. */
TEST(match, ranking_by_segment_kind)
{
    static const rt_route t[] = {
        {"GET", "/r/static"},   /* 1 */
        {"GET", "/r/v{x}"},     /* 2 */
        {"GET", "/r/{x}"},      /* 3 */
        {"GET", "/r/{*x}"},     /* 4 */
        {"GET", "/s/{a}/x"},    /* 5 */
        {"GET", "/s/b/{c}"},    /* 6 */
        {"GET", "/t/{a}/end"},  /* 7 */
        {"GET", "/t/{a}/{b}"},  /* 8 */
        {"GET", "/u/{*rest}"},  /* 9 */
        {"GET", "/u/{a}/b"},    /* 10 */
        {"GET", "/w/x{a}/z"},   /* 11 */
        {"GET", "/w/{a}/{*z}"}, /* 12 */
    };
    static const expect e[] = {
        {"GET", "/r/static", "200 1"},
        {"GET", "/r/vstatic", "200 2 x=static"},
        {"GET", "/r/v", "200 3 x=v"},
        {"GET", "/r/abc", "200 3 x=abc"},
        {"GET", "/r/a/b", "200 4 x=a/b"},
        {"GET", "/r/static/", "200 4 x=static/"},
        {"GET", "/r/", "404"},
        {"GET", "/s/b/x", "200 6 c=x"},
        {"GET", "/s/q/x", "200 5 a=q"},
        {"GET", "/t/1/end", "200 7 a=1"},
        {"GET", "/t/1/2", "200 8 a=1 b=2"},
        {"GET", "/u/x/b", "200 10 a=x"},
        {"GET", "/u/x/c", "200 9 rest=x/c"},
        {"GET", "/u/x/b/", "200 9 rest=x/b/"},
        {"GET", "/w/xy/z", "200 11 a=y"},
        {"GET", "/w/xy/q", "200 12 a=xy z=q"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        check_all(r, e, RT_COUNT(e));
        rtm_free(r);
    }
}

/* Between two mixed segments: more static bytes, then fewer params, then the
 * longer leading static text, then the static pieces left to right
 * (memcmp, a proper prefix being smaller), smaller first. Each pair is
 * added in both orders. */
TEST(match, ranking_between_mixed_segments)
{
    typedef struct pair {
        const char *win, *lose, *path, *want; /* want: the winner's params */
    } pair;
    static const pair pairs[] = {
        /* more static bytes */
        {"/m/{a}.tar.{b}", "/m/{a}.{b}", "/m/x.tar.gz", "a=x b=gz"},
        {"/m/{a}.json", "/m/{a}.{b}", "/m/x.json", "a=x"},
        /* fewer params */
        {"/m/v{a}", "/m/{a}v{b}", "/m/vv1", "a=v1"},
        /* longer leading static text */
        {"/m/ab{x}", "/m/a{x}b", "/m/abXb", "x=Xb"},
        {"/m/a{x}b", "/m/{x}ab", "/m/aXab", "x=Xa"},
        /* static pieces compared left to right */
        {"/m/{a}+{b}-{c}", "/m/{a}-{b}+{c}", "/m/1-2+3-4+5", "a=1-2 b=3 c=4+5"},
        /* a proper prefix is smaller */
        {"/m/x{a}y{b}z", "/m/x{a}yz{b}", "/m/x1yz2z", "a=1 b=z2"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        for (size_t i = 0; i < RT_COUNT(pairs); i++) {
            for (int order = 0; order < 2; order++) {
                rtm_router *r = rt_new(a, NULL);
                rt_add(r, "GET", order ? pairs[i].lose : pairs[i].win, order ? 2 : 1);
                rt_add(r, "GET", order ? pairs[i].win : pairs[i].lose, order ? 1 : 2);
                char want[128];
                snprintf(want, sizeof want, "200 1 %s", pairs[i].want);
                ASSERT_MATCH(r, "GET", pairs[i].path, want);
                rtm_free(r);
            }
        }
    }
}

/* A branch that fails deeper down gives way to the next-ranked one. */
TEST(match, backtracking)
{
    static const rt_route t[] = {
        {"GET", "/users/new"},       /* 1 */
        {"GET", "/users/{id}/edit"}, /* 2 */
        {"GET", "/a/{x}/c"},         /* 3 */
        {"GET", "/a/b/{y}"},         /* 4 */
        {"GET", "/a/b/d"},           /* 5 */
        {"GET", "/p/a/{x}/z"},       /* 6 */
        {"GET", "/p/{y}/b/w"},       /* 7 */
        {"GET", "/q/a/b"},           /* 8 */
        {"GET", "/q/{*r}"},          /* 9 */
        {"GET", "/d/b/c/d"},         /* 10 */
        {"GET", "/d/{x}/c/e"},       /* 11 */
        {"GET", "/e/v{n}/x"},        /* 12 */
        {"GET", "/e/{n}/y"},         /* 13 */
    };
    static const expect e[] = {
        {"GET", "/users/new/edit", "200 2 id=new"},
        {"GET", "/a/b/c", "200 4 y=c"},
        {"GET", "/a/b/d", "200 5"},
        {"GET", "/a/b/e", "200 4 y=e"},
        {"GET", "/a/z/c", "200 3 x=z"},
        {"GET", "/p/a/b/w", "200 7 y=a"},
        {"GET", "/p/a/b/z", "200 6 x=b"},
        {"GET", "/q/a/c", "200 9 r=a/c"},
        {"GET", "/q/a/b", "200 8"},
        {"GET", "/q/a/b/c", "200 9 r=a/b/c"},
        {"GET", "/d/b/c/e", "200 11 x=b"},
        {"GET", "/d/b/c/f", "404"},
        {"GET", "/e/v1/y", "200 13 n=v1"},
        {"GET", "/e/v1/x", "200 12 n=1"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        check_all(r, e, RT_COUNT(e));
        rtm_free(r);
    }
}

/* Params are greedy from the left, exactly like ([^/]+) in a regex matched
 * against the whole segment. */
TEST(match, greedy_splits)
{
    static const rt_route t[] = {
        {"GET", "/f/{name}.{ext}"},    /* 1 */
        {"GET", "/c/{base}...{head}"}, /* 2 */
        {"GET", "/g/@{lat},{lon}"},    /* 3 */
        {"GET", "/h/{a}-{b}-{c}"},     /* 4 */
        {"GET", "/i/{a}ab{b}"},        /* 5 */
        {"GET", "/j/{a}aa{b}"},        /* 6 */
        {"GET", "/k/v{a}v"},           /* 7 */
        {"GET", "/l/{a}.{b}.{c}"},     /* 8 */
        {"GET", "/m/pre{a}suf"},       /* 9 */
        {"GET", "/n/{a}.tar.gz"},      /* 10 */
        {"GET", "/o/{a}:{b}:cancel"},  /* 11 */
    };
    static const expect e[] = {
        {"GET", "/f/a.tar.gz", "200 1 name=a.tar ext=gz"},
        {"GET", "/f/a.b", "200 1 name=a ext=b"},
        {"GET", "/f/a..b", "200 1 name=a. ext=b"},
        {"GET", "/f/a.b.", "200 1 name=a ext=b."},
        {"GET", "/f/.x", "404"},
        {"GET", "/f/x.", "404"},
        {"GET", "/f/.", "404"},
        {"GET", "/f/x", "404"},
        {"GET", "/c/main...a...b", "200 2 base=main...a head=b"},
        {"GET", "/c/a....b", "200 2 base=a. head=b"},
        {"GET", "/c/...x", "404"},
        {"GET", "/c/x...", "404"},
        {"GET", "/g/@1.5,2.5", "200 3 lat=1.5 lon=2.5"},
        {"GET", "/g/@,2", "404"},
        {"GET", "/g/@1,2,3", "200 3 lat=1,2 lon=3"},
        {"GET", "/g/x@1,2", "404"},
        {"GET", "/h/1-2-3-4", "200 4 a=1-2 b=3 c=4"},
        {"GET", "/h/1--2", "404"},
        {"GET", "/h/1---2", "200 4 a=1 b=- c=2"},
        {"GET", "/i/xabab", "200 5 a=x b=ab"},
        {"GET", "/i/abab", "404"},
        {"GET", "/i/aabab", "200 5 a=a b=ab"},
        {"GET", "/j/xaaaay", "200 6 a=xaa b=y"},
        {"GET", "/j/aaa", "404"},
        {"GET", "/j/aaaa", "200 6 a=a b=a"},
        {"GET", "/k/vvv", "200 7 a=v"},
        {"GET", "/k/vv", "404"},
        {"GET", "/k/vvvv", "200 7 a=vv"},
        {"GET", "/l/1.2.3.4.5", "200 8 a=1.2.3 b=4 c=5"},
        {"GET", "/m/presuf", "404"},
        {"GET", "/m/preXsuf", "200 9 a=X"},
        {"GET", "/m/presufsuf", "200 9 a=suf"},
        {"GET", "/m/prepresuf", "200 9 a=pre"},
        {"GET", "/n/x.tar.gz.tar.gz", "200 10 a=x.tar.gz"},
        {"GET", "/o/a:b:c:cancel", "200 11 a=a:b b=c"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        check_all(r, e, RT_COUNT(e));
        rtm_free(r);
    }
}

/* A catch-all takes the rest after the preceding '/': one byte or more. */
TEST(match, catch_all)
{
    static const rt_route t[] = {
        {"GET", "/files/{*path}"}, /* 1 */
        {"GET", "/files/readme"},  /* 2 */
        {"GET", "/c/{x}"},         /* 3 */
        {"GET", "/c/{*y}"},        /* 4 */
        {"GET", "/{*all}"},        /* 5, added after the first checks */
    };
    static const expect before_root[] = {
        {"GET", "/files/", "404"},
        {"GET", "/files", "404"},
        {"GET", "/files/a", "200 1 path=a"},
        {"GET", "/files//", "200 1 path=/"},
        {"GET", "/files/a/b/c/", "200 1 path=a/b/c/"},
        {"GET", "/files/readme", "200 2"},
        {"GET", "/files/readme/x", "200 1 path=readme/x"},
        {"GET", "/c/a", "200 3 x=a"},
        {"GET", "/c/a/b", "200 4 y=a/b"},
        {"GET", "/c/a/", "200 4 y=a/"},
        {"GET", "/c/", "404"},
        {"GET", "/", "404"},
    };
    static const expect with_root[] = {
        {"GET", "/files/", "200 5 all=files/"}, {"GET", "/files", "200 5 all=files"},
        {"GET", "/c/", "200 5 all=c/"},         {"GET", "/x", "200 5 all=x"},
        {"GET", "//", "200 5 all=/"},           {"GET", "/", "404"},
        {"POST", "/x", "405 allow=GET"},        {"GET", "/files/readme", "200 2"},
        {"GET", "/c/a", "200 3 x=a"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t) - 1);
        check_all(r, before_root, RT_COUNT(before_root));
        rt_add(r, t[4].method, t[4].pattern, 5);
        check_all(r, with_root, RT_COUNT(with_root));
        rtm_free(r);
    }
}

/* ANY routes serve every method; ranking comes first, and for the same
 * shape the explicit method beats ANY. */
TEST(match, any_routes)
{
    static const rt_route t[] = {
        {"GET", "/users/{id}"},         /* 1 */
        {"PUT,DELETE", "/users/{uid}"}, /* 2 */
        {"*", "/users/{id}/ping"},      /* 3 */
        {"GET", "/users/me/ping"},      /* 4 */
        {"GET", "/x/{a}"},              /* 5 */
        {"ANY", "/x/{b}"},              /* 6 */
        {"*", "/y/static"},             /* 7 */
        {"GET", "/y/{a}"},              /* 8 */
        {"*", "/z"},                    /* 9 */
        {"HEAD", "/z"},                 /* 10 */
    };
    static const expect e[] = {
        {"POST", "/users/7/ping", "200 3 id=7"},
        {"GET", "/users/me/ping", "200 4"},
        {"DELETE", "/users/me/ping", "200 3 id=me"},
        {"PROPFIND", "/users/1/ping", "200 3 id=1"},
        {"GET", "/x/1", "200 5 a=1"},
        {"POST", "/x/1", "200 6 b=1"},
        {"OTHER", "/x/1", "200 6 b=1"},
        {"HEAD", "/x/1", "200 6 b=1"},
        {"GET", "/y/static", "200 7"},
        {"GET", "/y/other", "200 8 a=other"},
        {"POST", "/y/other", "405 allow=GET"},
        {"POST", "/y/static", "200 7"},
        {"HEAD", "/z", "200 10"},
        {"GET", "/z", "200 9"},
        {"PATCH", "/z", "200 9"},
        {"PUT", "/users/5", "200 2 uid=5"},
        {"PATCH", "/users/5", "405 allow=GET,PUT,DELETE"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        check_all(r, e, RT_COUNT(e));
        rtm_free(r);
    }
}

/* Method tokens outside the nine match only ANY routes; tokens are
 * case-sensitive. */
TEST(match, unknown_and_case_sensitive_methods)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/users", 1);
        rt_add(r, "*", "/any", 2);
        ASSERT_MATCH(r, "PROPFIND", "/users", "405 allow=GET");
        ASSERT_MATCH(r, "get", "/users", "405 allow=GET");
        ASSERT_MATCH(r, "Get", "/users", "405 allow=GET");
        ASSERT_MATCH(r, "GET", "/users", "200 1");
        ASSERT_MATCH(r, "get", "/any", "200 2");
        ASSERT_MATCH(r, "", "/any", "200 2");
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_METHOD_OTHER, "/any", 4, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 2);
        ASSERT_EQ_INT(rtm_match(r, RTM_METHOD_OTHER, "/users", 6, &res), RTM_METHOD_NOT_ALLOWED);
        ASSERT_EQ_UINT(res.allow, RTM_METHOD_BIT(RTM_GET));
        rtm_free(r);
    }
}

/* Nothing is decoded or normalised; matching is byte-wise and case-sensitive. */
TEST(match, path_bytes_are_opaque)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/users", 1);
        rt_add(r, "GET", "/users/{id}", 2);
        rt_add(r, "GET", "/users/{id}/edit", 3);
        rt_add(r, "GET", "/caf\xc3\xa9", 4);
        ASSERT_MATCH(r, "GET", "/users%2F1", "404");
        ASSERT_MATCH(r, "GET", "/users/%2F", "200 2 id=%252F");
        ASSERT_MATCH(r, "GET", "/users/1?x=1", "200 2 id=1?x=1");
        ASSERT_MATCH(r, "GET", "/users/..", "200 2 id=..");
        ASSERT_MATCH(r, "GET", "/users/./edit", "200 3 id=.");
        ASSERT_MATCH(r, "GET", "//users", "404");
        ASSERT_MATCH(r, "GET", "/users//edit", "404");
        ASSERT_MATCH(r, "GET", "/Users", "404");
        ASSERT_MATCH(r, "GET", "/users/caf\xc3\xa9", "200 2 id=caf%C3%A9");
        ASSERT_MATCH(r, "GET", "/caf\xc3\xa9", "200 4");
        ASSERT_MATCH(r, "GET", "/cafe", "404");
        ASSERT_MATCH(r, "GET", "/users/a b", "200 2 id=a%20b");
        ASSERT_MATCH(r, "GET", "/users/\x7f\t", "200 2 id=%7F%09");
        ASSERT_MATCH(r, "GET", "/users/%", "200 2 id=%25");
        ASSERT_MATCH_N(r, "GET", "/users/\0", 8, "200 2 id=%00");
        ASSERT_MATCH_N(r, "GET", "/users/\0/edit", 13, "200 3 id=%00");
        ASSERT_MATCH_N(r, "GET", "/users\0", 7, "404");
        /* Not starting with '/': nothing, no hint. */
        ASSERT_MATCH(r, "GET", "users", "404");
        ASSERT_MATCH(r, "GET", "users/", "404");
        ASSERT_MATCH(r, "GET", "", "404");
        ASSERT_MATCH(r, "GET", " /users", "404");
        ASSERT_MATCH(r, "GET", "*", "404");
        rtm_free(r);
    }
}

/* "/{p0}-{p1}-...-{p31}" against a long segment with one separator too few:
 * a matcher that backtracked inside the segment would take on the order of
 * 2^30 steps; the SPEC's one right-to-left scan fails at once. Deep static
 * versus param alternatives at every level are the same for the tree. */
TEST(match, no_exponential_lookups)
{
    char pat[512];
    size_t k = 0;
    pat[k++] = '/';
    for (unsigned i = 0; i < RTM_MAX_PARAMS; i++)
        k += (size_t)snprintf(pat + k, sizeof pat - k, "%s{p%u}", i ? "-" : "", i);
    /* 30 dashes between 31 runs of 64 x: one dash short of a match. */
    size_t plen = 1 + 31 * 64 + 30;
    char *path = malloc(plen + 80);
    ASSERT_NOT_NULL(path);
    size_t j = 0;
    path[j++] = '/';
    for (unsigned i = 0; i < 31; i++) {
        if (i)
            path[j++] = '-';
        memset(path + j, 'x', 64);
        j += 64;
    }
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", pat, 1);
        /* Deep alternatives: /d/x/x/.../x/{q} and /d/{a1}/{a2}/.../{aN}/end. */
        char deep[1024];
        for (unsigned depth = 1; depth <= 24; depth++) {
            size_t n = (size_t)snprintf(deep, sizeof deep, "/d");
            for (unsigned i = 0; i < depth; i++)
                n += (size_t)snprintf(deep + n, sizeof deep - n, "/x");
            for (unsigned i = depth; i < 24; i++)
                n += (size_t)snprintf(deep + n, sizeof deep - n, "/{a%u}", i);
            snprintf(deep + n, sizeof deep - n, "/end%u", depth);
            rt_add(r, "GET", deep, 10 + depth);
        }
        ASSERT_MATCH_N(r, "GET", path, plen, "404");
        rtm_result cres;
        size_t visits, nodes;
        if (rt_match_counted(r, RTM_GET, path, plen, &cres, &visits, &nodes))
            ASSERT_LE_UINT(visits, nodes);
        char miss[256];
        size_t m = (size_t)snprintf(miss, sizeof miss, "/d");
        for (unsigned i = 0; i < 24; i++)
            m += (size_t)snprintf(miss + m, sizeof miss - m, "/x");
        snprintf(miss + m, sizeof miss - m, "/nope");
        ASSERT_MATCH(r, "GET", miss, "404");
        if (rt_match_counted(r, RTM_GET, miss, strlen(miss), &cres, &visits, &nodes))
            ASSERT_LE_UINT(visits, nodes);
        snprintf(miss + m, sizeof miss - m, "/end3");
        ASSERT_MATCH(r, "GET", miss,
                     "200 13 a3=x a4=x a5=x a6=x a7=x a8=x a9=x a10=x a11=x a12=x a13=x a14=x "
                     "a15=x a16=x a17=x a18=x a19=x a20=x a21=x a22=x a23=x");
        /* One more dash: it matches, each run its own param. */
        memcpy(path + plen, "-y", 2);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, plen + 2, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.nparams, RTM_MAX_PARAMS);
        ASSERT_EQ_UINT(res.params[0].length, 64);
        ASSERT_EQ_UINT(res.params[31].length, 1);
        rtm_free(r);
    }
    free(path);
}
