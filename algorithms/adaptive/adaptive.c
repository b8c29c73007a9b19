/* SPDX-License-Identifier: MIT */
/* The adaptive matcher: its tree's nodes, life cycle and figures. The
 * lookup lives in lookup.c, insert and remove in edit.c, the invariant
 * walker in check.c, the encodings' builders and the policy in reshape.c,
 * the hot trie's compiler in hot.c, the front in front.c, the sampling
 * statistics in sketch.c. Pattern parsing, ranking, mixed segments and
 * leaves come from lib/ (pattern.h, segment.h, route.h), so the answers equal
 * every other algorithm's by construction.
 *
 * ---- The tree ----
 *
 * One node per path segment, as in the trie algorithm: the children of a
 * node are the alternatives for the next segment, tried in SPEC rank order
 * (the static child that equals the segment, then mixed children by
 * rtm__seg_rank, then "{}", then "{*}"). The root's children are the
 * *subtree roots* (depth 1). Each subtree root is a trie node whose `body`
 * holds its descendants in one of two encodings:
 *
 *     root (trie) --+-- "repos" (trie node, ad_sub) --body--> TRIE (ad_kids, ad_tnodes)
 *                   +-- "users" (trie node, ad_sub) --body--> PACKED (one ad_block)
 *                   +-- "{}"    (trie node, ad_sub) --body--> 0 (no children)
 *
 * TRIE: pointer nodes, one allocation per node plus one exactly-sized child
 * array; inserts and removes are local. PACKED: the whole subtree in one
 * allocation, built by a reshape:
 *
 *     ad_block  +--------+---------------+---------+---------+-------+------+--------+
 *               | header | nodes[n]      | routes  | leaves  | heat  | hidx | labels |
 *               +--------+---------------+---------+---------+-------+------+--------+
 *     ad_pnode (40 B): routes | mask | nroutes | parent | first | nkids | nstatic |
 *                      label | hidx | label_len | seg1_len | kind | first_param |
 *                      nparams | hbits
 *   (routes: the node's leaf copied inline, its records in blk->routes, so a
 *   lookup never touches the separately allocated rtm__leaf)
 *
 * - node 0 stands for the subtree root (its children are the root's);
 * - the children of a node are contiguous, statics first in decreasing
 *   sampled heat ("hot children first": at most one static child can match
 *   a segment, so their order is free), then the others in rank order;
 * - groups are laid out depth-first, hottest child first, so the hot path
 *   of a lookup is a run of consecutive groups (few cache lines);
 * - a chain of static nodes without a leaf and with one static child is
 *   merged into one node whose label spans several segments ("api/v1");
 * - a node with more than AD_LINEAR_MAX static children gets a hash index
 *   (hidx: ad_hash of the first segment, linear probing, at most half full);
 *   smaller groups are scanned hot-first. Trie child arrays get the same
 *   index, so the root's static fan-out (1,300 on the corpus) costs one
 *   probe, not a binary search; a smaller trie group keeps its statics'
 *   first bytes in one word (kfirst), so a lookup compares that word and
 *   reads only the children with the segment's first byte.
 *
 * Before and after a reshape of "users" (sampled heat in brackets):
 *
 *     trie:    users --+-- "new" [2]
 *                      +-- "{}" [90] --+-- "edit" [1]     statics by (length, bytes)
 *                                      +-- "ping" [80]
 *     packed:  index    0        1     2     3      4
 *                       (users)  new   {}    ping   edit
 *              group(0) = [1, 3): statics first, then "{}"
 *              group(2) = [3, 5): the hot "ping" before "edit"
 *
 * ---- Invariants (checked by rtm__adaptive_check) ----
 *
 * 1. Trie children: child[0, nstatic) static, strictly increasing by
 *    (length, bytes); then mixed strictly increasing by rtm__seg_rank; at
 *    most one "{}" and one "{*}", in that order. child->parent is the node,
 *    child->idx its position. A group of more than AD_LINEAR_MAX statics
 *    has a hash index holding each of them; a smaller one has kfirst,
 *    byte j the first byte of child j's label (0 for "").
 * 2. Exactly the depth-1 nodes have an ad_sub; only they may be packed.
 * 3. first_param of a child = parent's first_param + parent's nparams.
 * 4. No dead nodes: every non-root node has a leaf or a child; "{*}" nodes
 *    have a leaf and no child.
 * 5. Packed: node i > 0 has parent < i and lies in its parent's group; a
 *    group's statics come first; a merged label has no leaf-less interior
 *    segment (by construction); every static child of a large group is in
 *    its hash index, reachable by linear probing from its hash.
 * 6. nnodes = trie nodes (root included) + packed nodes (node 0 excluded).
 *
 * ---- Concurrency ----
 *
 * - rtm_match runs inside an epoch read section (lib/epoch.h): it never
 *   locks or allocates, and every encoding it can reach stays allocated
 *   until it leaves. The policy thread builds a new encoding privately,
 *   publishes it with one release store of the subtree root's body (pairs
 *   with the acquire load above), and retires the old one to the limbo list,
 *   freed after a grace period (epoch.c has the argument).
 * - rtm_add / rtm_remove / rtm_free and the policy tick hold the router's
 *   mutex, so the policy never races with a writer. Writers run with
 *   lookups quiesced (public threading contract), so they modify the trie
 *   in place, free directly, and empty the limbo list.
 * - A packed subtree goes back to the trie encoding only when an insert or
 *   remove touches it below its root: the writer expands it privately, then
 *   applies the change; the policy may pack it again later. The policy never
 *   expands a subtree on its own.
 * - Sampling: one lookup in K per thread (a thread-local countdown, no
 *   shared counter) takes the instrumented variant, which records in each
 *   subtree it enters the lookup, the first edge taken out of the subtree
 *   root (sketch), node heat, and misses (counter deltas or the cache
 *   model), and puts the route it found into the ring the hot trie is built
 *   from. Unsampled lookups write nothing shared.
 * - Unsampled lookups first try the hot trie of the sampled routes (hot.c,
 *   published and retired like a packed block); it answers only when its
 *   answer is the tree's, else the walk above runs. */
