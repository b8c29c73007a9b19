/* SPDX-License-Identifier: MIT */
/* The radix matcher: a path-compressed radix tree over canonical shapes
 * (pattern.h), built for lookup speed. This file is responsible for the tree
 * (layout, insert, remove, the invariant walker) and its lookup; parsing,
 * ranking between segments, mixed-segment splitting, leaves and records come
 * from lib/.
 *
 * ---- What the tree holds ----
 *
 * The tree branches at segment boundaries only: every node ends where a path
 * segment ends (at a '/' or at the end of the path). A static node's label is
 * one or more whole static segments, '/' between them ("repos",
 * "actions/permissions", and "" for the empty segment of a trailing slash): a
 * chain of static nodes that would each have one child and no leaf is one
 * node. Params, mixed segments (params with static text, e.g. "v{}" or
 * "{}...{}") and catch-alls are nodes of their own, one segment each. A node
 * where a shape ends holds that shape's leaf (route.h: one record per
 * method). The root stands for the path's leading '/' and has no label.
 *
 * GET /users, GET /users/, GET /users/new, GET /users/{id},
 * GET /users/{id}/edit, GET /files/{*path}, GET /v{major}/status:
 *
 *     (root) --+-- "files" ------- {*} [leaf]
 *              +-- "users" [leaf] -+-- "" [leaf]          (the trailing slash)
 *              |                   +-- "new" [leaf]
 *              |                   `-- {} [leaf]
 *              |                        `-- "edit" [leaf]
 *              `-- v{} --- "status" [leaf]                 (a mixed node)
 *
 * Why not split inside a segment (a byte-level radix tree): real tables share
 * leading bytes between sibling segments ("pulls", "projects", "pages"), so a
 * byte-level tree is twice as deep (GitHub: 15 nodes for
 * /repos/o/r/pulls/42/comments instead of 7), and a mixed segment such as
 * "new{}" must not be split into a static edge "new" anyway: it is ranked as
 * a whole against its siblings ("{}abcd" beats "new{}").
 *
 * ---- A split, and its undoing ----
 *
 * With GET /repos/{o}/actions/permissions in the tree, adding
 * GET /repos/{o}/actions/runners matches "actions" but not "permissions":
 * the label is split after its last matching segment. A new node "actions"
 * takes the old node's place, the old node is re-made with the label
 * "permissions" (same leaf, same children), and the new chain "runners"
 * [leaf] hangs beside it:
 *
 *     {} --- "actions/permissions" [leaf]
 *
 *                 ==>    {} --- "actions" -+-- "permissions" [leaf]
 *                                          `-- "runners" [leaf]
 *
 * Removing GET /repos/{o}/actions/runners again frees "runners"; "actions"
 * is then a static node without a leaf and with one static child, which
 * breaks invariant 4, so it is merged with "permissions" into one node
 * "actions/permissions": the tree is exactly what it was before the add. For
 * a set of shapes there is exactly one tree that meets the invariants, so
 * insertion order never matters.
 *
 * ---- Finding a static child: tags ----
 *
 * Siblings differ in their first segment. Each static child is known to its
 * parent by a 32-bit tag, a hash of its label's first segment (seg_hash). A
 * lookup hashes the path's next segment while it scans for the '/' that ends
 * it (seg_scan, a word at a time), then compares tags: a linear scan of up to
 * RN_NARROW_MAX tags, or, in a wide node, a probe of an open-addressed table
 * whose slots hold the tag and the child pointer together (load <= 1/2),
 * whatever the fan-out (Slack's /api/ has 174 static children, the root of a
 * grown table thousands). Only a child whose tag matches is read, and its
 * label is compared in full, so a tag collision costs time, never
 * correctness. A node with one static child skips the hash and compares
 * that label directly.
 *
 * ---- Node layout (one allocation per node, 64-bit) ----
 *
 *     offset  0  leaf     ptr  the leaf of the shape ending here, or NULL
 *             8  parent   ptr  NULL for the root (read only to backtrack)
 *            16  nstatic  u32  static children
 *            20  koff     u32  offset of the kids array (precomputed)
 *            24  len      u16  label bytes (static label / mixed text; else 0)
 *            26  nwild    u16  wildcard children
 *            28  kind     u8   RN_STATIC, RN_MIXED, RN_PARAM, RN_CATCHALL
 *            29  pidx     u8   wildcard: index of its first param in the route
 *            30  np       u8   params in this node (mixed: k; param, catch-all: 1)
 *            31  wbits    u8   wide node: log2 of its table's slots; 0: narrow
 *            32  label    [len]
 *     narrow (nstatic <= 8):
 *                (zero padding to 4)  tags u32[nstatic]  (zero padding to 8)
 *                kids     ptr[nstatic + nwild]
 *     wide (nstatic > 8):
 *                (zero padding to 8)  table {u32 tag; ptr kid}[1 << wbits]
 *                kids     ptr[(1 << (wbits - 1)) + nwild]
 *
 *     [leaf][parent][ns][koff][len|nw][k|p|n|w][l a b e l ..][tag0][tag1]..[kid0][kid1]..
 *
 * kids holds the static children in label order (memcmp of the first
 * segment), then the wildcards in rank order (mixed by rtm__seg_rank, the
 * param, the catch-all). wbits is the least b with 2^b >= 2 nstatic, a
 * function of nstatic alone, so a node's size depends only on (len,
 * nstatic, nwild) and never on history; a wide node's kids array has room
 * for 2^(wbits-1) static children, so it takes or loses one in place (a
 * memmove and a table store or backward-shift delete) until nstatic crosses
 * a power of two, and a table of N children is built in O(N) amortized.
 *
 * Cost in cache lines: a narrow node is 32 + len + 12 bytes per static child
 * + 8 per wildcard; for the usual node (a label of 5-20 bytes, 1-4
 * children) that is 40-100 bytes, and a lookup reads its header, label,
 * tags and one kid pointer: one 64-byte line, two when it straddles a line
 * or has several children. A wide node costs 2 lines per lookup (the header
 * and the 16-byte slot, rarely a second slot) whatever its fan-out. Measured
 * (RTM__TRACE_AUX probe): 12.9 distinct lines per GitHub hit, leaf and
 * record included, against 21 for the segment trie.
 *
 * ---- Invariants (checked by rtm__radix_check) ----
 *
 *  1. The tree is empty (root NULL) or the root is a static node with no
 *     label, no leaf and no parent. Every child's parent pointer names its
 *     parent; no root path holds more than RTM_MAX_PARAMS params.
 *  2. Static children have distinct first segments, are ordered by them,
 *     and their tags (and the wide table) agree with their labels.
 *  3. Wildcard children are ordered strictly by rtm__seg_rank; a catch-all
 *     has no children.
 *  4. Path compression: no node but the root is without leaf and without
 *     children, and no static node but the root without leaf has exactly one
 *     child that is static (that pair is one node).
 *  5. pidx of a wildcard node is the number of params above it.
 *
 * ---- Lookup ----
 *
 * A depth-first walk in rank order. At a node whose end matched path offset
 * pos (path[pos] is '/' or pos is the end): if the path ends there, the leaf
 * is the only possible match (every child needs a segment); otherwise the
 * static child whose first segment is the next path segment is tried, and,
 * if its subtree yields nothing, the wildcard children in rank order (a param
 * takes the segment, a mixed node splits it with rtm__mixed_match, a
 * catch-all takes the rest). Candidates that pass through a node share every
 * segment before it, and all of the static child's candidates beat every
 * wildcard child's at this segment, so the first leaf reached that accepts
 * the method is the best-ranked candidate (SPEC rule 3). Static labels match
 * whole segments only, so /users/newx falls back to /users/{id}.
 *
 * Backtracking needs no stack: a node's parent pointer leads back up, the
 * offset is restored from the label length (static) or from the segment
 * start kept in the captures (wildcards), and the next wildcard to try is the
 * one after the child we came from. Leaves reached on the way that reject
 * the method OR their masks into the 405 set; the walk only runs to the end
 * when no candidate exists, and then it has seen every matching leaf.
 *
 * Complexity: each node is entered at most once per lookup (it is reached
 * only from its parent, which tries each child at most once), so a lookup
 * reads at most `nodes` nodes; each node scans at most the path (a segment
 * scan, a label compare, a mixed split), so the worst case is O(nodes x path
 * length), and a hit costs O(segments x segment length). No recursion, no
 * allocation: the state is the position, the current node and the
 * 2 x RTM_MAX_PARAMS capture slots on the stack.
 *
 * Insert prepares everything first (the leaf via rtm__leaf_with, the new
 * chain, re-made nodes), then commits with pointer stores: at most one
 * existing node is replaced (grown by a child, or split in two) and its
 * children's parent pointers are re-aimed, or a wide node with room takes
 * the new child in place. An allocation that fails leaves the tree as it
 * was (RTM_ENOMEM). Remove does the same in reverse: drop the emptied chain,
 * shrink its parent (in place when wide), merge a lone static child back
 * into its parent. */
