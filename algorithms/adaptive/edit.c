/* SPDX-License-Identifier: MIT */
/* The adaptive matcher's writers: insert and remove (rtm_add, rtm_remove),
 * called with lookups quiesced and the policy mutex held. They change the
 * trie encoding in place; a packed subtree they reach below its root is
 * expanded back into trie nodes first. Then the mirror follows (front.c)
 * and the hot trie is dropped, to be built again by the next tick. */
#include "adaptive.h"

#include "adaptive_internal.h" /* ad_tnode, ad_kids, ad_block, helpers */
#include "segment.h"           /* RTM__SEG_* */

/* ---- Insert and remove (writer calls, policy mutex held) ---- */

/* Position of the child equal to (kind, label) in k, or -1 with *ins set to
 * the position it would take. */
static long kids_find(const ad_kids *k, unsigned kind, const char *lab, size_t len, uint32_t *ins)
{
    *ins = 0;
    if (!k)
        return -1;
    if (kind == RTM__SEG_STATIC) {
        uint32_t lo = 0, hi = k->nstatic;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            const ad_tnode *t = k->child[mid];
            int c = ad_child_cmp(t->kind, t->label, t->label_len, kind, lab, len);
            if (c == 0)
                return (long)mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        *ins = lo;
        return -1;
    }
    for (uint32_t j = k->nstatic; j < k->n; j++) {
        const ad_tnode *t = k->child[j];
        int c = ad_child_cmp(t->kind, t->label, t->label_len, kind, lab, len);
        if (c == 0)
            return (long)j;
        if (c > 0) {
            *ins = j;
            return -1;
        }
    }
    *ins = k->n;
    return -1;
}

/* The children of x as a writer sees them: the private expansion when x is
 * the subtree root being expanded, else its (trie) body. */
static ad_kids *wkids(ad_tnode *x, const ad_tnode *R, ad_kids *exp)
{
    if (x == R && exp)
        return exp;
    uintptr_t body = atomic_load_explicit(&x->body, memory_order_relaxed);
    return (body & AD_PACKED) ? NULL : (ad_kids *)body;
}

/* Expand R's packed body into a private trie (*exp) when it is packed. */
static int expand_if_packed(rtm__impl *impl, ad_tnode *R, ad_kids **exp, size_t *expn)
{
    uintptr_t body = atomic_load_explicit(&R->body, memory_order_relaxed);
    if (*exp || !(body & AD_PACKED))
        return 0;
    return ad_expand(impl, (const ad_block *)(body & ~AD_PACKED), R, exp, expn);
}

/* Commit a private expansion: it becomes R's body, the block is freed (no
 * lookup runs during a writer call). */
static void publish_expansion(rtm__impl *impl, ad_tnode *R, ad_kids *exp, size_t expn)
{
    uintptr_t body = atomic_load_explicit(&R->body, memory_order_relaxed);
    ad_block *old = (ad_block *)(body & ~AD_PACKED);
    /* pairs with the acquire load of a subtree root's body in walk() */
    atomic_store_explicit(&R->body, (uintptr_t)exp, memory_order_release);
    impl->nnodes = impl->nnodes - (old->nnodes - 1) + expn;
    R->sub->nodes = expn;
    ad_block_free(impl, old, false);
}

static int insert_locked(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes,
                         unsigned n, rtm_diag *diag)
{
    rtm__alloc *a = impl->a;
    ad_tnode *x = impl->root, *R = NULL;
    ad_kids *exp = NULL; /* private trie copy of R's packed body */
    size_t expn = 0;
    ad_tnode *top = NULL, *bot = NULL; /* the new chain of nodes */
    size_t chain = 0;
    ad_kids *newk = NULL;
    rtm__leaf *newleaf = NULL;
    uint32_t ins = 0, d;
    int rc = RTM_ENOMEM;

    /* 1. Walk the existing nodes (expanding R privately when packed). */
    for (d = 0; d < p->nsegs; d++) {
        const rtm__seg *sg = &p->segs[d];
        if (x == R && (rc = expand_if_packed(impl, R, &exp, &expn)) != 0)
            goto fail;
        long f = kids_find(wkids(x, R, exp), sg->kind, p->shape + sg->off, sg->len, &ins);
        if (f < 0)
            break;
        x = wkids(x, R, exp)->child[f];
        if (d == 0)
            R = x;
    }
    /* 2. Build the missing segments as a private chain. */
    rc = RTM_ENOMEM;
    for (uint32_t k = d; k < p->nsegs; k++) {
        const rtm__seg *sg = &p->segs[k];
        ad_tnode *nn =
            ad_tnode_new(a, sg->kind, p->shape + sg->off, sg->len, sg->first_param, sg->nparams);
        if (!nn)
            goto fail;
        if (k == 0 && !(nn->sub = rtm__calloc(a, sizeof *nn->sub))) {
            ad_tnode_free(a, nn);
            goto fail;
        }
        if (bot) {
            ad_kids *one = ad_kids_alloc(a, 1, nn->kind == RTM__SEG_STATIC);
            if (!one) {
                ad_tnode_free(a, nn);
                goto fail;
            }
            one->child[0] = nn;
            ad_kids_index(one);
            nn->parent = bot;
            atomic_store_explicit(&bot->body, (uintptr_t)one, memory_order_relaxed);
        } else {
            top = nn;
        }
        bot = nn;
        chain++;
    }
    /* 3. x's new child array with the chain in rank position. */
    if (top) {
        const ad_kids *old = wkids(x, R, exp);
        uint32_t on = old ? old->n : 0;
        uint32_t ons = (old ? old->nstatic : 0) + (top->kind == RTM__SEG_STATIC);
        if (!(newk = ad_kids_alloc(a, on + 1, ons)))
            goto fail;
        for (uint32_t j = 0, o = 0; j < on + 1; j++)
            newk->child[j] = j == ins ? top : old->child[o++];
        ad_kids_index(newk);
    }
    /* 4. The leaf (conflicts are found here). */
    ad_tnode *target = bot ? bot : x;
    if ((rc = rtm__leaf_with(a, target->leaf, routes, n, &newleaf, diag)) != 0)
        goto fail;

    /* Commit: nothing below can fail. */
    if (exp)
        publish_expansion(impl, R, exp, expn);
    if (top) {
        ad_kids *old = (ad_kids *)atomic_load_explicit(&x->body, memory_order_relaxed);
        top->parent = x;
        for (uint32_t j = ins; j < newk->n; j++)
            newk->child[j]->idx = j;
        atomic_store_explicit(&x->body, (uintptr_t)newk, memory_order_release);
        ad_kids_free(a, old);
        impl->nnodes += chain;
        if (R)
            R->sub->nodes += chain;
        else
            top->sub->nodes = chain - 1;
    }
    rtm__leaf *oldleaf = target->leaf;
    target->leaf = newleaf;
    rtm__leaf_free_shell(a, oldleaf);
    return 0;

fail:
    ad_kids_free(a, newk);
    if (top)
        ad_free_subtree(impl, top, false);
    if (exp)
        ad_free_kids(impl, exp, false);
    if (rc == RTM_ENOMEM)
        rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    return rc;
}