#include "adaptive.h"

#include <string.h>

#include "adaptive_internal.h" /* ad_tnode, ad_kids, ad_block, ad_sub, helpers */
#include "metrics.h"           /* rtm__metrics_kind, rtm__metrics_init, rtm__metrics_source */
#include "segment.h"           /* rtm__seg_rank */

/* ---- Nodes ---- */

ad_tnode *ad_tnode_new(rtm__alloc *a, unsigned kind, const char *label, uint32_t len,
                       unsigned first_param, unsigned nparams)
{
    ad_tnode *n = rtm__malloc(a, sizeof(ad_tnode) + len);
    if (!n)
        return NULL;
    atomic_init(&n->body, 0);
    n->parent = NULL;
    n->leaf = NULL;
    n->sub = NULL;
    atomic_init(&n->heat, 0);
    n->idx = 0;
    n->label_len = len;
    n->kind = (uint8_t)kind;
    n->first_param = (uint8_t)first_param;
    n->nparams = (uint8_t)nparams;
    if (len)
        memcpy(n->label, label, len);
    return n;
}

void ad_tnode_free(rtm__alloc *a, ad_tnode *n)
{
    if (n->sub)
        rtm__free(a, n->sub, sizeof *n->sub);
    rtm__free(a, n, sizeof(ad_tnode) + n->label_len);
}

ad_kids *ad_kids_alloc(rtm__alloc *a, uint32_t n, uint32_t nstatic)
{
    ad_kids *k = rtm__calloc(a, ad_kids_bytes(n, nstatic));
    if (k) {
        k->n = n;
        k->nstatic = nstatic;
        k->hbits = ad_hbits(nstatic);
    }
    return k;
}

uint64_t ad_kids_first_bytes(const ad_kids *k)
{
    uint64_t w = 0;
    for (uint32_t j = 0; j < k->nstatic; j++) {
        const ad_tnode *c = k->child[j];
        if (c->label_len)
            w |= (uint64_t)(unsigned char)c->label[0] << (8 * j);
    }
    return w;
}

void ad_kids_index(ad_kids *k)
{
    if (!k->hbits) {
        k->kfirst = ad_kids_first_bytes(k);
        return;
    }
    ad_tnode **tab = ad_kids_table(k);
    uint32_t mask = (1u << k->hbits) - 1;
    for (uint32_t h = 0; h <= mask; h++)
        tab[h] = NULL;
    for (uint32_t j = 0; j < k->nstatic; j++) {
        ad_tnode *c = k->child[j];
        uint32_t h = (uint32_t)ad_hash(c->label, c->label_len) & mask;
        while (tab[h])
            h = (h + 1) & mask;
        tab[h] = c;
    }
}

void ad_kids_free(rtm__alloc *a, ad_kids *k)
{
    if (k)
        rtm__free(a, k, ad_kids_bytes(k->n, k->nstatic));
}

/* Free what node x owns itself (child array or packed block, leaf when
 * `leaves`, sub record) and the node. Returns the nodes freed. */
static size_t node_free_self(rtm__impl *impl, ad_tnode *x, bool leaves)
{
    size_t freed = 1;
    uintptr_t body = atomic_load_explicit(&x->body, memory_order_relaxed);
    if (body & AD_PACKED) {
        ad_block *blk = (ad_block *)(body & ~AD_PACKED);
        freed += blk->nnodes - 1;
        ad_block_free(impl, blk, leaves);
    } else if (body) {
        ad_kids_free(impl->a, (ad_kids *)body);
    }
    if (leaves && x->leaf)
        rtm__leaf_free_all(impl->a, x->leaf);
    ad_tnode_free(impl->a, x);
    return freed;
}

