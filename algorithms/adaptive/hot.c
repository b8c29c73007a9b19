/* SPDX-License-Identifier: MIT */
/* The adaptive algorithm's third encoding: the hot trie. Responsible for
 * choosing the routes that sampled traffic hits, and compiling them into
 * one immutable block that lookups try before the tree; the lookup itself
 * is hot_match() in lookup.c.
 *
 * ---- Idea ----
 *
 * The tree must answer for every route, so at each segment it looks for a
 * static child among all of them, and backtracks when a branch fails. The
 * routes that traffic actually reaches are usually a small part of the
 * table. The hot trie holds only those (the eligible routes hit in the
 * last windows, up to AD_HOT_ROUTES, hottest first; or, under traffic too
 * broad for that, every eligible route), and is walked greedily, never
 * backtracking:
 *
 *     (root) --"repos"-- {} -- {} --+--"pulls"--- {} [leaf]
 *                                   +--"issues"-- {} [leaf]
 *            --"users"-- {} [leaf]
 *
 * at each segment: the static child equal to it, else (at the path's end)
 * the first mixed child matching it, else the param child, else give up
 * (0: the tree walk decides). Static children are found without a scan
 * for the segment's end: by their first byte (one word compare over up to
 * 8 first bytes kept in the parent, the hottest first) or, in a node with
 * more, by a hash slot of the segment's first 8 bytes (the hottest child
 * is tried first of all: hot_match() says why); the label is then
 * compared against the child node itself, which keeps the label's first
 * 16 bytes and a '/' after a shorter one (so for up to 7 bytes one masked
 * word compare checks the label and its boundary together).
 * Static chains without a leaf are merged ("api/v1"), leaves are copied
 * (method mask, and the fields of the records a hit answers with, so that
 * a hit never reads a record), and the nodes, one 64-byte line each,
 * are laid out in one allocation, hottest sibling first within a group
 * (the children of one node) and the groups depth first, the heaviest
 * child's group next: a hot route's nodes lie a few groups apart, on a
 * page or two, where breadth first put each level in another part of the
 * block.
 *
 * ---- Why a greedy hit is the answer ----
 *
 * Let the walk reach route R for path P, and let S be any other route
 * matching P that SPEC ranks higher. At the first segment i where their
 * shapes differ S must beat R: R's segment i cannot be static (S would need
 * an equal static segment: the same shape there), so it is R's param or
 * R's mixed last segment, and S's is a static segment equal to P_i or a
 * mixed segment matching P_i, a child of the tree node T that R's first i
 * segments lead to. A hot static child equal to P_i is taken before any
 * other, so S's static child is outside the index: a *threat*. T's
 * static children (at most AD_HOT_THREATS) are copied onto the param node
 * as threats, and a segment equal to one of them gives up (the tree
 * decides). T's mixed children (at most AD_HOT_MIXED) are copied there too,
 * all of them, in the tree's order, with their leaves, and one byte of
 * each one's static text (its *stop byte*: ':' for "{}:cancel", '.' for
 * "{}.json"), which every segment it matches holds. A segment holding a
 * stop byte gives up before the path's end (a mixed child may match it,
 * and the index holds nothing below one); at the end it is the first
 * matching mixed child's leaf, in rank order, or none matches and the
 * param goes on. So S's mixed child cannot match P_i, or it would have
 * been taken (S has the method) before R's. Routes with catch-alls, a
 * mixed segment before the last, more than AD_HOT_SEGS segments or
 * params, or a node with more threats or mixed children (or more than 8
 * stop bytes) on their way are not taken. A leaf without the request's
 * method or ANY also gives up (the walk finds a lower-ranked route, or
 * the 405 set). So every answer of the hot trie is the tree's answer, and
 * the fuzzers compare both with the reference matcher.
 *
 * ---- Which routes ----
 *
 * Every sampled lookup that found a route writes the record's address into
 * a ring of AD_HOT_RING slots (relaxed stores; lossy under contention by
 * design). Each policy tick reads and clears the ring and folds its samples
 * into the routes' remembered wins: every remembered weight first loses
 * 1/AD_HOT_DECAY, then each sample adds one unit (AD_HOT_UNIT), so the
 * window is about the last AD_HOT_DECAY ticks, the recent ones weighing
 * more. One tick's ring holds at most AD_HOT_RING samples, which on a
 * large table under skewed traffic is a few samples of its hottest routes
 * and one of each of a long tail; over eight ticks the hot part of that
 * tail comes back and is told apart from the rest. The tick then walks the
 * tree's eligible part (static and param nodes, at most AD_HOT_SEGS deep;
 * everything under a blocked param is skipped) and takes the remembered
 * routes by decreasing weight (those of at most one sample's weight only
 * while they are a minority of the routes remembered). The share of the
 * lookups they would answer is estimated leaving one sample out in turn:
 * a route's weight counts when it would be held with one sample less (at
 * least the least weight held, and more than the heaviest route the cap
 * leaves out). When that share is below RTM__ADAPTIVE_HOT_FULL but the
 * eligible routes took at least that share of the remembered wins (broad
 * traffic), the index holds every eligible route, the remembered ones
 * first among their siblings: a *full* index, built again only every
 * AD_HOT_FULL_AGE ticks. It holds at most AD_HOT_FULL_ROUTES, the
 * heaviest, and with more eligible routes than that their share is scaled
 * by the part held. Otherwise, if the sampled routes are expected to
 * answer less than RTM__ADAPTIVE_HOT_COVER of the lookups (most traffic
 * goes to routes the hot trie cannot hold, or to a tail too long for the
 * window to have seen), the index is withdrawn: a miss costs its failed
 * attempt on top of the walk. A published index that sampled lookups saw
 * answer at least that share of them stays, whatever a small window
 * expects. With fewer
 * than AD_HOT_MIN_SAMPLES samples in the ring the published index and the
 * remembered wins are kept as they are. A writer that removes routes
 * forgets the wins (a freed record's address can come back as a new
 * route's).
 *
 * ---- Life ----
 *
 * The block is published with one release store (impl->hot) and retired
 * through the epoch limbo like a packed block. Writers (lookups quiesced)
 * free it directly, since a new route can add a threat or change a leaf;
 * the next tick rebuilds it. A tick's work is a sort of the ring, its merge
 * into the remembered wins (at most AD_HOT_SEEN, the heaviest, are kept: a
 * sort when there are more), one walk of the eligible tree (a binary
 * search of the wins per leaf) and the compile: O(ring log ring + seen log
 * seen + nodes log seen); a full index takes a second walk. The longest
 * tick on the corpus (42,607 routes, 28,090 of them eligible) took 31 ms
 * with a full index built, 25 ms with the sampled routes'. */
#include <stdlib.h>
#include <string.h>

#include "adaptive_internal.h" /* ad_hot, ad_tnode, ad_block, rtm__impl */

/* A segment of a candidate: a static label at position pos, or a threat;
 * off indexes hw->bytes. */
typedef struct hot_seg {
    uint32_t off;
    uint16_t len;
    uint8_t pos;
} hot_seg;