static int remove_locked(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag)
{
    rtm__alloc *a = impl->a;
    ad_tnode *root = impl->root, *x = root, *R = NULL;
    ad_kids *exp = NULL, *newpk = NULL;
    size_t expn = 0;
    rtm__leaf *newleaf = NULL;
    uint32_t ins;
    int rc = 0;

    for (uint32_t d = 0; d < p->nsegs; d++) {
        const rtm__seg *sg = &p->segs[d];
        if (x == R && (rc = expand_if_packed(impl, R, &exp, &expn)) != 0)
            goto fail;
        long f = kids_find(wkids(x, R, exp), sg->kind, p->shape + sg->off, sg->len, &ins);
        if (f < 0) {
            rc = rtm__diag_set(diag, RTM_ENOENT, 0, 0, "no route with this shape");
            goto fail;
        }
        x = wkids(x, R, exp)->child[f];
        if (d == 0)
            R = x;
    }
    if (!x->leaf) {
        rc = rtm__diag_set(diag, RTM_ENOENT, 0, 0, "no route with this shape");
        goto fail;
    }
    if ((rc = rtm__leaf_without(a, x->leaf, methods, &newleaf, diag)) != 0)
        goto fail;
    /* Plan the pruning of nodes left with neither leaf nor child: the chain
     * from x up to T, hanging from P. */
    ad_tnode *T = NULL, *P = NULL;
    if (!newleaf && !wkids(x, R, exp) &&
        !(atomic_load_explicit(&x->body, memory_order_relaxed) & AD_PACKED)) {
        T = x;
        while (T->parent != root && !T->parent->leaf && wkids(T->parent, R, exp)->n == 1)
            T = T->parent;
        P = T->parent;
        const ad_kids *pk = wkids(P, R, exp);
        if (pk->n > 1) {
            newpk = ad_kids_alloc(a, pk->n - 1, pk->nstatic - (T->kind == RTM__SEG_STATIC));
            if (!newpk) {
                rc = rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
                goto fail;
            }
            for (uint32_t j = 0, o = 0; j < pk->n; j++) {
                if (j != T->idx)
                    newpk->child[o++] = pk->child[j];
            }
            ad_kids_index(newpk);
        }
    }

    /* Commit: nothing below can fail. */
    if (exp)
        publish_expansion(impl, R, exp, expn);
    rtm__leaf *oldleaf = x->leaf;
    x->leaf = newleaf;
    if (T) {
        ad_kids *old = (ad_kids *)atomic_load_explicit(&P->body, memory_order_relaxed);
        for (uint32_t j = T->idx; newpk && j < newpk->n; j++)
            newpk->child[j]->idx = j;
        atomic_store_explicit(&P->body, (uintptr_t)newpk, memory_order_release);
        ad_kids_free(a, old);
        size_t freed = ad_free_subtree(impl, T, false);
        impl->nnodes -= freed;
        if (R && T != R)
            R->sub->nodes -= freed;
    }
    rtm__leaf_free_removed(a, oldleaf, methods);
    return 0;

fail:
    if (newleaf)
        rtm__leaf_free_shell(a, newleaf);
    if (exp)
        ad_free_kids(impl, exp, false);
    return rc;
}

int ad_insert(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes, unsigned n,
              rtm_diag *diag)
{
    rtm__mutex_lock(&impl->lock);
    /* Writers run with lookups quiesced: nothing in limbo can be in use. */
    rtm__epoch_drain(&impl->limbo, impl);
    int rc = insert_locked(impl, p, routes, n, diag);
    if (rc == 0) {
        ad_hot_drop(impl); /* new threats, leaves: the next tick rebuilds */
        ad_front_bound(impl, p, routes, n);
    }
    rtm__mutex_unlock(&impl->lock);
    return rc;
}

int ad_remove(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag)
{
    rtm__mutex_lock(&impl->lock);
    rtm__epoch_drain(&impl->limbo, impl);
    int rc = remove_locked(impl, p, methods, diag);
    if (rc == 0) {
        ad_front_unbound(impl, p, methods);
        ad_hot_drop(impl);   /* its records are freed: the next tick rebuilds */
        ad_hot_forget(impl); /* their addresses may come back as new routes' */
    }
    rtm__mutex_unlock(&impl->lock);
    return rc;
}