/* The first non-NULL trie child of x at or after position `from`, or NULL. */
static ad_tnode *first_child_from(const ad_tnode *x, uint32_t from)
{
    uintptr_t body = atomic_load_explicit(&x->body, memory_order_relaxed);
    if (!body || (body & AD_PACKED))
        return NULL;
    const ad_kids *k = (const ad_kids *)body;
    for (uint32_t i = from; i < k->n; i++) {
        if (k->child[i])
            return k->child[i];
    }
    return NULL;
}

/* Go down first children to a node with no trie child left to visit. */
static ad_tnode *descend_first(ad_tnode *x)
{
    ad_tnode *c;
    while ((c = first_child_from(x, 0)) != NULL)
        x = c;
    return x;
}

size_t ad_free_subtree(rtm__impl *impl, ad_tnode *top, bool leaves)
{
    /* Post-order by parent pointers: a node is freed after its children,
     * the next sibling is found from the node's idx before it is freed. */
    size_t freed = 0;
    ad_tnode *x = descend_first(top);
    for (;;) {
        ad_tnode *p = x == top ? NULL : x->parent;
        uint32_t next = x->idx + 1;
        freed += node_free_self(impl, x, leaves);
        if (!p)
            return freed;
        ad_tnode *sib = first_child_from(p, next);
        x = sib ? descend_first(sib) : p;
    }
}

size_t ad_free_kids(rtm__impl *impl, ad_kids *kids, bool leaves)
{
    size_t freed = 0;
    if (!kids)
        return 0;
    for (uint32_t i = 0; i < kids->n; i++) {
        if (kids->child[i])
            freed += ad_free_subtree(impl, kids->child[i], leaves);
    }
    ad_kids_free(impl->a, kids);
    return freed;
}

int ad_child_cmp(unsigned ak, const char *a, size_t al, unsigned bk, const char *b, size_t bl)
{
    if (ak != bk)
        return ak < bk ? -1 : 1;
    if (ak == RTM__SEG_STATIC) {
        if (al != bl)
            return al < bl ? -1 : 1;
        return memcmp(a, b, al);
    }
    return rtm__seg_rank(ak, a, al, bk, b, bl);
}

/* ---- Life cycle ---- */

static int ad_create(rtm__impl **out, rtm__alloc *a, const rtm_config *cfg)
{
    rtm__epoch_init();
    rtm__metrics_init();
    rtm__impl *impl = rtm__calloc(a, sizeof *impl);
    if (!impl)
        return RTM_ENOMEM;
    impl->a = a;
    if (!(impl->root = ad_tnode_new(a, RTM__SEG_STATIC, "", 0, 0, 0))) {
        rtm__free(a, impl, sizeof *impl);
        return RTM_ENOMEM;
    }
    impl->nnodes = 1;
    impl->period_ms = cfg->adaptive_period_ms ? cfg->adaptive_period_ms : RTM__ADAPTIVE_PERIOD_MS;
    ad_set_sample_every(impl, cfg->adaptive_sample_every ? cfg->adaptive_sample_every
                                                         : RTM__ADAPTIVE_SAMPLE_EVERY);
    impl->entropy_max =
        cfg->adaptive_entropy_max > 0 ? cfg->adaptive_entropy_max : RTM__ADAPTIVE_ENTROPY_MAX;
    impl->miss_min = cfg->adaptive_miss_min > 0 ? cfg->adaptive_miss_min : RTM__ADAPTIVE_MISS_MIN;
    impl->flags = cfg->adaptive_flags;
    impl->perf = rtm__metrics_kind() == RTM__METRIC_PERF;
    if (!(impl->flags & RTM_ADAPTIVE_NO_HOT) &&
        !(impl->ring = rtm__calloc(a, AD_HOT_RING * sizeof *impl->ring))) {
        ad_tnode_free(a, impl->root);
        rtm__free(a, impl, sizeof *impl);
        return RTM_ENOMEM;
    }
    int rc = ad_front_create(impl);
    if (rc == 0 && (rc = rtm__mutex_init(&impl->lock)) != 0)
        ad_front_destroy(impl);
    if (rc == 0 && (rc = rtm__cond_init(&impl->wake)) != 0) {
        rtm__mutex_destroy(&impl->lock);
        ad_front_destroy(impl);
    }
    if (rc == 0 && !(impl->flags & RTM_ADAPTIVE_NO_THREAD)) {
        impl->running = true;
        if ((rc = rtm__thread_create(&impl->thread, ad_policy_main, impl)) != 0) {
            impl->running = false;
            rtm__cond_destroy(&impl->wake);
            rtm__mutex_destroy(&impl->lock);
            ad_front_destroy(impl);
        }
    }
    if (rc != 0) {
        if (impl->ring)
            rtm__free(a, impl->ring, AD_HOT_RING * sizeof *impl->ring);
        ad_tnode_free(a, impl->root);
        rtm__free(a, impl, sizeof *impl);
        return rc;
    }
    *out = impl;
    return 0;
}