#include "radix.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "segment.h" /* rtm__seg_rank, rtm__mixed_match */

/* ---- Node layout ---- */

enum {
    RN_STATIC = RTM__SEG_STATIC,
    RN_MIXED = RTM__SEG_MIXED,
    RN_PARAM = RTM__SEG_PARAM,
    RN_CATCHALL = RTM__SEG_CATCHALL,
};

#define RN_NARROW_MAX 8u /* up to this many static children: scan the tags */

typedef struct rnode rnode;
struct rnode {
    rtm__leaf *leaf;      /* leaf of the shape ending here, or NULL */
    rnode *parent;        /* NULL for the root */
    uint32_t nstatic;     /* static children */
    uint32_t koff;        /* offset of the kids array from the node's start */
    uint16_t len;         /* label bytes */
    uint16_t nwild;       /* wildcard children */
    uint8_t kind;         /* RN_* */
    uint8_t pidx;         /* wildcard: index of its first param in the route */
    uint8_t np;           /* params in this node */
    uint8_t wbits;        /* wide: log2 of the table's slots; 0 when narrow */
    unsigned char data[]; /* label, tags, table, kids (see above) */
};

#define RN_HDR offsetof(rnode, data) /* 32: the header's bytes */

_Static_assert(offsetof(rnode, data) == 32, "the node header is 32 bytes");
_Static_assert(sizeof(size_t) == sizeof(rtm__leaf *), "destroy keeps a count in the leaf slot");

struct rtm__impl {
    rtm__alloc *alloc; /* the router's allocator; a mirror's: &own */
    rnode *root;       /* NULL when the tree is empty */
    size_t nodes;      /* nodes in the tree, the root included */
    bool borrowed;     /* a mirror: the records belong to another instance */
    /* A mirror only (see "Packing" below): */
    rtm__alloc *parent; /* the router's allocator, which own forwards to */
    rtm__alloc own;     /* counts the live nodes' and leaves' bytes */
    char *block;        /* the packed nodes and leaves, or NULL */
    size_t block_bytes;
};

/* Table slots of a node with ns static children: 0 when narrow, else the
 * least power of two >= 2 ns. */
static inline unsigned rn_wbits(size_t ns)
{
    if (ns <= RN_NARROW_MAX)
        return 0;
    unsigned b = 1;
    while (((size_t)1 << b) < 2 * ns)
        b++;
    return b;
}

/* A wide node's table slot: the tag and the child itself, so that one
 * probe reads one 16-byte slot. */
typedef struct rslot {
    uint32_t tag; /* the child's tag */
    rnode *kid;   /* the child; NULL: an empty slot */
} rslot;

static inline size_t rn_tags_off(size_t len)
{
    return (RN_HDR + len + 3u) & ~(size_t)3u;
}

static inline size_t rn_table_off(size_t len)
{
    return (RN_HDR + len + 7u) & ~(size_t)7u;
}

/* Offset of the kids array. */
static inline size_t rn_kids_off(size_t len, size_t ns, unsigned wbits)
{
    if (wbits)
        return rn_table_off(len) + (sizeof(rslot) << wbits);
    return (rn_tags_off(len) + 4u * ns + 7u) & ~(size_t)7u;
}

/* Static kids a node has room for: ns when narrow; half the table's slots
 * when wide, so that a wide node takes and loses static children in place
 * until ns crosses a power of two. */
static inline size_t rn_static_cap(size_t ns, unsigned wbits)
{
    return wbits ? (size_t)1 << (wbits - 1) : ns;
}

/* Bytes allocated for a node with these figures. */
static inline size_t rn_size(size_t len, size_t ns, size_t nw)
{
    unsigned wbits = rn_wbits(ns);
    return rn_kids_off(len, ns, wbits) + sizeof(rnode *) * (rn_static_cap(ns, wbits) + nw);
}

static inline size_t rn_bytes(const rnode *n)
{
    return rn_size(n->len, n->nstatic, n->nwild);
}

static inline const char *rn_label(const rnode *n)
{
    return (const char *)n->data;
}

static inline const uint32_t *rn_tags(const rnode *n)
{
    return (const uint32_t *)(const void *)((const char *)n + rn_tags_off(n->len));
}

static inline uint32_t *rn_tags_w(rnode *n)
{
    return (uint32_t *)(void *)((char *)n + rn_tags_off(n->len));
}

/* The wide table, in place of the tags. */
static inline const rslot *rn_table(const rnode *n)
{
    return (const rslot *)(const void *)((const char *)n + rn_table_off(n->len));
}

static inline rslot *rn_table_w(rnode *n)
{
    return (rslot *)(void *)((char *)n + rn_table_off(n->len));
}

static inline rnode *const *rn_kids(const rnode *n)
{
    return (rnode *const *)(const void *)((const char *)n + n->koff);
}

static inline rnode **rn_kids_w(rnode *n)
{
    return (rnode **)(void *)((char *)n + n->koff);
}

static inline size_t rn_nkids(const rnode *n)
{
    return (size_t)n->nstatic + n->nwild;
}

/* ---- Words, segment scans and tags ---- */

#define RN_ONES  0x0101010101010101ull
#define RN_HIGH  0x8080808080808080ull
#define RN_SLASH 0x2F2F2F2F2F2F2F2Full
#define RN_K1    0x9E3779B97F4A7C15ull
#define RN_K2    0xC2B2AE3D27D4EB4Full

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RN_BSWAP(w) __builtin_bswap64(w)
#else
#define RN_BSWAP(w) (w)
#endif

/* 8 bytes as a little-endian number (byte i in bits 8i..8i+7). */
static inline uint64_t load_le64(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return RN_BSWAP(w);
}

/* n < 8 bytes as a little-endian number, the high bytes zero. */
static inline uint64_t load_le_part(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

/* Nonzero when x has a zero byte; the lowest set bit is the high bit of the
 * first zero byte (bits above it may be false alarms, so only the lowest
 * one is ever used). */
static inline uint64_t zero_bytes(uint64_t x)
{
    return (x - RN_ONES) & ~x & RN_HIGH;
}

static inline uint64_t tag_mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * RN_K1;
    return h ^ (h >> 29);
}

static inline uint32_t tag_final(uint64_t h, size_t n)
{
    h = (h ^ n) * RN_K2;
    return (uint32_t)(h >> 32);
}

/* The tag of a segment: its bytes as little-endian words (the last one
 * partial, zero-filled), mixed, and its length. seg_scan computes the same
 * value from the path. */
static uint32_t seg_hash(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        h = tag_mix(h, load_le64(p + i));
    if (i < n)
        h = tag_mix(h, load_le_part(p + i, n - i));
    return tag_final(h, n);
}

/* Scan the segment starting at s0 (s0 <= len + 1): return its end (the index
 * of the next '/', or len) and its tag in *tag. A word at a time. */
