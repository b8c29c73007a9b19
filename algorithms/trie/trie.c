/* SPDX-License-Identifier: MIT */
/* The plain trie matcher: one node per path SEGMENT (the bytes between two
 * '/'), no path compression. It builds, matches, removes from and frees its
 * own tree; pattern parsing, segment ranking, mixed-segment splitting and
 * method leaves come from lib/ (pattern.h, segment.h, route.h), so that its
 * answers equal every other algorithm's by construction.
 *
 * ---- Why one node per segment ----
 *
 * In SPEC.md every rule is per segment: a parameter never crosses a '/', the
 * ranking compares segment with segment, and a path's segment boundaries are
 * fixed by its '/' bytes. A node per segment makes the tree the same shape
 * as the rules: the children of a node are exactly the alternatives for one
 * path segment, and the depth of a node is the number of segments matched.
 * A per-byte trie would need param nodes that span bytes up to the next '/'
 * and would mix both granularities. Path compression (merging chains of
 * nodes) is what the radix algorithm adds; the trie stays the baseline.
 *
 * ---- Node layout (one allocation per node: header, then label bytes) ----
 *
 *     trie_node
 *     +--------------------+
 *     | parent             |  NULL only for the root
 *     | leaf               |  rtm__leaf of the shapes ending here, or NULL
 *     | statics  ------------> [len|head|child*][len|head|child*]...
 *     |                    |      sorted by (length, bytes); head = first 4
 *     |                    |      label bytes, so the search reads no child
 *     | mixed    ------------> [child*][child*]...   sorted by rtm__seg_rank
 *     | param              |  the one "{}" child, or NULL
 *     | catchall           |  the one "{*}" child, or NULL (always a leaf node)
 *     | nstatic, nmixed    |  lengths of the two arrays (allocated exactly)
 *     | idx                |  own position in the parent's statics/mixed array
 *     | label_len          |
 *     | kind               |  rtm__seg_kind of the segment this node matched
 *     | first_param        |  index of its first param in every route below
 *     | nparams            |  params in its segment (catch-all: 1)
 *     +--------------------+
 *     | label[label_len]   |  static bytes ("users", or "" for a trailing
 *     +--------------------+  slash) or a mixed shape ("{}.json"); empty
 *                             for "{}" and "{*}"
 *
 * ---- Example ----
 *
 *     GET /               GET /users/{id}        GET /files/{*path}
 *     GET /users          GET /users/{id}/edit   GET /v{major}/status
 *     GET /users/new      PUT /users/{uid}
 *
 *     (root)
 *      +-- statics ""            leaf {GET /}
 *      +-- statics "files"
 *      |    +-- catchall {*}     leaf {GET /files/{*path}}
 *      +-- statics "users"       leaf {GET /users}
 *      |    +-- statics "new"    leaf {GET /users/new}
 *      |    +-- param {}         leaf {GET /users/{id}, PUT /users/{uid}}
 *      |         +-- statics "edit"   leaf {GET /users/{id}/edit}
 *      +-- mixed "v{}"
 *           +-- statics "status" leaf {GET /v{major}/status}
 *
 * GET and PUT share the "{}" node and its leaf, each record keeping its own
 * parameter names. The pattern "/" is one empty static segment, and
 * "/users/" would be "users" then "" (the trailing-slash segment).
 *
 * ---- Invariants (checked by rtm__trie_check) ----
 *
 * 1. A node's children are the distinct canonical segments that follow its
 *    shape prefix: static ones in `statics`, strictly increasing by
 *    (length, bytes); mixed ones in `mixed`, strictly increasing by
 *    rtm__seg_rank (best first); at most one "{}" and one "{*}" child.
 * 2. child->parent is the node, and a statics/mixed child's idx is its index
 *    in that array.
 * 3. first_param is the parent's first_param + parent's nparams (the root:
 *    0 and 0), so the parameter slots a node writes are fixed by its place.
 * 4. Every node but the root has a leaf or a child (removal prunes); a
 *    catch-all node has a leaf and no child.
 * 5. nnodes counts every node, the root included.
 *
 * ---- Matching: an iterative depth-first search with no stack ----
 *
 * State: the current node, `pos` (where the path segment its children
 * consume starts), that segment's end, and `stage` (which child to try
 * next, in rank order: the static child found by binary search, then the
 * mixed children one by one, then "{}", then "{*}"). Descending sets
 * pos = end + 1. Backtracking needs no stack: the parent is node->parent,
 * the parent's segment ends at pos - 1 and starts after the '/' found by
 * scanning back, and the stage to resume is fixed by the child's kind and
 * idx. A catch-all child is only ever a leaf, so it is tried in place.
 * Captured (offset, length) pairs go to caps[] at the node's first_param;
 * a node on the current path is never overwritten by a node below it
 * (invariant 3), so caps[] holds the winner's captures when a leaf wins.
 * The first leaf reached whose rtm__leaf_pick() accepts the method is the
 * best candidate (DFS in rank order = SPEC's left-to-right ranking). When
 * none accepts it, the search has covered every matching leaf and the OR of
 * their masks is the 405 set.
 *
 * The virtual '/' of RTM__MATCH_ADD_SLASH is handled by treating the path as
 * vlen = len + 1 bytes whose byte len is '/': the extra segment is empty and
 * only the "" child (or a catch-all) can take it.
 *
 * ---- Complexity ----
 *
 * A lookup enters each node at most once (the search is a DFS of a tree,
 * and a backtrack never re-enters the child it leaves), and reads a child
 * only from its parent's single visit, so it reads each node at most once
 * (rtm__trie_match_counted() counts them; tests check visits <= nodes). At a
 * node the work is one memchr for the segment end, a binary search among
 * the static slots (key summaries inline, one child label compared at the
 * end), one rtm__mixed_match per mixed child and one backwards scan on
 * backtrack: each O(segment length), the search times log fan-out. So a
 * lookup is O(nodes x segment length) <= O(table size x path length) and
 * never exponential; with no backtracking it is O(path length x log
 * fan-out). Extra memory: caps[64] on the C stack, whatever the depth of the
 * path (100,000 segments) or of the routes (65,535-byte patterns: 32,767
 * segments). Insert and remove are O(pattern length x log fan-out) plus the
 * copy of one child array; they and destroy are iterative as well. */
