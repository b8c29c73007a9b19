/* SPDX-License-Identifier: MIT */
/* Pattern validation (SPEC.md "Patterns"): every malformed form is rejected
 * with its reason and byte offset, by rtm_add and rtm_remove alike, without
 * changing the router or leaking; the limits (255-byte names, 32 params,
 * 65,535-byte patterns) are accepted exactly up to the limit; the legacy
 * spellings mean what the SPEC says. */
#include <stdlib.h>
#include <string.h>

#include "test_alloc.h"
#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

typedef struct bad_case {
    const char *text; /* the pattern */
    size_t len;       /* its length (patterns may hold NUL) */
    int err;          /* RTM_EPATTERN or RTM_ELIMIT */
    int reason;       /* rtm_pattern_error */
    size_t offset;    /* where the problem is */
} bad_case;

#define BAD(text, reason, offset)                                                                  \
    {                                                                                              \
        text, sizeof(text) - 1, RTM_EPATTERN, reason, offset                                       \
    }

/* Offsets follow the conformance file tricky.err where it has the form
 * (lines 36-40); elsewhere: a problem with a whole parameter is reported at
 * its '{' (or the legacy ':' / '*'), a bad byte at the byte itself. */
static const bad_case bad_cases[] = {
    /* tricky.routes lines 36-40 */
    BAD("/bad//x", RTM_PAT_EMPTY_SEGMENT, 5),
    BAD("/bad/{a}{b}", RTM_PAT_ADJACENT_PARAMS, 8),
    BAD("/bad/{a}/{a}", RTM_PAT_DUPLICATE_NAME, 9),
    BAD("/bad/{*r}/x", RTM_PAT_CATCHALL_NOT_LAST, 5),
    BAD("bad", RTM_PAT_NO_LEADING_SLASH, 0),
    /* no leading slash */
    BAD("", RTM_PAT_NO_LEADING_SLASH, 0),
    BAD("users/{id}", RTM_PAT_NO_LEADING_SLASH, 0),
    BAD("{id}", RTM_PAT_NO_LEADING_SLASH, 0),
    BAD(" /x", RTM_PAT_NO_LEADING_SLASH, 0),
    /* empty segments: at the empty segment's start */
    BAD("//", RTM_PAT_EMPTY_SEGMENT, 1),
    BAD("//x", RTM_PAT_EMPTY_SEGMENT, 1),
    BAD("/a//", RTM_PAT_EMPTY_SEGMENT, 3),
    BAD("/a///b", RTM_PAT_EMPTY_SEGMENT, 3),
    BAD("/{a}//{b}", RTM_PAT_EMPTY_SEGMENT, 5),
    /* params not separated by static text: at the second '{' */
    BAD("/{a}{b}.x", RTM_PAT_ADJACENT_PARAMS, 4),
    BAD("/x/v{a}.{b}{c}", RTM_PAT_ADJACENT_PARAMS, 11),
    /* duplicate names: at the duplicate's '{' (or ':') */
    BAD("/{a}/{*a}", RTM_PAT_DUPLICATE_NAME, 5),
    BAD("/{a}.{a}", RTM_PAT_DUPLICATE_NAME, 5),
    BAD("/:a/{a}", RTM_PAT_DUPLICATE_NAME, 4),
    BAD("/{id}/:id", RTM_PAT_DUPLICATE_NAME, 6),
    BAD("/{a}/{b}/{c}/{b}", RTM_PAT_DUPLICATE_NAME, 13),
    /* catch-all that is not the whole last segment: at its '{' */
    BAD("/{*r}/", RTM_PAT_CATCHALL_NOT_LAST, 1),
    BAD("/x{*r}", RTM_PAT_CATCHALL_NOT_LAST, 2),
    BAD("/{*r}.json", RTM_PAT_CATCHALL_NOT_LAST, 1),
    BAD("/{*r}/{*s}", RTM_PAT_CATCHALL_NOT_LAST, 1),
    BAD("/a/{x}-{*r}", RTM_PAT_CATCHALL_NOT_LAST, 7),
    /* unterminated '{': at the '{' */
    BAD("/{a", RTM_PAT_UNTERMINATED, 1),
    BAD("/x/{abc", RTM_PAT_UNTERMINATED, 3),
    BAD("/a{", RTM_PAT_UNTERMINATED, 2),
    BAD("/{a/b}", RTM_PAT_UNTERMINATED, 1),
    BAD("/{a}.{b", RTM_PAT_UNTERMINATED, 5),
    /* '}' in static text: at the '}' */
    BAD("/}", RTM_PAT_STRAY_BRACE, 1),
    BAD("/a}", RTM_PAT_STRAY_BRACE, 2),
    BAD("/{a}}", RTM_PAT_STRAY_BRACE, 4),
    BAD("/x/a}b/{c}", RTM_PAT_STRAY_BRACE, 4),
    /* empty names: at the '{' (or the bare ':' / '*') */
    BAD("/{}", RTM_PAT_EMPTY_NAME, 1),
    BAD("/{*}", RTM_PAT_EMPTY_NAME, 1),
    BAD("/x.{}", RTM_PAT_EMPTY_NAME, 3),
    BAD("/:", RTM_PAT_EMPTY_NAME, 1),
    BAD("/:/x", RTM_PAT_EMPTY_NAME, 1),
    BAD("/x/*", RTM_PAT_EMPTY_NAME, 3),
    /* bad name bytes: / { } *, control, space, DEL; at the byte */
    BAD("/{a b}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{a*b}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{**a}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{a{b}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{a\x01}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{\tb}", RTM_PAT_BAD_NAME_BYTE, 2),
    BAD("/{a\x7f}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{a\x1f}", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/{ab\0}", RTM_PAT_BAD_NAME_BYTE, 4),
    BAD("/:a b", RTM_PAT_BAD_NAME_BYTE, 3),
    BAD("/x/*a b", RTM_PAT_BAD_NAME_BYTE, 5),
    BAD("/:a}", RTM_PAT_BAD_NAME_BYTE, 3),
};

/* Adding or removing each malformed pattern fails with its reason and offset
 * and leaves the router (a small table) and the allocator as they were. */
TEST(pattern, malformed_reason_and_offset)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        rt_add(r, "GET", "/bad/x", 1);
        rt_add(r, "*", "/{a}", 2);
        rtm_stats before;
        rtm_get_stats(r, &before);
        size_t live = rtm_test_alloc_live_bytes(&al);
        for (size_t i = 0; i < RT_COUNT(bad_cases); i++) {
            const bad_case *c = &bad_cases[i];
            char esc[128];
            rtm_test_set_context(rtm_test_escape(c->text, c->len, esc, sizeof esc));
            for (int op = 0; op < 2; op++) {
                rtm_diag d;
                memset(&d, 0x5A, sizeof d);
                int rc = op == 0 ? rtm_add(r, RTM_METHOD_BIT(RTM_GET) | RTM_METHODS_ANY, c->text,
                                           c->len, 9, NULL, &d)
                                 : rtm_remove(r, RTM_METHOD_BIT(RTM_GET), c->text, c->len, &d);
                ASSERT_ERR(rc, c->err);
                ASSERT_EQ_INT(d.err, c->err);
                ASSERT_EQ_INT(d.reason, c->reason);
                ASSERT_EQ_UINT(d.offset, c->offset);
                ASSERT_TRUE(memchr(d.msg, '\0', sizeof d.msg) != NULL);
                ASSERT_GT_UINT(strlen(d.msg), 0);
                /* Without a diag: the same code. */
                rc = op == 0 ? rtm_add(r, RTM_METHOD_BIT(RTM_GET), c->text, c->len, 9, NULL, NULL)
                             : rtm_remove(r, RTM_METHOD_BIT(RTM_GET), c->text, c->len, NULL);
                ASSERT_ERR(rc, c->err);
            }
            rtm_stats after;
            rtm_get_stats(r, &after);
            ASSERT_EQ_UINT(after.routes, before.routes);
            ASSERT_EQ_UINT(after.nodes, before.nodes);
            ASSERT_EQ_UINT(after.bytes, before.bytes);
            ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), live);
            rtm_test_set_context(NULL);
        }
        ASSERT_MATCH(r, "GET", "/bad/x", "200 1");
        ASSERT_MATCH(r, "GET", "/bad", "200 2 a=bad");
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
        ASSERT_TRUE(rtm_test_alloc_sane(&al));
    }
}

