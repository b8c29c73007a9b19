/* SPDX-License-Identifier: MIT */
/* Route records and copy-on-write leaves (see route.h), and the filling of
 * a found result from a record and its captures. */
#include "route.h"

#include <string.h>

#include "router_internal.h" /* rtm__diag_set */

int rtm__route_new(rtm__alloc *a, const rtm__pattern *p, unsigned method, uint32_t id, void *udata,
                   rtm__route **out)
{
    size_t names_len = 0;
    for (unsigned i = 0; i < p->nparams; i++)
        names_len += 1u + p->name_len[i];
    rtm__route *rt = rtm__malloc(a, sizeof *rt + names_len);
    if (!rt)
        return RTM_ENOMEM;
    rt->id = id;
    rt->method = (uint8_t)method;
    rt->nparams = p->nparams;
    rt->names_len = (uint16_t)names_len;
    rt->udata = udata;
    char *w = rt->names;
    for (unsigned i = 0; i < p->nparams; i++) {
        *w++ = (char)p->name_len[i];
        memcpy(w, p->text + p->name_off[i], p->name_len[i]);
        w += p->name_len[i];
    }
    *out = rt;
    return 0;
}

void rtm__route_free(rtm__alloc *a, rtm__route *rt)
{
    if (rt)
        rtm__free(a, rt, sizeof *rt + rt->names_len);
}

size_t rtm__leaf_size(unsigned n)
{
    return sizeof(rtm__leaf) + n * sizeof(rtm__route *);
}

static rtm__leaf *leaf_alloc(rtm__alloc *a, unsigned n)
{
    rtm__leaf *l = rtm__malloc(a, rtm__leaf_size(n));
    if (l) {
        l->mask = 0;
        l->n = 0;
    }
    return l;
}

int rtm__leaf_with(rtm__alloc *a, const rtm__leaf *old, rtm__route *const *add, unsigned n,
                   rtm__leaf **out, rtm_diag *diag)
{
    unsigned old_n = old ? old->n : 0;
    unsigned add_mask = 0;
    for (unsigned i = 0; i < n; i++)
        add_mask |= 1u << add[i]->method;
    for (unsigned i = 0; old && i < old_n; i++) {
        if (add_mask & (1u << old->routes[i]->method)) {
            if (diag)
                diag->other_route_id = old->routes[i]->id;
            return rtm__diag_set(diag, RTM_ECONFLICT, 0, 0, "conflicts with route %u",
                                 (unsigned)old->routes[i]->id);
        }
    }
    rtm__leaf *l = leaf_alloc(a, old_n + n);
    if (!l)
        return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    /* Order by method slot so that rtm__leaf_pick can index by popcount:
     * old's records already are and rtm_add makes its own in slot order,
     * so one merge pass does it. Any other order goes slot by slot. */
    bool sorted = true;
    for (unsigned i = 1; i < n; i++)
        sorted &= add[i - 1]->method < add[i]->method;
    for (unsigned i = 1; i < old_n; i++)
        sorted &= old->routes[i - 1]->method < old->routes[i]->method;
    if (sorted) {
        unsigned i = 0, j = 0;
        while (i < old_n && j < n)
            l->routes[l->n++] =
                old->routes[i]->method <= add[j]->method ? old->routes[i++] : add[j++];
        while (i < old_n)
            l->routes[l->n++] = old->routes[i++];
        while (j < n)
            l->routes[l->n++] = add[j++];
    } else {
        for (unsigned slot = 0; slot <= RTM__METHOD_ANY; slot++) {
            for (unsigned i = 0; i < old_n; i++)
                if (old->routes[i]->method == slot)
                    l->routes[l->n++] = old->routes[i];
            for (unsigned i = 0; i < n; i++)
                if (add[i]->method == slot)
                    l->routes[l->n++] = add[i];
        }
    }
    l->mask = (uint16_t)((old ? old->mask : 0) | add_mask);
    *out = l;
    return 0;
}

int rtm__leaf_without(rtm__alloc *a, const rtm__leaf *old, unsigned methods, rtm__leaf **out,
                      rtm_diag *diag)
{
    if (!old || (old->mask & methods) != methods)
        return rtm__diag_set(diag, RTM_ENOENT, 0, 0, "no route with that method and shape");
    *out = NULL;
    unsigned keep = old->n - (unsigned)__builtin_popcount(methods);
    if (keep == 0)
        return 0;
    rtm__leaf *l = leaf_alloc(a, keep);
    if (!l)
        return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    /* Record i holds the i-th lowest method slot of the mask: the records
     * themselves are not read (a mirror's may already be freed). */
    unsigned slots = old->mask;
    for (unsigned i = 0; i < old->n; i++, slots &= slots - 1u)
        if (!(methods & slots & (0u - slots)))
            l->routes[l->n++] = old->routes[i];
    l->mask = (uint16_t)(old->mask & ~methods);
    *out = l;
    return 0;
}

void rtm__leaf_free_shell(rtm__alloc *a, rtm__leaf *leaf)
{
    if (leaf)
        rtm__free(a, leaf, rtm__leaf_size(leaf->n));
}

void rtm__leaf_free_removed(rtm__alloc *a, rtm__leaf *leaf, unsigned methods)
{
    if (!leaf)
        return;
    for (unsigned i = 0; i < leaf->n; i++)
        if (methods & (1u << leaf->routes[i]->method))
            rtm__route_free(a, leaf->routes[i]);
    rtm__leaf_free_shell(a, leaf);
}

void rtm__leaf_free_all(rtm__alloc *a, rtm__leaf *leaf)
{
    rtm__leaf_free_removed(a, leaf, ~0u);
}

int rtm__result_miss(rtm_result *res, unsigned allow)
{
    res->status = allow ? RTM_METHOD_NOT_ALLOWED : RTM_NOT_FOUND;
    res->allow = allow;
    return res->status;
}
