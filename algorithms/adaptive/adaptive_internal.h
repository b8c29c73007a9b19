/* SPDX-License-Identifier: MIT */
/* Types and helpers shared by the adaptive algorithm's files: adaptive.c
 * (nodes, life cycle, figures), lookup.c, edit.c (insert and remove),
 * check.c (the invariant walker), reshape.c (the two encodings' builders
 * and the policy thread), hot.c (the hot trie), front.c (the radix
 * mirror's life and the choice of what answers) and sketch.c (the
 * per-subtree next-token sketch and its entropy). Node layouts are drawn in
 * adaptive.c. Nothing here is visible outside algorithms/adaptive/. */
#ifndef RTM_ALGORITHMS_ADAPTIVE_INTERNAL_H
#define RTM_ALGORITHMS_ADAPTIVE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h> /* clock_gettime, where there is no time-stamp counter */

#include "adaptive.h"        /* rtm__adaptive_metrics, RTM__ADAPTIVE_* */
#include "alloc.h"           /* rtm__alloc, rtm__malloc, rtm__free */
#include "epoch.h"           /* rtm__epoch_entry, rtm__epoch_limbo */
#include "mirror.h"          /* ad_mirror */
#include "pattern.h"         /* rtm__seg_kind */
#include "route.h"           /* rtm__leaf */
#include "router_internal.h" /* rtm__impl */
#include "swar.h"            /* rtm__load8 */
#include "thread.h"          /* rtm__mutex, rtm__cond, rtm__thread */

#define XXH_INLINE_ALL
#include <xxhash.h> /* XXH3_64bits: sketch tokens */

#define AD_SKETCH     32u            /* buckets per next-token sketch (power of two) */
#define AD_PACKED     ((uintptr_t)1) /* tag bit of a packed body pointer */
#define AD_NONE       UINT32_MAX     /* "no index" in packed nodes */
#define AD_LINEAR_MAX 8u             /* more static children than this: hash index */
#define AD_MAX_LABEL  65535u         /* a label never exceeds a pattern */

typedef struct ad_tnode ad_tnode;

/* ---- Trie encoding ---- */

/* The children of a trie node, allocated exactly: this header, child[n],
 * then (when nstatic > AD_LINEAR_MAX) a hash index of 1 << hbits entries,
 * each NULL or a static child, linear probing from
 * ad_hash(label) (see ad_kids_table()). A smaller group keeps its statics'
 * first bytes in `kfirst` (byte j: child[j]'s, 0 for the "" label), so a
 * lookup compares one word and reads only the children that can match
 * instead of binary-searching through child pointers. ad_kids_index()
 * fills either. */
typedef struct ad_kids {
    uint32_t n;        /* children */
    uint32_t nstatic;  /* child[0, nstatic) are static, sorted by (length, bytes) */
    uint32_t hbits;    /* log2 of the hash index size, 0 = no index */
    uint32_t pad;      /* zero */
    uint64_t kfirst;   /* hbits == 0: the statics' first bytes */
    ad_tnode *child[]; /* then mixed by rtm__seg_rank, then "{}", then "{*}" */
} ad_kids;

/* Per-subtree sampling record and policy state; one per depth-1 node. The
 * atomics are written by sampled lookups (relaxed), the rest only under the
 * policy mutex. */
typedef struct ad_sub {
    _Atomic uint32_t sketch[AD_SKETCH]; /* next-token counts by xxHash bucket */
    _Atomic uint32_t lookups;           /* sampled lookups that entered the subtree */
    _Atomic uint32_t misses;            /* cache misses attributed to the subtree */
    double entropy;                     /* last tick: normalised next-token entropy */
    double miss_ratio;                  /* last tick: misses / lookups */
    uint32_t samples;                   /* last tick: lookups in the window */
    uint32_t since;                     /* ticks since its last re-encoding */
    uint64_t reshapes;                  /* times re-encoded */
    size_t nodes;                       /* nodes below the root, current encoding */
} ad_sub;

/* One node per segment in the trie encoding. `body` is the only field a
 * reshape changes while lookups run (and only on depth-1 nodes). */
