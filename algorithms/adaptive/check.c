/* SPDX-License-Identifier: MIT */
/* The adaptive matcher's invariant walker (rtm__adaptive_check): the
 * invariants listed at the top of adaptive.c, checked node by node in both
 * encodings, for the tests and the fuzzers. */
#include "adaptive.h"

#include "adaptive_internal.h" /* ad_tnode, ad_kids, ad_block, helpers */
#include "segment.h"           /* RTM__SEG_* */

/* ---- Invariant walker ---- */

#define CHECK(cond, msg)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            *why = msg;                                                                            \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* Invariants 1 and 3 for the children of one trie node. */
static int check_kids(const ad_tnode *x, const ad_kids *k, const char **why)
{
    CHECK(k->n > 0, "empty child array");
    CHECK(k->nstatic <= k->n, "nstatic > n");
    CHECK(k->hbits == ad_hbits(k->nstatic), "hash index size");
    if (k->hbits) {
        ad_tnode *const *tab = ad_kids_table(k);
        uint32_t mask = (1u << k->hbits) - 1, used = 0;
        for (uint32_t h = 0; h <= mask; h++)
            used += tab[h] != NULL;
        CHECK(used == k->nstatic, "hash index entry count");
        for (uint32_t j = 0; j < k->nstatic; j++) {
            const ad_tnode *c = k->child[j];
            uint32_t h = (uint32_t)ad_hash(c->label, c->label_len) & mask;
            while (tab[h] && tab[h] != c)
                h = (h + 1) & mask;
            CHECK(tab[h] == c, "static child not in the hash index");
        }
    } else {
        CHECK(k->kfirst == ad_kids_first_bytes(k), "first bytes of the static children");
    }
    for (uint32_t j = 0; j < k->n; j++) {
        const ad_tnode *c = k->child[j];
        CHECK(c, "NULL child");
        CHECK(c->parent == x, "bad parent link");
        CHECK(c->idx == j, "bad idx");
        CHECK((c->kind == RTM__SEG_STATIC) == (j < k->nstatic), "static children not first");
        CHECK(x->parent == NULL || c->first_param == x->first_param + x->nparams,
              "bad first_param");
        if (j > 0) {
            const ad_tnode *b = k->child[j - 1];
            CHECK(ad_child_cmp(b->kind, b->label, b->label_len, c->kind, c->label, c->label_len) <
                      0,
                  "children out of order");
        }
    }
    return 0;
}

/* Invariant 5 for one block under subtree root R; *count gets its nodes. */
static int check_block(const ad_tnode *R, const ad_block *blk, size_t *count, const char **why)
{
    const ad_pnode *nd = blk->nodes;
    CHECK(blk->nnodes >= 2, "packed block without children");
    CHECK(nd[0].parent == AD_NONE && nd[0].nkids > 0 && nd[0].first == 1, "bad packed node 0");
    for (uint32_t i = 0; i < blk->nnodes; i++) {
        const ad_pnode *t = &nd[i];
        CHECK((uint64_t)t->label + t->label_len <= blk->nlabels, "label out of bounds");
        const rtm__leaf *lf = blk->leaves[i];
        CHECK((lf ? lf->mask : 0) == t->mask && (lf ? lf->n : 0) == t->nroutes,
              "packed leaf copy: mask");
        CHECK((uint64_t)t->routes + t->nroutes <= blk->nroutes, "packed records out of bounds");
        for (unsigned r = 0; lf && r < lf->n; r++)
            CHECK(blk->routes[t->routes + r] == lf->routes[r], "packed leaf copy: records");
        CHECK(t->seg1_len <= t->label_len, "seg1 longer than label");
        if (t->nkids) {
            CHECK(t->first > i && (uint64_t)t->first + t->nkids <= blk->nnodes,
                  "group out of bounds");
            CHECK(t->nstatic <= t->nkids, "nstatic > nkids");
            for (uint32_t k = 0; k < t->nkids; k++) {
                const ad_pnode *c = &nd[t->first + k];
                CHECK(c->parent == i, "packed parent link");
                CHECK((c->kind == RTM__SEG_STATIC) == (k < t->nstatic), "packed statics not first");
                unsigned fp = i == 0 ? (unsigned)R->first_param + R->nparams
                                     : (unsigned)t->first_param + t->nparams;
                CHECK(c->first_param == fp, "packed first_param");
                CHECK(c->kind != RTM__SEG_CATCHALL || (c->nkids == 0 && c->mask),
                      "packed catch-all not a leaf");
                CHECK(c->mask || c->nkids, "dead packed node");
            }
            if (t->hidx != AD_NONE) {
                CHECK(t->hbits == ad_hbits(t->nstatic) && t->hbits, "packed hash index size");
                uint32_t mask = (1u << t->hbits) - 1, used = 0;
                CHECK((uint64_t)t->hidx + mask + 1 <= blk->nhidx, "hash index out of bounds");
                const uint32_t *tab = blk->hidx + t->hidx;
                for (uint32_t h = 0; h <= mask; h++) {
                    CHECK(tab[h] <= t->nstatic, "hash index entry out of range");
                    used += tab[h] != 0;
                }
                CHECK(used == t->nstatic, "packed hash index entry count");
                for (uint32_t k = 0; k < t->nstatic; k++) {
                    const ad_pnode *c = &nd[t->first + k];
                    uint32_t h = (uint32_t)ad_hash(blk->labels + c->label, c->seg1_len) & mask;
                    while (tab[h] && tab[h] != k + 1)
                        h = (h + 1) & mask;
                    CHECK(tab[h] == k + 1, "packed static child not in the hash index");
                }
            } else {
                CHECK(t->nstatic <= AD_LINEAR_MAX, "large group without index");
            }
        } else {
            CHECK(i > 0, "packed node 0 childless");
        }
    }
    *count = blk->nnodes - 1;
    return 0;
}

