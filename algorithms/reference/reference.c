/* SPDX-License-Identifier: MIT */
/* The reference matcher: SPEC.md written as plainly as possible, for
 * clarity, never for speed. It is the oracle of every test and fuzz target.
 *
 * Layout: an array of entries, one per distinct shape, each holding a copy of
 * the shape's segments and the leaf of method bindings:
 *
 *     entries[0]  /users/{}        leaf {GET: 5, PUT: 7}
 *     entries[1]  /users/new       leaf {GET: 4}
 *     entries[2]  /files/{*}       leaf {GET: 11}
 *
 * A lookup tries every entry against the path (SPEC "Which route wins", rule
 * 1), keeps those whose leaf accepts the method (rule 2) and picks the best
 * by comparing segments from the left with rtm__seg_rank (rule 3); the leaf
 * does the explicit-over-ANY choice (rule 4). When no entry accepts the
 * method, the masks of the matching entries form the 405 set.
 *
 * Cost: O(entries x path length) per lookup; no allocation, no recursion. */
#include "reference.h"

#include <string.h>

#include "segment.h" /* rtm__seg_rank, rtm__mixed_match */

typedef struct entry {
    char *shape; /* canonical shape, owned */
    size_t shape_len;
    rtm__seg *segs; /* owned copy */
    uint32_t nsegs;
    uint8_t nparams;
    rtm__leaf *leaf; /* never NULL while the entry exists */
} entry;

struct rtm__impl {
    rtm__alloc *alloc;
    entry *entries;
    size_t n, cap;
};

/* ---- The path, with an optional virtual '/' after its last byte ---- */

typedef struct pathview {
    const char *p; /* the caller's bytes */
    size_t len;    /* real bytes */
    size_t total;  /* len, plus one for the virtual '/' */
} pathview;

/* End of the segment starting at pos: the index of the '/' after it (real or
 * virtual), or total. */
static size_t segment_end(const pathview *v, size_t pos)
{
    if (pos >= v->len)
        return pos;
    const char *slash = memchr(v->p + pos, '/', v->len - pos);
    return slash ? (size_t)(slash - v->p) : v->len;
}

/* Does entry e match the whole path? Fills caps (2 per param). */
static bool entry_matches(const entry *e, const pathview *v, size_t *caps)
{
    size_t pos = 1;
    for (uint32_t k = 0; k < e->nsegs; k++) {
        const rtm__seg *s = &e->segs[k];
        const char *text = e->shape + s->off;
        size_t *c = caps + 2 * s->first_param;
        if (s->kind == RTM__SEG_CATCHALL) {
            if (v->total - pos < 1)
                return false;
            c[0] = pos;
            c[1] = v->total - pos;
            return true;
        }
        size_t end = segment_end(v, pos), n = end - pos;
        switch (s->kind) {
        case RTM__SEG_STATIC:
            if (n != s->len || memcmp(v->p + pos, text, n) != 0)
                return false;
            break;
        case RTM__SEG_PARAM:
            if (n == 0)
                return false;
            c[0] = pos;
            c[1] = n;
            break;
        default: /* RTM__SEG_MIXED */
            if (!rtm__mixed_match(text, s->len, v->p + pos, n, c))
                return false;
            for (unsigned i = 0; i < s->nparams; i++)
                c[2 * i] += pos;
        }
        if (k + 1 == e->nsegs)
            return end == v->total;
        if (end == v->total)
            return false;
        pos = end + 1;
    }
    return false;
}

/* < 0 when a ranks before b (both match the same path). */
static int entry_rank(const entry *a, const entry *b)
{
    for (uint32_t k = 0; k < a->nsegs && k < b->nsegs; k++) {
        const rtm__seg *x = &a->segs[k], *y = &b->segs[k];
        int c =
            rtm__seg_rank(x->kind, a->shape + x->off, x->len, y->kind, b->shape + y->off, y->len);
        if (c != 0)
            return c;
    }
    return 0;
}

int rtm__reference_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                         unsigned flags, rtm_result *res)
{
    pathview v = {path, len, len + ((flags & RTM__MATCH_ADD_SLASH) ? 1 : 0)};
    size_t caps[2 * RTM_MAX_PARAMS], best_caps[2 * RTM_MAX_PARAMS];
    const entry *best = NULL;
    const rtm__route *best_route = NULL;
    unsigned allow = 0;
    for (size_t i = 0; i < impl->n; i++) {
        const entry *e = &impl->entries[i];
        if (!entry_matches(e, &v, caps))
            continue;
        const rtm__route *rt = rtm__leaf_pick(e->leaf, method);
        if (!rt) {
            allow |= e->leaf->mask;
            continue;
        }
        if (!best || entry_rank(e, best) < 0) {
            best = e;
            best_route = rt;
            memcpy(best_caps, caps, sizeof(size_t) * 2 * e->nparams);
        }
    }
    if (best_route) {
        rtm__result_found(res, best_route, best_caps);
        return RTM_FOUND;
    }
    return rtm__result_miss(res, allow);
}