/* The non-static children of one tree node, found once while the tree is
 * walked: the threats of its param and its mixed children's own labels.
 * Its static children's first segments (hw->threats[first, + n), the
 * empty one left out: such a segment is never empty); one byte of each
 * mixed child's static text (stops: up to 8, '/' in the unused bytes,
 * which no segment holds); and the mixed children themselves in the
 * tree's (rank) order, hw->mixed[mfirst, + nmixed). */
typedef struct hot_group {
    uint32_t first;
    uint32_t n;
    uint64_t stops;
    uint32_t mfirst;
    uint32_t nmixed;
} hot_group;

/* A mixed child of a group: its label (hw->bytes), params and leaf. */
typedef struct hot_mixed {
    uint32_t off;
    uint16_t len;
    uint8_t nparams;
    const rtm__leaf *leaf; /* NULL when no route ends there */
} hot_mixed;

#define AD_HOT_NO_GROUP    UINT32_MAX       /* the node's non-static children are not indexed */
#define AD_HOT_GROUP_UNSET (UINT32_MAX - 1) /* not found yet */

/* A candidate while the tree is walked: the route's shape so far. */
typedef struct hot_cand {
    uint64_t weight;             /* sampled wins */
    const rtm__leaf *leaf;       /* its leaf */
    uint32_t pmask;              /* param positions */
    uint32_t nseg;               /* segments */
    uint32_t nchecks;            /* static segments */
    bool mixed_end;              /* the last segment is mixed */
    hot_seg seg[AD_HOT_SEGS];    /* offsets into hw->bytes */
    uint32_t group[AD_HOT_SEGS]; /* param (or mixed) position: its group */
} hot_cand;

typedef struct hot_walk {
    const ad_hot_seen *seen; /* remembered wins, by address */
    size_t nseen;
    /* the current root path */
    const char *lab[AD_HOT_SEGS]; /* static label of each position, NULL for a param */
    uint16_t len[AD_HOT_SEGS];
    uint32_t group[AD_HOT_SEGS]; /* threats' group of each param position */
    /* output */
    hot_cand *cands;
    size_t ncands, cap;
    char *bytes;
    size_t nbytes, bytes_cap;
    hot_group *groups; /* the params' threats */
    size_t ngroups, groups_cap;
    hot_seg *threats; /* their static labels */
    size_t nthreats, threats_cap;
    hot_mixed *mixed; /* their mixed children */
    size_t nmixed, mixed_cap;
    size_t neligible; /* eligible leaves walked, sampled or not */
    bool take_all;    /* every eligible route, sampled or not */
    bool oom;
} hot_walk;

static int by_addr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const rtm__route *const *)a;
    uintptr_t y = (uintptr_t) * (const rtm__route *const *)b;
    return x < y ? -1 : x > y;
}

/* The remembered wins of one record (binary search by address). */
static uint64_t wins_of(const hot_walk *hw, const rtm__route *rt)
{
    size_t lo = 0, hi = hw->nseen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)hw->seen[mid].rt < (uintptr_t)rt)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < hw->nseen && hw->seen[lo].rt == rt ? hw->seen[lo].w : 0;
}

/* Room for n more bytes in the label buffer (it may move). */
static bool reserve_bytes(hot_walk *hw, size_t n)
{
    if (hw->nbytes + n > hw->bytes_cap) {
        size_t cap = hw->bytes_cap ? 2 * hw->bytes_cap : 4096;
        while (cap < hw->nbytes + n)
            cap *= 2;
        char *b = realloc(hw->bytes, cap);
        if (!b) {
            hw->oom = true;
            return false;
        }
        hw->bytes = b;
        hw->bytes_cap = cap;
    }
    return true;
}

/* The array v, holding n elements of `size` bytes in room for *cap, with
 * room for one more: itself, or a larger copy (twice the room, `first`
 * to start with). NULL, with hw->oom set, when out of memory (v is kept). */
static void *grow_for_one(hot_walk *hw, void *v, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? 2 * *cap : first;
    void *p = realloc(v, c * size);
    if (!p) {
        hw->oom = true;
        return NULL;
    }
    *cap = c;
    return p;
}

/* Copy n bytes into the label buffer; the offset, or UINT32_MAX on failure. */
static uint32_t keep_bytes(hot_walk *hw, const char *p, size_t n)
{
    if (!reserve_bytes(hw, n))
        return UINT32_MAX;
    if (n)
        memcpy(hw->bytes + hw->nbytes, p, n);
    hw->nbytes += n;
    return (uint32_t)(hw->nbytes - n);
}

/* A route shape ends at depth nseg with this leaf: keep it if sampled.
 * With mixed_end its last segment is a mixed child of group
 * hw->group[nseg - 1] (hw->lab[nseg - 1] is NULL). */
static void consider(hot_walk *hw, const rtm__leaf *leaf, unsigned nseg, bool mixed_end)
{
    uint64_t w = 0;
    hw->neligible++;
    for (unsigned k = 0; k < leaf->n; k++)
        w += wins_of(hw, leaf->routes[k]);
    if (hw->take_all && w < 1)
        w = 1;
    if (w < 1 || hw->oom)
        return;
    hot_cand *v = grow_for_one(hw, hw->cands, hw->ncands, &hw->cap, sizeof *v, 64);
    if (!v)
        return;
    hw->cands = v;
    hot_cand *c = &hw->cands[hw->ncands];
    memset(c, 0, sizeof *c);
    c->weight = w;
    c->leaf = leaf;
    c->nseg = nseg;
    c->mixed_end = mixed_end;
    for (unsigned j = 0; j < nseg; j++) {
        if (!hw->lab[j]) {
            c->pmask |= 1u << j;
            c->group[j] = hw->group[j];
            continue;
        }
        hot_seg *k = &c->seg[c->nchecks++];
        k->off = keep_bytes(hw, hw->lab[j], hw->len[j]);
        k->len = hw->len[j];
        k->pos = (uint8_t)j;
    }
    if (!hw->oom)
        hw->ncands++;
}

/* A mixed child at position pos (a child of group grp) whose leaf is
 * `leaf`: a candidate when a route ends there and the route has at most
 * AD_HOT_SEGS params (the lookup's captures). */
static void consider_mixed(hot_walk *hw, const rtm__leaf *leaf, unsigned pos, uint32_t grp,
                           unsigned nparams)
{
    unsigned np = nparams;
    for (unsigned j = 0; j < pos; j++)
        np += hw->lab[j] == NULL;
    if (!leaf || np > AD_HOT_SEGS)
        return;
    hw->group[pos] = grp;
    hw->lab[pos] = NULL;
    hw->len[pos] = 0;
    consider(hw, leaf, pos + 1, true);
}

/* ---- A param's threats and mixed siblings ---- */

/* The byte of a mixed label's static text that every segment it matches
 * holds, chosen to be rare in parameter values: the first that is neither
 * a letter nor a digit (":" of "{name}:cancel", "." of "{id}.json"), else
 * the first. A mixed label always has static text (SPEC). */
static unsigned char stop_byte(const char *lab, size_t n)
{
    int first = -1;
    bool in_param = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)lab[i];
        if (ch == '{' || ch == '}') {
            in_param = ch == '{';
            continue;
        }
        if (in_param)
            continue;
        bool alnum = (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z');
        if (!alnum)
            return ch;
        if (first < 0)
            first = ch;
    }
    return (unsigned char)first;
}