struct ad_tnode {
    _Atomic uintptr_t body; /* ad_kids *, or (ad_block * | AD_PACKED) on a depth-1
                               node, or 0 when childless */
    ad_tnode *parent;       /* NULL for the root */
    rtm__leaf *leaf;        /* routes whose shape ends here, or NULL */
    ad_sub *sub;            /* depth-1 nodes only, else NULL */
    _Atomic uint32_t heat;  /* sampled lookups that entered the node */
    uint32_t idx;           /* position in the parent's child[] */
    uint32_t label_len;     /* bytes in label */
    uint8_t kind;           /* rtm__seg_kind */
    uint8_t first_param;    /* slot of its first param in every route below */
    uint8_t nparams;        /* params in its segment */
    char label[];           /* canonical segment: "users", "", "v{}", "{}", "{*}" */
};

/* ---- Packed encoding ---- */

/* 40 bytes. Children of a node are contiguous: [first, first + nkids). The
 * leaf is copied inline (its method mask, and its records at
 * blk->routes[routes]), so that a lookup never touches the separate
 * rtm__leaf: a leaf only changes through a writer, and a writer expands a
 * packed subtree before changing anything below its root. */
typedef struct ad_pnode {
    uint32_t routes;     /* offset in blk->routes of the leaf's records */
    uint16_t mask;       /* the leaf's method mask, 0 when no route ends here */
    uint16_t nroutes;    /* records (popcount of mask) */
    uint32_t parent;     /* index of the parent; node 0 (the subtree root) has AD_NONE */
    uint32_t first;      /* index of the first child */
    uint32_t nkids;      /* children */
    uint32_t nstatic;    /* the first nstatic children are static (hot first) */
    uint32_t label;      /* offset of the label in the block's bytes */
    uint32_t hidx;       /* offset in hidx[] of the statics' hash index, or AD_NONE */
    uint16_t label_len;  /* bytes; a merged static chain keeps its '/' separators */
    uint16_t seg1_len;   /* bytes of the label's first segment */
    uint8_t kind;        /* rtm__seg_kind of the (first) segment */
    uint8_t first_param; /* slot of its first param */
    uint8_t nparams;     /* params in its segment */
    uint8_t hbits;       /* log2 of its hash index size (when hidx is set) */
} ad_pnode;

/* One allocation: this header, nodes[nnodes], routes[nroutes],
 * leaves[nnodes], heat[nnodes], hidx[nhidx], labels[nlabels]. Read-only
 * once published, except the heat counters. */
typedef struct ad_block {
    rtm__epoch_entry retire;   /* limbo link once replaced */
    size_t bytes;              /* size of the whole allocation */
    uint32_t nnodes;           /* nodes, node 0 standing for the subtree root */
    uint32_t nhidx;            /* entries in hidx */
    uint32_t nlabels;          /* label bytes */
    uint32_t nroutes;          /* entries in routes */
    const rtm__route **routes; /* every leaf's records, node by node (hot path) */
    rtm__leaf **leaves;        /* per node, the leaf itself (writers, destroy; cold) */
    _Atomic uint32_t *heat;    /* sampled entries per node */
    uint32_t *hidx;            /* per node with > AD_LINEAR_MAX statics: a hash
                                  index, entries 0 or 1 + offset in the group */
    char *labels;              /* label bytes, in layout order */
    ad_pnode nodes[];          /* layout order: groups hot-first, depth-first */
} ad_block;

/* ---- Hot-route index (hot.c builds it, lookup.c reads it) ---- */

#define AD_HOT_SEGS        16u    /* a hot route has at most this many segments */
#define AD_HOT_ROUTES      8192u  /* routes in the index */
#define AD_HOT_THREATS     64u    /* static siblings checked per param */
#define AD_HOT_MIXED       16u    /* mixed siblings checked per param */
#define AD_HOT_RING        4096u  /* winners remembered from sampled lookups */
#define AD_HOT_MIN_SAMPLES 256u   /* ring entries a rebuild needs */
#define AD_HOT_SEEN        16384u /* routes whose sampled wins are remembered across ticks */
#define AD_HOT_UNIT        256u   /* one sample's weight in the remembered wins */
#define AD_HOT_DECAY       8u     /* each tick a remembered weight loses 1/AD_HOT_DECAY */
#define AD_HOT_FULL_ROUTES 65534u /* a full index: every eligible route, up to this many */
#define AD_HOT_FULL_AGE    8u     /* ticks a full index stays before it is rebuilt */