static void ad_destroy(rtm__impl *impl)
{
    if (impl->running) {
        rtm__mutex_lock(&impl->lock);
        impl->stop = true;
        rtm__cond_signal(&impl->wake);
        rtm__mutex_unlock(&impl->lock);
        rtm__thread_join(&impl->thread); /* a tick in progress ends first */
    }
    rtm__epoch_drain(&impl->limbo, impl);
    ad_front_destroy(impl); /* before the records it borrows are freed */
    ad_hot_drop(impl);
    ad_hot_forget(impl);
    if (impl->ring)
        rtm__free(impl->a, impl->ring, AD_HOT_RING * sizeof *impl->ring);
    ad_free_subtree(impl, impl->root, true);
    rtm__cond_destroy(&impl->wake);
    rtm__mutex_destroy(&impl->lock);
    rtm__free(impl->a, impl, sizeof *impl);
}

/* ---- Figures ---- */

/* Figures are writer-side; the mutex keeps them consistent with a tick
 * (hence ad_unconst: the lock lives in the instance). */

static void ad_stats(const rtm__impl *cimpl, rtm_stats *st)
{
    rtm__impl *impl = ad_unconst(cimpl);
    rtm__mutex_lock(&impl->lock);
    st->nodes = impl->nnodes;
    st->reshapes = impl->reshapes;
    const ad_hot *hot = atomic_load_explicit(&impl->hot, memory_order_relaxed);
    st->hot_routes = hot ? hot->nroutes : 0;
    st->front = ad_front_name(impl);
    rtm__mutex_unlock(&impl->lock);
    st->metric_source = rtm__metrics_source();
}

void rtm__adaptive_hot(const rtm__impl *cimpl, rtm__adaptive_hot_info *out)
{
    rtm__impl *impl = ad_unconst(cimpl);
    rtm__mutex_lock(&impl->lock);
    const ad_hot *hot = atomic_load_explicit(&impl->hot, memory_order_relaxed);
    out->routes = hot ? hot->nroutes : 0;
    out->nodes = hot ? hot->nnodes : 0;
    out->cover = hot ? hot->cover_pm / 1000.0 : 0.0;
    out->full = hot && hot->full;
    out->builds = impl->hot_builds;
    out->tries = atomic_load_explicit(&impl->hot_tries, memory_order_relaxed);
    out->hits = atomic_load_explicit(&impl->hot_hits, memory_order_relaxed);
    rtm__mutex_unlock(&impl->lock);
}

int rtm__adaptive_hot_build_all(rtm__impl *impl)
{
    rtm__mutex_lock(&impl->lock);
    int rc = ad_hot_build_all(impl);
    rtm__epoch_poll(&impl->limbo, impl, RTM__EPOCH_LAG + 1);
    rtm__mutex_unlock(&impl->lock);
    return rc;
}

void rtm__adaptive_hot_forget(rtm__impl *impl)
{
    rtm__mutex_lock(&impl->lock);
    ad_hot_forget(impl);
    rtm__mutex_unlock(&impl->lock);
}

size_t rtm__adaptive_subtrees(const rtm__impl *cimpl, rtm__adaptive_subtree_info *out, size_t cap)
{
    rtm__impl *impl = ad_unconst(cimpl);
    rtm__mutex_lock(&impl->lock);
    const ad_kids *k = ad_kids_of(impl->root);
    size_t n = k ? k->n : 0;
    for (size_t i = 0; i < n && i < cap; i++) {
        const ad_tnode *t = k->child[i];
        const ad_sub *s = t->sub;
        uintptr_t body = atomic_load_explicit(&t->body, memory_order_relaxed);
        out[i] = (rtm__adaptive_subtree_info){
            .label = t->label,
            .label_len = t->label_len,
            .kind = t->kind,
            .encoding = (body & AD_PACKED) ? RTM__ADAPTIVE_PACKED : RTM__ADAPTIVE_TRIE,
            .entropy = s->entropy,
            .miss_ratio = s->miss_ratio,
            .samples = s->samples,
            .reshapes = s->reshapes,
            .nodes = s->nodes,
        };
    }
    rtm__mutex_unlock(&impl->lock);
    return n;
}

/* ---- Ops ---- */

const rtm__algo_ops rtm__adaptive_ops = {
    .name = "adaptive",
    .create = ad_create,
    .destroy = ad_destroy,
    .insert = ad_insert,
    .remove = ad_remove,
    .match = rtm__adaptive_match,
    .stats = ad_stats,
};
