/* SPDX-License-Identifier: MIT */
/* The API's small print: error codes pinned and named, method tokens,
 * algorithm names and availability, EUNSUPP for algorithms not compiled in,
 * argument checks (NULL handling) and rtm_free(NULL). */
#include <string.h>

#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

TEST(api, error_codes_pinned)
{
    /* Values are part of the ABI: never renumbered. */
    ASSERT_EQ_INT(RTM_EINVAL, -1);
    ASSERT_EQ_INT(RTM_ENOMEM, -2);
    ASSERT_EQ_INT(RTM_EPATTERN, -3);
    ASSERT_EQ_INT(RTM_ECONFLICT, -4);
    ASSERT_EQ_INT(RTM_EMETHOD, -5);
    ASSERT_EQ_INT(RTM_ELIMIT, -6);
    ASSERT_EQ_INT(RTM_EUNSUPP, -7);
    ASSERT_EQ_INT(RTM_ETHREAD, -8);
    ASSERT_EQ_INT(RTM_ENOENT, -9);
    ASSERT_EQ_INT(RTM_EIO, -10);
    ASSERT_EQ_INT(RTM_PAT_NO_LEADING_SLASH, 1);
    ASSERT_EQ_INT(RTM_PAT_TOO_LONG, 12);
    ASSERT_EQ_INT(RTM_FOUND, 200);
    ASSERT_EQ_INT(RTM_NOT_FOUND, 404);
    ASSERT_EQ_INT(RTM_METHOD_NOT_ALLOWED, 405);
}

TEST(api, error_names_and_messages)
{
#define CHECK_ERR(name, value, msg)                                                                \
    ASSERT_STR_EQ(rtm_err_name(value), #name);                                                     \
    ASSERT_STR_EQ(rtm_strerror(value), msg);                                                       \
    ASSERT_TRUE(strlen(msg) > 0);
    RTM_ERRNO_MAP(CHECK_ERR)
#undef CHECK_ERR
    /* Every code in the map is distinct and has a distinct name. */
    static const int codes[] = {
#define CODE(name, value, msg) value,
        RTM_ERRNO_MAP(CODE)
#undef CODE
    };
    for (size_t i = 0; i < RT_COUNT(codes); i++) {
        ASSERT_LT_INT(codes[i], 0);
        for (size_t j = i + 1; j < RT_COUNT(codes); j++) {
            ASSERT_NE_INT(codes[i], codes[j]);
            ASSERT_FALSE(strcmp(rtm_err_name(codes[i]), rtm_err_name(codes[j])) == 0);
        }
    }
    static const int unknown[] = {0, 1, 200, -11, -1000, 2147483647};
    for (size_t i = 0; i < RT_COUNT(unknown); i++) {
        ASSERT_STR_EQ(rtm_err_name(unknown[i]), "EUNKNOWN");
        ASSERT_STR_EQ(rtm_strerror(unknown[i]), "unknown error");
    }
}

TEST(api, method_parse)
{
    static const char *const names[RTM_METHOD_COUNT] = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    };
    for (int m = 0; m < RTM_METHOD_COUNT; m++) {
        ASSERT_EQ_INT(rtm_method_parse(names[m], strlen(names[m])), m);
        ASSERT_STR_EQ(rtm_method_name((rtm_method)m), names[m]);
        ASSERT_EQ_UINT(rtm_method_set_parse(names[m], strlen(names[m])), RTM_METHOD_BIT(m));
    }
    /* Case-sensitive, exact length, anything else is OTHER. */
    ASSERT_EQ_INT(rtm_method_parse("get", 3), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("Get", 3), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("GETX", 4), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("GETX", 3), RTM_GET);
    ASSERT_EQ_INT(rtm_method_parse("GE", 2), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("", 0), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("PROPFIND", 8), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("*", 1), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("ANY", 3), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse("GET\0", 4), RTM_METHOD_OTHER);
    ASSERT_EQ_INT(rtm_method_parse(NULL, 0), RTM_METHOD_OTHER);
    ASSERT_STR_EQ(rtm_method_name(RTM_METHOD_OTHER), "OTHER");
    ASSERT_NULL(rtm_method_name((rtm_method)10));
    ASSERT_NULL(rtm_method_name((rtm_method)-1));
    /* Route-file tokens: the nine, "*" and "ANY" (upper case only). */
    ASSERT_EQ_UINT(rtm_method_set_parse("*", 1), RTM_METHODS_ANY);
    ASSERT_EQ_UINT(rtm_method_set_parse("ANY", 3), RTM_METHODS_ANY);
    ASSERT_EQ_UINT(rtm_method_set_parse("any", 3), 0);
    ASSERT_EQ_UINT(rtm_method_set_parse("**", 2), 0);
    ASSERT_EQ_UINT(rtm_method_set_parse("get", 3), 0);
    ASSERT_EQ_UINT(rtm_method_set_parse("PROPFIND", 8), 0);
    ASSERT_EQ_UINT(rtm_method_set_parse("", 0), 0);
    ASSERT_EQ_UINT(rtm_method_set_parse(NULL, 0), 0);
    ASSERT_EQ_UINT(RTM_METHODS_ALL_NAMED, (1u << RTM_METHOD_COUNT) - 1);
    ASSERT_EQ_UINT(RTM_METHODS_ANY & RTM_METHODS_ALL_NAMED, 0);
}

