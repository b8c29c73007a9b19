/* SPDX-License-Identifier: MIT */
/* The adaptive matcher's lookup: the tree walk over both encodings, the
 * hot trie's greedy walk, and rtm__adaptive_match, which picks what answers
 * (the mirror, the hot trie then the tree, or the sampled walk). The node
 * layouts are described at the top of adaptive.c, the hot trie's at the top
 * of hot.c.
 *
 * ---- An iterative depth-first search, no stack ----
 *
 * State: current node, the end `e` of its segment in the path, and the next
 * child position `i`. A child that matches is entered: if its segment ends
 * the path its leaf is checked, else the search descends. When a node's
 * children are exhausted the search backtracks: the parent is a pointer
 * (trie) or an index (packed), the parent's segment ends one byte before the
 * node's segment starts (static: end - label_len; otherwise scan back to
 * the previous '/'), and the position to resume is fixed by the node's kind
 * and position. The first leaf whose rtm__leaf_pick() accepts the method is
 * the answer (DFS in rank order is SPEC's left-to-right ranking); when none
 * does, the search has seen every matching leaf and ORs their masks into
 * the 405 set. Captures go to caps[first_param ...], so the winner's
 * captures are in place when it is found. RTM__MATCH_ADD_SLASH treats the
 * path as len + 1 bytes whose last one is '/'.
 *
 * Entering a subtree root loads its body once (acquire) and keeps it in a
 * local for the whole visit: a reshape that publishes a new body meanwhile
 * is not seen by this lookup, which finishes on the old encoding (kept alive
 * by the epoch: "Concurrency" at the top of adaptive.c). Backtracking out
 * of a packed subtree returns to the trie search at the root's next child.
 *
 * Complexity: each node is entered at most once (a DFS of a tree; a merged
 * packed node counts once); the work at a node is one scan for the segment
 * end (8 bytes at a time), a hash probe or a short scan of the statics, one rtm__mixed_match
 * per mixed child, and one backwards scan on backtrack, each O(segment
 * length). Memory: caps[64] and a few words on the C stack, whatever the
 * depth of the path (100,000 segments) or of the routes (65,535 bytes).
 *
 * ---- What answers ----
 *
 * One lookup in K per thread (a thread-local countdown) is sampled: the
 * tree answers it and records what the policy reads. The others go to the
 * front (front.c): the radix mirror while it answers, else the hot trie,
 * which answers only when its answer is the tree's, else the tree walk. */
#include "adaptive.h"

#include <string.h>

#include "adaptive_internal.h" /* ad_tnode, ad_kids, ad_block, ad_sub, helpers */
#include "metrics.h"           /* rtm__metrics_read, rtm__cachemodel_touch, rtm__metrics_init */
#include "segment.h"           /* rtm__seg_rank, rtm__mixed_match */
#include "swar.h"              /* rtm__load8, rtm__bytes_eq, rtm__first_byte */

#define AD_INLINE static inline __attribute__((always_inline))

/* ---- Lookup ---- */

/* Per-lookup state, on the caller's stack. */
typedef struct ad_walk {
    const char *path;                /* the request path (never copied) */
    size_t len;                      /* its bytes */
    size_t vlen;                     /* len, or len + 1 with the virtual '/' */
    unsigned method;                 /* rtm_method */
    unsigned allow;                  /* OR of matching leaves' masks (405) */
    size_t visits;                   /* nodes entered */
    ad_sub *sub;                     /* sampled: subtree being walked, or NULL */
    uint32_t misses;                 /* sampled: misses in it (model) */
    uintptr_t last_line;             /* sampled: the model line touched last */
    uint64_t perf0;                  /* sampled: counter when it was entered (perf) */
    int perf;                        /* sampled: 1 = counters, 0 = model */
    bool token_pending;              /* sampled: its first edge not yet recorded */
    const rtm__route *won;           /* the record found (200) */
    size_t caps[2 * RTM_MAX_PARAMS]; /* (offset, length) per param slot */
} ad_walk;

/* Read by every lookup: the initial-exec model makes it one %fs-relative
 * access (the default model for position-independent code is a call the
 * linker may or may not relax, and the registers it clobbers give the
 * lookup's entry a frame). The library is linked statically, so its
 * thread-locals fit the static TLS block. */
#if defined(__GNUC__)
#define AD_TLS_IE __attribute__((tls_model("initial-exec")))
#else
#define AD_TLS_IE
#endif
static _Thread_local uint32_t ad_countdown AD_TLS_IE; /* lookups left before the next sampled one */
static _Thread_local uint32_t ad_jitter;              /* xorshift state for the countdown */

/* The next countdown: uniform in [K/2, 3K/2) (mean K), so that traffic with
 * a period that divides K (a replayed log, a benchmark's request stream)
 * is not sampled at the same few requests every time. */
static uint32_t next_countdown(uint32_t k)
{
    uint32_t x = ad_jitter;
    if (x == 0)
        x = (uint32_t)((uintptr_t)&ad_jitter >> 4) | 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    ad_jitter = x;
    return k < 2 || k > (UINT32_C(1) << 30) ? k : k / 2 + x % k;
}
#ifdef RTM_DEBUG_VISITS
static _Thread_local size_t ad_last_visits;

size_t rtm__adaptive_last_visits(void)
{
    return ad_last_visits;
}
#endif

/* Mask of the bytes of x equal to b, every bit exact (no borrow between
 * bytes), for loops that visit every match. */
AD_INLINE uint64_t bytes_eq_each(uint64_t x, unsigned char b)
{
    uint64_t y = x ^ (RTM__ONES * b), lows = ~RTM__HIGHS;
    return ~(((y & lows) + lows) | y) & RTM__HIGHS;
}