/* A pattern "/{NNN...}" with a name of n bytes. */
static char *long_name_pattern(size_t n, size_t *len)
{
    char *p = malloc(n + 4);
    ASSERT_NOT_NULL(p);
    p[0] = '/';
    p[1] = '{';
    memset(p + 2, 'n', n);
    p[n + 2] = '}';
    p[n + 3] = '\0';
    *len = n + 3;
    return p;
}

TEST(pattern, name_length_limit)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        size_t len;
        char *ok = long_name_pattern(RTM_MAX_PARAM_NAME, &len);
        ASSERT_OK(rtm_add(r, RTM_METHOD_BIT(RTM_GET), ok, len, 1, NULL, NULL));
        rt_settle(r);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, "/v", 2, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.nparams, 1);
        ASSERT_MEM_EQ(res.params[0].name, res.params[0].name_len, ok + 2, RTM_MAX_PARAM_NAME);
        free(ok);

        char *bad = long_name_pattern(RTM_MAX_PARAM_NAME + 1, &len);
        rtm_diag d;
        int rc = rtm_add(r, RTM_METHOD_BIT(RTM_POST), bad, len, 2, NULL, &d);
        free(bad);
        ASSERT_ERR(rc, RTM_EPATTERN);
        ASSERT_EQ_INT(d.reason, RTM_PAT_NAME_TOO_LONG);
        ASSERT_EQ_UINT(d.offset, 1);
        ASSERT_MATCH(r, "POST", "/v", "405 allow=GET");
        rtm_free(r);
    }
}