/* A route's sampled wins, in AD_HOT_UNIT per sample, decayed each tick
 * (hot.c). The address is only a key, never dereferenced; a writer that
 * removes routes forgets them all. */
typedef struct ad_hot_seen {
    const rtm__route *rt;
    uint32_t w;
} ad_hot_seen;

/* A node of the hot trie: one 64-byte cache line, so that a lookup reads
 * one line per segment for the usual label of at most 8 bytes. Children
 * are contiguous from `first`: the static ones with a non-empty label
 * (nstatic, hottest first), then the "" child of a trailing '/' when
 * `empty`, then the param child when `param`. Up to AD_HOT_SCAN_MAX
 * statics have their first bytes in `kfirst` ('/' in the bytes no child
 * uses), so one word compare finds the children a segment can equal; more
 * have a hash index at hidx[firsts]. A node's own label starts in `lab16`
 * (its first 16 bytes, then a '/' marking its end when shorter, zero
 * above), the whole of it in labels[]. A route ending here has its leaf
 * here: method mask, and its answers (copies of its records' fields) at
 * answers[rec]. A param node carries its threats: threat[threats,
 * + nthreats) are labels its segment must not equal, and in lab16 (unused
 * by a param) the mask of their lengths (bit min(length, 63)) and, from
 * byte 8, the stop bytes (one per mixed sibling, '/' in the unused bytes)
 * of its mixed siblings, which are mixed[label, + seg1_len); label_len is
 * 1 on a *holder*, a param node standing only for them (no param route
 * held there: never entered). */
typedef struct ad_hnode {
    uint64_t kfirst;    /* first bytes of the static children, hottest first (hot.c), '/' above */
    char lab16[16];     /* static: the label's first 16 bytes, '/', zero above */
    uint32_t first;     /* first child */
    uint32_t label;     /* static: offset of the label in labels */
    uint32_t firsts;    /* hbits set: offset of the statics' hash index in hidx */
    uint32_t threats;   /* param: first threat in threat[] */
    uint32_t rec;       /* leaf: its answers at answers[rec] (one per method bit) */
    uint16_t mask;      /* leaf: method mask, 0 when no hot route ends here */
    uint16_t label_len; /* static: label bytes (a merged chain: '/' inside) */
    uint16_t seg1_len;  /* static: bytes of the label's first segment */
    uint16_t nstatic;   /* static children with a non-empty label */
    uint8_t empty;      /* 1: a "" child follows them */
    uint8_t param;      /* 1: a param child follows */
    uint8_t nthreats;   /* param: threats */
    uint8_t hbits;      /* nstatic > AD_HOT_SCAN_MAX: log2 of the index size,
                           | AD_HOT_WIDE when it is keyed by 16 bytes,
                           | AD_HOT_WHOLE by the whole first segment */
    uint64_t spare;     /* unused: the node is one line */
} ad_hnode;
_Static_assert(sizeof(ad_hnode) == 64, "a hot trie node is one cache line");
_Static_assert(AD_HOT_THREATS <= UINT8_MAX, "nthreats is 8 bits");

#define AD_HOT_SCAN_MAX 8u    /* more static children than this: hash index */
#define AD_HOT_WIDE     0x80u /* in hbits: keys of 16 bytes (children share 8) */
#define AD_HOT_WHOLE    0x40u /* in hbits: keys of the whole segment (children share 16) */
#define AD_HOT_KEYING   (AD_HOT_WIDE | AD_HOT_WHOLE)
#define AD_HOT_SHARED   8u /* more children sharing their first 8 bytes: wide */
/* A node has at most as many static children as the index has routes; its
 * hash slots (uint16_t) and nstatic hold 1 + a child's position. */
_Static_assert(AD_HOT_ROUTES < UINT16_MAX && AD_HOT_FULL_ROUTES < UINT16_MAX,
               "hot hash slots are 16 bits");