/* Start a group: the non-static children of one tree node. */
static void group_begin(hot_walk *hw, hot_group *g)
{
    g->first = (uint32_t)hw->nthreats;
    g->n = 0;
    g->stops = UINT64_C(0x2F2F2F2F2F2F2F2F);
    g->mfirst = (uint32_t)hw->nmixed;
    g->nmixed = 0;
}

/* A static sibling: its first segment lab[0, n) is a threat. False when
 * there are more than AD_HOT_THREATS or no memory is left. */
static bool group_static(hot_walk *hw, hot_group *g, const char *lab, size_t n)
{
    if (n == 0)
        return true;
    if (g->n == AD_HOT_THREATS || hw->oom)
        return false;
    hot_seg *t = grow_for_one(hw, hw->threats, hw->nthreats, &hw->threats_cap, sizeof *t, 256);
    if (!t)
        return false;
    hw->threats = t;
    uint32_t off = keep_bytes(hw, lab, n);
    if (off == UINT32_MAX)
        return false;
    hw->threats[hw->nthreats++] = (hot_seg){off, (uint16_t)n, 0};
    g->n++;
    return true;
}

/* A mixed child, label lab[0, n) with nparams params and its leaf: its
 * stop byte joins the group's, itself the group's list. False when that
 * makes more than eight stop bytes or AD_HOT_MIXED children, or no memory
 * is left. */
static bool group_mixed(hot_walk *hw, hot_group *g, const char *lab, size_t n, unsigned nparams,
                        const rtm__leaf *leaf)
{
    unsigned char b = stop_byte(lab, n);
    unsigned k = 0;
    for (; k < 8; k++) {
        unsigned char have = (unsigned char)(g->stops >> (8 * k));
        if (have == b)
            break;
        if (have == '/') {
            g->stops &= ~(UINT64_C(0xFF) << (8 * k));
            g->stops |= (uint64_t)b << (8 * k);
            break;
        }
    }
    if (k == 8 || g->nmixed == AD_HOT_MIXED || hw->oom)
        return false;
    hot_mixed *m = grow_for_one(hw, hw->mixed, hw->nmixed, &hw->mixed_cap, sizeof *m, 64);
    if (!m)
        return false;
    hw->mixed = m;
    uint32_t off = keep_bytes(hw, lab, n);
    if (off == UINT32_MAX)
        return false;
    hw->mixed[hw->nmixed++] = (hot_mixed){off, (uint16_t)n, (uint8_t)nparams, leaf};
    g->nmixed++;
    return true;
}

/* Keep a finished group: its number, or AD_HOT_NO_GROUP when `ok` is
 * false (its labels are dropped: the param is not indexed). */
static uint32_t group_end(hot_walk *hw, const hot_group *g, bool ok)
{
    if (ok && !hw->oom) {
        hot_group *v = grow_for_one(hw, hw->groups, hw->ngroups, &hw->groups_cap, sizeof *v, 64);
        if (v)
            hw->groups = v;
    }
    if (!ok || hw->oom) {
        hw->nthreats = g->first;
        hw->nmixed = g->mfirst;
        return AD_HOT_NO_GROUP;
    }
    hw->groups[hw->ngroups] = *g;
    return (uint32_t)hw->ngroups++;
}

/* ---- Walking the packed encoding ---- */

/* Children of packed node x, the first at path position pos. Recursion
 * depth is bounded by AD_HOT_SEGS. */
static void walk_block(hot_walk *hw, const ad_block *blk, uint32_t x, unsigned pos)
{
    const ad_pnode *xp = &blk->nodes[x];
    if (pos >= AD_HOT_SEGS || hw->oom)
        return;
    uint32_t grp = AD_HOT_GROUP_UNSET;
    for (uint32_t i = 0; i < xp->nkids; i++) {
        uint32_t c = xp->first + i;
        const ad_pnode *cp = &blk->nodes[c];
        unsigned npos = pos;
        if (cp->kind != RTM__SEG_STATIC && cp->kind != RTM__SEG_CATCHALL &&
            grp == AD_HOT_GROUP_UNSET) {
            hot_group g;
            bool ok = true;
            group_begin(hw, &g);
            for (uint32_t t = 0; ok && t < xp->nkids; t++) {
                const ad_pnode *sp = &blk->nodes[xp->first + t];
                if (sp->kind == RTM__SEG_STATIC)
                    ok = group_static(hw, &g, blk->labels + sp->label, sp->seg1_len);
                else if (sp->kind == RTM__SEG_MIXED)
                    ok = group_mixed(hw, &g, blk->labels + sp->label, sp->label_len, sp->nparams,
                                     blk->leaves[xp->first + t]);
            }
            grp = group_end(hw, &g, ok);
        }
        if (cp->kind == RTM__SEG_STATIC) {
            /* one or more segments ('/' between them) */
            const char *l = blk->labels + cp->label, *end = l + cp->label_len;
            unsigned segs = 1;
            for (const char *q = l; q < end; q++)
                segs += *q == '/';
            if (pos + segs > AD_HOT_SEGS)
                continue; /* deeper than the index goes */
            for (;;) {
                const char *s = memchr(l, '/', (size_t)(end - l));
                const char *e = s ? s : end;
                hw->lab[npos] = l;
                hw->len[npos] = (uint16_t)(e - l);
                npos++;
                if (!s)
                    break;
                l = s + 1;
            }
        } else if (cp->kind == RTM__SEG_PARAM && grp != AD_HOT_NO_GROUP) {
            hw->group[pos] = grp;
            hw->lab[pos] = NULL;
            hw->len[pos] = 0;
            npos = pos + 1;
        } else {
            if (cp->kind == RTM__SEG_MIXED && grp != AD_HOT_NO_GROUP)
                consider_mixed(hw, blk->leaves[c], pos, grp, cp->nparams);
            continue; /* nothing below a mixed or catch-all child is indexed */
        }
        if (blk->leaves[c])
            consider(hw, blk->leaves[c], npos, false);
        if (cp->nkids)
            walk_block(hw, blk, c, npos);
    }
}

/* ---- Walking the trie encoding ---- */

static const ad_kids *kids_relaxed(const ad_tnode *t, uintptr_t *packed)
{
    uintptr_t body = atomic_load_explicit(&t->body, memory_order_relaxed);
    *packed = body & AD_PACKED ? body & ~AD_PACKED : 0;
    return (body & AD_PACKED) ? NULL : (const ad_kids *)body;
}