TEST(api, algorithm_names)
{
    static const char *const names[RTM_ALGO_COUNT] = {"default", "reference", "trie", "radix",
                                                      "adaptive"};
    for (int a = 0; a < RTM_ALGO_COUNT; a++) {
        ASSERT_STR_EQ(rtm_algorithm_name((rtm_algorithm)a), names[a]);
        rtm_algorithm back = (rtm_algorithm)99;
        ASSERT_OK(rtm_algorithm_from_name(names[a], &back));
        ASSERT_EQ_INT(back, a);
    }
    ASSERT_NULL(rtm_algorithm_name((rtm_algorithm)RTM_ALGO_COUNT));
    rtm_algorithm out = RTM_ALGO_TRIE;
    ASSERT_ERR(rtm_algorithm_from_name("Trie", &out), RTM_EINVAL);
    ASSERT_ERR(rtm_algorithm_from_name("", &out), RTM_EINVAL);
    ASSERT_ERR(rtm_algorithm_from_name("radix2", &out), RTM_EINVAL);
    ASSERT_ERR(rtm_algorithm_from_name(NULL, &out), RTM_EINVAL);
    ASSERT_EQ_INT(out, RTM_ALGO_TRIE); /* untouched on error */
    /* The reference is built in every configuration; the default is real. */
    ASSERT_TRUE(rtm_algorithm_available(RTM_ALGO_REFERENCE));
    rtm_algorithm d = rtm_algorithm_default();
    ASSERT_NE_INT(d, RTM_ALGO_DEFAULT);
    ASSERT_TRUE(rtm_algorithm_available(d));
    ASSERT_FALSE(rtm_algorithm_available((rtm_algorithm)RTM_ALGO_COUNT));
    ASSERT_FALSE(rtm_algorithm_available((rtm_algorithm)-1));
}

TEST(api, create_every_algorithm)
{
    for (int a = 0; a < RTM_ALGO_COUNT + 2; a++) {
        rtm_router *r = (rtm_router *)rt_udata(7); /* must stay untouched on error */
        rtm_config cfg = {0};
        cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
        int rc = rtm_create(&r, (rtm_algorithm)a, &cfg);
        if (a >= RTM_ALGO_COUNT) {
            ASSERT_ERR(rc, RTM_EINVAL);
            ASSERT_EQ_PTR(r, rt_udata(7));
        } else if (a == RTM_ALGO_DEFAULT) {
            ASSERT_OK(rc);
            ASSERT_EQ_INT(rtm_router_algorithm(r), rtm_algorithm_default());
            rtm_free(r);
        } else if (rtm_algorithm_available((rtm_algorithm)a)) {
            ASSERT_OK(rc);
            ASSERT_EQ_INT(rtm_router_algorithm(r), a);
            rtm_stats st;
            rtm_get_stats(r, &st);
            ASSERT_EQ_UINT(st.routes, 0);
            ASSERT_NOT_NULL(st.metric_source);
            ASSERT_GT_UINT(st.bytes, 0);
            rtm_free(r);
        } else {
            /* Never a silent fallback to another algorithm. */
            ASSERT_ERR(rc, RTM_EUNSUPP);
            ASSERT_EQ_PTR(r, rt_udata(7));
        }
    }
    /* NULL config means defaults. */
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_REFERENCE, NULL));
    rtm_free(r);
}