#include "trie.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "segment.h" /* rtm__seg_rank, rtm__mixed_match */

/* ---- Types ---- */

typedef struct trie_node trie_node;

/* One static child in its parent's array, with the key summary the binary
 * search compares without touching the child node (one cache line holds
 * four slots). */
typedef struct trie_slot {
    uint32_t len;    /* the child's label length */
    uint32_t head;   /* its first 4 label bytes, big-endian, zero-padded */
    trie_node *node; /* the child */
} trie_slot;

struct trie_node {
    trie_node *parent;   /* NULL for the root */
    rtm__leaf *leaf;     /* bindings of the shape ending here, or NULL */
    trie_slot *statics;  /* static children by (length, bytes); NULL when none */
    trie_node **mixed;   /* mixed children by rtm__seg_rank, best first; NULL when none */
    trie_node *param;    /* the "{}" child, or NULL */
    trie_node *catchall; /* the "{*}" child, or NULL */
    uint32_t nstatic;    /* entries in statics (its exact allocated length) */
    uint32_t nmixed;     /* entries in mixed (its exact allocated length) */
    uint32_t idx;        /* own index in the parent's statics or mixed array */
    uint32_t label_len;  /* bytes in label */
    uint8_t kind;        /* rtm__seg_kind of this node's segment */
    uint8_t first_param; /* route-wide index of the segment's first param */
    uint8_t nparams;     /* params in the segment */
    char label[];        /* static bytes or mixed shape; empty for {} and {*} */
};

struct rtm__impl {
    rtm__alloc *alloc; /* the router's allocator (byte-counted) */
    trie_node *root;   /* depth 0, no segment; never NULL */
    size_t nnodes;     /* nodes, the root included */
};

/* Bytes of a node with a label of `label_len` bytes (used to allocate and
 * to free, so the byte counter returns to 0). */
#define NODE_SIZE(label_len) (sizeof(trie_node) + (size_t)(label_len))
/* Bytes of a statics array of n slots, and of a mixed array of n pointers. */
#define SLOTS_SIZE(n) ((size_t)(n) * sizeof(trie_slot))
#define PTRS_SIZE(n)  ((size_t)(n) * sizeof(trie_node *))

/* Force inlining of the bodies whose probe argument is a constant NULL on
 * the hot path (so the probing code folds away). */
#if defined(__GNUC__)
#define TRIE_INLINE inline __attribute__((always_inline))
#else
#define TRIE_INLINE inline
#endif

/* The probe of the counted and traced lookups (bench/probe.h contract): a
 * node counts once, when the lookup first reads it (the root; a static child
 * whose label is compared; a mixed child tried; the "{}" child taken; the
 * "{*}" child tried). Each node is read at most once per lookup, so visits
 * never exceed the node count. Child arrays, leaves and the winning record
 * are reported as auxiliary blocks. */