/* End of the segment of p[0, n) that starts at a: the next '/', or n, or
 * a itself when a >= n. Eight bytes at a time (a zero-byte test on the
 * bytes xor '/'), inline. */
AD_INLINE size_t span_end(const char *p, size_t n, size_t a)
{
    if (a >= n)
        return a;
    size_t i = a;
#if RTM__SWAR
    while (i + 8 <= n) {
        uint64_t z = rtm__bytes_eq(rtm__load8(p + i), '/');
        if (z)
            return i + rtm__first_byte(z);
        i += 8;
    }
    if (i < n && n >= 8) {
        /* the 1..7 tail bytes: the path's last word shifted down, one test
         * instead of a byte loop (fewer mispredicted branches); the bytes
         * shifted in are zero, never '/' */
        size_t rem = n - i;
        uint64_t z = rtm__bytes_eq(rtm__load8(p + n - 8) >> (8 * (8 - rem)), '/');
        z &= (UINT64_C(1) << (8 * rem)) - 1;
        return z ? i + rtm__first_byte(z) : n;
    }
#endif
    while (i < n && p[i] != '/')
        i++;
    return i;
}

/* End of the segment that starts at a (a <= vlen): the next '/' (real, or
 * the virtual one at len), or a itself once past the real bytes. */
AD_INLINE size_t seg_end(const ad_walk *w, size_t a)
{
    return span_end(w->path, w->len, a);
}

/* Start of the one-segment node whose segment ends at e (scan back). */
AD_INLINE size_t seg_start_scan(const ad_walk *w, size_t e)
{
    size_t q = e;
    while (q > 0 && w->path[q - 1] != '/')
        q--;
    return q;
}

/* Sampled lookups in model mode: count the lines of [p, p + n) that miss.
 * The line touched just before is skipped (it is the most recently used:
 * always a hit), which halves the model's work on a lookup. */
AD_INLINE void touch(ad_walk *w, const bool sampled, const void *p, size_t n)
{
#ifdef AD_ABLATE_TOUCH
    return;
#endif
    if (!sampled || !w->sub || w->perf || n == 0)
        return;
    uintptr_t l = (uintptr_t)p / RTM__CACHEMODEL_LINE;
    uintptr_t last = ((uintptr_t)p + n - 1) / RTM__CACHEMODEL_LINE;
    for (; l <= last; l++) {
        if (l != w->last_line) {
            w->misses += rtm__cachemodel_line(l);
            w->last_line = l;
        }
    }
}

AD_INLINE void sub_enter(ad_walk *w, ad_sub *s)
{
    w->sub = s;
    w->misses = 0;
    w->token_pending = true;
    ad_counter_add(&s->lookups, 1);
    if (w->perf && !rtm__metrics_read(&w->perf0))
        w->perf0 = UINT64_MAX;
}

AD_INLINE void sub_leave(ad_walk *w)
{
    ad_sub *s = w->sub;
    if (!s)
        return;
    uint32_t m = w->misses;
    if (w->perf) {
        uint64_t now;
        m = 0;
        if (w->perf0 != UINT64_MAX && rtm__metrics_read(&now) && now >= w->perf0)
            m = (uint32_t)(now - w->perf0);
    }
    if (m)
        ad_counter_add(&s->misses, m);
    w->sub = NULL;
}

/* Try a non-static child (mixed, param, catch-all) on segment [a, b); on a
 * match write its captures and the end of what it consumed. */
AD_INLINE bool try_other(ad_walk *w, unsigned kind, const char *label, size_t label_len,
                         unsigned fp, size_t a, size_t b, size_t *cend)
{
    size_t *caps = w->caps + 2 * fp;
    switch (kind) {
    case RTM__SEG_MIXED:
        /* captures relative to the segment: the caller rebases them */
        if (b <= a || !rtm__mixed_match(label, label_len, w->path + a, b - a, caps))
            return false;
        *cend = b;
        return true;
    case RTM__SEG_PARAM:
        if (b <= a)
            return false;
        caps[0] = a;
        caps[1] = b - a;
        *cend = b;
        return true;
    default: /* RTM__SEG_CATCHALL */
        if (w->vlen <= a)
            return false;
        caps[0] = a;
        caps[1] = w->vlen - a;
        *cend = w->vlen;
        return true;
    }
}

/* Mixed captures come back relative to the segment start: rebase them. */
AD_INLINE void rebase_caps(ad_walk *w, unsigned fp, unsigned np, size_t a)
{
    for (unsigned j = 0; j < np; j++)
        w->caps[2 * (fp + j)] += a;
}

/* Leaf check at a node whose segment ends the path. Returns RTM_FOUND with
 * res filled, or 0 (allow updated). */
AD_INLINE int leaf_check(ad_walk *w, const rtm__leaf *lf, rtm_result *res, const bool add_slash)
{
    if (!lf)
        return 0;
    const rtm__route *rt = rtm__leaf_pick(lf, w->method);
    if (!rt) {
        w->allow |= lf->mask;
        return 0;
    }
    if (add_slash) {
        res->status = RTM_FOUND; /* only the status counts in probe mode */
        return RTM_FOUND;
    }
    w->won = rt;
    rtm__result_found(res, rt, w->caps);
    return RTM_FOUND;
}

/* Does the static label lab[0, n) (maybe several segments) match the path
 * at a, ending on a segment boundary? */
AD_INLINE bool label_at(const ad_walk *w, size_t a, const char *lab, size_t n, const bool add_slash)
{
    size_t e = a + n;
    if (e > w->vlen)
        return false;
    size_t real = n;
    if (add_slash && a <= w->len && e > w->len) {
        /* the label covers position len, the virtual '/': its last byte */
        if (lab[n - 1] != '/')
            return false;
        real = n - 1;
    }
    if (!ad_bytes_eq(w->path + a, lab, real))
        return false;
    return e == w->vlen || e == w->len || w->path[e] == '/';
}