/* What a hit answers for one record, copied from it when the index is
 * built, so that a hit reads the index and not the record: the record,
 * scattered over the heap with the tree's nodes, was a cold line in its
 * own page on a large table. The params' names are the record's own bytes
 * (rt->names: the address is computed, the bytes are not read), found
 * from their lengths. A route with more than AD_HOT_NAMES params is
 * answered from its record. The index is dropped by any writer, so the
 * copies never outlive what they copy. */
#define AD_HOT_NAMES 11u
typedef struct ad_hanswer {
    const rtm__route *rt;           /* the record (names at rt->names) */
    void *udata;                    /* rt->udata */
    uint32_t id;                    /* rt->id */
    uint8_t nparams;                /* rt->nparams */
    uint8_t name_len[AD_HOT_NAMES]; /* each param name's bytes, when nparams <= AD_HOT_NAMES */
} ad_hanswer;
_Static_assert(sizeof(ad_hanswer) == 32, "two answers per cache line");

/* A threat: labels[off, off + len). */
typedef struct ad_hlabel {
    uint32_t off;
    uint32_t len;
} ad_hlabel;

/* A mixed sibling of a param node, as the tree holds it: its canonical
 * label labels[label, + len) and its leaf inline (method mask, answers at
 * answers[rec]; mask 0 when no route ends there). */
typedef struct ad_hmixed {
    uint32_t label;
    uint32_t rec;
    uint16_t len;
    uint16_t mask;
    uint8_t nparams;
} ad_hmixed;

/* The index: one allocation, immutable once published (impl->hot). The
 * lookup's pointers share the header's first line; the nodes start on a
 * line of their own. */
typedef struct ad_hot {
    rtm__epoch_entry retire;   /* limbo link (first member) */
    const ad_hnode *nodes;     /* nodes[0] is the root (the leading '/') */
    const uint16_t *hidx;      /* per large node: 0 or 1 + static child position */
    const ad_hanswer *answers; /* leaf answers */
    const char *labels;        /* label bytes */
    const ad_hlabel *threat;   /* param nodes' threats */
    const ad_hmixed *mixed;    /* param nodes' mixed siblings */
    void *base;                /* the allocation (the header is aligned in it) */
    size_t bytes;              /* whole allocation */
    uint32_t nroutes;          /* routes indexed */
    uint32_t nnodes;           /* hot trie nodes, root included */
    uint32_t cover_pm;         /* estimated share answered, per mille */
    bool full;                 /* every eligible route of the table (hot.c) */
} ad_hot;

/* ---- The front (front.c) ---- */

/* Which encoding answers the lookups that are not sampled. */
#define AD_FRONT_OWN   0u /* the hot index, then the tree */
#define AD_FRONT_RADIX 1u /* the radix mirror */

/* The policy's choice between the two, from timed sampled lookups: the
 * incumbent answers, and now and then the other one answers for a period
 * (a trial) and takes over if it was cheaper by AD_FRONT_MARGIN. */
typedef struct ad_front {
    double cost[2];       /* clock ticks per lookup: the trial's, the incumbent's least
                             since; 0: not yet */
    uint32_t backoff;     /* periods between trials, after the last one */
    uint32_t wait;        /* periods left before the next trial */
    uint32_t since_trial; /* incumbent periods measured since the last trial */
    uint8_t incumbent;    /* AD_FRONT_* */
    bool trial;           /* the other one answers the period now running */
    bool fresh;           /* the period now running began with a new or changed table */
    bool unpacked;        /* the mirror changed since its last pack: unpublished till then */
    bool exact_on;        /* ask the exact-path map (static wins' share, last judged) */
    uint64_t switches;    /* times the incumbent changed */
    uint64_t packs;       /* times the mirror was packed */
} ad_front;

#define AD_FRONT_MARGIN        0.03   /* a trial wins when this much cheaper */
#define AD_FRONT_SLICES        8u     /* a trial period's slices, the fronts taking turns */
#define AD_FRONT_MIN_LOOKUPS   32768u /* timed lookups a period needs to count */
#define AD_EXACT_MIN_WINS      64u    /* sampled wins a period needs to judge the map */
#define AD_EXACT_SHARE         0.25   /* the map is asked when this share is static */
#define AD_FRONT_BACKOFF_CLEAR 8u     /* periods between trials after a clear result */
#define AD_FRONT_BACKOFF_MAX   64u    /* periods between trials at most (32 s at 500 ms) */
#define AD_FRONT_OUTLIER       20000u /* clock ticks per lookup: more, the thread was away */