/* Children of a trie node (kids), the first at path position pos. */
static void walk_trie(hot_walk *hw, const ad_kids *kids, unsigned pos)
{
    if (!kids || pos >= AD_HOT_SEGS || hw->oom)
        return;
    uint32_t grp = AD_HOT_GROUP_UNSET;
    for (uint32_t i = 0; i < kids->n; i++) {
        const ad_tnode *c = kids->child[i];
        if (c->kind != RTM__SEG_STATIC && c->kind != RTM__SEG_CATCHALL &&
            grp == AD_HOT_GROUP_UNSET) {
            hot_group g;
            bool ok = true;
            group_begin(hw, &g);
            for (uint32_t t = 0; ok && t < kids->n; t++) {
                const ad_tnode *y = kids->child[t];
                if (y->kind == RTM__SEG_STATIC)
                    ok = group_static(hw, &g, y->label, y->label_len);
                else if (y->kind == RTM__SEG_MIXED)
                    ok = group_mixed(hw, &g, y->label, y->label_len, y->nparams, y->leaf);
            }
            grp = group_end(hw, &g, ok);
        }
        if (c->kind == RTM__SEG_STATIC) {
            hw->lab[pos] = c->label;
            hw->len[pos] = (uint16_t)c->label_len;
        } else if (c->kind == RTM__SEG_PARAM && grp != AD_HOT_NO_GROUP) {
            hw->group[pos] = grp;
            hw->lab[pos] = NULL;
            hw->len[pos] = 0;
        } else {
            if (c->kind == RTM__SEG_MIXED && grp != AD_HOT_NO_GROUP)
                consider_mixed(hw, c->leaf, pos, grp, c->nparams);
            continue; /* nothing below a mixed or catch-all child is indexed */
        }
        if (c->leaf)
            consider(hw, c->leaf, pos + 1, false);
        uintptr_t blk;
        const ad_kids *ck = kids_relaxed(c, &blk);
        if (blk)
            walk_block(hw, (const ad_block *)blk, 0, pos + 1);
        else
            walk_trie(hw, ck, pos + 1);
    }
}

/* ---- Choosing and compiling ---- */

