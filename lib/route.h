/* SPDX-License-Identifier: MIT */
/* Route records and leaves, shared by every algorithm.
 *
 * A route record is one method binding of one added route: its id, user
 * pointer, method and parameter names. A leaf is what a tree keeps where a
 * shape ends: the records of every method bound to that shape, at most one
 * per method (ANY counting as a method). Leaves are copy-on-write so that an
 * add or remove can be prepared completely (allocation may fail) before one
 * pointer store commits it. */
#ifndef RTM_LIB_ROUTE_H
#define RTM_LIB_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"      /* rtm__alloc */
#include "pattern.h"    /* rtm__pattern */
#include "routematch.h" /* rtm_result, rtm_diag */

#define RTM__METHOD_ANY 9 /* a record's method slot for ANY routes */

typedef struct rtm__route {
    uint32_t id;        /* the caller's route id */
    uint8_t method;     /* 0..8 (rtm_method) or RTM__METHOD_ANY */
    uint8_t nparams;    /* parameters in the pattern */
    uint16_t names_len; /* bytes in names */
    void *udata;        /* the caller's pointer */
    char names[];       /* per param: one length byte, then the name bytes */
} rtm__route;

typedef struct rtm__leaf {
    uint16_t mask;        /* bit per bound method slot (RTM_METHODS_ANY = slot 9) */
    uint8_t n;            /* records, sorted by method slot */
    rtm__route *routes[]; /* n records, owned */
} rtm__leaf;

/* Build one record for `method` (0..9) from a parsed pattern. Returns 0 or
 * RTM_ENOMEM. */
int rtm__route_new(rtm__alloc *a, const rtm__pattern *p, unsigned method, uint32_t id, void *udata,
                   rtm__route **out);
void rtm__route_free(rtm__alloc *a, rtm__route *rt);

/* Bits set in a 16-bit mask, without relying on a popcnt instruction (a
 * libgcc call on baseline x86-64). */
static inline unsigned rtm__popcount16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (x + (x >> 8)) & 0x1Fu;
}

/* The record a request with `method` (0..9, RTM_METHOD_OTHER = 9) gets from
 * this leaf: the explicit method's, else the ANY one, else NULL. */
static inline const rtm__route *rtm__leaf_pick(const rtm__leaf *leaf, unsigned method)
{
    unsigned bit = 1u << method;
    if (!(leaf->mask & bit)) {
        if (!(leaf->mask & RTM_METHODS_ANY))
            return NULL;
        bit = RTM_METHODS_ANY;
    }
    unsigned idx = rtm__popcount16(leaf->mask & (bit - 1u));
    return leaf->routes[idx];
}

/* Prepare a leaf holding `old`'s records (old may be NULL) plus `add[0..n)`.
 * Fails with RTM_ECONFLICT (diag names the existing record's id) when a
 * method is already bound, or RTM_ENOMEM; `old` is never modified. On success
 * the caller commits by replacing old with *out and calling
 * rtm__leaf_free_shell(old) (the records move to the new leaf). */
int rtm__leaf_with(rtm__alloc *a, const rtm__leaf *old, rtm__route *const *add, unsigned n,
                   rtm__leaf **out, rtm_diag *diag);

/* Prepare a leaf holding `old`'s records minus those of `methods` (bits as in
 * rtm_add). *out is NULL when nothing remains. Fails with RTM_ENOENT when a
 * method of `methods` is not bound, or RTM_ENOMEM. On success the caller
 * commits by replacing old with *out and calling
 * rtm__leaf_free_removed(old, methods), which frees the removed records and
 * old's shell. */
int rtm__leaf_without(rtm__alloc *a, const rtm__leaf *old, unsigned methods, rtm__leaf **out,
                      rtm_diag *diag);

/* Free a leaf's shell only (its records live on elsewhere). Accepts NULL. */
void rtm__leaf_free_shell(rtm__alloc *a, rtm__leaf *leaf);
/* Free the records of `methods` in the leaf, then the shell. */
void rtm__leaf_free_removed(rtm__alloc *a, rtm__leaf *leaf, unsigned methods);
/* Free a leaf and every record in it. Accepts NULL. */
void rtm__leaf_free_all(rtm__alloc *a, rtm__leaf *leaf);
/* Bytes a leaf of n records occupies (for stats). */
size_t rtm__leaf_size(unsigned n);

/* Fill res as 200 for `rt` with captures caps[2i] = offset, caps[2i+1] =
 * length for each of its params. Inline: every algorithm's lookup ends
 * here. */
static inline void rtm__result_found(rtm_result *res, const rtm__route *rt, const size_t *caps)
{
    res->status = RTM_FOUND;
    res->route_id = rt->id;
    res->udata = rt->udata;
    res->nparams = rt->nparams;
    const char *r = rt->names;
    for (unsigned i = 0; i < rt->nparams; i++) {
        size_t n = (unsigned char)*r++;
        res->params[i].name = r;
        res->params[i].name_len = n;
        res->params[i].offset = caps[2 * i];
        res->params[i].length = caps[2 * i + 1];
        r += n;
    }
}

/* Fill res for a lookup without a candidate: 405 with `allow` (the OR of the
 * masks of every leaf matching the path) when it is non-zero, else 404.
 * Returns the status. */
int rtm__result_miss(rtm_result *res, unsigned allow);

#endif