/* A clock for the spans between sampled lookups: the time-stamp counter
 * where there is one (no system call), else the monotonic clock in ns.
 * Only ever compared with itself. */
static inline uint64_t ad_clock_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#else
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
#endif
}

/* ---- The instance ---- */

typedef struct ad_exact ad_exact; /* exact.c */

struct rtm__impl {
    /* what every lookup reads, in the first line */
    _Atomic(const ad_hot *) hot;       /* the hot-route index, or NULL */
    _Atomic(const ad_mirror *) front;  /* the mirror while it answers lookups, else NULL */
    _Atomic(const ad_exact *) exact;   /* asked before the mirror, or NULL (front.c) */
    uint32_t sample_every;             /* K: one lookup in K is sampled */
    uint32_t countdown_span;           /* 3K/2 - 1: an unsampled lookup's countdown is 2 to 3K/2 */
    ad_tnode *root;                    /* never packed, never a subtree root */
    rtm__alloc *a;                     /* the router's allocator */
    size_t nnodes;                     /* live trie nodes (root included) + packed nodes */
    uint64_t reshapes;                 /* re-encodings so far */
    uint32_t period_ms;                /* policy tick period */
    double entropy_max;                /* rule: entropy below this ... */
    double miss_min;                   /* ... and miss ratio above this */
    uint32_t flags;                    /* rtm_config.adaptive_flags */
    int perf;                          /* 1: miss counts from hardware counters, 0: cache model */
    size_t cursor;                     /* round-robin position of the next tick */
    rtm__mutex lock;                   /* writers and policy ticks; never taken by match */
    rtm__cond wake;                    /* wakes the policy thread early (stop) */
    rtm__thread thread;                /* the policy thread ... */
    bool running;                      /* ... when started */
    bool stop;                         /* asks it to return (under lock) */
    rtm__epoch_limbo limbo;            /* replaced encodings waiting for a grace period */
    _Atomic(const rtm__route *) *ring; /* AD_HOT_RING winners of sampled lookups */
    _Atomic uint32_t hot_tries;        /* sampled lookups that also tried the index */
    _Atomic uint32_t hot_hits;         /* ... and that it answered */
    uint64_t hot_builds;               /* indexes published */
    uint32_t hot_age;                  /* ticks since the published index was built */
    ad_hot_seen *seen;                 /* remembered wins, by address (policy) */
    uint32_t nseen, seen_cap;
    uint64_t seen_total;             /* all wins' weight, forgotten ones included */
    ad_mirror *mirror;               /* the table in a radix tree, or NULL (front.c) */
    ad_front fr;                     /* which encoding answers (policy) */
    _Atomic uint64_t front_ticks[2]; /* spans between sampled lookups, by AD_FRONT_*: ticks ... */
    _Atomic uint64_t front_n[2];     /* ... and the lookups in them */
    ad_exact *exact_map;             /* the mirror's exact-path map, or NULL (front.c) */
    _Atomic uint32_t wins;           /* sampled lookups that found a route ... */
    _Atomic uint32_t static_wins;    /* ... a static one (the map's share) */
};

/* ---- Shared helpers (adaptive.c) ---- */

/* Set K (at least 1) and the countdown bound the lookup entry derives
 * from it. */
static inline void ad_set_sample_every(rtm__impl *impl, uint32_t k)
{
    uint64_t cd_max = k * UINT64_C(3) / 2; /* at least 1 */
    impl->sample_every = k;
    impl->countdown_span = (cd_max > UINT32_MAX ? UINT32_MAX : (uint32_t)cd_max) - 1;
}

/* Writer-side figures take the instance's mutex through a const pointer. */
static inline rtm__impl *ad_unconst(const rtm__impl *impl)
{
    return (rtm__impl *)(uintptr_t)impl;
}