/* Candidates by decreasing weight, shorter first, then in walk order. */
static int by_weight(const void *a, const void *b)
{
    const hot_cand *x = *(hot_cand *const *)a, *y = *(hot_cand *const *)b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    if (x->nseg != y->nseg)
        return x->nseg < y->nseg ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Candidates in the order the tree walk found them (their addresses). */
static int by_walk_order(const void *a, const void *b)
{
    const hot_cand *x = *(hot_cand *const *)a, *y = *(hot_cand *const *)b;
    return x < y ? -1 : x > y;
}

/* ---- Compiling the chosen routes into the hot trie ---- */

/* A node while the trie is built (pointer-free: indexes into bn[]). */
typedef struct bnode {
    uint32_t kids;     /* first static child, or UINT32_MAX */
    uint32_t next;     /* next static sibling, or UINT32_MAX */
    uint32_t param;    /* param child, or UINT32_MAX */
    uint32_t leaf;     /* 1 + index of the candidate ending here, or 0 */
    uint32_t label;    /* static: offset in hw->bytes */
    uint32_t len;      /* static: label bytes */
    uint64_t weight;   /* samples of the routes through it */
    const hot_cand *c; /* param: the candidate whose threats it keeps */
    uint32_t pos;      /* param: its segment position */
    uint32_t at;       /* final index */
    uint32_t first;    /* final index of its first child */
    uint32_t seg1;     /* static: bytes of the label's first segment */
    bool holder;       /* param: stands only for its mixed siblings */
} bnode;

#define BN_NONE UINT32_MAX

static uint32_t bnode_new(bnode *bn, uint32_t *n)
{
    bnode *x = &bn[*n];
    memset(x, 0, sizeof *x);
    x->kids = x->next = x->param = BN_NONE;
    return (*n)++;
}

/* Add candidate c (its checks are its static segments in position order).
 * Candidates come in the tree walk's order, depth first, so those sharing
 * a prefix come one after another and a static child c needs, if it
 * exists, is the one made last: the head of its parent's list. (Were it
 * not, a second child with the same label would be made; a lookup takes
 * the first and gives up where the route is under the second, so answers
 * stay right.) Without this, the root's list was scanned for every new
 * child: 0.5 s for the 65,536 routes of a 100,000-route table. */
static void bnode_insert(bnode *bn, uint32_t *n, const hot_cand *c, uint32_t ci, const char *bytes)
{
    uint32_t x = 0, k = 0;
    bn[0].weight += c->weight;
    for (uint32_t pos = 0; pos < c->nseg; pos++) {
        uint32_t y;
        if (c->pmask >> pos & 1u) {
            /* a param, or the mixed segment ending the route: its group's
             * list, kept on the param node (a holder when no param route
             * is indexed there); nothing below it */
            bool mixed = c->mixed_end && pos + 1 == c->nseg;
            if ((y = bn[x].param) == BN_NONE) {
                y = bn[x].param = bnode_new(bn, n);
                bn[y].c = c;
                bn[y].pos = pos;
                bn[y].holder = mixed;
            } else if (!mixed) {
                bn[y].holder = false;
            }
            if (mixed)
                return;
        } else {
            const hot_seg *ck = &c->seg[k++];
            y = bn[x].kids;
            if (y == BN_NONE || bn[y].len != ck->len ||
                (ck->len && memcmp(bytes + bn[y].label, bytes + ck->off, ck->len) != 0)) {
                y = bnode_new(bn, n);
                bn[y].label = ck->off;
                bn[y].len = bn[y].seg1 = ck->len;
                bn[y].next = bn[x].kids;
                bn[x].kids = y;
            }
        }
        bn[y].weight += c->weight;
        x = y;
    }
    bn[x].leaf = ci + 1; /* shapes are unique: no other candidate ends here */
}

/* Children of x appended to order[] as one group: the non-empty static
 * labels by decreasing weight, then the "" label, then the param. Returns
 * the number of non-empty statics. */
static uint32_t layout_kids(bnode *bn, uint32_t x, uint32_t *order, uint32_t *norder,
                            bool *has_empty)
{
    uint32_t first = *norder, empty = BN_NONE;
    for (uint32_t y = bn[x].kids; y != BN_NONE; y = bn[y].next) {
        if (bn[y].len == 0)
            empty = y;
        else
            order[(*norder)++] = y;
    }
    /* insertion sort by weight (groups are small) */
    for (uint32_t i = first + 1; i < *norder; i++) {
        uint32_t v = order[i], j = i;
        while (j > first && bn[order[j - 1]].weight < bn[v].weight) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    uint32_t ns = *norder - first;
    *has_empty = empty != BN_NONE;
    if (empty != BN_NONE)
        order[(*norder)++] = empty;
    if (bn[x].param != BN_NONE)
        order[(*norder)++] = bn[x].param;
    return ns;
}

/* Record where the group kids[0, n) (laid out from position first) lies,
 * and push it on stack[] lightest first, so that the heaviest child's
 * group is laid out next. The statics come heaviest first; the "" and
 * param children (at most two, at the end) are inserted by weight. */
static void push_by_weight(bnode *bn, const uint32_t *kids, uint32_t n, uint32_t *stack,
                           uint32_t *nstack, uint32_t first)
{
    uint32_t *s = stack + *nstack;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t y = kids[n - 1 - k], j = k;
        bn[y].at = first + n - 1 - k;
        while (j > 0 && bn[s[j - 1]].weight > bn[y].weight) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = y;
    }
    *nstack += n;
}

/* Path compression: a static node without a leaf whose only child is a
 * static one with a non-empty label takes that child's label (after a '/'),
 * leaf and children, so a lookup compares "api/v1" once. Returns 0 or -1
 * (out of memory). */
static int merge_chains(bnode *bn, uint32_t nb, hot_walk *hw)
{
    for (uint32_t x = 1; x < nb; x++) {
        bnode *p = &bn[x];
        if (p->c) /* a param node */
            continue;
        for (;;) {
            uint32_t y = p->kids;
            if (p->leaf || p->param != BN_NONE || y == BN_NONE || bn[y].next != BN_NONE ||
                bn[y].len == 0 || p->len == 0 || p->len + 1 + bn[y].len > UINT16_MAX)
                break;
            size_t at = hw->nbytes;
            /* copy through the buffer: keep_bytes may move it */
            if (!reserve_bytes(hw, p->len + 1 + bn[y].len))
                return -1;
            memmove(hw->bytes + at, hw->bytes + p->label, p->len);
            hw->bytes[at + p->len] = '/';
            memmove(hw->bytes + at + p->len + 1, hw->bytes + bn[y].label, bn[y].len);
            hw->nbytes = at + p->len + 1 + bn[y].len;
            p->label = (uint32_t)at;
            p->len += 1 + bn[y].len;
            p->kids = bn[y].kids;
            p->param = bn[y].param;
            p->leaf = bn[y].leaf;
            bn[y].len = 0; /* unreachable now */
        }
    }
    return 0;
}

/* log2 of the index size for n static children (at most half full). */
static uint32_t index_bits(uint32_t n)
{
    uint32_t b = 4;
    while ((1u << b) < 2 * n)
        b++;
    return b;
}

/* The threats of param node x (its candidate's group at x's position),
 * or NULL for a static node. */
static const hot_group *group_of(const hot_walk *hw, const bnode *x)
{
    return x->c ? &hw->groups[x->c->group[x->pos]] : NULL;
}

/* A static hot node's key: its first segment's first 8 bytes (keying 0),
 * or 16 (AD_HOT_WIDE), as two little-endian words, zero above; or the
 * whole segment folded (AD_HOT_WHOLE) in key[0], key[1] zero. */
static void slot_key(const ad_hnode *t, const char *labels, unsigned keying, uint64_t key[2])
{
    key[0] = key[1] = 0;
    if (keying == AD_HOT_WHOLE) {
        const char *s = labels + t->label;
        uint64_t h = 0, chunk = 0;
        unsigned j = 0;
        for (; j < t->seg1_len; j++) {
            chunk |= (uint64_t)(unsigned char)s[j] << (8 * (j % 8));
            if (j % 8 == 7) {
                h = ad_hot_fold(h, chunk);
                chunk = 0;
            }
        }
        key[0] = ad_hot_fold(h, chunk); /* the last 0..7 bytes */
        return;
    }
    for (unsigned j = 0; j < t->seg1_len && j < (keying ? 16u : 8u); j++)
        key[j / 8] |= (uint64_t)(unsigned char)t->lab16[j] << (8 * (j % 8));
}

/* Fill a node's hash slots (2^bits, zeroed) with its n static children:
 * each keyed by its first segment's first 8 bytes, 16 or all of it (see
 * slot_key), as lookups read them (hot_probe). False, with the slots to be
 * refilled with the next keying, when more than AD_HOT_SHARED children
 * share a key of 8 or 16 bytes: a lookup would compare them all. The
 * corpus's root: 331 of its 1,319 first segments begin "azure.co", 184
 * "amazonaw", 154 "googleap"; under Zipf traffic the index's failed
 * attempt on a request it leaves to the tree took 1,422 instructions, 282
 * keyed wide. Slack's 17 "admin.conversations.*" share 16 bytes: keyed
 * wide, its lookups took 66 ns against radix's 49. A few sharing are
 * cheaper than the second word a wide key reads on every probe (Stripe's
 * "payment_intents", "payment_methods", ...: 52.7 -> 58.7 ns per lookup
 * keyed wide). */
static bool fill_slots(uint16_t *tab, const ad_hnode *kids, const char *labels, uint32_t n,
                       unsigned bits, unsigned keying)
{
    uint32_t mask = (1u << bits) - 1;
    for (uint32_t k = 0; k < n; k++) {
        uint64_t key[2], other[2];
        slot_key(&kids[k], labels, keying, key);
        uint32_t h = ad_hot_slot(key[0], key[1], bits), shared = 0;
        for (; tab[h]; h = (h + 1) & mask) {
            slot_key(&kids[tab[h] - 1], labels, keying, other);
            if (keying != AD_HOT_WHOLE && other[0] == key[0] && other[1] == key[1] &&
                ++shared == AD_HOT_SHARED)
                return false;
        }
        tab[h] = (uint16_t)(k + 1);
    }
    return true;
}

/* What a hit on record rt answers (ad_hanswer). */
static void answer_of(ad_hanswer *a, const rtm__route *rt)
{
    a->rt = rt;
    a->udata = rt->udata;
    a->id = rt->id;
    a->nparams = rt->nparams;
    const char *r = rt->names;
    for (unsigned i = 0; i < rt->nparams && i < AD_HOT_NAMES; i++) {
        a->name_len[i] = (uint8_t)*r;
        r += 1 + (unsigned char)*r;
    }
}

/* Compile the chosen candidates (sel[0, n), put in walk order) into one
 * block; `full` when they are every eligible route. */
static ad_hot *compile(rtm__impl *impl, hot_cand **sel, size_t n, hot_walk *hw, uint64_t expected,
                       uint64_t total, bool full)
{
    qsort(sel, n, sizeof *sel, by_walk_order);
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += sel[i]->nseg;
    bnode *bn = malloc(cap * sizeof *bn);
    uint32_t *order = malloc(cap * sizeof *order);
    uint32_t *stack = malloc(cap * sizeof *stack);
    uint32_t *nstat = malloc(cap * sizeof *nstat);
    bool *emp = malloc(cap * sizeof *emp);
    ad_hot *hot = NULL;
    if (!bn || !order || !stack || !nstat || !emp)
        goto out;
    uint32_t nb = 0;
    bnode_new(bn, &nb);
    for (size_t i = 0; i < n; i++)
        bnode_insert(bn, &nb, sel[i], (uint32_t)i, hw->bytes);
    if (merge_chains(bn, nb, hw) != 0)
        goto out;
    const char *bytes = hw->bytes;
    /* Groups depth first, the heaviest child's group next: a hot route's
     * nodes lie in consecutive groups, a few lines and one page apart. */
    uint32_t norder = 1, nstack = 1;
    order[0] = stack[0] = 0;
    bn[0].at = 0;
    size_t nthr = 0, nlab = 0, nans = 0, nhx = 0, nmix = 0;
    while (nstack > 0) {
        uint32_t xi = stack[--nstack], i = bn[xi].at;
        bnode *x = &bn[xi];
        uint32_t first = norder;
        nstat[i] = layout_kids(bn, xi, order, &norder, &emp[i]);
        x->first = first;
        push_by_weight(bn, order + first, norder - first, stack, &nstack, first);
        if (nstat[i] > AD_HOT_SCAN_MAX)
            nhx += (size_t)1 << index_bits(nstat[i]);
        const hot_group *g = group_of(hw, x);
        for (uint32_t t = 0; g && t < g->n; t++)
            nlab += hw->threats[g->first + t].len;
        for (uint32_t t = 0; g && t < g->nmixed; t++) {
            const hot_mixed *m = &hw->mixed[g->mfirst + t];
            nlab += m->len;
            nans += m->leaf ? m->leaf->n : 0;
        }
        nthr += g ? g->n : 0;
        nmix += g ? g->nmixed : 0;
        if (!x->c)
            nlab += x->len;
    }
    for (size_t i = 0; i < n; i++)
        nans += sel[i]->mixed_end ? 0 : sel[i]->leaf->n;
    /* header on a line boundary (64 bytes of slack), nodes on the next */
    nb = norder; /* merged chains left nodes behind */
    size_t o_nodes = (sizeof(ad_hot) + 63) & ~(size_t)63;
    size_t o_answers = o_nodes + nb * sizeof(ad_hnode);
    size_t o_threat = o_answers + nans * sizeof(ad_hanswer);
    size_t o_mixed = o_threat + nthr * sizeof(ad_hlabel);
    size_t o_hidx = o_mixed + nmix * sizeof(ad_hmixed);
    size_t o_labels = o_hidx + nhx * sizeof(uint16_t);
    size_t all = o_labels + nlab + 64;
    char *base = rtm__calloc(impl->a, all);
    if (!base)
        goto out;
    char *mem = base + ((64 - (uintptr_t)base % 64) % 64);
    hot = (ad_hot *)(void *)mem;
    ad_hnode *nodes = (ad_hnode *)(void *)(mem + o_nodes);
    ad_hanswer *answers = (ad_hanswer *)(void *)(mem + o_answers);
    ad_hlabel *threat = (ad_hlabel *)(void *)(mem + o_threat);
    ad_hmixed *mixed = (ad_hmixed *)(void *)(mem + o_mixed);
    uint16_t *hidx = (uint16_t *)(void *)(mem + o_hidx);
    char *labels = mem + o_labels;
    hot->base = base;
    hot->bytes = all;
    hot->nroutes = (uint32_t)n;
    hot->nnodes = nb;
    hot->cover_pm = total ? (uint32_t)(expected * 1000 / total) : 0;
    hot->full = full;
    hot->nodes = nodes;
    hot->hidx = hidx;
    hot->threat = threat;
    hot->mixed = mixed;
    hot->answers = answers;
    hot->labels = labels;
    size_t nt = 0, nl = 0, nh = 0;
    /* labels first: a node's first bytes come from its children's labels */
    for (uint32_t i = 0; i < nb; i++) {
        const bnode *x = &bn[order[i]];
        ad_hnode *d = &nodes[i];
        if (!x->c) {
            d->label = (uint32_t)nl;
            d->label_len = (uint16_t)x->len;
            d->seg1_len = (uint16_t)x->seg1;
            if (x->len) { /* bytes is NULL when no label has any */
                memcpy(d->lab16, bytes + x->label, x->len < 16 ? x->len : 16);
                memcpy(labels + nl, bytes + x->label, x->len);
            }
            if (x->len < 16)
                d->lab16[x->len] = '/'; /* the boundary, compared with the bytes */
            nl += x->len;
        }
    }
    size_t nr = 0, nm = 0;
    for (uint32_t i = 0; i < nb; i++) {
        const bnode *x = &bn[order[i]];
        ad_hnode *d = &nodes[i];
        if (x->leaf) {
            const rtm__leaf *lf = sel[x->leaf - 1]->leaf;
            d->mask = lf->mask;
            d->rec = (uint32_t)nr;
            for (unsigned k = 0; k < lf->n; k++)
                answer_of(&answers[nr++], lf->routes[k]);
        }
        d->first = x->first;
        d->nstatic = (uint16_t)nstat[i];
        d->empty = emp[i];
        d->param = x->param != BN_NONE;
        if (nstat[i] > AD_HOT_SCAN_MAX) {
            unsigned bits = index_bits(nstat[i]);
            d->firsts = (uint32_t)nh;
            static const unsigned keyings[] = {0, AD_HOT_WIDE, AD_HOT_WHOLE};
            for (unsigned k = 0;; k++) {
                memset(hidx + nh, 0, ((size_t)1 << bits) * sizeof *hidx);
                if (fill_slots(hidx + nh, nodes + d->first, labels, nstat[i], bits, keyings[k])) {
                    d->hbits = (uint8_t)(bits | keyings[k]);
                    break;
                }
            }
            nh += (size_t)1 << bits;
        }
        /* the first bytes of the statics, hottest first; '/' where no
         * child is (a non-empty segment never starts with it). All of them
         * in a node of up to AD_HOT_SCAN_MAX. A larger one (hashed) keeps
         * its first AD_HOT_SCAN_MAX when they carry half its weight, else
         * its hottest alone: a scan that mostly finds no label only adds
         * compares before the hash slot (lookup_profile, medians of
         * alternating runs: stripe's /v1 under uniform traffic, 57.1 ns
         * a lookup with the hottest alone against 59.7 with none, and
         * 57.9 against 61.5 with eight; github under Zipf, 74.2 with
         * eight against 77.7 with the hottest alone). */
        uint32_t nkf = nstat[i];
        if (nkf > AD_HOT_SCAN_MAX) {
            uint64_t top = 0;
            for (uint32_t k = 0; k < AD_HOT_SCAN_MAX; k++)
                top += bn[order[d->first + k]].weight;
            nkf = top > 0 && 2 * top >= x->weight ? AD_HOT_SCAN_MAX : 1;
        }
        uint64_t kf = UINT64_C(0x2F2F2F2F2F2F2F2F);
        for (uint32_t k = 0; k < nkf; k++) {
            kf &= ~(UINT64_C(0xFF) << (8 * k));
            kf |= (uint64_t)(unsigned char)labels[nodes[d->first + k].label] << (8 * k);
        }
        d->kfirst = kf;
        const hot_group *g = group_of(hw, x);
        if (g) {
            /* a param node: its threats, the mask of their lengths and its
             * stop bytes (in lab16, which only static nodes use) */
            uint64_t lens = 0;
            d->threats = (uint32_t)nt;
            d->nthreats = (uint8_t)g->n;
            for (uint32_t t = 0; t < g->n; t++) {
                const hot_seg *ck = &hw->threats[g->first + t];
                threat[nt++] = (ad_hlabel){(uint32_t)nl, ck->len};
                memcpy(labels + nl, bytes + ck->off, ck->len);
                nl += ck->len;
                lens |= UINT64_C(1) << (ck->len < 63 ? ck->len : 63);
            }
            memcpy(d->lab16, &lens, 8);
            memcpy(d->lab16 + 8, &g->stops, 8);
            /* its mixed siblings, each with its leaf inline */
            d->label = (uint32_t)nm;
            d->seg1_len = (uint16_t)g->nmixed;
            d->label_len = x->holder;
            for (uint32_t t = 0; t < g->nmixed; t++) {
                const hot_mixed *m = &hw->mixed[g->mfirst + t];
                const rtm__leaf *lf = m->leaf;
                mixed[nm++] =
                    (ad_hmixed){(uint32_t)nl, (uint32_t)nr, m->len, lf ? lf->mask : 0, m->nparams};
                memcpy(labels + nl, bytes + m->off, m->len);
                nl += m->len;
                for (unsigned k = 0; lf && k < lf->n; k++)
                    answer_of(&answers[nr++], lf->routes[k]);
            }
        }
    }
out:
    free(bn);
    free(order);
    free(stack);
    free(nstat);
    free(emp);
    return hot;
}

static void hot_free(rtm__impl *impl, const ad_hot *hot)
{
    rtm__free(impl->a, hot->base, hot->bytes);
}

static void retired_hot_free(rtm__epoch_entry *e, void *ctx)
{
    hot_free(ctx, (const ad_hot *)(void *)e); /* retire is the first member */
}

/* Publish `hot` (may be NULL) in place of the current index. */
static void publish(rtm__impl *impl, ad_hot *hot)
{
    const ad_hot *old = atomic_load_explicit(&impl->hot, memory_order_relaxed);
    atomic_store_explicit(&impl->hot, hot, memory_order_release);
    if (hot)
        impl->hot_builds++;
    impl->hot_age = 0;
    if (old) {
        ad_hot *o = (ad_hot *)(uintptr_t)old;
        rtm__epoch_retire(&impl->limbo, &o->retire, rtm__epoch_unlinked(), retired_hot_free);
    }
}

void ad_hot_drop(rtm__impl *impl)
{
    const ad_hot *old = atomic_load_explicit(&impl->hot, memory_order_relaxed);
    atomic_store_explicit(&impl->hot, NULL, memory_order_relaxed);
    if (old)
        hot_free(impl, old);
}

/* Has the published index answered at least RTM__ADAPTIVE_HOT_COVER of the
 * sampled lookups that tried it, over enough of them to tell? A window of
 * a few hundred samples over a table of a thousand routes is mostly routes
 * sampled once, so its expected share is low whatever the traffic; what
 * the index in place answered is the direct measure, and it decides then.
 * (The benchmark met this: a tick after a pause in its traffic withdrew
 * the github index that answered 98% of the lookups.) */
static bool observed_to_pay(const rtm__impl *impl)
{
    uint32_t tries = atomic_load_explicit(&impl->hot_tries, memory_order_relaxed);
    uint32_t hits = atomic_load_explicit(&impl->hot_hits, memory_order_relaxed);
    return atomic_load_explicit(&impl->hot, memory_order_relaxed) && tries >= AD_HOT_MIN_SAMPLES &&
           (double)hits >= RTM__ADAPTIVE_HOT_COVER * (double)tries;
}

/* Walk the tree into hw: the eligible routes with remembered wins, or all
 * of them with `all` (those without wins weigh 1; with no memory, as for
 * tests, every route does). */
static void walk_eligible(rtm__impl *impl, hot_walk *hw, bool all, bool memory)
{
    memset(hw, 0, sizeof *hw);
    hw->seen = memory ? impl->seen : NULL;
    hw->nseen = memory ? impl->nseen : 0;
    hw->take_all = all;
    uintptr_t blk;
    walk_trie(hw, kids_relaxed(impl->root, &blk), 0);
}

static void walk_free(hot_walk *hw)
{
    free(hw->cands);
    free(hw->bytes);
    free(hw->groups);
    free(hw->threats);
    free(hw->mixed);
}

/* The sampled routes worth holding, into sel (room for AD_HOT_ROUTES), by
 * decreasing weight; *expected gets the weight of those that count in the
 * estimate. Returns how many.
 *
 * Routes with at most one sample's weight are held only while they are a
 * minority of the routes remembered: then the window has seen most of the
 * traffic's routes (a table in the window's reach); otherwise they are a
 * random slice of a long tail, whose lines would crowd the cache for few
 * hits (the corpus under Zipf traffic: 1,240 routes held with them, 333
 * without, 200 -> 188 ns per lookup). The share of future lookups the held
 * routes answer is estimated leaving one sample out in turn: a route's
 * wins count when it would be held without one of them (the Good-Turing
 * estimate). The window's own share, every held route's wins, was 0.93 on
 * the corpus under uniform traffic, where the index answered 14% of the
 * lookups and took them from 342 to 552 ns. */
static size_t choose_sampled(hot_walk *hw, hot_cand **sel, uint64_t *expected)
{
    hot_cand **by = malloc((hw->ncands + 1) * sizeof *by);
    if (!by)
        return SIZE_MAX;
    size_t once = 0;
    for (size_t i = 0; i < hw->ncands; i++) {
        by[i] = &hw->cands[i];
        once += hw->cands[i].weight <= AD_HOT_UNIT;
    }
    qsort(by, hw->ncands, sizeof *by, by_weight);
    uint64_t min_weight = 2 * once < hw->ncands ? 1 : AD_HOT_UNIT + 1;
    size_t nsel = 0;
    for (size_t i = 0; i < hw->ncands && nsel < AD_HOT_ROUTES; i++) {
        if (by[i]->weight < min_weight)
            break; /* sorted by decreasing weight */
        sel[nsel++] = by[i];
    }
    /* held with one sample less: still at least min_weight, and heavier
     * than the heaviest route the cap leaves out */
    uint64_t bar = min_weight;
    if (nsel < hw->ncands && by[nsel]->weight >= min_weight)
        bar = by[nsel]->weight + 1;
    *expected = 0;
    for (size_t i = 0; i < nsel; i++)
        *expected += sel[i]->weight >= bar + AD_HOT_UNIT ? sel[i]->weight : 0;
    free(by);
    return nsel;
}

/* Hold every eligible route instead? When the sampled ones are expected
 * to answer less than RTM__ADAPTIVE_HOT_FULL of the lookups and the
 * eligible routes at least that share: the share of the remembered wins
 * they took, scaled down when there are more than AD_HOT_FULL_ROUTES of
 * them (the index then holds that many, the heaviest, and those not
 * sampled are assumed to take an equal share each). Broad traffic over a
 * large table is the case: a hit of the index costs no more than the
 * tree's walk even when its lines are cold, but a miss costs its attempt
 * on top of the walk, so an index of the sampled routes loses unless
 * nearly every lookup hits it (the corpus under uniform traffic after 20
 * ticks: 13,165 remembered routes held, half the lookups answered, 420 ns
 * per lookup against 300 for the tree alone; every eligible route: 93%
 * answered, 250-260 ns). *eligible and *remembered get the wins of the
 * eligible routes (scaled) and of all the remembered ones. */
static bool full_wanted(const rtm__impl *impl, const hot_walk *hw, uint64_t expected,
                        uint64_t total, uint64_t *eligible, uint64_t *remembered)
{
    *eligible = *remembered = 0;
    if ((impl->flags & RTM_ADAPTIVE_NO_FULL_INDEX) ||
        (double)expected >= RTM__ADAPTIVE_HOT_FULL * (double)total)
        return false;
    for (size_t i = 0; i < hw->ncands; i++)
        *eligible += hw->cands[i].weight;
    for (size_t i = 0; i < impl->nseen; i++)
        *remembered += impl->seen[i].w;
    if (hw->neligible > AD_HOT_FULL_ROUTES)
        *eligible = (uint64_t)((double)*eligible * AD_HOT_FULL_ROUTES / (double)hw->neligible);
    return *remembered && (double)*eligible >= RTM__ADAPTIVE_HOT_FULL * (double)*remembered;
}

/* Compile hw's candidates, all of them (up to AD_HOT_FULL_ROUTES, the
 * heaviest), into a full index. NULL when out of memory. */
static ad_hot *compile_full(rtm__impl *impl, hot_walk *hw, uint64_t eligible, uint64_t remembered)
{
    hot_cand **sel = malloc((hw->ncands + 1) * sizeof *sel);
    if (!sel)
        return NULL;
    for (size_t i = 0; i < hw->ncands; i++)
        sel[i] = &hw->cands[i];
    size_t n = hw->ncands;
    if (n > AD_HOT_FULL_ROUTES) {
        qsort(sel, n, sizeof *sel, by_weight);
        n = AD_HOT_FULL_ROUTES;
    }
    ad_hot *hot = compile(impl, sel, n, hw, eligible, remembered, true);
    free(sel);
    return hot;
}

/* Build the index from the remembered wins, `total` of them, and publish
 * it: the sampled routes worth holding, or every eligible route (kept
 * AD_HOT_FULL_AGE ticks before it is built again with the newer wins'
 * order). Or withdraw the published one when neither is expected to answer
 * enough of the lookups and the published one is not seen to. */
static int rebuild(rtm__impl *impl, uint64_t total)
{
    hot_walk hw;
    walk_eligible(impl, &hw, false, true);
    hot_cand **sel = malloc((AD_HOT_ROUTES + 1) * sizeof *sel);
    ad_hot *hot = NULL;
    uint64_t expected = 0, eligible, remembered;
    size_t nsel = hw.oom || !sel ? SIZE_MAX : choose_sampled(&hw, sel, &expected);
    int rc = nsel == SIZE_MAX ? RTM_ENOMEM : 0;
    if (rc)
        goto out;
    const ad_hot *cur = atomic_load_explicit(&impl->hot, memory_order_relaxed);
    if (impl->hot_age < UINT32_MAX)
        impl->hot_age++;
    if (full_wanted(impl, &hw, expected, total, &eligible, &remembered)) {
        if (cur && cur->full && impl->hot_age < AD_HOT_FULL_AGE)
            goto out; /* the table and its order are still those it holds */
        walk_free(&hw);
        walk_eligible(impl, &hw, true, true);
        if (hw.oom || !(hot = compile_full(impl, &hw, eligible, remembered)))
            rc = RTM_ENOMEM;
    } else if (nsel && (double)expected >= RTM__ADAPTIVE_HOT_COVER * (double)total) {
        if (!(hot = compile(impl, sel, nsel, &hw, expected, total, false)))
            rc = RTM_ENOMEM;
    } else if (observed_to_pay(impl)) {
        goto out; /* a small window cannot tell; the index in place answers enough */
    }
    if (!rc && (hot || cur))
        publish(impl, hot);
out:
    free(sel);
    walk_free(&hw);
    return rc;
}

static int by_weight_desc(const void *a, const void *b)
{
    uint32_t x = ((const ad_hot_seen *)a)->w, y = ((const ad_hot_seen *)b)->w;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int seen_by_addr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const ad_hot_seen *)a)->rt;
    uintptr_t y = (uintptr_t)((const ad_hot_seen *)b)->rt;
    return x < y ? -1 : x > y;
}