/* "/{p0}/{p1}/.../{p<n-1>}" (or, with one_segment, "/{p0}-{p1}-...") and the
 * path "/0/1/..." that fills it. */
static void many_params(unsigned n, int one_segment, char *pat, size_t cap, char *path, size_t pcap)
{
    size_t k = 0, j = 0;
    pat[k++] = '/';
    path[j++] = '/';
    for (unsigned i = 0; i < n; i++) {
        const char *sep = i == 0 ? "" : one_segment ? "-" : "/";
        k += (size_t)snprintf(pat + k, cap - k, "%s{p%u}", sep, i);
        j += (size_t)snprintf(path + j, pcap - j, "%s%u", sep, i);
    }
}

TEST(pattern, param_count_limit)
{
    FOR_EACH_ALGORITHM(a)
    {
        for (int one_segment = 0; one_segment < 2; one_segment++) {
            rtm_router *r = rt_new(a, NULL);
            char pat[512], path[256];
            many_params(RTM_MAX_PARAMS, one_segment, pat, sizeof pat, path, sizeof path);
            rt_add(r, "GET", pat, 1);
            rt_settle(r);
            rtm_result res;
            ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, strlen(path), &res), RTM_FOUND);
            ASSERT_EQ_UINT(res.nparams, RTM_MAX_PARAMS);
            for (unsigned i = 0; i < RTM_MAX_PARAMS; i++) {
                char name[8], value[8];
                int nn = snprintf(name, sizeof name, "p%u", i);
                int vn = snprintf(value, sizeof value, "%u", i);
                ASSERT_MEM_EQ(res.params[i].name, res.params[i].name_len, name, (size_t)nn);
                ASSERT_MEM_EQ(path + res.params[i].offset, res.params[i].length, value, (size_t)vn);
            }
            /* The 33rd param: rejected at its '{'. */
            many_params(RTM_MAX_PARAMS + 1, one_segment, pat, sizeof pat, path, sizeof path);
            const char *p33 = strstr(pat, "{p32}");
            rtm_diag d;
            ASSERT_ERR(rt_try_add(r, "POST", pat, 2, &d), RTM_ELIMIT);
            ASSERT_EQ_INT(d.err, RTM_ELIMIT);
            ASSERT_EQ_INT(d.reason, RTM_PAT_TOO_MANY_PARAMS);
            ASSERT_EQ_UINT(d.offset, (size_t)(p33 - pat));
            /* One segment: GET's first param swallows "0-1", so a 405. */
            ASSERT_MATCH(r, "POST", path, one_segment ? "405 allow=GET" : "404");
            rtm_free(r);
        }
        /* A catch-all counts as a param: 31 + 1 is fine, 32 + 1 is not. */
        rtm_router *r = rt_new(a, NULL);
        char pat[512], path[256];
        many_params(RTM_MAX_PARAMS - 1, 0, pat, sizeof pat, path, sizeof path);
        strcat(pat, "/{*rest}");
        rt_add(r, "GET", pat, 1);
        strcat(path, "/x/y");
        rt_settle(r);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, strlen(path), &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.nparams, RTM_MAX_PARAMS);
        ASSERT_MEM_EQ(path + res.params[31].offset, res.params[31].length, "x/y", 3);
        many_params(RTM_MAX_PARAMS, 0, pat, sizeof pat, path, sizeof path);
        size_t at = strlen(pat) + 1;
        strcat(pat, "/{*rest}");
        rtm_diag d;
        ASSERT_ERR(rt_try_add(r, "POST", pat, 2, &d), RTM_ELIMIT);
        ASSERT_EQ_INT(d.reason, RTM_PAT_TOO_MANY_PARAMS);
        ASSERT_EQ_UINT(d.offset, at);
        rtm_free(r);
    }
}