static int check_locked(const rtm__impl *impl, const char **why)
{
    const ad_tnode *root = impl->root;
    size_t nodes = 1;   /* nodes seen, root included */
    unsigned depth = 0; /* depth of x */
    size_t below = 0;   /* trie nodes seen under the current depth-1 node */
    const ad_tnode *x = root;
    CHECK(!root->parent && !root->sub && !root->leaf, "bad root");
    CHECK(!(atomic_load_explicit(&root->body, memory_order_relaxed) & AD_PACKED), "packed root");
    for (;;) {
        /* Visit x. */
        uintptr_t body = atomic_load_explicit(&x->body, memory_order_relaxed);
        CHECK((x->sub != NULL) == (depth == 1), "sub record not exactly on depth-1 nodes");
        CHECK(!(body & AD_PACKED) || depth == 1, "packed body below depth 1");
        if (x != root) {
            CHECK(x->leaf || body, "dead node");
            CHECK(x->kind != RTM__SEG_CATCHALL || (!body && x->leaf), "catch-all not a leaf");
        }
        if (depth == 1)
            below = 0;
        else if (depth > 1)
            below++;
        if (body & AD_PACKED) {
            size_t cnt = 0;
            if (check_block(x, (const ad_block *)(body & ~AD_PACKED), &cnt, why) != 0)
                return -1;
            nodes += cnt;
            CHECK(x->sub->nodes == cnt, "packed node count");
        } else if (body) {
            if (check_kids(x, (const ad_kids *)body, why) != 0)
                return -1;
            x = ((const ad_kids *)body)->child[0];
            depth++;
            nodes++;
            continue;
        }
        /* Next in preorder: climb until a next sibling exists. */
        for (;;) {
            if (x == root) {
                CHECK(nodes == impl->nnodes, "node count");
                return 0;
            }
            if (depth == 1) {
                uintptr_t b = atomic_load_explicit(&x->body, memory_order_relaxed);
                if (!(b & AD_PACKED))
                    CHECK(x->sub->nodes == below, "trie node count of a subtree");
            }
            const ad_tnode *p = x->parent;
            const ad_kids *pk =
                (const ad_kids *)atomic_load_explicit(&p->body, memory_order_relaxed);
            if (x->idx + 1 < pk->n) {
                x = pk->child[x->idx + 1];
                nodes++;
                break;
            }
            x = p;
            depth--;
        }
    }
}

int rtm__adaptive_check(const rtm__impl *cimpl, const char **why)
{
    rtm__impl *impl = ad_unconst(cimpl);
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    rtm__mutex_lock(&impl->lock);
    int rc = check_locked(impl, why);
    if (rc == 0 && impl->mirror && ad_mirror_check(impl->mirror, why) != 0)
        rc = -1;
    rtm__mutex_unlock(&impl->lock);
    return rc;
}