/* Packed: the static child of node xp matching the path at a, or AD_NONE;
 * *cend gets the end of its (maybe multi-segment) label. A small group is
 * scanned hot-first comparing whole labels (siblings differ in their first
 * segment, so at most one matches and no segment end is needed); a large
 * one is looked up in its hash index by first segment, which needs the
 * segment end (*b, computed here when still unknown: SIZE_MAX). */
AD_INLINE uint32_t packed_static(ad_walk *w, const ad_block *blk, const ad_pnode *xp, size_t a,
                                 size_t *b, size_t *cend, const bool add_slash, const bool sampled)
{
    const ad_pnode *nd = blk->nodes;
    if (xp->hidx == AD_NONE) {
        for (uint32_t k = 0; k < xp->nstatic; k++) {
            const ad_pnode *t = &nd[xp->first + k];
            touch(w, sampled, t, sizeof *t);
            if (a + t->label_len > w->vlen)
                continue;
            touch(w, sampled, blk->labels + t->label, t->label_len);
            if (label_at(w, a, blk->labels + t->label, t->label_len, add_slash)) {
                *cend = a + t->label_len;
                return xp->first + k;
            }
        }
        return AD_NONE;
    }
    /* The hottest static child first (laid out first): under skewed traffic
     * it usually matches, and then no segment end or hash is needed. */
    const ad_pnode *hot = &nd[xp->first];
    touch(w, sampled, hot, sizeof *hot);
    touch(w, sampled, blk->labels + hot->label, hot->label_len);
    if (label_at(w, a, blk->labels + hot->label, hot->label_len, add_slash)) {
        *cend = a + hot->label_len;
        return xp->first;
    }
    if (*b == SIZE_MAX)
        *b = seg_end(w, a);
    size_t sl = *b - a;
    const uint32_t *tab = blk->hidx + xp->hidx;
    uint32_t mask = (1u << xp->hbits) - 1, hit = AD_NONE, e;
    uint32_t h = (uint32_t)ad_hash(w->path + a, sl) & mask;
    for (; (e = tab[h]) != 0; h = (h + 1) & mask) {
        const ad_pnode *t = &nd[xp->first + e - 1];
        touch(w, sampled, &tab[h], sizeof tab[h]);
        touch(w, sampled, t, sizeof *t);
        if (t->seg1_len == sl) {
            touch(w, sampled, blk->labels + t->label, sl);
            if (ad_bytes_eq(blk->labels + t->label, w->path + a, sl)) {
                hit = xp->first + e - 1;
                break;
            }
        }
    }
    if (hit == AD_NONE)
        return AD_NONE;
    const ad_pnode *t = &nd[hit];
    if (t->label_len != t->seg1_len) {
        /* merged chain: the rest of the label must follow */
        touch(w, sampled, blk->labels + t->label, t->label_len);
        if (!label_at(w, a, blk->labels + t->label, t->label_len, add_slash))
            return AD_NONE;
    }
    *cend = a + t->label_len;
    return hit;
}

/* Which of a copied leaf's records (by method mask) a request gets, as
 * rtm__leaf_pick: the position of the method's record, else of the ANY
 * one, else -1. */
AD_INLINE int record_slot(unsigned mask, unsigned method)
{
    unsigned bit = 1u << method;
    if (!(mask & bit)) {
        if (!(mask & RTM_METHODS_ANY))
            return -1;
        bit = RTM_METHODS_ANY;
    }
    /* popcount of the (at most ten) lower bits, without a libgcc call */
    unsigned below = mask & (bit - 1u);
    int idx = 0;
    for (; below; below &= below - 1u)
        idx++;
    return idx;
}

/* Leaf check on a packed node's inline leaf copy (as rtm__leaf_pick on
 * the leaf itself). Returns RTM_FOUND with res filled, or 0. */
AD_INLINE int packed_leaf(ad_walk *w, const ad_block *blk, const ad_pnode *cp, rtm_result *res,
                          const bool add_slash, const bool sampled)
{
    int idx = record_slot(cp->mask, w->method);
    if (idx < 0) {
        w->allow |= cp->mask;
        return 0;
    }
    if (add_slash) {
        res->status = RTM_FOUND; /* only the status counts in probe mode */
        return RTM_FOUND;
    }
    const rtm__route *const *rp = &blk->routes[cp->routes + (unsigned)idx];
    touch(w, sampled, rp, sizeof *rp);
    w->won = *rp;
    rtm__result_found(res, *rp, w->caps);
    return RTM_FOUND;
}

/* The packed part of a lookup: DFS of the block below the subtree root
 * whose segment ends at e0. Returns RTM_FOUND (res filled) or 0. */
