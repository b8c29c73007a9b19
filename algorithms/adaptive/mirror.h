/* SPDX-License-Identifier: MIT */
/* The adaptive algorithm's radix mirror: a radix tree (algorithms/radix)
 * holding the same routes as the adaptive tree, with the tree's records
 * borrowed, so that the policy can let it answer lookups when it measures
 * faster (front.c). Only this header's functions touch the radix instance
 * (mirror.c, and ad_mirror_match inline here); they see it as an opaque
 * type, so the adaptive files never mix the two algorithms' instance
 * layouts. Not responsible for keeping the mirror
 * in step with the tree (edit.c's insert and remove do) or for when it
 * answers (front.c). */
#ifndef RTM_ALGORITHMS_ADAPTIVE_MIRROR_H
#define RTM_ALGORITHMS_ADAPTIVE_MIRROR_H

#include <stddef.h>

#include "alloc.h"           /* rtm__alloc */
#include "pattern.h"         /* rtm__pattern */
#include "route.h"           /* rtm__route */
#include "router_internal.h" /* rtm_result */

typedef struct ad_mirror ad_mirror;

/* An empty mirror. 0, RTM_ENOMEM, or RTM_EUNSUPP when the radix algorithm
 * is not compiled in (the adaptive router then runs without one). */
int ad_mirror_create(ad_mirror **out, rtm__alloc *a);

/* Free the mirror's own nodes and leaves; the records stay. */
void ad_mirror_destroy(ad_mirror *m);

/* Bind (insert) or unbind (remove) records as the radix ops do, all or
 * nothing; remove never frees a record, nor reads one (it may be freed
 * already). 0 or an RTM_E* code. */
int ad_mirror_insert(ad_mirror *m, const rtm__pattern *p, rtm__route *const *routes, unsigned n);
int ad_mirror_remove(ad_mirror *m, const rtm__pattern *p, unsigned methods);

/* Lay the mirror out afresh in one block (rtm__radix_pack), while no
 * lookup can reach it. 0 or an RTM_E* code (it stays as it was). */
int ad_mirror_pack(ad_mirror *m);

/* Call fn for every leaf of a static shape, with its path
 * (rtm__radix_each_static). 0 or RTM_ENOMEM. */
int ad_mirror_each_static(const ad_mirror *m, rtm__alloc *a,
                          void (*fn)(void *ctx, const char *path, size_t len,
                                     const rtm__leaf *leaf),
                          void *ctx);

/* The radix tree's invariants (rtm__radix_check): 0, or -1 with *why. */
int ad_mirror_check(const ad_mirror *m, const char **why);

/* THE MATCH CONTRACT of router_internal.h, answered by the radix tree.
 * Inline where the radix algorithm is built in, so that the lookup path
 * reaches rtm__radix_match in one tail call, not two. */
#if defined(RTM_HAVE_RADIX)
int rtm__radix_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                     unsigned flags, rtm_result *res);

static inline int ad_mirror_match(const ad_mirror *m, unsigned method, const char *path, size_t len,
                                  unsigned flags, rtm_result *res)
{
    return rtm__radix_match((const rtm__impl *)(const void *)m, method, path, len, flags, res);
}
#else
int ad_mirror_match(const ad_mirror *m, unsigned method, const char *path, size_t len,
                    unsigned flags, rtm_result *res);
#endif

/* The same, counting the radix nodes read (rtm__radix_match_counted). */
int ad_mirror_match_counted(const ad_mirror *m, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res, size_t *visits);

#endif
