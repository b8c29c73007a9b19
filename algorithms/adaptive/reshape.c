/* SPDX-License-Identifier: MIT */
/* The adaptive algorithm's re-encodings and policy: packing a subtree's trie
 * into one contiguous block (hot children first, merged static chains),
 * expanding a block back into a private trie, the policy tick that decides
 * which subtrees to re-encode, and the background thread that runs it. Not
 * responsible for lookups (lookup.c) or for the sketch (sketch.c).
 *
 * ---- Publication (the reshaper's side of the epoch protocol) ----
 *
 *   build the new block privately             (no reader can reach it)
 *   W0  store(R->body, block | AD_PACKED, release)
 *                                 pairs with walk()'s acquire load of R->body
 *   W1  tag = rtm__epoch_unlinked()            (seq_cst fence, then G)
 *       retire(old body, tag)                  (freed when G >= tag + 3)
 *
 * A lookup that loaded the old body finishes on it: the old trie nodes and
 * child arrays (or the old block) are untouched until the grace period ends;
 * their leaves are shared with the new block and never freed by a reshape.
 * The policy holds the router's mutex throughout, so no writer changes the
 * trie it reads; the only concurrent activity is lookups, which only read
 * (plus relaxed heat/sketch counters).
 *
 * ---- The rule ----
 *
 * Per tick and per subtree (sampled window, or injected figures):
 *   entropy < entropy_max and miss_ratio > miss_min  =>  re-encode packed.
 * A trie subtree is packed. A packed one is re-packed (fresh hot order) only
 * when its layout is stale (some static child got more than twice the heat
 * of the one before it) and RTM__ADAPTIVE_REPACK_TICKS ticks have passed
 * since its last re-encoding. Subtrees with fewer than
 * RTM__ADAPTIVE_MIN_SAMPLES sampled lookups in the window are not judged
 * (their window stays open until they have them, sketch.c).
 * Work per tick: subtrees are visited round robin from where the previous
 * tick stopped, and re-encoding stops once the nodes re-encoded this tick
 * would exceed the budget (the first one is always allowed, so a subtree
 * larger than the budget is still reached). The policy never expands a
 * subtree: writers do, when an insert or remove goes below its root. */
#include <stdlib.h>
#include <string.h>

#include "adaptive_internal.h" /* ad_*, rtm__impl */

/* ---- Freeing ---- */

void ad_block_free(rtm__impl *impl, ad_block *blk, bool leaves)
{
    if (leaves) {
        for (uint32_t i = 1; i < blk->nnodes; i++) {
            if (blk->leaves[i])
                rtm__leaf_free_all(impl->a, blk->leaves[i]);
        }
    }
    rtm__free(impl->a, blk, blk->bytes);
}

/* A trie body replaced by a reshape: its child array and every node below. */
typedef struct ad_retired_trie {
    rtm__epoch_entry e; /* limbo link (first member) */
    ad_kids *kids;      /* the old body */
} ad_retired_trie;

static void retired_trie_free(rtm__epoch_entry *e, void *ctx)
{
    rtm__impl *impl = ctx;
    ad_retired_trie *rt = (ad_retired_trie *)e;
    ad_free_kids(impl, rt->kids, false);
    rtm__free(impl->a, rt, sizeof *rt);
}

static void retired_block_free(rtm__epoch_entry *e, void *ctx)
{
    ad_block_free(ctx, (ad_block *)e, false); /* retire is the first member */
}

/* ---- Helpers on the trie (policy side: mutex held, relaxed loads) ---- */

static const ad_kids *tkids(const ad_tnode *t)
{
    uintptr_t body = atomic_load_explicit(&t->body, memory_order_relaxed);
    return (body & AD_PACKED) ? NULL : (const ad_kids *)body;
}

/* Does static node t merge with its only child into one packed label? */
static bool chain_continues(const ad_tnode *t)
{
    if (t->kind != RTM__SEG_STATIC || t->leaf)
        return false;
    const ad_kids *k = tkids(t);
    return k && k->n == 1 && k->child[0]->kind == RTM__SEG_STATIC;
}

/* Preorder successor of y inside the subtree of `stop` (y included), or NULL. */
static const ad_tnode *preorder_next(const ad_tnode *y, const ad_tnode *stop)
{
    const ad_kids *k = tkids(y);
    if (k && k->n)
        return k->child[0];
    while (y != stop) {
        const ad_tnode *p = y->parent;
        k = tkids(p);
        if (y->idx + 1 < k->n)
            return k->child[y->idx + 1];
        y = p;
    }
    return NULL;
}