AD_INLINE int walk_packed(ad_walk *w, const ad_block *blk, size_t e0, rtm_result *res,
                          const bool add_slash, const bool sampled, const bool count)
{
    const ad_pnode *nd = blk->nodes;
    uint32_t x = 0, i = 0;
    size_t e = e0;
    for (;;) {
        const ad_pnode *xp = &nd[x];
        uint32_t c = AD_NONE;
        size_t cend = 0;
        if (xp->nkids && e < w->vlen) {
            size_t a = e + 1, b = SIZE_MAX; /* segment end, when needed */
            if (i < xp->nstatic) {
                c = packed_static(w, blk, xp, a, &b, &cend, add_slash, sampled);
                i = xp->nstatic;
            }
            if (c == AD_NONE && i < xp->nkids && b == SIZE_MAX)
                b = seg_end(w, a);
            while (c == AD_NONE && i < xp->nkids) {
                const ad_pnode *t = &nd[xp->first + i];
                touch(w, sampled, t, sizeof *t);
                if (t->kind == RTM__SEG_MIXED)
                    touch(w, sampled, blk->labels + t->label, t->label_len);
                i++;
                if (try_other(w, t->kind, blk->labels + t->label, t->label_len, t->first_param, a,
                              b, &cend)) {
                    if (t->kind == RTM__SEG_MIXED)
                        rebase_caps(w, t->first_param, t->nparams, a);
                    c = xp->first + i - 1;
                }
            }
        }
        if (c != AD_NONE) {
            const ad_pnode *cp = &nd[c];
            if (count)
                w->visits++;
            if (sampled) {
                ad_counter_add(&blk->heat[c], 1);
                if (x == 0 && w->token_pending && w->sub) {
                    w->token_pending = false;
                    ad_sketch_add(w->sub, ad_token_hash(blk->labels + cp->label, cp->seg1_len));
                }
            }
            if (cend == w->vlen) {
                if (cp->mask && packed_leaf(w, blk, cp, res, add_slash, sampled) == RTM_FOUND)
                    return RTM_FOUND;
            } else if (cp->nkids) {
                x = c;
                e = cend;
                i = 0;
            }
            continue;
        }
        if (x == 0)
            return 0;
        const ad_pnode *pp = &nd[xp->parent];
        i = xp->kind == RTM__SEG_STATIC ? pp->nstatic : x - pp->first + 1;
        e = (xp->kind == RTM__SEG_STATIC ? e - xp->label_len : seg_start_scan(w, e)) - 1;
        x = xp->parent;
    }
}

/* Trie: the static child equal to segment seg[0, n): hash index for a
 * large group, else the children whose first byte is the segment's. */
AD_INLINE const ad_tnode *trie_static(ad_walk *w, const ad_kids *k, const char *seg, size_t n,
                                      const bool sampled)
{
    if (k->hbits) {
        ad_tnode *const *tab = ad_kids_table(k);
        uint32_t mask = (1u << k->hbits) - 1;
        uint32_t h = (uint32_t)ad_hash(seg, n) & mask;
        for (const ad_tnode *t; (t = tab[h]) != NULL; h = (h + 1) & mask) {
            touch(w, sampled, &tab[h], sizeof tab[h]);
            touch(w, sampled, t, sizeof *t + (t->label_len < 64 ? t->label_len : 64));
            if (t->label_len == n && ad_bytes_eq(t->label, seg, n))
                return t;
        }
        return NULL;
    }
    if (n == 0) /* the "" label sorts first */
        return k->nstatic && k->child[0]->label_len == 0 ? k->child[0] : NULL;
    uint64_t m = bytes_eq_each(k->kfirst, (unsigned char)seg[0]) & ad_low_bytes(k->nstatic);
    for (; m; m &= m - 1) {
        uint32_t j = (uint32_t)rtm__first_byte(m);
        const ad_tnode *t = k->child[j];
        touch(w, sampled, &k->child[j], sizeof k->child[j]);
        touch(w, sampled, t, sizeof *t + (t->label_len < 64 ? t->label_len : 64));
        if (t->label_len == n && ad_bytes_eq(t->label, seg, n))
            return t;
    }
    return NULL;
}

/* The whole lookup: trie DFS from the root, packed DFS inside packed
 * subtrees. Returns the status; res filled for 200 and 405. */
AD_INLINE int walk(const rtm__impl *impl, ad_walk *w, rtm_result *res, const bool add_slash,
                   const bool sampled, const bool count)
{
    const ad_tnode *root = impl->root;
    const ad_tnode *x = root;
    const ad_kids *kids = ad_kids_of(root);
    const ad_tnode *R = NULL;    /* the subtree root being walked in trie encoding */
    const ad_kids *rkids = NULL; /* its body, loaded once when entered */
    size_t e = 0;
    uint32_t i = 0;
    if (count)
        w->visits++;
    for (;;) {
        const ad_tnode *c = NULL;
        size_t cend = 0;
        if (kids && e < w->vlen) {
            size_t a = e + 1, b = seg_end(w, a);
            touch(w, sampled, kids, sizeof *kids);
            if (i < kids->nstatic) {
                c = trie_static(w, kids, w->path + a, b - a, sampled);
                cend = b;
                i = kids->nstatic;
            }
            while (!c && i < kids->n) {
                const ad_tnode *t = kids->child[i++];
                touch(w, sampled, t, sizeof *t + t->label_len);
                if (try_other(w, t->kind, t->label, t->label_len, t->first_param, a, b, &cend)) {
                    if (t->kind == RTM__SEG_MIXED)
                        rebase_caps(w, t->first_param, t->nparams, a);
                    c = t;
                }
            }
        }
        if (c) {
            if (count)
                w->visits++;
            if (sampled) {
                ad_counter_add((_Atomic uint32_t *)&c->heat, 1);
                if (x == R && R && w->token_pending && w->sub) {
                    w->token_pending = false;
                    ad_sketch_add(w->sub, ad_token_hash(c->label, c->label_len));
                }
            }
            if (cend == w->vlen) {
                if (leaf_check(w, c->leaf, res, add_slash) == RTM_FOUND) {
                    if (sampled)
                        sub_leave(w);
                    return RTM_FOUND;
                }
                continue;
            }
            if (c->sub) {
                /* A subtree root: load its body once (pairs with the release
                 * store that published it, reshape.c / writers). */
                uintptr_t body = atomic_load_explicit(&c->body, memory_order_acquire);
                if (!body)
                    continue;
                if (sampled)
                    sub_enter(w, c->sub);
                if (body & AD_PACKED) {
                    int st = walk_packed(w, (const ad_block *)(body & ~AD_PACKED), cend, res,
                                         add_slash, sampled, count);
                    if (sampled)
                        sub_leave(w);
                    if (st == RTM_FOUND)
                        return st;
                    continue;
                }
                R = c;
                rkids = (const ad_kids *)body;
                x = c;
                kids = rkids;
                e = cend;
                i = 0;
                continue;
            }
            const ad_kids *ck = ad_kids_of(c);
            if (ck) {
                x = c;
                kids = ck;
                e = cend;
                i = 0;
            }
            continue;
        }
        /* x's children are exhausted: back to its parent. */
        if (x == root)
            break;
        const ad_tnode *p = x->parent;
        if (x == R) {
            R = NULL;
            if (sampled)
                sub_leave(w);
        }
        const ad_kids *pk = p == R ? rkids : ad_kids_of(p);
        i = x->kind == RTM__SEG_STATIC ? pk->nstatic : x->idx + 1;
        e = (x->kind == RTM__SEG_STATIC ? e - x->label_len : seg_start_scan(w, e)) - 1;
        x = p;
        kids = pk;
    }
    if (w->allow) {
        res->status = RTM_METHOD_NOT_ALLOWED;
        res->allow = w->allow;
        return RTM_METHOD_NOT_ALLOWED;
    }
    res->status = RTM_NOT_FOUND;
    return RTM_NOT_FOUND;
}