static inline const ad_kids *ad_kids_of(const ad_tnode *n)
{
    /* pairs with the release stores that publish a body (writers, reshape) */
    return (const ad_kids *)atomic_load_explicit(&n->body, memory_order_acquire);
}

/* Hash of a static segment (its first segment, for merged labels) for the
 * static-child indexes, inline: two overlapping word loads and a
 * multiply-xorshift mix for up to 16 bytes (most segments); beyond, the
 * leading words are folded in first (a param value looked up among the
 * statics is often that long: no library call on the lookup path). */
static inline uint64_t ad_hash(const char *p, size_t n)
{
    uint64_t lo = 0, hi = 0;
    if (n > 16) {
        uint64_t acc = n;
        size_t i = 0;
        for (; n - i > 16; i += 8) {
            memcpy(&lo, p + i, 8);
            acc = (acc ^ lo) * 0x9FB21C651E98DF25ull;
            acc ^= acc >> 29;
        }
        memcpy(&lo, p + n - 16, 8);
        memcpy(&hi, p + n - 8, 8);
        lo ^= acc;
    } else if (n >= 8) {
        memcpy(&lo, p, 8);
        memcpy(&hi, p + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, p, 4);
        memcpy(&y, p + n - 4, 4);
        lo = x;
        hi = y;
    } else if (n > 0) {
        lo = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
             (uint64_t)(unsigned char)p[n - 1] << 16;
    }
    uint64_t h = (lo ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
    h ^= (hi + n) * 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

/* a[0, n) == b[0, n) for the short strings of paths, inline: word
 * compares, the last word overlapping, and for n < 4 the first, middle and
 * last bytes (all of them). Reads nothing outside either string. (radix.c
 * keeps a variant of its own: each form measured fewer instructions in its
 * own caller.) */
static inline __attribute__((always_inline)) bool ad_bytes_eq(const char *a, const char *b,
                                                              size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; n - i > 8; i += 8)
            if (rtm__load8(a + i) != rtm__load8(b + i))
                return false;
        return rtm__load8(a + n - 8) == rtm__load8(b + n - 8);
    }
    if (n >= 4) {
        uint32_t x, y, x2, y2;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        memcpy(&x2, a + n - 4, 4);
        memcpy(&y2, b + n - 4, 4);
        return x == y && x2 == y2;
    }
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/* The low min(n, 8) bytes of a word set; no branch, no shift by 64. */
static inline uint64_t ad_low_bytes(size_t n)
{
    unsigned k = (unsigned)(n < 8 ? n : 8);
    return ~((~UINT64_C(0) << (4 * k)) << (4 * k));
}

/* The hot trie's slot (of 2^bits) for a static segment, from its key: its
 * first min(length, 8) bytes as a little-endian word (lo), and in a node
 * keyed wide the next up to 8 (hi; else 0), zero above. Segments sharing
 * their key are told apart by the label compare. */
static inline uint32_t ad_hot_slot(uint64_t lo, uint64_t hi, unsigned bits)
{
    return (uint32_t)(((lo ^ (hi * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

/* A whole segment's key (a hot node keyed AD_HOT_WHOLE): its bytes 8 at a
 * time as little-endian words, the last chunk of 0 to 7 bytes zero above,
 * each folded in by one multiply; the key is what ad_hot_slot reads as
 * `lo`. The build and the lookup fold the same chunks, so two segments
 * share a key only by a 64-bit collision (the label compare decides). */
static inline uint64_t ad_hot_fold(uint64_t h, uint64_t chunk)
{
    return (h ^ chunk) * 0x9E3779B97F4A7C15ull + 0xD6E8FEB86659FD93ull;
}

/* log2 of the hash index size for a group of nstatic static children (at
 * most half full), 0 when the group is small enough to search without. */
static inline uint32_t ad_hbits(uint32_t nstatic)
{
    if (nstatic <= AD_LINEAR_MAX)
        return 0;
    uint32_t b = 4;
    while ((1u << b) < 2 * nstatic)
        b++;
    return b;
}

static inline size_t ad_kids_bytes(uint32_t n, uint32_t nstatic)
{
    uint32_t hb = ad_hbits(nstatic);
    return sizeof(ad_kids) + (size_t)n * sizeof(ad_tnode *) +
           (hb ? ((size_t)1 << hb) * sizeof(ad_tnode *) : 0);
}

/* The hash index after child[] (only when k->hbits): slots hold the static
 * child itself (NULL when empty), so a probe reads the slot and the child,
 * not child[] in between. */
static inline ad_tnode **ad_kids_table(const ad_kids *k)
{
    return (ad_tnode **)(void *)((char *)(uintptr_t)k + sizeof(ad_kids) +
                                 (size_t)k->n * sizeof(ad_tnode *));
}

/* A zeroed child array for n children of which nstatic static (index
 * sized, empty); NULL on failure. Fill child[], then ad_kids_index(). */
ad_kids *ad_kids_alloc(rtm__alloc *a, uint32_t n, uint32_t nstatic);
/* (Re)build the hash index from child[0, nstatic). */
void ad_kids_index(ad_kids *k);
/* The first bytes of a small group's static labels, byte j child j's (0
 * for ""): what kfirst holds. */
uint64_t ad_kids_first_bytes(const ad_kids *k);
/* Free the array (not the children). Accepts NULL. */
void ad_kids_free(rtm__alloc *a, ad_kids *k);

/* Allocate a node with a copy of its label; NULL on failure. */
ad_tnode *ad_tnode_new(rtm__alloc *a, unsigned kind, const char *label, uint32_t len,
                       unsigned first_param, unsigned nparams);
/* Free one node (its ad_sub too), not its children or leaf. */
void ad_tnode_free(rtm__alloc *a, ad_tnode *n);

/* Free `top` and every trie node below it (and any packed block hanging from
 * a node on the way), bottom-up without recursion. Leaves are freed only
 * when `leaves` is set; NULL child slots are skipped (partly built trees).
 * Returns the number of nodes freed (packed nodes included). */
size_t ad_free_subtree(rtm__impl *impl, ad_tnode *top, bool leaves);

/* Free every child subtree of `kids`, then the array itself. */
size_t ad_free_kids(rtm__impl *impl, ad_kids *kids, bool leaves);

/* Sibling order: kind, then static by (length, bytes), mixed by rtm__seg_rank. */
int ad_child_cmp(unsigned ak, const char *a, size_t al, unsigned bk, const char *b, size_t bl);

/* ---- Writers (edit.c): rtm_add and rtm_remove, lookups quiesced ---- */

/* Add routes[0, n) (one record per method) under p; the mirror follows
 * and the hot trie is dropped. A failure leaves the router as it was. */
int ad_insert(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes, unsigned n,
              rtm_diag *diag);
/* Remove the methods of p's route; the mirror follows, the hot trie and
 * its remembered wins are dropped. */
int ad_remove(rtm__impl *impl, const rtm__pattern *p, unsigned methods, rtm_diag *diag);

/* ---- Encodings (reshape.c) ---- */

/* Build a private trie copy of a packed block's nodes under `root` (a
 * depth-1 node, which is not modified): *out gets root's children (NULL when
 * the block has none) and *count the trie nodes made. Leaves are shared with
 * the block, heat counters copied. Returns 0 or RTM_ENOMEM (nothing kept). */
int ad_expand(rtm__impl *impl, const ad_block *blk, ad_tnode *root, ad_kids **out, size_t *count);

/* Free a block; with `leaves` also the leaves it points to (destroy only). */
void ad_block_free(rtm__impl *impl, ad_block *blk, bool leaves);

/* The policy thread's entry point, and one tick (mutex held). */
void ad_policy_main(void *arg);
int ad_tick_locked(rtm__impl *impl, const rtm__adaptive_metrics *injected);

/* ---- Hot-route index (hot.c) ---- */

/* Rebuild the index from the ring of sampled winners and publish it (or
 * withdraw it when it would cover too little of the traffic). Mutex held. */
int ad_hot_tick(rtm__impl *impl);

/* Build and publish an index of every eligible route, sampled or not (up
 * to AD_HOT_FULL_ROUTES): what tests use to meet the index on every request.
 * Mutex held. */
int ad_hot_build_all(rtm__impl *impl);

/* Free the published index now (writers, destroy: lookups quiesced). */
void ad_hot_drop(rtm__impl *impl);

/* Forget the remembered wins and the ring's samples (writers that remove,
 * destroy, tests; policy mutex held). */
void ad_hot_forget(rtm__impl *impl);

/* ---- The front and the mirror (front.c) ---- */

/* Make the radix mirror of the empty table, unless RTM_ADAPTIVE_NO_MIRROR
 * (or the radix algorithm is not compiled in): 0 or RTM_ENOMEM. */
int ad_front_create(rtm__impl *impl);

/* Free the mirror (destroy: the policy thread stopped, lookups quiesced). */
void ad_front_destroy(rtm__impl *impl);

/* Writers, mutex held, lookups quiesced, once the tree has bound
 * routes[0, n) to p, or unbound `methods` from p (and freed those records,
 * which the mirror's remove never reads): the mirror follows. A failed
 * writer call never gets here, so it leaves the mirror as it was. A mirror
 * that cannot follow (out of memory) is given up for good: the own
 * encodings answer from then on. Either way the measured costs start over. */
void ad_front_bound(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes, unsigned n);
void ad_front_unbound(rtm__impl *impl, const rtm__pattern *p, unsigned methods);

/* The policy's turn (mutex held): read the period's timed lookups (or
 * injected->front_cost) and choose what answers the next period. */
void ad_front_tick(rtm__impl *impl, const rtm__adaptive_metrics *injected);

/* During a trial (mutex held): hand the lookups to the other front, so
 * that the trial's period is shared out in slices between challenger and
 * incumbent (the policy thread calls it AD_FRONT_SLICES - 1 times a trial
 * period). Nothing outside a trial. */
void ad_front_slice(rtm__impl *impl);

/* "radix" while the mirror answers, else "index" or "tree" (whether an
 * index is published). */
const char *ad_front_name(const rtm__impl *impl);

/* ---- The exact-path map (exact.c) ---- */

/* The map of the mirror's static shapes by path; *out NULL when it has
 * none. 0, RTM_ENOMEM or RTM_ELIMIT (no map). */
int ad_exact_build(rtm__alloc *a, const ad_mirror *m, ad_exact **out);
void ad_exact_free(rtm__alloc *a, ad_exact *x);
size_t ad_exact_paths(const ad_exact *x);

/* Fill res as 200 when path is a static shape's whole path with a record
 * for method (the reference's answer); false, res untouched, otherwise. */
bool ad_exact_answer(const ad_exact *x, unsigned method, const char *path, size_t len,
                     rtm_result *res);

/* An unsampled lookup while `front` (the mirror) answers and map x is
 * published: x's answer if it has one, else the mirror's (THE MATCH
 * CONTRACT, flags 0). The arguments keep rtm__adaptive_match's registers. */
int ad_exact_front(const ad_exact *x, unsigned method, const char *path, size_t len,
                   const ad_mirror *front, rtm_result *res);

/* ---- Sketch (sketch.c) ---- */

/* Token hash of a child edge: xxHash of its canonical first segment. */
uint64_t ad_token_hash(const char *label, size_t len);

/* Count one token (relaxed atomics; lossy under contention by design). */
static inline void ad_sketch_add(ad_sub *s, uint64_t h)
{
    _Atomic uint32_t *b = &s->sketch[h & (AD_SKETCH - 1)];
    atomic_store_explicit(b, atomic_load_explicit(b, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* Add v to a relaxed counter (load + store: no locked instruction). */
static inline void ad_counter_add(_Atomic uint32_t *c, uint32_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

static inline void ad_counter_add64(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

/* Normalised Shannon entropy of counts[0..n): H / log2(distinct), 0 when at
 * most one bucket is non-zero. */
double ad_entropy(const uint32_t *counts, size_t n);

/* Read a subtree's window (entropy of its sketch, misses / lookups, lookups)
 * into the sub's policy fields, then halve every counter (exponential
 * window) unless the window holds fewer than RTM__ADAPTIVE_MIN_SAMPLES
 * lookups: then it stays open, so a sparse subtree is judged once it has
 * them. */
void ad_sub_window(ad_sub *s);

#endif