/* Fold n sorted samples into the remembered wins: each old weight loses
 * 1/AD_HOT_DECAY, each sample adds AD_HOT_UNIT, weights below
 * AD_HOT_UNIT / 8 are forgotten, and at most AD_HOT_SEEN, the heaviest,
 * are kept. Returns the total weight, the forgotten wins' included (the
 * share the held routes answer is of all traffic), 0 when out of memory. */
static uint64_t remember(rtm__impl *impl, const rtm__route *const *s, size_t n)
{
    size_t cap = (size_t)impl->nseen + n;
    ad_hot_seen *m = rtm__malloc(impl->a, cap * sizeof *m);
    if (!m)
        return 0;
    const ad_hot_seen *old = impl->seen;
    size_t i = 0, j = 0, k = 0;
    while (i < impl->nseen || j < n) {
        const rtm__route *rt =
            j == n || (i < impl->nseen && (uintptr_t)old[i].rt <= (uintptr_t)s[j]) ? old[i].rt
                                                                                   : s[j];
        uint32_t w = 0;
        if (i < impl->nseen && old[i].rt == rt) {
            w = old[i].w - old[i].w / AD_HOT_DECAY;
            i++;
        }
        for (; j < n && s[j] == rt; j++)
            w += AD_HOT_UNIT;
        if (w >= AD_HOT_UNIT / 8)
            m[k++] = (ad_hot_seen){rt, w};
    }
    if (k > AD_HOT_SEEN) {
        qsort(m, k, sizeof *m, by_weight_desc);
        k = AD_HOT_SEEN;
        qsort(m, k, sizeof *m, seen_by_addr);
    }
    if (impl->seen)
        rtm__free(impl->a, impl->seen, impl->seen_cap * sizeof *impl->seen);
    impl->seen = m;
    impl->seen_cap = (uint32_t)cap;
    impl->nseen = (uint32_t)k;
    impl->seen_total = impl->seen_total - impl->seen_total / AD_HOT_DECAY + n * AD_HOT_UNIT;
    return impl->seen_total;
}