TEST(pattern, length_limit)
{
    size_t max = RTM_MAX_PATTERN;
    char *p = malloc(max + 2);
    ASSERT_NOT_NULL(p);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_alloc al;
        rtm_test_alloc_init(&al);
        rtm_router *r = rt_new(a, &al.hooks);
        /* 65,535 bytes: fine, and it matches itself exactly. */
        p[0] = '/';
        memset(p + 1, 'a', max);
        ASSERT_OK(rtm_add(r, RTM_METHOD_BIT(RTM_GET), p, max, 1, NULL, NULL));
        rt_settle(r);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, p, max, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 1);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, p, max - 1, &res), RTM_NOT_FOUND);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, p, max + 1, &res), RTM_NOT_FOUND);
        /* 65,535 bytes ending in params: "/aaa...aaa/b{x}/{*rest}". */
        memcpy(p + max - 13, "/b{x}/{*rest}", 13);
        ASSERT_OK(rtm_add(r, RTM_METHOD_BIT(RTM_GET), p, max, 2, NULL, NULL));
        rt_settle(r);
        memcpy(p + max - 13, "/bX/r/s", 7);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, p, max - 6, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 2);
        ASSERT_EQ_UINT(res.nparams, 2);
        ASSERT_EQ_UINT(res.params[0].offset, max - 11);
        ASSERT_EQ_UINT(res.params[0].length, 1);
        ASSERT_MEM_EQ(p + res.params[1].offset, res.params[1].length, "r/s", 3);
        /* 65,536 bytes: ELIMIT at offset 65,535, nothing added, nothing leaked. */
        size_t live = rtm_test_alloc_live_bytes(&al);
        p[0] = '/';
        memset(p + 1, 'c', max);
        rtm_diag d;
        ASSERT_ERR(rtm_add(r, RTM_METHOD_BIT(RTM_GET), p, max + 1, 3, NULL, &d), RTM_ELIMIT);
        ASSERT_EQ_INT(d.err, RTM_ELIMIT);
        ASSERT_EQ_INT(d.reason, RTM_PAT_TOO_LONG);
        ASSERT_EQ_UINT(d.offset, RTM_MAX_PATTERN);
        ASSERT_ERR(rtm_remove(r, RTM_METHOD_BIT(RTM_GET), p, max + 1, &d), RTM_ELIMIT);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), live);
        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 2);
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&al), 0);
    }
    free(p);
}

/* ":name" is "{name}", a last "*name" is "{*name}"; elsewhere ':' and '*' are
 * ordinary static bytes. */
TEST(pattern, legacy_spellings)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/u/:id", 1);
        rt_add(r, "GET", "/legacy/:id/*rest", 2);
        rt_add(r, "GET", "/x:y", 3);
        rt_add(r, "GET", "/a*b", 4);
        rt_add(r, "GET", "/*a/b", 5);
        rt_add(r, "GET", "/s/:a:b", 6);
        ASSERT_MATCH(r, "GET", "/u/42", "200 1 id=42");
        ASSERT_MATCH(r, "GET", "/legacy/9/x/y", "200 2 id=9 rest=x/y");
        ASSERT_MATCH(r, "GET", "/legacy/9/", "404");
        ASSERT_MATCH(r, "GET", "/x:y", "200 3");
        ASSERT_MATCH(r, "GET", "/xzy", "404");
        ASSERT_MATCH(r, "GET", "/a*b", "200 4");
        ASSERT_MATCH(r, "GET", "/*a/b", "200 5");
        ASSERT_MATCH(r, "GET", "/q/b", "404");
        ASSERT_MATCH(r, "GET", "/s/v", "200 6 a:b=v");
        /* The legacy and brace spellings are the same shape. */
        rtm_diag d;
        ASSERT_ERR(rt_try_add(r, "GET", "/u/{other}", 7, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 1);
        ASSERT_ERR(rt_try_add(r, "GET", "/legacy/{x}/{*y}", 8, &d), RTM_ECONFLICT);
        ASSERT_EQ_UINT(d.other_route_id, 2);
        rtm_free(r);
    }
}

/* Valid edge forms: "/", a trailing slash, static text with odd bytes,
 * several params per segment, names with any allowed byte. */
TEST(pattern, valid_forms)
{
    static const char *const ok[] = {
        "/",
        "/users/",
        "/a/b/c/",
        "/{a}/",
        "/%2F/../",
        "/v{major}.{minor}",
        "/@{lat},{lon}",
        "/{base}...{head}",
        "/{a}-{b}-{c}-{d}",
        "/x/{*path}",
        "/{*all}",
        "/{n:with.colon-and_\xc3\x9c\xc3\xa9}",
        "/?q={q}",
        "/ a",
        "/:x/:y/*z",
    };
    FOR_EACH_ALGORITHM(a)
    {
        for (size_t i = 0; i < RT_COUNT(ok); i++) {
            rtm_router *r = rt_new(a, NULL);
            rtm_diag d;
            memset(&d, 0x5A, sizeof d);
            rtm_test_set_context(ok[i]);
            ASSERT_OK(rt_try_add(r, "GET", ok[i], 1, &d));
            ASSERT_EQ_INT(d.err, 0);
            rtm_stats st;
            rtm_get_stats(r, &st);
            ASSERT_EQ_UINT(st.routes, 1);
            rtm_test_set_context(NULL);
            rtm_free(r);
        }
    }
}