static inline size_t seg_scan(const char *path, size_t s0, size_t len, uint32_t *tag)
{
    const unsigned char *p = (const unsigned char *)path;
    uint64_t h = 0;
    size_t i = s0;
    if (s0 >= len) {
        *tag = tag_final(0, 0);
        return s0;
    }
    while (len - i >= 8) {
        uint64_t w = load_le64(p + i);
        uint64_t z = zero_bytes(w ^ RN_SLASH);
        if (z) {
            unsigned r = (unsigned)__builtin_ctzll(z) >> 3;
            if (r)
                h = tag_mix(h, w & ((1ull << (8 * r)) - 1));
            *tag = tag_final(h, i + r - s0);
            return i + r;
        }
        h = tag_mix(h, w);
        i += 8;
    }
    size_t rem = len - i; /* 1..7 */
    if (rem) {
        /* The tail: the path's last 8 bytes shifted down, or byte by byte. */
        uint64_t w =
            len >= 8 ? load_le64(p + len - 8) >> (8 * (8 - rem)) : load_le_part(p + i, rem);
        uint64_t z = zero_bytes(w ^ RN_SLASH) & ((1ull << (8 * rem)) - 1);
        unsigned r = z ? (unsigned)__builtin_ctzll(z) >> 3 : (unsigned)rem;
        if (r)
            h = tag_mix(h, w & ((1ull << (8 * r)) - 1));
        i += r;
    }
    *tag = tag_final(h, i - s0);
    return i;
}

/* Index of the first '/' in path[s0..len), or len (s0 <= len + 1): a word
 * at a time for the usual short segment, the C library's vector scan past
 * 64 bytes. */
static inline size_t seg_end(const char *path, size_t s0, size_t len)
{
    const unsigned char *p = (const unsigned char *)path;
    size_t i = s0;
    if (s0 >= len)
        return s0;
    while (len - i >= 8) {
        uint64_t z = zero_bytes(load_le64(p + i) ^ RN_SLASH);
        if (z)
            return i + ((unsigned)__builtin_ctzll(z) >> 3);
        i += 8;
        if (i - s0 >= 64) {
            const char *s = memchr(path + i, '/', len - i);
            return s ? (size_t)(s - path) : len;
        }
    }
    size_t rem = len - i;
    if (rem) {
        uint64_t w =
            len >= 8 ? load_le64(p + len - 8) >> (8 * (8 - rem)) : load_le_part(p + i, rem);
        uint64_t z = zero_bytes(w ^ RN_SLASH) & ((1ull << (8 * rem)) - 1);
        i += z ? (unsigned)__builtin_ctzll(z) >> 3 : rem;
    }
    return i;
}

/* a[0..n) == b[0..n), with overlapping word loads instead of a call. */
static inline bool bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            if (load_le64(a + i) != load_le64(b + i))
                return false;
        return i == n || load_le64(a + n - 8) == load_le64(b + n - 8);
    }
    if (n >= 4) {
        uint32_t x, y, u, v;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return ((x ^ y) | (u ^ v)) == 0;
    }
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Length of the first segment of a label (up to its first '/'). */
static inline size_t first_seg_len(const rnode *c)
{
    const char *s = memchr(rn_label(c), '/', c->len);
    return s ? (size_t)(s - rn_label(c)) : c->len;
}

/* Position of wildcard child w among n's wildcards. */
static size_t wild_index(const rnode *n, const rnode *w)
{
    rnode *const *kids = rn_kids(n) + n->nstatic;
    size_t i = 0;
    while (kids[i] != w)
        i++;
    return i;
}

/* Bytes of the mixed text before its first param. */
static size_t mixed_head(const rnode *w)
{
    const char *brace = memchr(rn_label(w), '{', w->len);
    return (size_t)(brace - rn_label(w));
}

/* ---- Lookup ---- */

typedef void (*rn_visit_fn)(void *ctx, const void *addr, size_t bytes);

#define RN_AUX ((size_t)1 << (sizeof(size_t) * 8 - 1)) /* = RTM__TRACE_AUX (bench/probe.h) */

/* Does static node c's label match the path from s0 (s0 <= len + 1), ending
 * at a segment end? With addslash, the byte at len is a virtual '/'. */
static inline bool label_at(const rnode *c, const char *path, size_t len, size_t s0, bool addslash)
{
    size_t l = c->len, end = s0 + l;
    const char *lab = rn_label(c);
    if (end < len)
        return path[end] == '/' && bytes_eq(lab, path + s0, l);
    if (end == len)
        return bytes_eq(lab, path + s0, l);
    /* end > len: the virtual '/' is the label's last byte, or the segment
     * after it is the empty label. */
    if (!addslash || end != len + 1)
        return false;
    return l == 0 || (lab[l - 1] == '/' && bytes_eq(lab, path + s0, l - 1));
}

/* Bytes of node n a lookup reads before choosing a child: header, label and
 * tags (a wide node's one table slot is reported apart). */
static inline size_t rn_hot_bytes(const rnode *n)
{
    return n->wbits ? RN_HDR + n->len : rn_tags_off(n->len) + 4u * n->nstatic;
}

#define RN_SEEN(node)                                                                              \
    do {                                                                                           \
        if (visits)                                                                                \
            (*visits)++;                                                                           \
        if (visit)                                                                                 \
            visit(ctx, (node), rn_hot_bytes(node));                                                \
    } while (0)

#define RN_AUXREAD(addr, bytes)                                                                    \
    do {                                                                                           \
        if (visit)                                                                                 \
            visit(ctx, (addr), (size_t)(bytes) | RN_AUX);                                          \
    } while (0)

/* The one lookup body (THE MATCH CONTRACT), specialised by its constant
 * arguments: addslash (the virtual trailing '/'), visits (count nodes read,
 * NULL: no counting) and visit (the bench trace, NULL: none). */
static inline __attribute__((always_inline)) int
radix_lookup(const rtm__impl *impl, unsigned method, const char *path, size_t len,
             const bool addslash, rtm_result *res, size_t *const visits, const rn_visit_fn visit,
             void *const ctx)
{
    const size_t total = len + (addslash ? 1 : 0);
    size_t caps[2 * RTM_MAX_PARAMS];
    unsigned allow = 0;
    const rnode *n = impl->root;
    const rtm__route *rt;
    size_t pos = 0, s0, se;
    size_t i;

    if (!n)
        goto done;
    RN_SEEN(n);

enter: /* n matched; the path is consumed up to pos (a '/' or the end) */
    if (pos == total) {
        const rtm__leaf *lf = n->leaf;
        if (lf) {
            RN_AUXREAD(lf, rtm__leaf_size(lf->n));
            rt = rtm__leaf_pick(lf, method);
            if (rt)
                goto found;
            allow |= lf->mask;
        }
        goto backtrack;
    }
    s0 = pos + 1;
    se = SIZE_MAX; /* not scanned yet */
    if (n->nstatic == 1) {
        /* One static child: compare its label, no tag needed. */
        const rnode *c = rn_kids(n)[0];
        RN_AUXREAD(&rn_kids(n)[0], sizeof(rnode *));
        RN_SEEN(c);
        if (label_at(c, path, len, s0, addslash)) {
            pos = s0 + c->len;
            n = c;
            goto enter;
        }
    } else if (n->nstatic) {
        uint32_t tag;
        se = seg_scan(path, s0, len, &tag);
        if (!n->wbits) {
            const uint32_t *tags = rn_tags(n);
            rnode *const *kids = rn_kids(n);
            for (uint32_t j = 0; j < n->nstatic; j++) {
                if (tags[j] != tag)
                    continue;
                RN_AUXREAD(&kids[j], sizeof(rnode *));
                RN_SEEN(kids[j]);
                if (label_at(kids[j], path, len, s0, addslash)) {
                    n = kids[j];
                    pos = s0 + n->len;
                    goto enter;
                }
            }
        } else {
            const rslot *table = rn_table(n);
            uint32_t mask = (1u << n->wbits) - 1;
            for (uint32_t s = tag & mask;; s = (s + 1) & mask) {
                RN_AUXREAD(&table[s], sizeof *table);
                if (!table[s].kid)
                    break;
                if (table[s].tag != tag)
                    continue;
                RN_SEEN(table[s].kid);
                if (label_at(table[s].kid, path, len, s0, addslash)) {
                    n = table[s].kid;
                    pos = s0 + n->len;
                    goto enter;
                }
            }
        }
    }
    i = 0;

wild: /* try n's wildcards from index i; the segment starts at s0 <= total */
    if (i < n->nwild) {
        rnode *const *wk = rn_kids(n) + n->nstatic;
        if (se == SIZE_MAX)
            se = seg_end(path, s0, len);
        for (; i < n->nwild; i++) {
            const rnode *w = wk[i];
            size_t *c = caps + 2 * w->pidx;
            RN_SEEN(w);
            if (w->kind == RN_PARAM) {
                if (se == s0)
                    continue;
                c[0] = s0;
                c[1] = se - s0;
                pos = se;
            } else if (w->kind == RN_MIXED) {
                if (se == s0 || !rtm__mixed_match(rn_label(w), w->len, path + s0, se - s0, c))
                    continue;
                for (unsigned k = 0; k < w->np; k++)
                    c[2 * k] += s0;
                pos = se;
            } else { /* RN_CATCHALL: one byte or more */
                if (s0 == total)
                    continue;
                c[0] = s0;
                c[1] = total - s0;
                pos = total;
            }
            n = w;
            goto enter;
        }
    }

backtrack: /* n's subtree yielded nothing: resume at the nearest alternative */
    for (;;) {
        const rnode *p = n->parent;
        if (!p)
            goto done;
        if (n->kind == RN_STATIC) {
            s0 = pos - n->len;
            i = 0;
        } else {
            s0 = caps[2 * n->pidx] - (n->kind == RN_MIXED ? mixed_head(n) : 0);
            i = wild_index(p, n) + 1;
        }
        pos = s0 - 1;
        n = p;
        if (i < n->nwild) {
            se = SIZE_MAX;
            goto wild;
        }
    }

found:
    if (addslash) { /* status only (router_internal.h) */
        res->status = RTM_FOUND;
        return RTM_FOUND;
    }
    RN_AUXREAD(rt, sizeof *rt + rt->names_len);
    rtm__result_found(res, rt, caps);
    return RTM_FOUND;

done:
    return rtm__result_miss(res, allow);
}