/* ---- Hot-route index lookup (the index is built in hot.c) ---- */

/* The path's bytes from a (a <= len) as one little-endian word, read
 * once per segment: the next 8, or when fewer remain, those, then a '/'
 * standing for the path's end, then zeros. So a segment always ends at a
 * '/' within the word or after it. */
AD_INLINE uint64_t hot_word(const char *path, size_t len, size_t a)
{
    size_t r = len - a;
#if RTM__SWAR
    if (__builtin_expect(r >= 8, 1))
        return rtm__load8(path + a);
    uint64_t w = 0;
    if (len >= 8) {
        /* the path's last word shifted down: its r bytes from a (r = 0
         * shifts everything out: two shifts, never one by 64) */
        unsigned sh = 4 * (unsigned)(8 - r);
        w = (rtm__load8(path + len - 8) >> sh) >> sh;
    } else {
        for (size_t i = 0; i < r; i++)
            w |= (uint64_t)(unsigned char)path[a + i] << (8 * i);
    }
#else
    uint64_t w = 0;
    for (size_t i = 0; i < r && i < 8; i++)
        w |= (uint64_t)(unsigned char)path[a + i] << (8 * i);
    if (r >= 8)
        return w;
#endif
    return w | (uint64_t)'/' << (8 * r);
}

/* Does p[0, n) hold one of the bytes of `stops` (up to 8, '/' in the
 * unused bytes; p never holds '/')? Eight bytes at a time. */
AD_INLINE bool has_stop_byte(const char *p, size_t n, uint64_t stops)
{
    for (; (unsigned char)stops != '/'; stops = stops >> 8 | UINT64_C(0x2F) << 56) {
        unsigned char b = (unsigned char)stops;
#if RTM__SWAR
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            if (rtm__bytes_eq(rtm__load8(p + i), b))
                return true;
        if (i < n && n >= 8) { /* the tail: the last word, overlapping */
            if (rtm__bytes_eq(rtm__load8(p + n - 8), b))
                return true;
            continue;
        }
        for (; i < n; i++)
            if ((unsigned char)p[i] == b)
                return true;
#else
        if (memchr(p, b, n))
            return true;
#endif
    }
    return false;
}

/* Static hot node t's label is the segment(s) at a, ending on a segment
 * boundary; w = hot_word(path, len, a). A label of up to 7 bytes is one
 * masked compare against the node's own lab16, which holds a '/' after
 * the label: the boundary is checked with the bytes. A longer one compares
 * its first 8 bytes the same way, the rest against lab16 (up to 16) or
 * labels[], then the byte after it. */
AD_INLINE bool hot_label_at(const ad_hot *hot, const ad_hnode *t, const char *path, size_t len,
                            size_t a, uint64_t w)
{
    size_t n = t->label_len;
    uint64_t d = w ^ rtm__load8(t->lab16);
    if (n < 8)
        return (d & ad_low_bytes(n + 1)) == 0;
    if (d != 0 || n > len - a)
        return false;
    if (n <= 16 ? rtm__load8(path + a + n - 8) != rtm__load8(t->lab16 + n - 8)
                : !ad_bytes_eq(path + a + 8, hot->labels + t->label + 8, n - 8))
        return false;
    return n == len - a || path[a + n] == '/';
}

/* The whole segment at a folded as ad_hot_fold's comment says, from
 * w = hot_word(path, len, a) and z, its '/' bytes (0: none). */
AD_INLINE uint64_t hot_whole_key(const char *path, size_t len, size_t a, uint64_t w, uint64_t z)
{
    uint64_t h = 0;
    while (!z) { /* at least 8 bytes before the segment's end: a + 8 <= len */
        h = ad_hot_fold(h, w);
        a += 8;
        w = hot_word(path, len, a);
        z = rtm__bytes_eq(w, '/');
    }
    return ad_hot_fold(h, w & ad_low_bytes(rtm__first_byte(z)));
}

/* A node with more than AD_HOT_SCAN_MAX statics: the one equal to the
 * segment at a, by the hash slot of its first segment's first 8 bytes (w
 * masked at its first '/'), or 16 in a node marked AD_HOT_WIDE (then the
 * next word so masked too, when w has no '/'), or all of it in one marked
 * AD_HOT_WHOLE. NULL when none. */