TEST(api, null_arguments)
{
    rtm_free(NULL);
    ASSERT_ERR(rtm_create(NULL, RTM_ALGO_REFERENCE, NULL), RTM_EINVAL);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_router *r = rt_new(a, NULL);
        rtm_diag d;
        memset(&d, 0x5A, sizeof d);
        ASSERT_ERR(rtm_add(NULL, RTM_METHOD_BIT(RTM_GET), "/x", 2, 1, NULL, &d), RTM_EINVAL);
        ASSERT_EQ_INT(d.err, RTM_EINVAL);
        ASSERT_ERR(rtm_add(r, RTM_METHOD_BIT(RTM_GET), NULL, 2, 1, NULL, &d), RTM_EINVAL);
        ASSERT_ERR(rtm_add(NULL, RTM_METHOD_BIT(RTM_GET), "/x", 2, 1, NULL, NULL), RTM_EINVAL);
        ASSERT_ERR(rtm_remove(NULL, RTM_METHOD_BIT(RTM_GET), "/x", 2, &d), RTM_EINVAL);
        ASSERT_ERR(rtm_remove(r, RTM_METHOD_BIT(RTM_GET), NULL, 2, &d), RTM_EINVAL);
        /* No method, or bits beyond ANY: EMETHOD. */
        ASSERT_ERR(rtm_add(r, 0, "/x", 2, 1, NULL, &d), RTM_EMETHOD);
        ASSERT_EQ_INT(d.err, RTM_EMETHOD);
        ASSERT_ERR(rtm_add(r, 1u << 10, "/x", 2, 1, NULL, &d), RTM_EMETHOD);
        ASSERT_ERR(rtm_add(r, RTM_METHOD_BIT(RTM_GET) | (1u << 31), "/x", 2, 1, NULL, &d),
                   RTM_EMETHOD);
        /* Errors without a diag. */
        ASSERT_ERR(rtm_add(r, RTM_METHOD_BIT(RTM_GET), "x", 1, 1, NULL, NULL), RTM_EPATTERN);
        ASSERT_ERR(rtm_add(r, 0, "/x", 2, 1, NULL, NULL), RTM_EMETHOD);
        rt_add(r, "GET", "/x", 1);
        ASSERT_ERR(rtm_add(r, RTM_METHOD_BIT(RTM_GET), "/x", 2, 2, NULL, NULL), RTM_ECONFLICT);
        ASSERT_ERR(rtm_remove(r, RTM_METHOD_BIT(RTM_POST), "/x", 2, NULL), RTM_ENOENT);

        rt_settle(r);
        rtm_result res;
        memset(&res, 0, sizeof res);
        ASSERT_ERR(rtm_match(NULL, RTM_GET, "/x", 2, &res), RTM_EINVAL);
        ASSERT_EQ_INT(res.status, RTM_EINVAL);
        ASSERT_ERR(rtm_match(r, RTM_GET, "/x", 2, NULL), RTM_EINVAL);
        ASSERT_ERR(rtm_match(r, RTM_GET, NULL, 2, &res), RTM_EINVAL);
        ASSERT_EQ_INT(res.status, RTM_EINVAL);
        ASSERT_ERR(rtm_match(r, (rtm_method)(RTM_METHOD_OTHER + 1), "/x", 2, &res), RTM_EINVAL);
        /* An empty path is not misuse: it matches nothing. */
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, "", 0, &res), RTM_NOT_FOUND);
        ASSERT_FALSE(res.tsr);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, NULL, 0, &res), RTM_NOT_FOUND);
        ASSERT_EQ_INT(rtm_match(r, RTM_GET, "/x", 2, &res), RTM_FOUND);

        rtm_stats st;
        rtm_get_stats(r, &st);
        ASSERT_EQ_UINT(st.routes, 1);
        rtm_free(r);
    }
}

TEST(api, version_macros)
{
    ASSERT_EQ_INT(RTM_VERSION_NUMBER,
                  RTM_VERSION_MAJOR * 10000 + RTM_VERSION_MINOR * 100 + RTM_VERSION_PATCH);
    ASSERT_EQ_INT(RTM_MAX_PARAMS, 32);
    ASSERT_EQ_INT(RTM_MAX_PATTERN, 65535);
    ASSERT_EQ_INT(RTM_MAX_PARAM_NAME, 255);
}