#ifdef RTM_DEBUG_VISITS
static _Thread_local size_t last_visits; /* nodes read by this thread's last lookup */

size_t rtm__radix_last_visits(void)
{
    return last_visits;
}
#endif

int rtm__radix_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                     unsigned flags, rtm_result *res)
{
#ifdef RTM_DEBUG_VISITS
    size_t v = 0;
    int st = (flags & RTM__MATCH_ADD_SLASH)
                 ? radix_lookup(impl, method, path, len, true, res, &v, NULL, NULL)
                 : radix_lookup(impl, method, path, len, false, res, &v, NULL, NULL);
    last_visits = v;
    return st;
#else
    if (__builtin_expect(flags & RTM__MATCH_ADD_SLASH, 0))
        return radix_lookup(impl, method, path, len, true, res, NULL, NULL, NULL);
    return radix_lookup(impl, method, path, len, false, res, NULL, NULL, NULL);
#endif
}

int rtm__radix_match_counted(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                             unsigned flags, rtm_result *res, size_t *visits)
{
    size_t v = 0;
    int st = (flags & RTM__MATCH_ADD_SLASH)
                 ? radix_lookup(impl, method, path, len, true, res, &v, NULL, NULL)
                 : radix_lookup(impl, method, path, len, false, res, &v, NULL, NULL);
    *visits = v;
    return st;
}

void rtm__radix_trace(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                      void (*visit)(void *ctx, const void *node_addr, size_t node_bytes), void *ctx)
{
    rtm_result res;
    (void)radix_lookup(impl, method, path, len, false, &res, NULL, visit, ctx);
}

/* ---- Building nodes ---- */

/* The static children of a node being built: their pointers in label order
 * and their tags. */
typedef struct kidlist {
    rnode *const *kids;   /* old node's static kids (may be NULL with n == 0) */
    const uint32_t *tags; /* ... and their tags (NULL: compute them) */
    size_t n;             /* how many */
    size_t drop;          /* index to leave out, or SIZE_MAX */
    rnode *add;           /* a kid to insert at index `at`, or NULL */
    uint32_t add_tag;     /* its tag */
    size_t at;            /* where (index into the old list) */
} kidlist;

static uint32_t rn_tag_of(const rnode *c);
static size_t static_index(const rnode *n, const rnode *c);

/* Make kid the static child number j of the node being built, with its tag
 * in the tags array or the wide table. */
static void rn_put_static(rnode *n, size_t j, rnode *kid, uint32_t tag)
{
    if (n->wbits) {
        rslot *table = rn_table_w(n);
        uint32_t mask = (1u << n->wbits) - 1, s = tag & mask;
        while (table[s].kid)
            s = (s + 1) & mask;
        table[s] = (rslot){tag, kid};
    } else {
        rn_tags_w(n)[j] = tag;
    }
    rn_kids_w(n)[j] = kid;
}

/* Allocate a zeroed node of `kind` with the label pre + "/" + lab (pre may be
 * NULL: lab alone), nw wildcard slots and the static children of `kl` (may
 * be NULL: none) with tags and wide table filled. The wildcard slots are set
 * by the caller. Leaf, parent, pidx, np are zero. NULL when out of memory. */
static rnode *rn_new(rtm__alloc *a, unsigned kind, const char *pre, size_t prelen, const char *lab,
                     size_t lablen, const kidlist *kl, size_t nw)
{
    size_t len = pre ? prelen + 1 + lablen : lablen;
    size_t ns = 0;
    if (kl)
        ns = kl->n - (kl->drop != SIZE_MAX) + (kl->add != NULL);
    rnode *n = rtm__calloc(a, rn_size(len, ns, nw));
    if (!n)
        return NULL;
    n->len = (uint16_t)len;
    n->nstatic = (uint32_t)ns;
    n->nwild = (uint16_t)nw;
    n->kind = (uint8_t)kind;
    n->wbits = (uint8_t)rn_wbits(ns);
    n->koff = (uint32_t)rn_kids_off(len, ns, n->wbits);
    if (pre) {
        memcpy(n->data, pre, prelen);
        n->data[prelen] = '/';
        memcpy(n->data + prelen + 1, lab, lablen);
    } else if (lablen) {
        memcpy(n->data, lab, lablen);
    }
    if (!ns)
        return n;
    size_t j = 0;
    for (size_t i = 0; i <= kl->n; i++) {
        if (kl->add && i == kl->at)
            rn_put_static(n, j++, kl->add, kl->add_tag);
        if (i < kl->n && i != kl->drop)
            rn_put_static(n, j++, kl->kids[i], kl->tags ? kl->tags[i] : rn_tag_of(kl->kids[i]));
    }
    return n;
}

static void rn_free(rtm__alloc *a, rnode *n)
{
    rtm__free(a, n, rn_bytes(n));
}

/* The tag of static node c: the hash of its label's first segment. */
static uint32_t rn_tag_of(const rnode *c)
{
    return seg_hash(rn_label(c), first_seg_len(c));
}

/* Make every child of n name n as its parent (commit step). */
static void rn_adopt(rnode *n)
{
    rnode **kids = rn_kids_w(n);
    for (size_t j = 0; j < rn_nkids(n); j++)
        kids[j]->parent = n;
}

/* Kid j of p, now n, becomes m (with n's first segment): in the kids
 * array and, for a static kid of a wide node, in its table slot. */
static void rn_set_kid(rnode *p, size_t j, const rnode *n, rnode *m)
{
    rn_kids_w(p)[j] = m;
    if (p->wbits && j < p->nstatic) {
        rslot *table = rn_table_w(p);
        uint32_t mask = (1u << p->wbits) - 1, s = rn_tag_of(n) & mask;
        while (table[s].kid != n)
            s = (s + 1) & mask;
        table[s].kid = m;
    }
}

/* Put m where n is: in n's parent's kids array (and its wide table slot),
 * or at the root (commit step; m's parent is set by the caller). */
static void rn_replace(rtm__impl *impl, const rnode *n, rnode *m)
{
    rnode *p = n->parent;
    if (!p) {
        impl->root = m;
        return;
    }
    rnode **kids = rn_kids_w(p);
    size_t j;
    if (n->kind == RN_STATIC) {
        j = static_index(p, n);
    } else {
        j = p->nstatic;
        while (kids[j] != n)
            j++;
    }
    rn_set_kid(p, j, n, m);
}

/* Can wide node n take one more (delta 1) or one fewer (delta -1) static
 * child in place, its table size unchanged? */
static bool rn_wide_in_place(const rnode *n, int delta)
{
    return n->wbits && rn_wbits((size_t)((long long)n->nstatic + delta)) == n->wbits;
}

