/* SPDX-License-Identifier: MIT */
/* What a result carries (SPEC.md "Results"): the 405 allow set (methods of
 * every route matching the path), the trailing-slash hint of a 404, and the
 * 200's captures as offsets into the caller's own buffer, which is never
 * copied or read past its length. */
#include <stdlib.h>
#include <string.h>

#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

TEST(results, method_not_allowed_sets)
{
    static const rt_route t[] = {
        {"GET", "/a"},                 /* 1 */
        {"POST", "/a"},                /* 2 */
        {"PUT", "/b"},                 /* 3 */
        {"GET", "/x/{a}"},             /* 4 */
        {"POST", "/x/static"},         /* 5 */
        {"DELETE", "/x/{*rest}"},      /* 6 */
        {"PATCH,OPTIONS,TRACE", "/p"}, /* 7 */
        {"HEAD,CONNECT", "/p"},        /* 8 */
        {"*", "/any/{a}"},             /* 9 */
        {"GET", "/any/static"},        /* 10 */
        {"GET", "/"},                  /* 11 */
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        ASSERT_MATCH(r, "DELETE", "/a", "405 allow=GET,POST");
        ASSERT_MATCH(r, "HEAD", "/a", "405 allow=GET,POST");
        ASSERT_MATCH(r, "PROPFIND", "/a", "405 allow=GET,POST");
        ASSERT_MATCH(r, "GET", "/b", "405 allow=PUT");
        /* Every route matching the path counts, whatever its rank. */
        ASSERT_MATCH(r, "PUT", "/x/static", "405 allow=GET,POST,DELETE");
        ASSERT_MATCH(r, "PUT", "/x/other", "405 allow=GET,DELETE");
        ASSERT_MATCH(r, "PUT", "/x/a/b", "405 allow=DELETE");
        ASSERT_MATCH(r, "GET", "/p", "405 allow=HEAD,CONNECT,OPTIONS,TRACE,PATCH");
        /* An ANY route that matches is a candidate for every method: no 405. */
        ASSERT_MATCH(r, "POST", "/any/static", "200 9 a=static");
        ASSERT_MATCH(r, "GET", "/any/static", "200 10");
        ASSERT_MATCH(r, "HEAD", "/", "405 allow=GET");
        ASSERT_MATCH(r, "OPTIONS", "/", "405 allow=GET");
        /* The set is exactly those bits, and a 405 carries no hint. */
        rtm_result res;
        memset(&res, 0xA5, sizeof res);
        ASSERT_EQ_INT(rtm_match(r, RTM_PUT, "/x/static", 9, &res), RTM_METHOD_NOT_ALLOWED);
        ASSERT_EQ_INT(res.status, RTM_METHOD_NOT_ALLOWED);
        ASSERT_EQ_UINT(res.allow, RTM_METHOD_BIT(RTM_GET) | RTM_METHOD_BIT(RTM_POST) |
                                      RTM_METHOD_BIT(RTM_DELETE));
        ASSERT_FALSE(res.tsr);
        rtm_free(r);
    }
}

TEST(results, trailing_slash_hints)
{
    static const rt_route t[] = {
        {"GET", "/users"},         /* 1 */
        {"GET", "/users/{id}"},    /* 2 */
        {"GET", "/dir/"},          /* 3 */
        {"*", "/anydir/"},         /* 4 */
        {"GET", "/files/{*path}"}, /* 5 */
        {"POST", "/post"},         /* 6 */
        {"GET", "/"},              /* 7 */
        {"GET", "/v{n}/"},         /* 8 */
    };
    static const struct {
        const char *method, *path, *want;
    } e[] = {
        /* remove the trailing '/' */
        {"GET", "/users/", "404 tsr"},
        {"GET", "/users/42/", "404 tsr"},
        {"GET", "//", "404 tsr"},
        /* add one */
        {"GET", "/dir", "404 tsr"},
        {"GET", "/anydir", "404 tsr"},
        {"DELETE", "/anydir", "404 tsr"},
        {"GET", "/v1", "404 tsr"},
        /* only when the same method would be found */
        {"POST", "/dir", "404"},
        {"GET", "/post/", "404"},
        {"POST", "/post/", "404 tsr"},
        {"POST", "/users/", "404"},
        /* "/" is never stripped; a path ending in '/' only loses one */
        {"GET", "/", "200 7"},
        {"POST", "/", "405 allow=GET"},
        {"GET", "/dir//", "404 tsr"},
        {"GET", "/users//", "404"},
        /* catch-alls: one byte or more, so no hint from an empty remainder */
        {"GET", "/files", "404"},
        {"GET", "/files/", "404"},
        {"GET", "/files/a/", "200 5 path=a/"},
        /* no hint for paths not starting with '/' or other misses */
        {"GET", "", "404"},
        {"GET", "users", "404"},
        {"GET", "users/", "404"},
        {"GET", "/nothing", "404"},
        {"GET", "/nothing/", "404"},
    };
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add_table(r, t, RT_COUNT(t));
        for (size_t i = 0; i < RT_COUNT(e); i++)
            ASSERT_MATCH(r, e[i].method, e[i].path, e[i].want);
        rtm_free(r);
        /* A lone catch-all at the root: "/" gets no hint ("//" would match,
         * but "/" already ends in '/'). */
        r = rt_new(a, NULL);
        rt_add(r, "GET", "/{*p}", 1);
        ASSERT_MATCH(r, "GET", "/", "404");
        ASSERT_MATCH(r, "GET", "//", "200 1 p=/");
        rtm_free(r);
        /* A hint computed from a bounded buffer never reads past it. */
        r = rt_new(a, NULL);
        rt_add(r, "GET", "/a/", 1);
        rt_add(r, "GET", "/b", 2);
        ASSERT_MATCH_N(r, "GET", "/a/x", 2, "404 tsr");
        ASSERT_MATCH_N(r, "GET", "/b/", 2, "200 2");
        ASSERT_MATCH_N(r, "GET", "/b/x", 3, "404 tsr");
        rtm_free(r);
    }
}