AD_INLINE const ad_hnode *hot_probe(const ad_hot *hot, const ad_hnode *x, const char *path,
                                    size_t len, size_t a, uint64_t w)
{
    uint64_t z = rtm__bytes_eq(w, '/');
    uint64_t lo = w & ad_low_bytes(z ? rtm__first_byte(z) : 8), hi = 0;
    unsigned bits = x->hbits;
    if (__builtin_expect(bits & AD_HOT_KEYING, 0)) {
        if (bits & AD_HOT_WHOLE) {
            lo = hot_whole_key(path, len, a, w, z);
        } else if (!z) { /* at least 8 bytes before the segment's end: a + 8 <= len */
            uint64_t w2 = hot_word(path, len, a + 8), z2 = rtm__bytes_eq(w2, '/');
            hi = w2 & ad_low_bytes(z2 ? rtm__first_byte(z2) : 8);
        }
        bits &= ~AD_HOT_KEYING;
    }
    const uint16_t *tab = hot->hidx + x->firsts;
    uint32_t mask = (1u << bits) - 1, k;
    for (uint32_t h = ad_hot_slot(lo, hi, bits); (k = tab[h]) != 0; h = (h + 1) & mask) {
        const ad_hnode *t = &hot->nodes[x->first + k - 1];
        if (hot_label_at(hot, t, path, len, a, w))
            return t;
    }
    return NULL;
}

/* Fill res as rtm__result_found(res, a->rt, caps) does, from the copy:
 * the record itself is not read (the names' addresses are computed). */
AD_INLINE void answer_found(rtm_result *res, const ad_hanswer *a, const size_t *caps)
{
    if (__builtin_expect(a->nparams > AD_HOT_NAMES, 0)) {
        rtm__result_found(res, a->rt, caps);
        return;
    }
    res->status = RTM_FOUND;
    res->route_id = a->id;
    res->udata = a->udata;
    res->nparams = a->nparams;
    const char *r = a->rt->names;
    for (unsigned i = 0; i < a->nparams; i++) {
        size_t n = a->name_len[i];
        res->params[i].name = r + 1;
        res->params[i].name_len = n;
        res->params[i].offset = caps[2 * i];
        res->params[i].length = caps[2 * i + 1];
        r += 1 + n;
    }
}

/* The hot trie's answer: RTM_FOUND (res filled) or 0 (walk the tree).
 * Greedy, never backtracks: at each segment the static child equal to it,
 * else the param child (when none of its threats equals the segment); any
 * dead end gives 0. Adds the hot nodes it entered to *visits. A static
 * child is found without a scan for the segment's end: by its first byte
 * among the node's kfirst (all its statics', or a larger node's hottest:
 * hot.c; unused bytes hold '/', which a non-empty segment never starts
 * with), else by a hash slot in a larger node; then one masked compare.
 * Only a param segment is scanned for its end.
 *
 * The hottest child, the first, is tried on a branch of its own: its
 * address comes from the node alone, so the next segment's loads from it
 * start on the predicted branch while the compares that confirm it run.
 * Picked from the compare's mask, the address waited for the compare, and
 * so did everything after it, segment after segment. (lookup_profile,
 * Zipf traffic, medians of alternating runs: github 70.2 against 78.8 ns,
 * kubernetes 63.7 against 74.4, azure-webapps 89.2 against 106.1; the
 * adaptive README has the table.) */
AD_INLINE int hot_match(const ad_hot *hot, unsigned method, const char *path, size_t len,
                        rtm_result *res, size_t *visits, const bool count)
{
    const ad_hnode *nd = hot->nodes, *x = nd;
    size_t caps[2 * AD_HOT_SEGS];
    unsigned np = 0;
    size_t a = 1;
    for (;;) {
        uint64_t w = hot_word(path, len, a);
        unsigned char ch = (unsigned char)w;
        const ad_hnode *c = NULL;
        size_t b;
        if (__builtin_expect(ch == '/', 0)) {
            /* an empty segment: the "" child at the path's end, else the tree */
            if (a < len || !x->empty)
                return 0;
            c = &nd[x->first + x->nstatic];
            b = a;
        } else {
            uint64_t m0 = bytes_eq_each(x->kfirst, ch);
            if ((m0 & 0x80) && hot_label_at(hot, &nd[x->first], path, len, a, w)) {
                c = &nd[x->first]; /* the hottest: see above */
            } else {
                for (uint64_t m = m0 & ~(uint64_t)0x80; m; m &= m - 1) {
                    const ad_hnode *t = &nd[x->first + rtm__first_byte(m)];
                    if (hot_label_at(hot, t, path, len, a, w)) {
                        c = t;
                        break;
                    }
                }
            }
            if (!c && x->hbits)
                c = hot_probe(hot, x, path, len, a, w);
            if (c) {
                b = a + c->label_len;
            } else {
                if (!x->param)
                    return 0;
                uint64_t z = rtm__bytes_eq(w, '/');
                b = z ? a + rtm__first_byte(z) : span_end(path, len, a + 8);
                size_t n = b - a;
                c = &nd[x->first + x->nstatic + x->empty];
                /* a static sibling outside the index equal to the segment,
                 * or a mixed one that may match it: the tree decides */
                if (rtm__load8(c->lab16) >> (n < 63 ? n : 63) & 1) {
                    const ad_hlabel *t = hot->threat + c->threats;
                    for (unsigned k = 0; k < c->nthreats; k++)
                        if (t[k].len == n && ad_bytes_eq(hot->labels + t[k].off, path + a, n))
                            return 0;
                }
                if (has_stop_byte(path + a, n, rtm__load8(c->lab16 + 8))) {
                    /* A mixed sibling may match. Ending the path: the
                     * first that does, in the tree's order, is the answer
                     * if it has the method; elsewhere the tree decides. */
                    if (b < len)
                        return 0;
                    const ad_hmixed *m = hot->mixed + c->label;
                    for (unsigned k = 0; k < c->seg1_len; k++, m++) {
                        if (np + m->nparams > AD_HOT_SEGS)
                            return 0;
                        if (!rtm__mixed_match(hot->labels + m->label, m->len, path + a, n,
                                              caps + 2 * np))
                            continue;
                        int idx = record_slot(m->mask, method);
                        if (idx < 0)
                            return 0;
                        for (unsigned j = 0; j < m->nparams; j++)
                            caps[2 * (np + j)] += a;
                        if (count)
                            ++*visits;
                        answer_found(res, &hot->answers[m->rec + (unsigned)idx], caps);
                        return RTM_FOUND;
                    }
                }
                if (c->label_len)
                    return 0; /* a holder: its mixed siblings only, none matching */
                caps[2 * np] = a;
                caps[2 * np + 1] = n;
                np++;
            }
        }
        if (count)
            ++*visits;
        if (b >= len) {
            int idx = record_slot(c->mask, method); /* -1 also when no leaf (mask 0) */
            if (idx < 0)
                return 0; /* a lower-ranked route, or 405: the tree decides */
            answer_found(res, &hot->answers[c->rec + (unsigned)idx], caps);
            return RTM_FOUND;
        }
        x = c;
        a = b + 1;
    }
}