static uint32_t heat_of(const ad_tnode *t)
{
    return atomic_load_explicit(&t->heat, memory_order_relaxed);
}

/* ---- Packing ---- */

typedef struct pack_ent {
    const ad_tnode *node; /* head of the child's chain */
    const ad_tnode *tail; /* last node of the chain (leaf and children) */
    uint32_t heat;        /* sampled heat of the head */
    uint32_t pos;         /* position in the trie order / in the group */
} pack_ent;

typedef struct pack_item {
    uint32_t pi;         /* packed node whose group is to be laid out */
    const ad_kids *kids; /* its children in the trie */
} pack_item;

static int by_heat(const void *pa, const void *pb)
{
    const pack_ent *a = pa, *b = pb;
    if (a->heat != b->heat)
        return a->heat > b->heat ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Build a block holding everything below R, whose children are `kids`
 * (R's trie body, or a private expansion of its packed body). On success
 * *out is a complete, unpublished block. Returns 0 or RTM_ENOMEM. */
static int pack_build(rtm__impl *impl, const ad_tnode *R, const ad_kids *kids, ad_block **out)
{
    rtm__alloc *a = impl->a;
    /* Pass 1: sizes. */
    size_t pn = 1, nlabels = 0, nhidx = 0, nrec = 0, maxfan = kids->n;
    if (ad_hbits(kids->nstatic))
        nhidx += (size_t)1 << ad_hbits(kids->nstatic);
    for (uint32_t t = 0; t < kids->n; t++) {
        const ad_tnode *top = kids->child[t];
        for (const ad_tnode *y = top; y; y = preorder_next(y, top)) {
            bool merged = y != top && chain_continues(y->parent);
            pn += !merged;
            nlabels += y->label_len + (merged ? 1 : 0);
            if (!chain_continues(y)) {
                nrec += y->leaf ? y->leaf->n : 0;
                const ad_kids *k = tkids(y);
                if (k && k->n > maxfan)
                    maxfan = k->n;
                if (k && ad_hbits(k->nstatic))
                    nhidx += (size_t)1 << ad_hbits(k->nstatic);
            }
        }
    }
    size_t bytes = sizeof(ad_block) + pn * sizeof(ad_pnode) + nrec * sizeof(rtm__route *) +
                   pn * sizeof(rtm__leaf *) + pn * sizeof(uint32_t) + nhidx * sizeof(uint32_t) +
                   nlabels;
    ad_block *blk = rtm__malloc(a, bytes);
    pack_ent *ord = rtm__malloc(a, maxfan * sizeof *ord);
    pack_item *stack = rtm__malloc(a, pn * sizeof *stack);
    if (!blk || !ord || !stack) {
        rtm__free(a, blk, bytes);
        rtm__free(a, ord, maxfan * sizeof *ord);
        rtm__free(a, stack, pn * sizeof *stack);
        return RTM_ENOMEM;
    }
    memset(blk, 0, bytes);
    blk->bytes = bytes;
    blk->nnodes = (uint32_t)pn;
    blk->nhidx = (uint32_t)nhidx;
    blk->nlabels = (uint32_t)nlabels;
    blk->nroutes = (uint32_t)nrec;
    blk->routes = (const rtm__route **)(void *)(blk->nodes + pn);
    blk->leaves = (rtm__leaf **)(void *)(blk->routes + nrec);
    blk->heat = (_Atomic uint32_t *)(void *)(blk->leaves + pn);
    blk->hidx = (uint32_t *)(void *)(blk->heat + pn);
    blk->labels = (char *)(blk->hidx + nhidx);

    /* Pass 2: lay out groups depth-first, hottest first. */
    ad_pnode *nd = blk->nodes;
    nd[0].parent = AD_NONE;
    nd[0].hidx = AD_NONE;
    nd[0].kind = RTM__SEG_STATIC;
    nd[0].first_param = (uint8_t)(R->first_param + R->nparams);
    size_t top = 0;
    stack[top++] = (pack_item){0, kids};
    uint32_t next = 1, loff = 0, soff = 0, roff = 0;
    while (top) {
        pack_item it = stack[--top];
        const ad_kids *k = it.kids;
        for (uint32_t j = 0; j < k->n; j++) {
            const ad_tnode *y = k->child[j], *tail = y;
            while (chain_continues(tail))
                tail = tkids(tail)->child[0];
            ord[j] = (pack_ent){y, tail, heat_of(y), j};
        }
        qsort(ord, k->nstatic, sizeof *ord, by_heat);
        uint32_t base = next;
        nd[it.pi].first = base;
        nd[it.pi].nkids = k->n;
        nd[it.pi].nstatic = k->nstatic;
        next += k->n;
        for (uint32_t j = 0; j < k->n; j++) {
            const ad_tnode *y = ord[j].node;
            uint32_t len = y->label_len;
            memcpy(blk->labels + loff, y->label, len);
            for (const ad_tnode *t = y; t != ord[j].tail;) {
                t = tkids(t)->child[0];
                blk->labels[loff + len] = '/';
                memcpy(blk->labels + loff + len + 1, t->label, t->label_len);
                len += 1 + t->label_len;
            }
            const rtm__leaf *lf = ord[j].tail->leaf;
            nd[base + j] = (ad_pnode){
                .routes = roff,
                .mask = lf ? lf->mask : 0,
                .nroutes = lf ? lf->n : 0,
                .parent = it.pi,
                .label = loff,
                .hidx = AD_NONE,
                .label_len = (uint16_t)len,
                .seg1_len = (uint16_t)y->label_len,
                .kind = y->kind,
                .first_param = y->first_param,
                .nparams = y->nparams,
            };
            atomic_init(&blk->heat[base + j], ord[j].heat / 2);
            blk->leaves[base + j] = ord[j].tail->leaf;
            for (unsigned r = 0; lf && r < lf->n; r++)
                blk->routes[roff++] = lf->routes[r];
            loff += len;
        }
        uint32_t hb = ad_hbits(k->nstatic);
        if (hb) {
            /* hash index of the statics (zeroed by the memset above) */
            uint32_t *tab = blk->hidx + soff, mask = (1u << hb) - 1;
            for (uint32_t j = 0; j < k->nstatic; j++) {
                const ad_tnode *y = ord[j].node;
                uint32_t h = (uint32_t)ad_hash(y->label, y->label_len) & mask;
                while (tab[h])
                    h = (h + 1) & mask;
                tab[h] = j + 1;
            }
            nd[it.pi].hidx = soff;
            nd[it.pi].hbits = (uint8_t)hb;
            soff += mask + 1;
        }
        /* Push in reverse so that the first (hottest) child is laid out next. */
        for (uint32_t j = k->n; j-- > 0;) {
            const ad_kids *tk = tkids(ord[j].tail);
            if (tk && tk->n)
                stack[top++] = (pack_item){base + j, tk};
        }
    }
    rtm__free(a, ord, maxfan * sizeof *ord);
    rtm__free(a, stack, pn * sizeof *stack);
    *out = blk;
    return 0;
}

/* ---- Expanding ---- */

static int tnode_by_label(const void *pa, const void *pb)
{
    const ad_tnode *a = *(const ad_tnode *const *)pa, *b = *(const ad_tnode *const *)pb;
    return ad_child_cmp(RTM__SEG_STATIC, a->label, a->label_len, RTM__SEG_STATIC, b->label,
                        b->label_len);
}

/* Trie order for a group that came from a block: statics by (length,
 * bytes) instead of heat; positions renumbered; hash index rebuilt. */
static void kids_sort(ad_kids *k)
{
    qsort(k->child, k->nstatic, sizeof k->child[0], tnode_by_label);
    for (uint32_t j = 0; j < k->n; j++)
        k->child[j]->idx = j;
    ad_kids_index(k);
}

int ad_expand(rtm__impl *impl, const ad_block *blk, ad_tnode *root, ad_kids **out, size_t *count)
{
    rtm__alloc *a = impl->a;
    const ad_pnode *nd = blk->nodes;
    uint32_t n = blk->nnodes;
    size_t made = 0;
    ad_tnode **map = rtm__malloc(a, (size_t)n * sizeof *map); /* pnode -> its chain's tail */
    ad_kids *kids0 = ad_kids_alloc(a, nd[0].nkids, nd[0].nstatic);
    if (!map || !kids0)
        goto fail;
    map[0] = root;
    /* A node's parent has a smaller index (groups are laid out after their
     * parent), so one forward pass attaches every chain to a built parent.
     * Every node is attached as soon as it exists: a failure frees the
     * partial tree through kids0 (empty slots are NULL). */
    for (uint32_t i = 1; i < n; i++) {
        const ad_pnode *t = &nd[i];
        const char *lab = blk->labels + t->label;
        ad_kids *pk = t->parent == 0 ? kids0
                                     : (ad_kids *)atomic_load_explicit(&map[t->parent]->body,
                                                                       memory_order_relaxed);
        uint32_t pos = i - nd[t->parent].first;
        uint32_t heat = atomic_load_explicit(&blk->heat[i], memory_order_relaxed);
        ad_tnode *prev = NULL;
        size_t s = 0;
        for (;;) {
            /* one segment of the (maybe merged) label */
            size_t e = s;
            if (t->kind == RTM__SEG_STATIC) {
                while (e < t->label_len && lab[e] != '/')
                    e++;
            } else {
                e = t->label_len;
            }
            bool first = prev == NULL;
            ad_tnode *nn = ad_tnode_new(a, first ? t->kind : RTM__SEG_STATIC, lab + s,
                                        (uint32_t)(e - s), t->first_param, first ? t->nparams : 0);
            if (!nn)
                goto fail;
            atomic_init(&nn->heat, heat);
            if (first) {
                nn->parent = map[t->parent];
                nn->idx = pos;
                pk->child[pos] = nn;
            } else {
                ad_kids *one = ad_kids_alloc(a, 1, 1);
                if (!one) {
                    rtm__free(a, nn, sizeof(ad_tnode) + nn->label_len);
                    goto fail;
                }
                one->child[0] = nn;
                ad_kids_index(one);
                nn->parent = prev;
                atomic_store_explicit(&prev->body, (uintptr_t)one, memory_order_relaxed);
            }
            made++;
            prev = nn;
            if (e >= t->label_len)
                break;
            s = e + 1;
        }
        prev->leaf = blk->leaves[i];
        if (t->nkids) {
            ad_kids *tk = ad_kids_alloc(a, t->nkids, t->nstatic);
            if (!tk)
                goto fail;
            atomic_store_explicit(&prev->body, (uintptr_t)tk, memory_order_relaxed);
        }
        map[i] = prev;
    }
    /* Trie order in every group. */
    kids_sort(kids0);
    for (uint32_t i = 1; i < n; i++) {
        if (nd[i].nkids)
            kids_sort((ad_kids *)atomic_load_explicit(&map[i]->body, memory_order_relaxed));
    }
    rtm__free(a, map, (size_t)n * sizeof *map);
    *out = kids0;
    *count = made;
    return 0;

fail:
    if (kids0)
        ad_free_kids(impl, kids0, false);
    rtm__free(a, map, (size_t)n * sizeof *map);
    return RTM_ENOMEM;
}

/* ---- Policy ---- */

/* Has the hot order of some group drifted (a static child with more than
 * twice the heat of the one laid out before it)? */
static bool block_stale(const ad_block *blk)
{
    for (uint32_t i = 0; i < blk->nnodes; i++) {
        const ad_pnode *t = &blk->nodes[i];
        for (uint32_t k = 1; k < t->nstatic; k++) {
            uint32_t h0 = atomic_load_explicit(&blk->heat[t->first + k - 1], memory_order_relaxed);
            uint32_t h1 = atomic_load_explicit(&blk->heat[t->first + k], memory_order_relaxed);
            if (h1 > 2 * h0 + 8)
                return true;
        }
    }
    return false;
}

/* Re-encode subtree root R as a packed block (from its trie, or from its
 * current block for a re-pack). Returns 0 or RTM_ENOMEM (R unchanged). */
static int reshape(rtm__impl *impl, ad_tnode *R)
{
    rtm__alloc *a = impl->a;
    uintptr_t body = atomic_load_explicit(&R->body, memory_order_relaxed);
    ad_block *oldblk = (body & AD_PACKED) ? (ad_block *)(body & ~AD_PACKED) : NULL;
    ad_kids *src = oldblk ? NULL : (ad_kids *)body;
    size_t tmpn = 0;
    int rc;
    if (oldblk && (rc = ad_expand(impl, oldblk, R, &src, &tmpn)) != 0)
        return rc;
    ad_block *nb = NULL;
    ad_retired_trie *rec = NULL;
    rc = pack_build(impl, R, src, &nb);
    if (rc == 0 && !oldblk && !(rec = rtm__malloc(a, sizeof *rec))) {
        ad_block_free(impl, nb, false);
        rc = RTM_ENOMEM;
    }
    if (rc != 0) {
        if (oldblk)
            ad_free_kids(impl, src, false);
        return rc;
    }
    /* W0: publish; pairs with the acquire load of R->body in walk(). */
    atomic_store_explicit(&R->body, (uintptr_t)nb | AD_PACKED, memory_order_release);
    uint64_t tag = rtm__epoch_unlinked(); /* W1 */
    if (oldblk) {
        rtm__epoch_retire(&impl->limbo, &oldblk->retire, tag, retired_block_free);
        ad_free_kids(impl, src, false); /* the private expansion, never published */
    } else {
        rec->kids = src;
        rtm__epoch_retire(&impl->limbo, &rec->e, tag, retired_trie_free);
    }
    ad_sub *s = R->sub;
    impl->nnodes = impl->nnodes - s->nodes + (nb->nnodes - 1);
    s->nodes = nb->nnodes - 1;
    s->reshapes++;
    s->since = 0;
    impl->reshapes++;
    return 0;
}

int ad_tick_locked(rtm__impl *impl, const rtm__adaptive_metrics *inj)
{
    const ad_kids *k = tkids(impl->root);
    size_t n = k ? k->n : 0;
    size_t budget = inj && inj->budget ? inj->budget : RTM__ADAPTIVE_BUDGET;
    size_t work = 0;
    int done = 0, err = 0;
    for (size_t j = 0; j < n; j++) {
        ad_sub *s = k->child[j]->sub;
        s->since++;
        if (!inj)
            ad_sub_window(s);
    }
    size_t start = n ? impl->cursor % n : 0;
    for (size_t step = 0; step < n; step++) {
        size_t j = (start + step) % n;
        ad_tnode *R = k->child[j];
        ad_sub *s = R->sub;
        double e, m;
        if (inj) {
            if (j >= inj->count)
                continue;
            e = s->entropy = inj->entropy[j];
            m = s->miss_ratio = inj->miss_ratio[j];
        } else {
            if (s->samples < RTM__ADAPTIVE_MIN_SAMPLES)
                continue;
            e = s->entropy;
            m = s->miss_ratio;
        }
        if (!(e < impl->entropy_max && m > impl->miss_min))
            continue;
        uintptr_t body = atomic_load_explicit(&R->body, memory_order_relaxed);
        if (!body)
            continue;
        if ((body & AD_PACKED) && !(inj && inj->repack) &&
            (s->since < RTM__ADAPTIVE_REPACK_TICKS ||
             !block_stale((const ad_block *)(body & ~AD_PACKED))))
            continue;
        if (work > 0 && work + s->nodes > budget) {
            impl->cursor = j; /* the next tick starts here */
            break;
        }
        int rc = reshape(impl, R);
        if (rc != 0) {
            err = rc;
            continue;
        }
        work += s->nodes;
        done++;
    }
    /* The hot-route index after the re-encodings (it reads the tree). Its
     * hit counters are halved like the sketches. */
    int hrc = ad_hot_tick(impl);
    if (hrc != 0 && !err)
        err = hrc;
    ad_front_tick(impl, inj); /* what answers the next period */
    atomic_store_explicit(&impl->hot_tries,
                          atomic_load_explicit(&impl->hot_tries, memory_order_relaxed) / 2,
                          memory_order_relaxed);
    atomic_store_explicit(&impl->hot_hits,
                          atomic_load_explicit(&impl->hot_hits, memory_order_relaxed) / 2,
                          memory_order_relaxed);
    rtm__epoch_poll(&impl->limbo, impl, RTM__EPOCH_LAG + 1);
    return err ? err : done;
}

int rtm__adaptive_step(rtm__impl *impl, const rtm__adaptive_metrics *injected)
{
    rtm__mutex_lock(&impl->lock);
    int rc = ad_tick_locked(impl, injected);
    rtm__mutex_unlock(&impl->lock);
    return rc;
}

void rtm__adaptive_front_slice(rtm__impl *impl)
{
    rtm__mutex_lock(&impl->lock);
    ad_front_slice(impl);
    rtm__mutex_unlock(&impl->lock);
}

void ad_policy_main(void *arg)
{
    rtm__impl *impl = arg;
    rtm__mutex_lock(&impl->lock);
    uint64_t next = rtm__clock_ms() + impl->period_ms;
    uint64_t slice_ms = impl->period_ms / AD_FRONT_SLICES, slice = UINT64_MAX;
    while (!impl->stop) {
        uint64_t now = rtm__clock_ms();
        if (now >= next) {
            ad_tick_locked(impl, NULL);
            now = rtm__clock_ms();
            next = now + impl->period_ms;
            /* a trial's period: the fronts take turns, slice by slice */
            slice = impl->fr.trial && slice_ms > 0 ? now + slice_ms : UINT64_MAX;
        } else if (now >= slice) {
            ad_front_slice(impl);
            slice = slice + slice_ms < next ? slice + slice_ms : UINT64_MAX;
        } else {
            uint64_t until = slice < next ? slice : next;
            rtm__cond_timedwait_ms(&impl->wake, &impl->lock, (uint32_t)(until - now));
        }
    }
    rtm__mutex_unlock(&impl->lock);
}