/* Captures are (offset, length) into the caller's bytes; names belong to the
 * router; nothing past `len` is read. */
TEST(results, params_point_into_caller_buffer)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rt_add(r, "GET", "/repos/{owner}/{repo}/compare/{base}...{head}", 1);
        rt_add(r, "GET", "/users/{id}", 2);
        rt_add(r, "GET", "/files/{*path}", 3);
        rt_settle(r);
        /* The request is a slice of a larger buffer, not NUL-terminated. */
        const char text[] = "XX/repos/o/r/compare/main...a...b/trailing-garbage";
        const char *path = text + 2;
        size_t len = strlen("/repos/o/r/compare/main...a...b");
        rtm_result res;
        memset(&res, 0xA5, sizeof res);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, len, &res), RTM_FOUND);
        ASSERT_EQ_INT(res.status, RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 1);
        ASSERT_EQ_PTR(res.udata, rt_udata(1));
        ASSERT_EQ_UINT(res.nparams, 4);
        static const struct {
            const char *name;
            size_t off, len;
        } want[] = {{"owner", 7, 1}, {"repo", 9, 1}, {"base", 19, 8}, {"head", 30, 1}};
        for (unsigned i = 0; i < 4; i++) {
            const rtm_param *p = &res.params[i];
            ASSERT_MEM_EQ(p->name, p->name_len, want[i].name, strlen(want[i].name));
            ASSERT_EQ_UINT(p->offset, want[i].off);
            ASSERT_EQ_UINT(p->length, want[i].len);
            /* The name is the router's, not a pointer into the request. */
            ASSERT_TRUE(p->name < text || p->name >= text + sizeof text);
        }
        ASSERT_MEM_EQ(path + res.params[2].offset, res.params[2].length, "main...a", 8);

        /* Cut inside a segment: "/users/42" out of "/users/42/edit". */
        const char *u = "/users/42/edit";
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, u, 9, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 2);
        ASSERT_EQ_UINT(res.params[0].offset, 7);
        ASSERT_EQ_UINT(res.params[0].length, 2);
        /* A catch-all ends at len too. */
        const char *f = "/files/a/b/c";
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, f, 10, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 3);
        ASSERT_EQ_UINT(res.params[0].offset, 7);
        ASSERT_EQ_UINT(res.params[0].length, 3);

        /* A heap buffer of exactly len bytes: ASan catches any read past it. */
        size_t n = strlen(u);
        char *exact = malloc(n);
        ASSERT_NOT_NULL(exact);
        memcpy(exact, u, n);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, exact, 9, &res), RTM_FOUND);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, exact, n, &res), RTM_NOT_FOUND);
        memcpy(exact, "/users/42/", 10);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, exact, 10, &res), RTM_NOT_FOUND);
        ASSERT_TRUE(res.tsr);
        /* Changing the bytes after the match changes the value: not copied. */
        memcpy(exact, "/users/42", 9);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, exact, 9, &res), RTM_FOUND);
        exact[7] = '7';
        ASSERT_MEM_EQ(exact + res.params[0].offset, res.params[0].length, "72", 2);
        free(exact);

        /* The names stay valid while the route exists. */
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, path, len, &res), RTM_FOUND);
        const char *name = res.params[0].name;
        rt_add(r, "POST", "/other/{x}", 4);
        ASSERT_MEM_EQ(name, res.params[0].name_len, "owner", 5);
        rtm_free(r);
    }
}

/* route_id and udata come back as given, for every method binding. */
TEST(results, ids_and_udata)
{
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        int marker;
        ASSERT_OK(rtm_add(r, RTM_METHOD_BIT(RTM_GET) | RTM_METHOD_BIT(RTM_PUT), "/m", 2,
                          4000000000u, &marker, NULL));
        ASSERT_OK(rtm_add(r, RTM_METHODS_ANY, "/m", 2, 0, NULL, NULL));
        rt_settle(r);
        rtm_result res;
        ASSERT_EQ_INT(rtm_match(r, RTM_PUT, "/m", 2, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 4000000000u);
        ASSERT_EQ_PTR(res.udata, &marker);
        ASSERT_EQ_UINT(res.nparams, 0);
        ASSERT_EQ_INT(rtm_match(r, RTM_POST, "/m", 2, &res), RTM_FOUND);
        ASSERT_EQ_UINT(res.route_id, 0);
        ASSERT_NULL(res.udata);
        rtm_free(r);
    }
}