/* Commit step: wide node n takes static child kid (tag `tag`) at index `at`,
 * in place (rn_wide_in_place(n, 1) holds). */
static void rn_wide_add(rnode *n, size_t at, rnode *kid, uint32_t tag)
{
    rnode **kids = rn_kids_w(n);
    memmove(kids + at + 1, kids + at, sizeof *kids * (n->nstatic - at + n->nwild));
    n->nstatic++;
    rn_put_static(n, at, kid, tag);
    kid->parent = n;
}

/* Commit step: wide node n loses static child kid, in place
 * (rn_wide_in_place(n, -1) holds). The table entry goes by backward-shift
 * deletion, so that every probe sequence stays unbroken. */
static void rn_wide_drop(rnode *n, const rnode *kid)
{
    rnode **kids = rn_kids_w(n);
    size_t j = static_index(n, kid);
    memmove(kids + j, kids + j + 1, sizeof *kids * (n->nstatic - j - 1 + n->nwild));
    n->nstatic--;
    kids[n->nstatic + n->nwild] = NULL;
    rslot *table = rn_table_w(n);
    uint32_t mask = (1u << n->wbits) - 1, s = rn_tag_of(kid) & mask;
    while (table[s].kid != kid)
        s = (s + 1) & mask;
    for (uint32_t i = s;;) {
        i = (i + 1) & mask;
        if (!table[i].kid)
            break;
        uint32_t home = table[i].tag & mask;
        /* The entry at i may stay when its home lies cyclically in (s, i]. */
        bool stays = s <= i ? (s < home && home <= i) : (s < home || home <= i);
        if (stays)
            continue;
        table[s] = table[i];
        s = i;
    }
    table[s] = (rslot){0, NULL};
}

/* A copy of n with the label pre + "/" + lab (pre may be NULL) and its
 * children edited: without `drop` (may be NULL), or with `add` (may be NULL;
 * a static one at static index `at` with tag add_tag, a wildcard before n's
 * wildcard number `at`). Leaf, parent and params are n's; the children's
 * parent pointers are left alone (rn_adopt commits them). NULL when out of
 * memory. */
static rnode *rn_rebuild(rtm__alloc *a, const rnode *n, const char *pre, size_t prelen,
                         const char *lab, size_t lablen, const rnode *drop, rnode *add,
                         uint32_t add_tag, size_t at)
{
    rnode *const *kids = rn_kids(n);
    kidlist kl = {kids, n->wbits ? NULL : rn_tags(n), n->nstatic, SIZE_MAX, NULL, 0, 0};
    size_t nw = n->nwild;
    bool add_static = add && add->kind == RN_STATIC;
    if (drop && drop->kind == RN_STATIC) {
        size_t j = 0;
        while (kids[j] != drop)
            j++;
        kl.drop = j;
    } else if (drop) {
        nw--;
    }
    if (add_static) {
        kl.add = add;
        kl.add_tag = add_tag;
        kl.at = at;
    } else if (add) {
        nw++;
    }
    rnode *m = rn_new(a, n->kind, pre, prelen, lab, lablen, &kl, nw);
    if (!m)
        return NULL;
    m->leaf = n->leaf;
    m->parent = n->parent;
    m->pidx = n->pidx;
    m->np = n->np;
    rnode **mw = rn_kids_w(m) + m->nstatic;
    size_t j = 0;
    for (size_t i = 0; i <= n->nwild; i++) {
        if (add && !add_static && i == at)
            mw[j++] = add;
        if (i < n->nwild && kids[n->nstatic + i] != drop)
            mw[j++] = kids[n->nstatic + i];
    }
    return m;
}

/* Free a chain of nodes from the top down (each has at most one child).
 * Returns the number of nodes freed. */
static size_t chain_free(rtm__alloc *a, rnode *n)
{
    size_t k = 0;
    while (n) {
        rnode *next = rn_nkids(n) ? rn_kids(n)[0] : NULL;
        rn_free(a, n);
        n = next;
        k++;
    }
    return k;
}

/* ---- Walking a shape ---- */

/* The canonical text of a wildcard node, for rtm__seg_rank. */
static void wild_text(const rnode *w, const char **text, size_t *len)
{
    if (w->kind == RN_MIXED) {
        *text = rn_label(w);
        *len = w->len;
    } else if (w->kind == RN_PARAM) {
        *text = "{}";
        *len = 2;
    } else {
        *text = "{*}";
        *len = 3;
    }
}

/* memcmp order of two byte strings, a proper prefix first. */
static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

/* Binary search n's static children for the first segment s[0..sl): the
 * index of the child that has it, or of the first one after it. */