typedef struct trie_probe {
    size_t visits;                                  /* nodes read */
    void (*visit)(void *ctx, const void *, size_t); /* NULL: count only */
    void *ctx;                                      /* visit's argument */
} trie_probe;

static inline void probe_node(trie_probe *pr, const trie_node *n)
{
    pr->visits++;
    if (pr->visit)
        pr->visit(pr->ctx, n, NODE_SIZE(n->label_len));
}

static inline void probe_aux(trie_probe *pr, const void *p, size_t bytes)
{
    if (pr->visit)
        pr->visit(pr->ctx, p, bytes | RTM__TRACE_AUX);
}

/* ---- Children ---- */

/* The order of static labels: by length, then bytes. Any total order serves
 * (two static segments never match the same path segment); comparing lengths
 * first makes most comparisons one integer test. */
static int static_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return alen < blen ? -1 : 1;
    return memcmp(a, b, alen);
}

/* The first 4 bytes of s[0..n), big-endian, zero-padded. For two labels of
 * equal length, comparing heads is comparing their first 4 bytes as memcmp
 * does, so (len, head, bytes) is the static_cmp order. */
static inline uint32_t key_head(const char *s, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < 4; i++)
        h = (h << 8) | (i < n ? (uint32_t)(unsigned char)s[i] : 0u);
    return h;
}

static trie_slot slot_of(trie_node *c)
{
    trie_slot sl = {c->label_len, key_head(c->label, c->label_len), c};
    return sl;
}

/* Binary search of node's static children for the label s[0..n). Returns the
 * child, or NULL and sets *at (may be NULL) to where it would be inserted.
 * Only the last step (an equal summary) reads a child node. `pr` (NULL
 * outside the probed lookups) records the slots and the node read. */