/* ---- Building ---- */

static entry *find_entry(const rtm__impl *impl, const rtm__pattern *p)
{
    for (size_t i = 0; i < impl->n; i++) {
        entry *e = &impl->entries[i];
        if (e->shape_len == p->shape_len && memcmp(e->shape, p->shape, p->shape_len) == 0)
            return e;
    }
    return NULL;
}

static void entry_release(rtm__alloc *a, entry *e)
{
    rtm__free(a, e->shape, e->shape_len);
    rtm__free(a, e->segs, (size_t)e->nsegs * sizeof *e->segs);
}

static int reference_create(rtm__impl **out, rtm__alloc *a, const rtm_config *cfg)
{
    (void)cfg;
    rtm__impl *impl = rtm__calloc(a, sizeof *impl);
    if (!impl)
        return RTM_ENOMEM;
    impl->alloc = a;
    *out = impl;
    return 0;
}

static void reference_destroy(rtm__impl *impl)
{
    rtm__alloc *a = impl->alloc;
    for (size_t i = 0; i < impl->n; i++) {
        rtm__leaf_free_all(a, impl->entries[i].leaf);
        entry_release(a, &impl->entries[i]);
    }
    rtm__free(a, impl->entries, impl->cap * sizeof *impl->entries);
    rtm__free(a, impl, sizeof *impl);
}

static int reference_insert(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes,
                            unsigned n, rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    entry *e = find_entry(impl, p);
    rtm__leaf *leaf;
    int rc = rtm__leaf_with(a, e ? e->leaf : NULL, routes, n, &leaf, diag);
    if (rc != 0)
        return rc;
    if (e) { /* commit: swap the leaf */
        rtm__leaf_free_shell(a, e->leaf);
        e->leaf = leaf;
        return 0;
    }
    entry ne = {0};
    ne.shape = rtm__malloc(a, p->shape_len);
    ne.segs = rtm__malloc(a, (size_t)p->nsegs * sizeof *ne.segs);
    if (impl->n == impl->cap && ne.shape && ne.segs) {
        size_t cap = impl->cap ? impl->cap * 2 : 16;
        entry *grown =
            rtm__realloc(a, impl->entries, impl->cap * sizeof *grown, cap * sizeof *grown);
        if (grown) {
            impl->entries = grown;
            impl->cap = cap;
        }
    }
    if (!ne.shape || !ne.segs || impl->n == impl->cap) {
        rtm__free(a, ne.shape, p->shape_len);
        rtm__free(a, ne.segs, (size_t)p->nsegs * sizeof *ne.segs);
        rtm__leaf_free_shell(a, leaf);
        return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    }
    memcpy(ne.shape, p->shape, p->shape_len);
    memcpy(ne.segs, p->segs, (size_t)p->nsegs * sizeof *ne.segs);
    ne.shape_len = p->shape_len;
    ne.nsegs = p->nsegs;
    ne.nparams = p->nparams;
    ne.leaf = leaf;
    impl->entries[impl->n++] = ne;
    return 0;
}

static int reference_remove(rtm__impl *impl, const rtm__pattern *p, unsigned methods,
                            rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    entry *e = find_entry(impl, p);
    rtm__leaf *leaf;
    int rc = rtm__leaf_without(a, e ? e->leaf : NULL, methods, &leaf, diag);
    if (rc != 0)
        return rc;
    rtm__leaf_free_removed(a, e->leaf, methods);
    if (leaf) {
        e->leaf = leaf;
        return 0;
    }
    entry_release(a, e);
    size_t i = (size_t)(e - impl->entries);
    memmove(e, e + 1, (impl->n - i - 1) * sizeof *e);
    impl->n--;
    return 0;
}

static void reference_stats(const rtm__impl *impl, rtm_stats *st)
{
    st->nodes = impl->n;
}

const rtm__algo_ops rtm__reference_ops = {
    .name = "reference",
    .create = reference_create,
    .destroy = reference_destroy,
    .insert = reference_insert,
    .remove = reference_remove,
    .match = rtm__reference_match,
    .stats = reference_stats,
};