static size_t static_lower_bound(const rnode *n, const char *s, size_t sl)
{
    rnode *const *kids = rn_kids(n);
    size_t lo = 0, hi = n->nstatic;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_bytes(rn_label(kids[mid]), first_seg_len(kids[mid]), s, sl) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Does static node c's label start with the whole segment s[0..sl)? */
static bool first_seg_is(const rnode *c, const char *s, size_t sl)
{
    return c->len >= sl && memcmp(rn_label(c), s, sl) == 0 &&
           (c->len == sl || rn_label(c)[sl] == '/');
}

/* n's static child whose first segment is s[0..sl), found by its tag as a
 * lookup does, or NULL; with *at its index (or where it would go). */
static rnode *find_static_seg(const rnode *n, const char *s, size_t sl, size_t *at)
{
    uint32_t tag = seg_hash(s, sl);
    if (n->wbits) {
        const rslot *table = rn_table(n);
        uint32_t mask = (1u << n->wbits) - 1;
        for (uint32_t i = tag & mask; table[i].kid; i = (i + 1) & mask) {
            if (table[i].tag == tag && first_seg_is(table[i].kid, s, sl))
                return table[i].kid; /* *at is not needed when found */
        }
    } else {
        const uint32_t *tags = rn_tags(n);
        for (size_t j = 0; j < n->nstatic; j++) {
            if (tags[j] == tag && first_seg_is(rn_kids(n)[j], s, sl)) {
                *at = j;
                return rn_kids(n)[j];
            }
        }
    }
    *at = static_lower_bound(n, s, sl);
    return NULL;
}

/* Index of static child c among n's static children. */
static size_t static_index(const rnode *n, const rnode *c)
{
    if (!n->wbits) {
        size_t j = 0;
        while (rn_kids(n)[j] != c)
            j++;
        return j;
    }
    return static_lower_bound(n, rn_label(c), first_seg_len(c));
}

/* Where a shape leaves the tree. */
typedef struct rn_walk {
    rnode *node;  /* deepest node matched whole (NULL: the tree is empty) */
    rnode *split; /* static child of node whose label matched only partly */
    size_t cut;   /* label bytes of split before the '/' where it is cut */
    uint32_t k;   /* first unmatched segment of the shape */
    size_t at;    /* missing child: its static index or wildcard position */
} rn_walk;

/* Follow shape p down the tree as far as it goes. On return, either
 * w->k == nsegs and w->split == NULL (the shape ends exactly at w->node), or
 * w->split is set (segments k.. differ inside that label, after w->cut
 * bytes), or w->node lacks the child for segment k (w->at: where it would
 * go; w->node NULL: the tree is empty). */
static void walk_shape(const rtm__impl *impl, const rtm__pattern *p, rn_walk *w)
{
    const char *shape = p->shape;
    rnode *node = impl->root;
    uint32_t k = 0;
    memset(w, 0, sizeof *w);
    while (node && k < p->nsegs) {
        const rtm__seg *sg = &p->segs[k];
        if (sg->kind != RTM__SEG_STATIC) {
            rnode *const *wk = rn_kids(node) + node->nstatic;
            size_t i = 0;
            int r = 1;
            for (; i < node->nwild; i++) {
                const char *t;
                size_t tl;
                wild_text(wk[i], &t, &tl);
                r = rtm__seg_rank(sg->kind, shape + sg->off, sg->len, wk[i]->kind, t, tl);
                if (r <= 0)
                    break;
            }
            if (r != 0) {
                w->at = i;
                break;
            }
            node = wk[i];
            k++;
            continue;
        }
        size_t at;
        rnode *c = find_static_seg(node, shape + sg->off, sg->len, &at);
        if (!c) {
            w->at = at;
            break;
        }
        /* Compare the label's further segments with the shape's. */
        const char *lab = rn_label(c);
        size_t lo = sg->len; /* label bytes matched: the first segment */
        k++;
        while (lo < c->len) { /* lab[lo] == '/': another label segment */
            const char *e = memchr(lab + lo + 1, '/', c->len - lo - 1);
            size_t sl = (e ? (size_t)(e - lab) : c->len) - lo - 1;
            const rtm__seg *nx = k < p->nsegs ? &p->segs[k] : NULL;
            if (!nx || nx->kind != RTM__SEG_STATIC || nx->len != sl ||
                memcmp(shape + nx->off, lab + lo + 1, sl) != 0)
                break;
            lo += 1 + sl;
            k++;
        }
        if (lo < c->len) {
            w->split = c;
            w->cut = lo;
            break;
        }
        node = c;
    }
    w->node = node;
    w->k = k;
}

/* Build the chain for segments k.. of p: one node per run of static
 * segments and one per wildcard segment, each the only child of the one
 * before, the last holding `leaf`; built from the bottom up, so that every
 * node is made with its child. The head's parent is left NULL. Returns the
 * head, or NULL when out of memory (nothing left allocated); *count
 * receives the number of nodes. */
static rnode *chain_build(rtm__alloc *a, const rtm__pattern *p, uint32_t k, rtm__leaf *leaf,
                          size_t *count)
{
    rnode *below = NULL;
    size_t cnt = 0;
    uint32_t e = p->nsegs; /* segments [k, e) are still to build */
    while (e > k) {
        const rtm__seg *last = &p->segs[e - 1];
        uint32_t b = e - 1;
        rnode *n;
        if (last->kind == RTM__SEG_STATIC) {
            /* A static run; what follows it is a wildcard or nothing. */
            while (b > k && p->segs[b - 1].kind == RTM__SEG_STATIC)
                b--;
            const rtm__seg *first = &p->segs[b];
            n = rn_new(a, RN_STATIC, NULL, 0, p->shape + first->off,
                       last->off + last->len - first->off, NULL, below ? 1 : 0);
            if (n && below)
                rn_kids_w(n)[0] = below;
        } else {
            /* A wildcard; what follows it is a static run, a wildcard or nothing. */
            bool st = below && below->kind == RN_STATIC;
            kidlist kl = {NULL, NULL, 0, SIZE_MAX, below, st ? rn_tag_of(below) : 0, 0};
            const char *t = last->kind == RTM__SEG_MIXED ? p->shape + last->off : NULL;
            n = rn_new(a, last->kind, NULL, 0, t, t ? last->len : 0, st ? &kl : NULL, below && !st);
            if (n && below && !st)
                rn_kids_w(n)[0] = below;
            if (n) {
                n->pidx = last->first_param;
                n->np = last->nparams;
            }
        }
        if (!n) {
            chain_free(a, below);
            return NULL;
        }
        if (below)
            below->parent = n;
        else
            n->leaf = leaf;
        below = n;
        cnt++;
        e = b;
    }
    *count = cnt;
    return below;
}

/* ---- Insert ---- */

/* A new static node with label lab[0..len), no leaf, and the children kid1
 * (static) and kid2 (may be NULL; static or wildcard), in order. */
static rnode *rn_new_parent(rtm__alloc *a, const char *lab, size_t len, rnode *kid1, rnode *kid2)
{
    rnode *kids[2] = {kid1, NULL};
    uint32_t tags[2] = {kid1->kind == RN_STATIC ? rn_tag_of(kid1) : 0, 0};
    kidlist kl = {kids, tags, 1, SIZE_MAX, NULL, 0, 0};
    size_t nw = 0;
    if (kid1->kind != RN_STATIC) { /* only the root takes a lone wildcard */
        kl.n = 0;
        nw = 1;
    } else if (kid2 && kid2->kind == RN_STATIC) {
        kl.add = kid2;
        kl.add_tag = rn_tag_of(kid2);
        kl.at =
            cmp_bytes(rn_label(kid2), first_seg_len(kid2), rn_label(kid1), first_seg_len(kid1)) < 0
                ? 0
                : 1;
    } else if (kid2) {
        nw = 1;
    }
    rnode *n = rn_new(a, RN_STATIC, NULL, 0, lab, len, &kl, nw);
    if (n && nw)
        rn_kids_w(n)[n->nstatic] = kid1->kind == RN_STATIC ? kid2 : kid1;
    return n;
}

static int radix_insert(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes,
                        unsigned n, rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    rn_walk w;
    walk_shape(impl, p, &w);

    if (!w.split && w.node && w.k == p->nsegs) { /* the shape exists: swap its leaf */
        rtm__leaf *lf;
        int rc = rtm__leaf_with(a, w.node->leaf, routes, n, &lf, diag);
        if (rc != 0)
            return rc;
        rtm__leaf *old = w.node->leaf;
        w.node->leaf = lf;
        rtm__leaf_free_shell(a, old);
        return 0;
    }
    if (!w.split && w.node && p->segs[w.k].kind != RTM__SEG_STATIC && w.node->nwild == UINT16_MAX)
        return rtm__diag_set(diag, RTM_ELIMIT, 0, 0, "more than %u wildcards at one segment",
                             (unsigned)UINT16_MAX);

    rtm__leaf *lf;
    int rc = rtm__leaf_with(a, NULL, routes, n, &lf, diag);
    if (rc != 0)
        return rc;

    /* The new part: a chain for the rest, unless the shape ends at a split. */
    rnode *chain = NULL;
    size_t added = 0;
    if (w.k < p->nsegs) {
        chain = chain_build(a, p, w.k, lf, &added);
        if (!chain)
            goto oom;
    }

    if (w.split) {
        /* mid ("actions") takes c's place; c is re-made as low ("permissions"). */
        rnode *c = w.split;
        const char *lab = rn_label(c);
        rnode *low =
            rn_rebuild(a, c, NULL, 0, lab + w.cut + 1, c->len - w.cut - 1, NULL, NULL, 0, 0);
        rnode *mid = low ? rn_new_parent(a, lab, w.cut, low, chain) : NULL;
        if (!mid) {
            if (low)
                rn_free(a, low);
            chain_free(a, chain);
            goto oom;
        }
        if (!chain)
            mid->leaf = lf;
        /* Commit. */
        mid->parent = c->parent;
        rn_adopt(mid);
        rn_adopt(low);
        rn_replace(impl, c, mid);
        rn_free(a, c);
        impl->nodes += 1 + added;
        return 0;
    }

    if (!w.node) { /* the tree was empty: a root above the chain */
        rnode *root = rn_new_parent(a, NULL, 0, chain, NULL);
        if (!root) {
            chain_free(a, chain);
            goto oom;
        }
        chain->parent = root;
        impl->root = root;
        impl->nodes += 1 + added;
        return 0;
    }

    /* w.node gains the chain as a new child: in place when it is a wide node
     * with room, else re-made one child bigger. */
    if (chain->kind == RN_STATIC && rn_wide_in_place(w.node, 1)) {
        rn_wide_add(w.node, w.at, chain, rn_tag_of(chain));
        impl->nodes += added;
        return 0;
    }
    rnode *grown = rn_rebuild(a, w.node, NULL, 0, rn_label(w.node), w.node->len, NULL, chain,
                              chain->kind == RN_STATIC ? rn_tag_of(chain) : 0, w.at);
    if (!grown) {
        chain_free(a, chain);
        goto oom;
    }
    rn_adopt(grown);
    rn_replace(impl, w.node, grown);
    rn_free(a, w.node);
    impl->nodes += added;
    return 0;

oom:
    rtm__leaf_free_shell(a, lf);
    return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
}

/* ---- Remove ---- */

/* A leaf the tree lets go of, with its records bound to `methods`: freed
 * with it, unless the records are borrowed (a mirror). */
static void leaf_release(rtm__impl *impl, rtm__leaf *leaf, unsigned methods)
{
    if (impl->borrowed)
        rtm__leaf_free_shell(impl->alloc, leaf);
    else
        rtm__leaf_free_removed(impl->alloc, leaf, methods);
}

static int radix_remove(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag)
{
    rtm__alloc *a = impl->alloc;
    rn_walk w;
    walk_shape(impl, p, &w);
    rnode *t = (!w.split && w.node && w.k == p->nsegs) ? w.node : NULL;
    rtm__leaf *nl;
    int rc = rtm__leaf_without(a, t ? t->leaf : NULL, methods, &nl, diag);
    if (rc != 0)
        return rc;
    rtm__leaf *old = t->leaf;
    bool lone_static = t->kind == RN_STATIC && t->nstatic == 1 && t->nwild == 0;

    if (nl || (rn_nkids(t) > 0 && !lone_static)) {
        t->leaf = nl; /* the node stays: it still has records, or is still needed */
        leaf_release(impl, old, methods);
        return 0;
    }

    if (rn_nkids(t) > 0) { /* no leaf and a lone static child: merge the two */
        rnode *c = rn_kids(t)[0];
        rnode *merged =
            rn_rebuild(a, c, rn_label(t), t->len, rn_label(c), c->len, NULL, NULL, 0, 0);
        if (!merged)
            return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
        merged->parent = t->parent;
        rn_adopt(merged);
        rn_replace(impl, t, merged);
        rn_free(a, c);
        rn_free(a, t);
        impl->nodes -= 1;
        leaf_release(impl, old, methods);
        return 0;
    }

    /* t goes, with every ancestor below the root left without leaf and child. */
    rnode *x = t;
    while (x->parent->parent && !x->parent->leaf && rn_nkids(x->parent) == 1)
        x = x->parent;
    rnode *q = x->parent;
    if (!q->parent && rn_nkids(q) == 1) { /* the last route: the tree empties */
        impl->root = NULL;
        impl->nodes -= chain_free(a, q);
        leaf_release(impl, old, methods);
        return 0;
    }
    if (x->kind == RN_STATIC && rn_wide_in_place(q, -1)) {
        rn_wide_drop(q, x);
        impl->nodes -= chain_free(a, x);
        leaf_release(impl, old, methods);
        return 0;
    }
    rnode *repl, *gone = NULL;
    size_t ns = q->nstatic - (x->kind == RN_STATIC);
    size_t nw = (size_t)q->nwild - (x->kind != RN_STATIC);
    if (q->parent && q->kind == RN_STATIC && !q->leaf && ns == 1 && nw == 0) {
        /* q keeps one static child and nothing else: merge the two. */
        rnode *const *kids = rn_kids(q);
        gone = kids[0] == x ? kids[1] : kids[0];
        repl =
            rn_rebuild(a, gone, rn_label(q), q->len, rn_label(gone), gone->len, NULL, NULL, 0, 0);
        if (repl)
            repl->parent = q->parent;
    } else {
        repl = rn_rebuild(a, q, NULL, 0, rn_label(q), q->len, x, NULL, 0, 0);
    }
    if (!repl)
        return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    rn_adopt(repl);
    rn_replace(impl, q, repl);
    rn_free(a, q);
    if (gone) {
        rn_free(a, gone);
        impl->nodes -= 1;
    }
    impl->nodes -= chain_free(a, x);
    leaf_release(impl, old, methods);
    return 0;
}

/* ---- Lifecycle and stats ---- */

static int radix_create(rtm__impl **out, rtm__alloc *a, const rtm_config *cfg)
{
    (void)cfg;
    rtm__impl *impl = rtm__calloc(a, sizeof *impl);
    if (!impl)
        return RTM_ENOMEM;
    impl->alloc = a;
    *out = impl;
    return 0;
}

/* ---- Packing (mirrors) ----
 *
 * A tree built route by route has its nodes wherever the allocator put
 * them, between whatever else was allocated at the time: in the adaptive
 * router, the route's records and the segment tree's nodes. rtm__radix_pack
 * copies every node, each followed by its leaf, into one block in preorder,
 * so a lookup's nodes lie together and a small table's whole tree is a few
 * KB. A mirror allocates through `own`, which forwards to the router's
 * allocator but drops a free of memory inside the block (the block goes as
 * a whole, at the next pack or at destroy), so inserts and removes after a
 * pack work as before. own's byte count is the live nodes' and leaves'
 * bytes: the next block's size. */

static bool in_block(const rtm__impl *impl, const void *p)
{
    uintptr_t b = (uintptr_t)impl->block, x = (uintptr_t)p;
    return impl->block && x >= b && x - b < impl->block_bytes;
}

static void *own_malloc(void *ctx, size_t size)
{
    rtm__impl *impl = ctx;
    return rtm__malloc(impl->parent, size);
}

static void *own_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size)
{
    rtm__impl *impl = ctx;
    if (!in_block(impl, ptr))
        return rtm__realloc(impl->parent, ptr, old_size, new_size);
    void *p = rtm__malloc(impl->parent, new_size);
    if (p)
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    return p;
}