static TRIE_INLINE trie_node *static_find(const trie_node *node, const char *s, size_t n,
                                          uint32_t *at, trie_probe *pr)
{
    uint32_t lo = 0, hi = node->nstatic;
    if (n <= RTM_MAX_PATTERN) { /* a longer path segment is no label */
        const uint32_t len = (uint32_t)n, head = key_head(s, n);
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            const trie_slot *sl = &node->statics[mid];
            int r;
            if (pr)
                probe_aux(pr, sl, sizeof *sl);
            if (len != sl->len)
                r = len < sl->len ? -1 : 1;
            else if (head != sl->head)
                r = head < sl->head ? -1 : 1;
            else {
                if (pr)
                    probe_node(pr, sl->node);
                if ((r = memcmp(s, sl->node->label, n)) == 0)
                    return sl->node;
            }
            if (r < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    if (at)
        *at = lo;
    return NULL;
}

/* Binary search of node's mixed children for the canonical mixed segment
 * s[0..n). Returns the child, or NULL and sets *at to its rank position. */
static trie_node *mixed_find(const trie_node *node, const char *s, size_t n, uint32_t *at)
{
    uint32_t lo = 0, hi = node->nmixed;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const trie_node *c = node->mixed[mid];
        int r = rtm__seg_rank(RTM__SEG_MIXED, s, n, RTM__SEG_MIXED, c->label, c->label_len);
        if (r == 0)
            return node->mixed[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *at = lo;
    return NULL;
}

/* The child of `node` for the canonical segment `sg` of pattern `p`, or NULL
 * with *at set to the array position a new static/mixed child would take. */
static trie_node *child_for(const trie_node *node, const rtm__pattern *p, const rtm__seg *sg,
                            uint32_t *at)
{
    const char *text = p->shape + sg->off;
    *at = 0;
    switch (sg->kind) {
    case RTM__SEG_STATIC:
        return static_find(node, text, sg->len, at, NULL);
    case RTM__SEG_MIXED:
        return mixed_find(node, text, sg->len, at);
    case RTM__SEG_PARAM:
        return node->param;
    default:
        return node->catchall;
    }
}

static uint32_t child_count(const trie_node *n)
{
    return n->nstatic + n->nmixed + (n->param != NULL) + (n->catchall != NULL);
}

/* Children enumerated in one fixed order (statics, mixed, param, catch-all)
 * by an ordinal, for the iterative walks of destroy and check. */
static uint32_t child_ordinal(const trie_node *c)
{
    const trie_node *p = c->parent;
    switch (c->kind) {
    case RTM__SEG_STATIC:
        return c->idx;
    case RTM__SEG_MIXED:
        return p->nstatic + c->idx;
    case RTM__SEG_PARAM:
        return p->nstatic + p->nmixed;
    default:
        return p->nstatic + p->nmixed + 1;
    }
}

/* The first existing child of n whose ordinal is >= ord, or NULL. */
static trie_node *child_from(const trie_node *n, uint32_t ord)
{
    if (ord < n->nstatic)
        return n->statics[ord].node;
    ord -= n->nstatic;
    if (ord < n->nmixed)
        return n->mixed[ord];
    ord -= n->nmixed;
    if (ord == 0 && n->param)
        return n->param;
    if (ord <= 1 && n->catchall)
        return n->catchall;
    return NULL;
}

/* The next sibling of c in ordinal order, or NULL (c is not the root). */
static trie_node *next_sibling(const trie_node *c)
{
    return child_from(c->parent, child_ordinal(c) + 1);
}

/* ---- Nodes ---- */

/* Allocate a childless, leafless node for segment `sg` of `p` under
 * `parent` (which is not modified). Returns NULL when out of memory. */
static trie_node *node_new(rtm__alloc *a, const rtm__pattern *p, const rtm__seg *sg,
                           trie_node *parent)
{
    uint32_t label_len = (sg->kind == RTM__SEG_STATIC || sg->kind == RTM__SEG_MIXED) ? sg->len : 0;
    trie_node *n = rtm__calloc(a, NODE_SIZE(label_len));
    if (!n)
        return NULL;
    n->parent = parent;
    n->kind = sg->kind;
    n->first_param = sg->first_param;
    n->nparams = sg->nparams;
    n->label_len = label_len;
    memcpy(n->label, p->shape + sg->off, label_len);
    return n;
}

/* Free a node's child arrays and the node itself (not its children, not
 * its leaf). */
static void node_free(rtm__alloc *a, trie_node *n)
{
    rtm__free(a, n->statics, SLOTS_SIZE(n->nstatic));
    rtm__free(a, n->mixed, PTRS_SIZE(n->nmixed));
    rtm__free(a, n, NODE_SIZE(n->label_len));
}

/* Free the chain of prepared nodes from `last` up to (not including)
 * `stop`; each has at most one child, the next one. Iterative. */
static void chain_free(rtm__alloc *a, trie_node *last, const trie_node *stop)
{
    while (last && last != stop) {
        trie_node *up = last->parent;
        node_free(a, last);
        last = up;
    }
}

/* A copy of the array `old` (n elements of esz bytes) with `elem` inserted at
 * `at`. NULL when out of memory. Touches neither old nor any node. */
static void *array_insert(rtm__alloc *a, const void *old, uint32_t n, uint32_t at, const void *elem,
                          size_t esz)
{
    char *arr = rtm__malloc(a, (size_t)(n + 1) * esz);
    if (!arr)
        return NULL;
    if (at)
        memcpy(arr, old, (size_t)at * esz);
    memcpy(arr + (size_t)at * esz, elem, esz);
    if (n - at)
        memcpy(arr + (size_t)(at + 1) * esz, (const char *)old + (size_t)at * esz,
               (size_t)(n - at) * esz);
    return arr;
}

/* A copy of the array `old` (n >= 2 elements of esz bytes) without element
 * `at`. NULL when out of memory. */
static void *array_erase(rtm__alloc *a, const void *old, uint32_t n, uint32_t at, size_t esz)
{
    char *arr = rtm__malloc(a, (size_t)(n - 1) * esz);
    if (!arr)
        return NULL;
    memcpy(arr, old, (size_t)at * esz);
    memcpy(arr + (size_t)at * esz, (const char *)old + (size_t)(at + 1) * esz,
           (size_t)(n - 1 - at) * esz);
    return arr;
}

/* Install a new statics array of n slots (NULL when n == 0) in `node`,
 * renumber the children's idx, free the old array. Cannot fail. */
static void statics_commit(rtm__alloc *a, trie_node *node, trie_slot *arr, uint32_t n)
{
    assert((arr != NULL) == (n != 0));
    rtm__free(a, node->statics, SLOTS_SIZE(node->nstatic));
    node->statics = arr;
    node->nstatic = n;
    for (uint32_t i = 0; i < n; i++)
        arr[i].node->idx = i;
}

/* The same for the mixed array. */
static void mixed_commit(rtm__alloc *a, trie_node *node, trie_node **arr, uint32_t n)
{
    assert((arr != NULL) == (n != 0));
    rtm__free(a, node->mixed, PTRS_SIZE(node->nmixed));
    node->mixed = arr;
    node->nmixed = n;
    for (uint32_t i = 0; i < n; i++)
        arr[i]->idx = i;
}

/* ---- Create, destroy, stats ---- */

static int trie_create(rtm__impl **out, rtm__alloc *a, const rtm_config *cfg)
{
    (void)cfg;
    rtm__impl *impl = rtm__calloc(a, sizeof *impl);
    trie_node *root = rtm__calloc(a, NODE_SIZE(0));
    if (!impl || !root) {
        rtm__free(a, impl, sizeof *impl);
        rtm__free(a, root, NODE_SIZE(0));
        return RTM_ENOMEM;
    }
    root->kind = RTM__SEG_STATIC; /* unused for the root */
    impl->alloc = a;
    impl->root = root;
    impl->nnodes = 1;
    *out = impl;
    return 0;
}

/* Post-order walk with parent links: descend to a node without children,
 * free it, continue with its next sibling's deepest first descendant or
 * with its parent. A node is freed after all its children; a sibling is
 * found (from the parent's arrays) before the node is freed. */
static void trie_destroy(rtm__impl *impl)
{
    rtm__alloc *a = impl->alloc;
    trie_node *n = impl->root, *c;
    while ((c = child_from(n, 0)) != NULL)
        n = c;
    for (;;) {
        trie_node *parent = n->parent;
        trie_node *sib = parent ? next_sibling(n) : NULL;
        rtm__leaf_free_all(a, n->leaf);
        node_free(a, n);
        if (sib) {
            n = sib;
            while ((c = child_from(n, 0)) != NULL)
                n = c;
        } else if (parent) {
            n = parent;
        } else {
            break;
        }
    }
    rtm__free(a, impl, sizeof *impl);
}

static void trie_stats(const rtm__impl *impl, rtm_stats *st)
{
    st->nodes = impl->nnodes;
    st->reshapes = 0;
    st->metric_source = "";
}

/* ---- Insert ----
 *
 * 1. Walk the existing nodes along the pattern's canonical segments.
 * 2. Prepare, without touching the tree: the chain of missing nodes (each
 *    linked to the next), a copy of the attach point's child array with the
 *    chain's head inserted (static or mixed head), and the new leaf
 *    (rtm__leaf_with: conflicts are found here).
 * 3. On any failure free what was prepared: the tree is untouched.
 * 4. Commit with stores that cannot fail. */
static int trie_insert(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes,
                       unsigned n, rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    trie_node *node = impl->root;
    uint32_t i = 0, at = 0;
    for (; i < p->nsegs; i++) {
        trie_node *c = child_for(node, p, &p->segs[i], &at);
        if (!c)
            break;
        node = c;
    }

    /* node is the deepest existing node; segments i.. are missing. */
    trie_node *head = NULL, *last = node;
    void *arr = NULL; /* node's new statics or mixed array: arr_n elements of esz bytes */
    uint32_t created = 0, arr_n = 0;
    size_t esz = 0;
    rtm__leaf *leaf;
    int rc;
    for (uint32_t j = i; j < p->nsegs; j++) {
        trie_node *nn = node_new(a, p, &p->segs[j], last);
        if (!nn)
            goto oom;
        if (j == i) {
            head = nn;
        } else if (nn->kind == RTM__SEG_STATIC) {
            if (!(last->statics = rtm__malloc(a, SLOTS_SIZE(1)))) {
                node_free(a, nn);
                goto oom;
            }
            last->statics[0] = slot_of(nn);
            last->nstatic = 1;
        } else if (nn->kind == RTM__SEG_MIXED) {
            if (!(last->mixed = rtm__malloc(a, PTRS_SIZE(1)))) {
                node_free(a, nn);
                goto oom;
            }
            last->mixed[0] = nn;
            last->nmixed = 1;
        } else if (nn->kind == RTM__SEG_PARAM) {
            last->param = nn;
        } else {
            last->catchall = nn;
        }
        last = nn;
        created++;
    }
    if (head && head->kind == RTM__SEG_STATIC) {
        trie_slot sl = slot_of(head);
        arr_n = node->nstatic + 1;
        esz = sizeof(trie_slot);
        if (!(arr = array_insert(a, node->statics, node->nstatic, at, &sl, esz)))
            goto oom;
    } else if (head && head->kind == RTM__SEG_MIXED) {
        arr_n = node->nmixed + 1;
        esz = sizeof(trie_node *);
        if (!(arr = array_insert(a, node->mixed, node->nmixed, at, &head, esz)))
            goto oom;
    }

    rc = rtm__leaf_with(a, last->leaf, routes, n, &leaf, diag);
    if (rc != 0) {
        rtm__free(a, arr, (size_t)arr_n * esz);
        chain_free(a, last, node);
        return rc;
    }

    /* Commit. */
    rtm__leaf *old = last->leaf;
    last->leaf = leaf;
    rtm__leaf_free_shell(a, old);
    if (head) {
        switch (head->kind) {
        case RTM__SEG_STATIC:
            statics_commit(a, node, arr, arr_n);
            break;
        case RTM__SEG_MIXED:
            mixed_commit(a, node, arr, arr_n);
            break;
        case RTM__SEG_PARAM:
            node->param = head;
            break;
        default:
            node->catchall = head;
        }
    }
    impl->nnodes += created;
    return 0;

oom:
    chain_free(a, last, node);
    return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
}

/* ---- Remove ----
 *
 * Find the shape's node, prepare its new leaf (rtm__leaf_without). When the
 * leaf empties and the node has no child, the dead part is the chain from
 * the node up to the highest ancestor that has no leaf and only that one
 * child (the root excepted); its parent gets a child array one shorter,
 * prepared before anything changes. Afterwards the tree, node count and
 * bytes included, is as if the route had never been added. */
static int trie_remove(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    trie_node *node = impl->root;
    uint32_t at;
    for (uint32_t i = 0; node && i < p->nsegs; i++)
        node = child_for(node, p, &p->segs[i], &at);

    rtm__leaf *leaf;
    int rc = rtm__leaf_without(a, node ? node->leaf : NULL, methods, &leaf, diag);
    if (rc != 0)
        return rc;
    if (!node) /* unreachable: rtm__leaf_without() refuses a NULL leaf with RTM_ENOENT */
        return rtm__diag_set(diag, RTM_ENOENT, 0, 0, "no route with that method and shape");

    trie_node *top = NULL;
    void *arr = NULL; /* the new, one shorter, statics or mixed array of top's parent */
    uint32_t pruned = 0;
    if (!leaf && child_count(node) == 0) {
        top = node;
        pruned = 1;
        while (top->parent->parent && !top->parent->leaf && child_count(top->parent) == 1) {
            top = top->parent;
            pruned++;
        }
        const trie_node *up = top->parent;
        bool st = top->kind == RTM__SEG_STATIC, mx = top->kind == RTM__SEG_MIXED;
        if ((st && up->nstatic > 1) || (mx && up->nmixed > 1)) { /* else the array just goes */
            arr = st ? array_erase(a, up->statics, up->nstatic, top->idx, sizeof(trie_slot))
                     : array_erase(a, up->mixed, up->nmixed, top->idx, sizeof(trie_node *));
            if (!arr) /* leaf is NULL here: nothing else to undo */
                return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
        }
    }

    /* Commit. */
    rtm__leaf *old = node->leaf;
    node->leaf = leaf;
    rtm__leaf_free_removed(a, old, methods);
    if (top) {
        trie_node *up = top->parent;
        switch (top->kind) {
        case RTM__SEG_STATIC:
            statics_commit(a, up, arr, up->nstatic - 1);
            break;
        case RTM__SEG_MIXED:
            mixed_commit(a, up, arr, up->nmixed - 1);
            break;
        case RTM__SEG_PARAM:
            up->param = NULL;
            break;
        default:
            up->catchall = NULL;
        }
        chain_free(a, node, up);
        impl->nnodes -= pruned;
    }
    return 0;
}

/* ---- Matching ---- */

/* Where the segment starting at pos ends in the virtual path of vlen bytes
 * (len real bytes, then '/' when vlen > len): the index of the next '/' or
 * vlen. Precondition: pos <= vlen. */
static inline size_t seg_end(const char *path, size_t len, size_t pos)
{
    if (pos >= len)
        return pos; /* len (real end or virtual '/') or len + 1 (virtual end) */
    const char *slash = memchr(path + pos, '/', len - pos);
    return slash ? (size_t)(slash - path) : len;
}

/* Where the segment ending at `end` (a '/' or vlen) starts: one past the
 * previous '/', real or virtual. path[0] is '/', so the scan stops. */
static inline size_t seg_start(const char *path, size_t len, size_t end)
{
    size_t i = end - 1;
    if (i == len) /* only with the virtual '/': the segment after it */
        return len + 1;
    while (path[i] != '/')
        i--;
    return i + 1;
}

/* Stage numbers at a node: 0 = the static child, 1..nmixed = mixed child
 * stage-1, nmixed+1 = "{}", nmixed+2 = "{*}", nmixed+3 = exhausted. */
static inline unsigned resume_stage(const trie_node *child, const trie_node *parent)
{
    switch (child->kind) {
    case RTM__SEG_STATIC:
        return 1;
    case RTM__SEG_MIXED:
        return child->idx + 2;
    default: /* "{}"; "{*}" is never entered */
        return parent->nmixed + 2;
    }
}

/* The whole lookup. `pr` is NULL (a constant) in the plain match, so every
 * probe statement folds away there; in the counted and traced variants it
 * records each node the lookup reads (see probe_node). */
static TRIE_INLINE int trie_match_generic(const rtm__impl *impl, unsigned method, const char *path,
                                          size_t len, unsigned flags, rtm_result *res,
                                          trie_probe *pr)
{
    const size_t vlen = len + ((flags & RTM__MATCH_ADD_SLASH) ? 1u : 0u);
    size_t caps[2 * RTM_MAX_PARAMS];
    unsigned allow = 0;
    const rtm__route *rt = NULL;

    const trie_node *node = impl->root;
    size_t pos = 1, end = 0;
    unsigned stage = 0;
    bool entering = true;
    if (pr)
        probe_node(pr, node);
    for (;;) {
        if (entering) { /* node was just reached; it is already probed */
            entering = false;
            if (pos > vlen) { /* every segment consumed: the shape ends here */
                if (node->leaf) {
                    if (pr)
                        probe_aux(pr, node->leaf, rtm__leaf_size(node->leaf->n));
                    if ((rt = rtm__leaf_pick(node->leaf, method)) != NULL)
                        break;
                    allow |= node->leaf->mask;
                }
                goto backtrack;
            }
            if (!node->nstatic && !node->nmixed && !node->param && !node->catchall)
                goto backtrack;
            end = seg_end(path, len, pos);
            stage = 0;
        }

        {
            const size_t n = end - pos;
            const char *s = path + (pos <= len ? pos : len); /* n == 0 past len */
            const trie_node *next = NULL;
            if (stage == 0) {
                stage = 1;
                if (node->nstatic)
                    next = static_find(node, s, n, NULL, pr);
            }
            while (!next && stage <= node->nmixed) {
                const trie_node *m = node->mixed[stage - 1];
                size_t *c = caps + 2 * m->first_param;
                if (pr) {
                    probe_aux(pr, &node->mixed[stage - 1], sizeof(trie_node *));
                    probe_node(pr, m);
                }
                stage++;
                if (n && rtm__mixed_match(m->label, m->label_len, s, n, c)) {
                    for (unsigned k = 0; k < m->nparams; k++)
                        c[2 * k] += pos;
                    next = m;
                }
            }
            if (!next && stage == node->nmixed + 1) {
                stage++;
                if (node->param && n) {
                    if (pr)
                        probe_node(pr, node->param);
                    caps[2 * node->param->first_param] = pos;
                    caps[2 * node->param->first_param + 1] = n;
                    next = node->param;
                }
            }
            if (!next && stage == node->nmixed + 2) {
                stage++;
                const trie_node *ca = node->catchall;
                if (ca && pos < vlen && ca->leaf) { /* the rest: >= 1 byte, '/' allowed */
                    if (pr) {
                        probe_node(pr, ca);
                        probe_aux(pr, ca->leaf, rtm__leaf_size(ca->leaf->n));
                    }
                    caps[2 * ca->first_param] = pos;
                    caps[2 * ca->first_param + 1] = vlen - pos;
                    if ((rt = rtm__leaf_pick(ca->leaf, method)) != NULL)
                        break;
                    allow |= ca->leaf->mask;
                }
            }
            if (next) {
                node = next;
                pos = end + 1;
                entering = true;
                continue;
            }
        }

    backtrack:
        if (!node->parent)
            break; /* the root is exhausted */
        stage = resume_stage(node, node->parent);
        end = pos - 1;
        pos = seg_start(path, len, end);
        node = node->parent;
    }

    if (rt) {
        if (pr)
            probe_aux(pr, rt, sizeof *rt + rt->names_len);
        rtm__result_found(res, rt, caps);
        return RTM_FOUND;
    }
    return rtm__result_miss(res, allow);
}

#ifdef RTM_DEBUG_VISITS
static _Thread_local size_t trie_last_visits;

size_t rtm__trie_last_visits(void)
{
    return trie_last_visits;
}
#endif

int rtm__trie_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                    unsigned flags, rtm_result *res)
{
#ifdef RTM_DEBUG_VISITS
    trie_probe pr = {0, NULL, NULL};
    int st = trie_match_generic(impl, method, path, len, flags, res, &pr);
    trie_last_visits = pr.visits;
    return st;
#else
    return trie_match_generic(impl, method, path, len, flags, res, NULL);
#endif
}

int rtm__trie_match_counted(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                            unsigned flags, rtm_result *res, size_t *visits)
{
    trie_probe pr = {0, NULL, NULL};
    int st = trie_match_generic(impl, method, path, len, flags, res, &pr);
    if (visits)
        *visits = pr.visits;
    return st;
}

void rtm__trie_trace(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                     void (*visit)(void *ctx, const void *node_addr, size_t node_bytes), void *ctx)
{
    trie_probe pr = {0, visit, ctx};
    rtm_result res;
    trie_match_generic(impl, method, path, len, 0, &res, &pr);
}

/* ---- Invariant walker ---- */

static const char *check_node(const trie_node *n)
{
    const trie_node *p = n->parent;
    if (p) {
        if (n->first_param != p->first_param + p->nparams)
            return "first_param is not the parent's first_param + nparams";
        if (!n->leaf && child_count(n) == 0)
            return "dead node (no leaf, no child)";
        if (n->kind == RTM__SEG_STATIC && (n->idx >= p->nstatic || p->statics[n->idx].node != n))
            return "static child not at its idx";
        if (n->kind == RTM__SEG_MIXED && (n->idx >= p->nmixed || p->mixed[n->idx] != n))
            return "mixed child not at its idx";
        if (n->kind == RTM__SEG_PARAM && p->param != n)
            return "param child not linked";
        if (n->kind == RTM__SEG_CATCHALL && (p->catchall != n || child_count(n) || !n->leaf))
            return "catch-all node is not a linked leaf without children";
    }
    for (uint32_t i = 0; i < n->nstatic; i++) {
        const trie_slot *sl = &n->statics[i];
        const trie_node *c = sl->node, *prev = i ? n->statics[i - 1].node : NULL;
        if (c->parent != n || c->kind != RTM__SEG_STATIC)
            return "bad static child";
        if (sl->len != c->label_len || sl->head != key_head(c->label, c->label_len))
            return "static slot summary differs from its child's label";
        if (prev && static_cmp(prev->label, prev->label_len, c->label, c->label_len) >= 0)
            return "static children out of order";
    }
    for (uint32_t i = 0; i < n->nmixed; i++) {
        const trie_node *c = n->mixed[i];
        if (c->parent != n || c->kind != RTM__SEG_MIXED)
            return "bad mixed child";
        if (i && rtm__seg_rank(RTM__SEG_MIXED, n->mixed[i - 1]->label, n->mixed[i - 1]->label_len,
                               RTM__SEG_MIXED, c->label, c->label_len) >= 0)
            return "mixed children out of rank order";
    }
    if (n->param && (n->param->parent != n || n->param->kind != RTM__SEG_PARAM))
        return "bad param child";
    if (n->catchall && (n->catchall->parent != n || n->catchall->kind != RTM__SEG_CATCHALL))
        return "bad catch-all child";
    if (n->leaf && (n->leaf->n == 0 || (unsigned)__builtin_popcount(n->leaf->mask) != n->leaf->n))
        return "leaf mask and record count disagree";
    return NULL;
}

int rtm__trie_check(const rtm__impl *impl, const char **why)
{
    const char *msg = NULL;
    const trie_node *n = impl->root;
    size_t seen = 0;
    if (n->parent || n->first_param || n->nparams)
        msg = "bad root";
    /* Pre-order walk with parent links. */
    while (!msg && n) {
        seen++;
        if ((msg = check_node(n)) != NULL)
            break;
        const trie_node *c = child_from(n, 0);
        if (c) {
            n = c;
            continue;
        }
        while (n->parent && (c = next_sibling(n)) == NULL)
            n = n->parent;
        n = n->parent ? c : NULL;
    }
    if (!msg && seen != impl->nnodes)
        msg = "node count differs from the nodes reachable";
    if (why)
        *why = msg;
    return msg ? -1 : 0;
}

/* ---- Ops ---- */

const rtm__algo_ops rtm__trie_ops = {
    .name = "trie",
    .create = trie_create,
    .destroy = trie_destroy,
    .insert = trie_insert,
    .remove = trie_remove,
    .match = rtm__trie_match,
    .stats = trie_stats,
};
