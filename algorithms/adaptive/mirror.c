/* SPDX-License-Identifier: MIT */
/* The radix mirror of mirror.h: thin calls into the radix algorithm. This
 * file never sees a complete struct rtm__impl (neither the adaptive one nor
 * the radix one), so the casts between ad_mirror and the radix instance are
 * between pointers to incomplete types. */
#include "mirror.h"

#include "router_internal.h" /* rtm__impl (incomplete here), RTM_E* */

#if defined(RTM_HAVE_RADIX)
#include "algorithms/radix/radix.h" /* rtm__radix_create_mirror, rtm__radix_ops */

static rtm__impl *radix_of(ad_mirror *m)
{
    return (rtm__impl *)(void *)m;
}

static const rtm__impl *radix_of_const(const ad_mirror *m)
{
    return (const rtm__impl *)(const void *)m;
}

int ad_mirror_create(ad_mirror **out, rtm__alloc *a)
{
    rtm__impl *r;
    int rc = rtm__radix_create_mirror(&r, a);
    if (rc == 0)
        *out = (ad_mirror *)(void *)r;
    return rc;
}

void ad_mirror_destroy(ad_mirror *m)
{
    if (m)
        rtm__radix_ops.destroy(radix_of(m));
}

int ad_mirror_insert(ad_mirror *m, const rtm__pattern *p, rtm__route *const *routes, unsigned n)
{
    rtm_diag d;
    return rtm__radix_ops.insert(radix_of(m), p, routes, n, &d);
}

int ad_mirror_remove(ad_mirror *m, const rtm__pattern *p, unsigned methods)
{
    rtm_diag d;
    return rtm__radix_ops.remove(radix_of(m), p, methods, &d);
}

int ad_mirror_pack(ad_mirror *m)
{
    return rtm__radix_pack(radix_of(m));
}

int ad_mirror_check(const ad_mirror *m, const char **why)
{
    return rtm__radix_check(radix_of_const(m), why);
}

int ad_mirror_each_static(const ad_mirror *m, rtm__alloc *a,
                          void (*fn)(void *ctx, const char *path, size_t len,
                                     const rtm__leaf *leaf),
                          void *ctx)
{
    return rtm__radix_each_static(radix_of_const(m), a, fn, ctx);
}

int ad_mirror_match_counted(const ad_mirror *m, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res, size_t *visits)
{
    return rtm__radix_match_counted(radix_of_const(m), method, path, len, flags, res, visits);
}

#else /* no radix algorithm in this build: never a mirror */

int ad_mirror_create(ad_mirror **out, rtm__alloc *a)
{
    (void)out;
    (void)a;
    return RTM_EUNSUPP;
}

void ad_mirror_destroy(ad_mirror *m)
{
    (void)m;
}

int ad_mirror_insert(ad_mirror *m, const rtm__pattern *p, rtm__route *const *routes, unsigned n)
{
    (void)m;
    (void)p;
    (void)routes;
    (void)n;
    return RTM_EUNSUPP;
}

int ad_mirror_remove(ad_mirror *m, const rtm__pattern *p, unsigned methods)
{
    (void)m;
    (void)p;
    (void)methods;
    return RTM_EUNSUPP;
}

int ad_mirror_pack(ad_mirror *m)
{
    (void)m;
    return RTM_EUNSUPP;
}

int ad_mirror_check(const ad_mirror *m, const char **why)
{
    (void)m;
    (void)why;
    return 0;
}

int ad_mirror_each_static(const ad_mirror *m, rtm__alloc *a,
                          void (*fn)(void *ctx, const char *path, size_t len,
                                     const rtm__leaf *leaf),
                          void *ctx)
{
    (void)m;
    (void)a;
    (void)fn;
    (void)ctx;
    return 0;
}

int ad_mirror_match(const ad_mirror *m, unsigned method, const char *path, size_t len,
                    unsigned flags, rtm_result *res)
{
    (void)m;
    (void)method;
    (void)path;
    (void)len;
    (void)flags;
    return rtm__result_miss(res, 0);
}

int ad_mirror_match_counted(const ad_mirror *m, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res, size_t *visits)
{
    *visits = 0;
    return ad_mirror_match(m, method, path, len, flags, res);
}

#endif
