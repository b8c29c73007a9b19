/* SPDX-License-Identifier: MIT */
/* The exact-path map: the static routes of the table by their whole path,
 * asked before the radix mirror while the mirror answers (front.c).
 * Responsible for building the map from the mirror and for the lookup in
 * it; not for when it is built or asked (front.c, lookup.c).
 *
 * ---- Idea ----
 *
 * A route without a param, mixed or catch-all segment matches one request
 * path only: its own bytes. When a request's path is that path, and the
 * route's leaf has a record for the request's method (or ANY), that record
 * is the answer the reference gives: at the first segment where any other
 * candidate differs from it, the other has a wildcard and the static
 * segment outranks it (SPEC rule 3), and no other static route has the
 * same bytes. So one hash of the path, one probe and one compare answer
 * it, however long the path and however many siblings its segments have;
 * a tree walk scans and hashes each segment and compares each label.
 * Every other request (no such path, or no record for the method) goes on
 * to the mirror, which answers as before: the map only ever answers 200,
 * with what the mirror would have answered.
 *
 *     "/api/chat.postMessage" --hash--> slot --compare--> leaf --method--> record
 *
 * Slack's table is all static (174 routes under /api/, long method names
 * sharing prefixes), which is where a tree walk costs most and the map
 * least. A miss costs the hash of the whole path and one probe, so the
 * map is asked only while the mirror answers and at least AD_EXACT_SHARE
 * of the sampled lookups that found a route found a static one
 * (judge_exact in front.c); the front's timed trials then time the mirror
 * with the map in front of it.
 *
 * ---- Layout ----
 *
 * One allocation: a header, 2^bits slots of 24 bytes (at most half full;
 * open addressing, linear probing), then the paths' bytes. A slot holds
 * the path's 64-bit hash, its length and offset, and the mirror's leaf (in
 * the mirror's packed block: the map is built right after each pack and
 * dropped with it, so a leaf never outlives the map). */
#include "adaptive_internal.h" /* ad_exact, ad_mirror_each_static, ad_hot_fold */
#include "swar.h"              /* rtm__load8 */

typedef struct ad_eslot {
    uint64_t hash;         /* ad_exact_hash of the path */
    const rtm__leaf *leaf; /* the mirror's leaf; NULL: an empty slot */
    uint32_t off;          /* the path's bytes in keys */
    uint32_t len;
} ad_eslot;

struct ad_exact {
    size_t bytes;   /* the whole allocation */
    uint32_t bits;  /* log2 of the slots */
    uint32_t n;     /* paths */
    ad_eslot *slot; /* 2^bits slots */
    char *keys;     /* the paths' bytes */
};

/* The path's hash: its bytes 8 at a time (the last word overlapping the
 * one before, or byte by byte when the path is shorter than 8), each
 * folded in by one multiply, then the length. */
static inline uint64_t ad_exact_hash(const char *p, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        h = ad_hot_fold(h, rtm__load8(p + i));
    if (i < len) {
        uint64_t w = 0;
        if (len >= 8)
            w = rtm__load8(p + len - 8);
        else
            memcpy(&w, p, len);
        h = ad_hot_fold(h, w);
    }
    h = ad_hot_fold(h, len);
    return h ^ (h >> 29);
}

/* ---- Build ---- */

typedef struct exact_build {
    ad_exact *x;   /* NULL while counting */
    size_t n;      /* paths seen */
    size_t kbytes; /* their bytes */
} exact_build;

static void exact_visit(void *ctx, const char *path, size_t len, const rtm__leaf *leaf)
{
    exact_build *b = ctx;
    b->n++;
    if (!b->x) {
        b->kbytes += len;
        return;
    }
    ad_exact *x = b->x;
    uint64_t h = ad_exact_hash(path, len);
    uint32_t mask = (1u << x->bits) - 1, s = (uint32_t)(h >> (64 - x->bits));
    while (x->slot[s].leaf)
        s = (s + 1) & mask;
    memcpy(x->keys + b->kbytes, path, len);
    x->slot[s] = (ad_eslot){h, leaf, (uint32_t)b->kbytes, (uint32_t)len};
    b->kbytes += len;
}

int ad_exact_build(rtm__alloc *a, const ad_mirror *m, ad_exact **out)
{
    *out = NULL;
    exact_build b = {NULL, 0, 0};
    int rc = ad_mirror_each_static(m, a, exact_visit, &b);
    if (rc != 0)
        return rc;
    if (b.n == 0)
        return 0;
    if (b.kbytes > UINT32_MAX || b.n > (UINT32_C(1) << 30))
        return RTM_ELIMIT; /* no map: the mirror answers alone */
    uint32_t bits = 1;
    while (((size_t)1 << bits) < 2 * b.n)
        bits++;
    size_t head = (sizeof(ad_exact) + 7u) & ~(size_t)7u;
    size_t slots = sizeof(ad_eslot) << bits;
    size_t bytes = head + slots + b.kbytes;
    char *base = rtm__calloc(a, bytes);
    if (!base)
        return RTM_ENOMEM;
    ad_exact *x = (ad_exact *)(void *)base;
    x->bytes = bytes;
    x->bits = bits;
    x->n = (uint32_t)b.n;
    x->slot = (ad_eslot *)(void *)(base + head);
    x->keys = base + head + slots;
    exact_build fill = {x, 0, 0};
    if ((rc = ad_mirror_each_static(m, a, exact_visit, &fill)) != 0 || fill.n != b.n) {
        ad_exact_free(a, x);
        return rc ? rc : RTM_ELIMIT;
    }
    *out = x;
    return 0;
}

void ad_exact_free(rtm__alloc *a, ad_exact *x)
{
    if (x)
        rtm__free(a, x, x->bytes);
}

size_t ad_exact_paths(const ad_exact *x)
{
    return x ? x->n : 0;
}

/* ---- Lookup ---- */

static inline bool exact_lookup(const ad_exact *x, unsigned method, const char *path, size_t len,
                                rtm_result *res)
{
    uint64_t h = ad_exact_hash(path, len);
    uint32_t mask = (1u << x->bits) - 1;
    for (uint32_t s = (uint32_t)(h >> (64 - x->bits));; s = (s + 1) & mask) {
        const ad_eslot *e = &x->slot[s];
        if (!e->leaf)
            return false;
        if (e->hash == h && e->len == len && ad_bytes_eq(x->keys + e->off, path, len)) {
            const rtm__route *rt = rtm__leaf_pick(e->leaf, method);
            if (!rt)
                return false; /* the method is not bound here: a wildcard may take it */
            rtm__result_found(res, rt, NULL);
            return true;
        }
    }
}

bool ad_exact_answer(const ad_exact *x, unsigned method, const char *path, size_t len,
                     rtm_result *res)
{
    return exact_lookup(x, method, path, len, res);
}

int ad_exact_front(const ad_exact *x, unsigned method, const char *path, size_t len,
                   const ad_mirror *front, rtm_result *res)
{
    if (exact_lookup(x, method, path, len, res))
        return RTM_FOUND;
    return ad_mirror_match(front, method, path, len, 0, res);
}