/* Sampled lookups: remember the winner for the next index rebuild. */
static _Thread_local uint32_t ad_ring_pos;

AD_INLINE void ring_add(const rtm__impl *impl, const rtm__route *won)
{
    uint32_t i = ad_ring_pos++;
    if (i == 0) /* spread threads over the ring */
        i = ad_ring_pos = (uint32_t)((uintptr_t)&ad_ring_pos >> 6) * 2654435761u;
    atomic_store_explicit(&impl->ring[i & (AD_HOT_RING - 1)], won, memory_order_relaxed);
}

AD_INLINE void walk_init(ad_walk *w, const char *path, size_t len, unsigned method, bool add_slash)
{
    w->path = path;
    w->len = len;
    w->vlen = len + (add_slash ? 1 : 0);
    w->method = method;
    w->allow = 0;
    w->visits = 0;
    w->sub = NULL;
    w->misses = 0;
    w->last_line = 0;
    w->perf0 = 0;
    w->perf = 0;
    w->token_pending = false;
    w->won = NULL;
}

#ifdef RTM_DEBUG_VISITS
#define AD_COUNT true
#else
#define AD_COUNT false
#endif

/* The tree walks of rtm__adaptive_match, out of line so that the index's
 * path (most lookups under skewed traffic) stays a small function with a
 * short prologue. `visits` carries what the index entered first. */
static __attribute__((noinline)) int walk_plain(const rtm__impl *impl, unsigned method,
                                                const char *path, size_t len, rtm_result *res,
                                                size_t visits)
{
    ad_walk w;
    walk_init(&w, path, len, method, false);
    w.visits = visits;
    int st = walk(impl, &w, res, false, false, AD_COUNT);
#ifdef RTM_DEBUG_VISITS
    ad_last_visits = w.visits;
#endif
    return st;
}

static __attribute__((noinline)) int walk_add_slash(const rtm__impl *impl, unsigned method,
                                                    const char *path, size_t len, rtm_result *res)
{
    ad_walk w;
    walk_init(&w, path, len, method, true);
    int st = walk(impl, &w, res, true, false, AD_COUNT);
#ifdef RTM_DEBUG_VISITS
    ad_last_visits = w.visits;
#endif
    return st;
}

/* The own encodings' answer to an unsampled lookup: the index's, else the
 * tree's. */
AD_INLINE int own_answer(const rtm__impl *impl, const ad_hot *hot, unsigned method,
                         const char *path, size_t len, rtm_result *res)
{
    size_t hv = 0;
    if (hot && hot_match(hot, method, path, len, res, &hv, AD_COUNT) == RTM_FOUND) {
#ifdef RTM_DEBUG_VISITS
        ad_last_visits = hv;
#endif
        return RTM_FOUND;
    }
    return walk_plain(impl, method, path, len, res, hv);
}

/* The mirror's answer (front.c), without an epoch section: the mirror
 * changes only under writers. */
AD_INLINE int mirror_answer(const ad_mirror *front, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res)
{
#ifdef RTM_DEBUG_VISITS
    size_t v = 0;
    int st = ad_mirror_match_counted(front, method, path, len, flags, res, &v);
    ad_last_visits = v;
    return st;
#else
    return ad_mirror_match(front, method, path, len, flags, res);
#endif
}

/* An unsampled lookup while the mirror answers: the exact-path map, then
 * the mirror (exact.c). The debug build counts visits: none for the map. */
AD_INLINE int front_answer(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                           const ad_mirror *front, rtm_result *res)
{
    const ad_exact *x = atomic_load_explicit(&impl->exact, memory_order_acquire);
#ifdef RTM_DEBUG_VISITS
    if (x && ad_exact_answer(x, method, path, len, res)) {
        ad_last_visits = 0;
        return RTM_FOUND;
    }
    return mirror_answer(front, method, path, len, 0, res);
#else
    if (x)
        return ad_exact_front(x, method, path, len, front, res);
    return ad_mirror_match(front, method, path, len, 0, res);
#endif
}

/* The span since this thread's last sampled lookup: when it was the same
 * router's, with the same front, its clock ticks and unsampled lookups go
 * to that front's sums (front.c). Thread-local, like the countdown. */
static _Thread_local uint64_t ad_span_start;
static _Thread_local const rtm__impl *ad_span_router;
static _Thread_local const ad_mirror *ad_span_front;
static _Thread_local uint32_t ad_span_lookups;