static void own_free(void *ctx, void *ptr, size_t size)
{
    rtm__impl *impl = ctx;
    if (!in_block(impl, ptr))
        rtm__free(impl->parent, ptr, size);
}

int rtm__radix_create_mirror(rtm__impl **out, rtm__alloc *a)
{
    int rc = radix_create(out, a, NULL);
    if (rc != 0)
        return rc;
    rtm__impl *impl = *out;
    impl->borrowed = true;
    impl->parent = a;
    rtm__alloc_init(&impl->own, &(rtm_allocator){own_malloc, own_realloc, own_free, impl});
    impl->alloc = &impl->own;
    return 0;
}

/* Copy node o, then its leaf, to *at in the block (end: its end). The copy
 * keeps o's kids and table (the walk re-aims them) and its leaf slot counts
 * the children copied so far. NULL when they would pass the end. */
static rnode *pack_place(const rnode *o, char **at, const char *end)
{
    size_t nb = rn_bytes(o), lb = o->leaf ? rtm__leaf_size(o->leaf->n) : 0;
    if ((size_t)(end - *at) < nb + lb)
        return NULL;
    rnode *c = (rnode *)(void *)*at;
    memcpy(c, o, nb);
    if (lb)
        memcpy(*at + nb, o->leaf, lb);
    *at += nb + lb;
    memset(&c->leaf, 0, sizeof c->leaf);
    return c;
}

/* The tree rooted at n freed, nodes and leaves (with their records when
 * `records`), without recursion: when the walk first reaches a node it
 * frees the node's leaf and keeps in the leaf slot the number of children
 * still to free; children go from the last to the first, and a node is
 * freed when none is left (its size comes from its unchanged figures). */
static void free_tree(rtm__impl *impl, rnode *n, bool records)
{
    rtm__alloc *a = impl->alloc;
    if (n) {
        size_t left = rn_nkids(n);
        leaf_release(impl, n->leaf, records ? ~0u : 0u);
        memcpy(&n->leaf, &left, sizeof left);
    }
    while (n) {
        size_t left;
        memcpy(&left, &n->leaf, sizeof left);
        if (left) {
            left--;
            memcpy(&n->leaf, &left, sizeof left);
            rnode *kid = rn_kids(n)[left];
            size_t kl = rn_nkids(kid);
            leaf_release(impl, kid->leaf, records ? ~0u : 0u);
            memcpy(&kid->leaf, &kl, sizeof kl);
            n = kid;
            continue;
        }
        rnode *p = n->parent;
        rn_free(a, n);
        n = p;
    }
}

int rtm__radix_each_static(const rtm__impl *impl, rtm__alloc *a,
                           void (*fn)(void *ctx, const char *path, size_t len,
                                      const rtm__leaf *leaf),
                           void *ctx)
{
    const rnode *n = impl->root;
    if (!n)
        return 0;
    /* next[d]: the next static child to visit at depth d; path: the
     * shape's path down to n (the root's is empty). */
    size_t cap = 16, pcap = 256, depth = 0, plen = 0;
    size_t *next = rtm__malloc(a, cap * sizeof *next);
    char *path = rtm__malloc(a, pcap);
    int rc = 0;
    if (!next || !path) {
        rc = RTM_ENOMEM;
        goto out;
    }
    next[0] = 0;
    for (;;) {
        if (next[depth] < n->nstatic) {
            const rnode *c = rn_kids(n)[next[depth]++];
            if (depth + 1 == cap) {
                size_t *g = rtm__realloc(a, next, cap * sizeof *next, 2 * cap * sizeof *next);
                if (!g) {
                    rc = RTM_ENOMEM;
                    goto out;
                }
                next = g;
                cap *= 2;
            }
            if (plen + 1 + c->len > pcap) {
                size_t want = 2 * (plen + 1 + c->len);
                char *g = rtm__realloc(a, path, pcap, want);
                if (!g) {
                    rc = RTM_ENOMEM;
                    goto out;
                }
                path = g;
                pcap = want;
            }
            path[plen] = '/';
            memcpy(path + plen + 1, rn_label(c), c->len);
            plen += 1 + (size_t)c->len;
            next[++depth] = 0;
            n = c;
            if (n->leaf)
                fn(ctx, path, plen, n->leaf);
            continue;
        }
        if (depth == 0)
            break;
        plen -= 1 + (size_t)n->len;
        n = n->parent;
        depth--;
    }
out:
    rtm__free(a, next, cap * sizeof *next);
    rtm__free(a, path, pcap);
    return rc;
}