/* Forget every remembered win and the ring's samples (writers that
 * remove, destroy, tests; policy mutex held). */
void ad_hot_forget(rtm__impl *impl)
{
    for (size_t i = 0; impl->ring && i < AD_HOT_RING; i++)
        atomic_store_explicit(&impl->ring[i], NULL, memory_order_relaxed);
    if (impl->seen)
        rtm__free(impl->a, impl->seen, impl->seen_cap * sizeof *impl->seen);
    impl->seen = NULL;
    impl->nseen = impl->seen_cap = 0;
    impl->seen_total = 0;
}

int ad_hot_tick(rtm__impl *impl)
{
    if ((impl->flags & RTM_ADAPTIVE_NO_HOT) || !impl->ring)
        return 0;
    const rtm__route **samples = malloc(AD_HOT_RING * sizeof *samples);
    if (!samples)
        return RTM_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < AD_HOT_RING; i++) {
        const rtm__route *rt = atomic_load_explicit(&impl->ring[i], memory_order_relaxed);
        if (rt) {
            samples[n++] = rt;
            atomic_store_explicit(&impl->ring[i], NULL, memory_order_relaxed);
        }
    }
    int rc = 0;
    if (n >= AD_HOT_MIN_SAMPLES) {
        qsort(samples, n, sizeof *samples, by_addr);
        uint64_t total = remember(impl, samples, n);
        rc = total ? rebuild(impl, total) : RTM_ENOMEM;
    } /* else too little traffic to judge: keep what is published */
    free(samples);
    return rc;
}

int ad_hot_build_all(rtm__impl *impl)
{
    if (impl->flags & RTM_ADAPTIVE_NO_HOT)
        return 0;
    hot_walk hw;
    walk_eligible(impl, &hw, true, false);
    int rc = hw.oom ? RTM_ENOMEM : 0;
    ad_hot *hot = NULL;
    if (!rc && hw.ncands && !(hot = compile_full(impl, &hw, 0, 0)))
        rc = RTM_ENOMEM;
    if (!rc && (hot || atomic_load_explicit(&impl->hot, memory_order_relaxed)))
        publish(impl, hot);
    walk_free(&hw);
    return rc;
}