AD_INLINE void front_span_end(const rtm__impl *impl, const ad_mirror *front)
{
    uint64_t ticks = ad_clock_ticks() - ad_span_start;
    uint32_t n = ad_span_lookups;
    if (ad_span_router != impl || ad_span_front != front || n == 0 ||
        ticks >= (uint64_t)n * AD_FRONT_OUTLIER)
        return; /* another router's, a front switched, or the thread was away */
    rtm__impl *m = (rtm__impl *)(uintptr_t)impl;
    unsigned which = front ? AD_FRONT_RADIX : AD_FRONT_OWN;
    ad_counter_add64(&m->front_ticks[which], ticks);
    ad_counter_add64(&m->front_n[which], n);
}

AD_INLINE void front_span_start(const rtm__impl *impl, const ad_mirror *front)
{
    ad_span_router = impl;
    ad_span_front = front;
    ad_span_lookups = ad_countdown - 1; /* the unsampled lookups before the next sample */
    ad_span_start = ad_clock_ticks();
}

/* Sampled: the tree answers (its metrics are what the policy reads); the
 * index is tried on the side to count its hits. */
static __attribute__((noinline)) int walk_sampled(const rtm__impl *impl, const ad_hot *hot,
                                                  const ad_mirror *front, unsigned method,
                                                  const char *path, size_t len, rtm_result *res)
{
    if (impl->mirror)
        front_span_end(impl, front);
    ad_walk w;
    walk_init(&w, path, len, method, false);
    ad_countdown = next_countdown(impl->sample_every);
    w.perf = impl->perf;
    int st = walk(impl, &w, res, false, true, AD_COUNT);
    if (st == RTM_FOUND) {
        rtm__impl *m = (rtm__impl *)(uintptr_t)impl;
        ad_counter_add(&m->wins, 1);
        ad_counter_add(&m->static_wins, w.won->nparams == 0);
        if (impl->ring)
            ring_add(impl, w.won);
    }
    if (hot) {
        rtm_result side;
        size_t v = 0;
        rtm__impl *m = (rtm__impl *)(uintptr_t)impl;
        ad_counter_add(&m->hot_tries, 1);
        if (hot_match(hot, method, path, len, &side, &v, false) == RTM_FOUND)
            ad_counter_add(&m->hot_hits, 1);
    }
#ifdef RTM_DEBUG_VISITS
    ad_last_visits = w.visits;
#endif
    if (impl->mirror)
        front_span_start(impl, front);
    return st;
}

/* An unsampled lookup the own encodings answer: index, else tree. */
static __attribute__((noinline)) int own_match(const rtm__impl *impl, unsigned method,
                                               const char *path, size_t len, rtm_result *res)
{
    rtm__epoch_rec *er = rtm__epoch_enter();
    int st = own_answer(impl, atomic_load_explicit(&impl->hot, memory_order_acquire), method, path,
                        len, res);
    rtm__epoch_exit(er);
    return st;
}

/* A sampled lookup, or one with the slash toggled (rtm_match's hint). */
static __attribute__((noinline)) int other_match(const rtm__impl *impl, unsigned method,
                                                 const char *path, size_t len, unsigned flags,
                                                 rtm_result *res)
{
    const ad_mirror *front = atomic_load_explicit(&impl->front, memory_order_acquire);
    if (front && (flags & RTM__MATCH_ADD_SLASH))
        return mirror_answer(front, method, path, len, flags, res);
    int st;
    rtm__epoch_rec *er = rtm__epoch_enter();
    const ad_hot *hot = atomic_load_explicit(&impl->hot, memory_order_acquire);
    if (flags & RTM__MATCH_ADD_SLASH)
        st = walk_add_slash(impl, method, path, len, res);
    else
        st = walk_sampled(impl, hot, front, method, path, len, res);
    rtm__epoch_exit(er);
    return st;
}

/* No frame of its own: each way out is a tail call. */
int rtm__adaptive_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                        unsigned flags, rtm_result *res)
{
    /* The countdown is per thread, shared by every router the thread uses:
     * one left over from a router with a larger K is cut short. */
    uint32_t cd = ad_countdown;
    if (__builtin_expect(!(flags & RTM__MATCH_ADD_SLASH) && cd - 2u < impl->countdown_span, 1)) {
        ad_countdown = cd - 1;
        const ad_mirror *front = atomic_load_explicit(&impl->front, memory_order_acquire);
        if (front)
            return front_answer(impl, method, path, len, front, res);
        return own_match(impl, method, path, len, res);
    }
    return other_match(impl, method, path, len, flags, res);
}

int rtm__adaptive_match_counted(const rtm__impl *impl, unsigned method, const char *path,
                                size_t len, unsigned flags, rtm_result *res, size_t *visits)
{
    const ad_mirror *front = atomic_load_explicit(&impl->front, memory_order_acquire);
    if (front)
        return ad_mirror_match_counted(front, method, path, len, flags, res, visits);
    ad_walk w;
    int st;
    rtm__epoch_rec *er = rtm__epoch_enter();
    if (flags & RTM__MATCH_ADD_SLASH) {
        walk_init(&w, path, len, method, true);
        st = walk(impl, &w, res, true, false, true);
    } else {
        walk_init(&w, path, len, method, false);
        const ad_hot *hot = atomic_load_explicit(&impl->hot, memory_order_acquire);
        if (hot && hot_match(hot, method, path, len, res, &w.visits, true) == RTM_FOUND)
            st = RTM_FOUND;
        else
            st = walk(impl, &w, res, false, false, true);
    }
    rtm__epoch_exit(er);
    if (visits)
        *visits = w.visits;
    return st;
}

int rtm__adaptive_hot_answers(const rtm__impl *impl, unsigned method, const char *path, size_t len)
{
    rtm__epoch_rec *er = rtm__epoch_enter();
    const ad_hot *hot = atomic_load_explicit(&impl->hot, memory_order_acquire);
    rtm_result res;
    size_t v = 0;
    int st = hot ? hot_match(hot, method, path, len, &res, &v, false) : 0;
    rtm__epoch_exit(er);
    return st == RTM_FOUND;
}