int rtm__radix_pack(rtm__impl *impl)
{
    if (!impl->parent)
        return RTM_EUNSUPP;
    size_t bytes = atomic_load_explicit(&impl->own.bytes, memory_order_relaxed);
    char *block = NULL, *at = NULL;
    rnode *root = NULL;
    if (impl->root) {
        if (!(block = rtm__malloc(impl->parent, bytes)))
            return RTM_ENOMEM;
        at = block;
        /* Preorder, the old tree and the copy in step: (o, c). */
        const rnode *o = impl->root;
        rnode *c = root = pack_place(o, &at, block + bytes);
        while (c) {
            size_t next;
            memcpy(&next, &c->leaf, sizeof next);
            if (next < rn_nkids(o)) {
                const rnode *oc = rn_kids(o)[next++];
                memcpy(&c->leaf, &next, sizeof next);
                rnode *cc = pack_place(oc, &at, block + bytes);
                if (!cc) { /* a miscount (a bug): keep the tree as it is */
                    rtm__free(impl->parent, block, bytes);
                    return RTM_ELIMIT;
                }
                cc->parent = c;
                rn_set_kid(c, next - 1, oc, cc);
                o = oc;
                c = cc;
                continue;
            }
            c->leaf = o->leaf ? (rtm__leaf *)(void *)((char *)c + rn_bytes(c)) : NULL;
            o = o->parent;
            c = c->parent;
        }
    }
    free_tree(impl, impl->root, false); /* the copies hold the records now */
    rtm__free(impl->parent, impl->block, impl->block_bytes);
    impl->root = root;
    impl->block = block;
    impl->block_bytes = bytes;
    atomic_store_explicit(&impl->own.bytes, root ? (size_t)(at - block) : 0, memory_order_relaxed);
    return 0;
}

static void radix_destroy(rtm__impl *impl)
{
    free_tree(impl, impl->root, !impl->borrowed);
    rtm__alloc *a = impl->parent ? impl->parent : impl->alloc; /* not &impl->own */
    rtm__free(a, impl->block, impl->block_bytes);
    rtm__free(a, impl, sizeof *impl);
}

static void radix_stats(const rtm__impl *impl, rtm_stats *st)
{
    st->nodes = impl->nodes;
}

/* ---- Invariant walker ---- */

/* The next node after n in preorder, or NULL. */
static const rnode *preorder_next(const rnode *n)
{
    if (rn_nkids(n))
        return rn_kids(n)[0];
    for (const rnode *p = n->parent; p; n = p, p = p->parent) {
        rnode *const *kids = rn_kids(p);
        size_t j = 0;
        while (kids[j] != n)
            j++;
        if (j + 1 < rn_nkids(p))
            return kids[j + 1];
    }
    return NULL;
}

/* Params above n and in n. */
static unsigned params_through(const rnode *n)
{
    for (; n; n = n->parent)
        if (n->kind != RN_STATIC)
            return (unsigned)n->pidx + n->np;
    return 0;
}

#define RN_CHECK(cond, msg)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (why)                                                                               \
                *why = (msg);                                                                      \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

int rtm__radix_check(const rtm__impl *impl, const char **why)
{
    size_t count = 0;
    const rnode *root = impl->root;
    if (root)
        RN_CHECK(root->kind == RN_STATIC && root->len == 0 && !root->leaf && !root->parent &&
                     rn_nkids(root) > 0,
                 "root is not an empty static node without leaf and parent");
    size_t bytes = 0; /* the nodes' and leaves' */
    for (const rnode *n = root; n; n = preorder_next(n)) {
        count++;
        bytes += rn_bytes(n) + (n->leaf ? rtm__leaf_size(n->leaf->n) : 0);
        rnode *const *kids = rn_kids(n);
        RN_CHECK(n->wbits == rn_wbits(n->nstatic), "wide table size wrong");
        if (n->kind == RN_STATIC) {
            RN_CHECK(n->len > 0 || rn_nkids(n) == 0 || n == root,
                     "empty segment node with children");
        } else {
            RN_CHECK(n->pidx == params_through(n->parent),
                     "wildcard pidx is not the number of params above it");
            RN_CHECK(n->np >= 1 && params_through(n) <= RTM_MAX_PARAMS, "bad param count");
            RN_CHECK(n->kind != RN_CATCHALL || rn_nkids(n) == 0, "catch-all with children");
            RN_CHECK((n->kind == RN_MIXED) == (n->len > 0), "label on a non-mixed wildcard");
            RN_CHECK(n->kind == RN_MIXED || n->np == 1, "param node np != 1");
        }
        if (n != root) {
            RN_CHECK(n->leaf || rn_nkids(n) > 0, "dead node: no leaf and no children");
            RN_CHECK(n->leaf || n->kind != RN_STATIC || !(n->nstatic == 1 && n->nwild == 0),
                     "uncompressed: static node without leaf and with one static child");
        }
        RN_CHECK(!n->leaf || n->leaf->n > 0, "empty leaf");
        for (size_t j = 0; j < n->nstatic; j++) {
            const rnode *c = kids[j];
            RN_CHECK(c->parent == n, "parent link broken");
            RN_CHECK(c->kind == RN_STATIC, "static child is not static");
            RN_CHECK(n->wbits || rn_tags(n)[j] == rn_tag_of(c), "tag differs from the label's");
            if (j)
                RN_CHECK(cmp_bytes(rn_label(kids[j - 1]), first_seg_len(kids[j - 1]), rn_label(c),
                                   first_seg_len(c)) < 0,
                         "static children out of order");
            if (n->wbits) {
                const rslot *table = rn_table(n);
                uint32_t tag = rn_tag_of(c), mask = (1u << n->wbits) - 1, s = tag & mask;
                while (table[s].kid && table[s].kid != c)
                    s = (s + 1) & mask;
                RN_CHECK(table[s].kid == c && table[s].tag == tag,
                         "child missing from the wide table");
            }
        }
        if (n->wbits) {
            size_t used = 0;
            for (size_t s = 0; s < ((size_t)1 << n->wbits); s++)
                used += rn_table(n)[s].kid != NULL;
            RN_CHECK(used == n->nstatic, "wide table holds stray entries");
        }
        for (size_t j = 0; j < n->nwild; j++) {
            const rnode *c = kids[n->nstatic + j];
            RN_CHECK(c->parent == n, "parent link broken");
            RN_CHECK(c->kind != RN_STATIC, "wildcard child is static");
            if (j) {
                const rnode *b = kids[n->nstatic + j - 1];
                const char *ta, *tb;
                size_t la, lb;
                wild_text(b, &ta, &la);
                wild_text(c, &tb, &lb);
                RN_CHECK(rtm__seg_rank(b->kind, ta, la, c->kind, tb, lb) < 0,
                         "wildcards not in strict rank order");
            }
        }
    }
    RN_CHECK(count == impl->nodes, "node count differs from the tree");
    RN_CHECK(!impl->parent || bytes == atomic_load(&impl->own.bytes),
             "a mirror's byte count differs from its nodes and leaves (the next pack's size)");
    return 0;
}

const rtm__algo_ops rtm__radix_ops = {
    .name = "radix",
    .create = radix_create,
    .destroy = radix_destroy,
    .insert = radix_insert,
    .remove = radix_remove,
    .match = rtm__radix_match,
    .stats = radix_stats,
};
