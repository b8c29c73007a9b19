/* SPDX-License-Identifier: MIT */
/* The request generator of test_gen.h. A pattern is walked segment by
 * segment; each `{name}` / `:name` becomes a value, each `{*name}` /
 * `*name` a two-segment tail, static text is kept. The generator does not
 * validate patterns: a malformed one yields requests all the same, which is
 * what a sweep over a table with rejected lines wants. */
#include "test_gen.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "routematch.h" /* RTM_METHOD_COUNT, RTM_METHOD_OTHER */

/* A growable byte buffer for one path. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void *xrealloc(void *p, size_t n)
{
    void *g = realloc(p, n ? n : 1);
    if (!g)
        abort();
    return g;
}

static void buf_put(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void rt_reqs_init(rt_reqs *q)
{
    memset(q, 0, sizeof *q);
}

void rt_reqs_free(rt_reqs *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->v[i].path);
    for (size_t i = 0; i < q->nwords; i++)
        free(q->words[i]);
    free(q->v);
    free(q->words);
    memset(q, 0, sizeof *q);
}

void rt_reqs_push(rt_reqs *q, unsigned method, const char *path, size_t len)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 256;
        q->v = xrealloc(q->v, q->cap * sizeof *q->v);
    }
    char *copy = xrealloc(NULL, len + 1);
    if (len)
        memcpy(copy, path, len);
    copy[len] = '\0';
    q->v[q->n++] = (rt_req){method, len, copy};
}

static void push_all_methods(rt_reqs *q, const char *path, size_t len)
{
    for (unsigned m = 0; m <= RTM_METHOD_OTHER; m++)
        rt_reqs_push(q, m, path, len);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

void rt_reqs_learn(rt_reqs *q, const char *pattern, size_t len)
{
    size_t s = 0;
    while (s < len) {
        while (s < len && pattern[s] == '/')
            s++;
        size_t e = s;
        while (e < len && pattern[e] != '/')
            e++;
        bool plain = e > s && !memchr(pattern + s, '{', e - s) &&
                     !memchr(pattern + s, '}', e - s) && pattern[s] != ':' && pattern[s] != '*';
        if (plain && q->nwords < 4096) {
            bool seen = false;
            for (size_t i = 0; i < q->nwords && !seen; i++)
                seen = strlen(q->words[i]) == e - s && memcmp(q->words[i], pattern + s, e - s) == 0;
            if (!seen) {
                if (q->nwords == q->words_cap) {
                    q->words_cap = q->words_cap ? q->words_cap * 2 : 64;
                    q->words = xrealloc(q->words, q->words_cap * sizeof *q->words);
                }
                char *w = xrealloc(NULL, e - s + 1);
                memcpy(w, pattern + s, e - s);
                w[e - s] = '\0';
                q->words[q->nwords++] = w;
            }
        }
        s = e;
    }
}

/* Instantiate the pattern into b. mode 0: params "x<i>"; mode 1: params take
 * table words picked by the PRNG (falling back to "x<i>"). */
static void instantiate(const rt_reqs *q, const char *p, size_t len, int mode, uint64_t *rng,
                        buf *b)
{
    unsigned k = 0;
    for (size_t i = 0; i < len;) {
        bool seg_start = i > 0 && p[i - 1] == '/';
        const char *end_seg = memchr(p + i, '/', len - i);
        size_t seg_end = end_seg ? (size_t)(end_seg - p) : len;
        bool legacy = seg_start && (p[i] == ':' || (p[i] == '*' && seg_end == len));
        if (p[i] == '{' || legacy) {
            bool catchall =
                (legacy && p[i] == '*') || (p[i] == '{' && i + 1 < len && p[i + 1] == '*');
            size_t close = i;
            if (legacy) {
                close = seg_end - 1;
            } else {
                while (close < seg_end && p[close] != '}')
                    close++;
            }
            char val[32];
            const char *v = val;
            size_t vn;
            if (catchall) {
                v = mode ? "c/d" : "c0";
                vn = strlen(v);
            } else if (mode == 1 && q->nwords > 0) {
                v = q->words[rt_rand(rng) % q->nwords];
                vn = strlen(v);
            } else {
                val[0] = 'x';
                val[1] = (char)('0' + k % 10);
                vn = 2;
            }
            buf_put(b, v, vn);
            k++;
            i = close < seg_end ? close + 1 : seg_end;
        } else {
            buf_put(b, p + i, 1);
            i++;
        }
    }
    if (b->n == 0)
        buf_put(b, "", 0);
}

void rt_reqs_from_pattern(rt_reqs *q, const char *pattern, size_t len)
{
    uint64_t rng = hash_bytes(pattern, len);
    buf b = {0}, v = {0};
    for (int mode = 0; mode < 2; mode++) {
        b.n = 0;
        instantiate(q, pattern, len, mode, &rng, &b);
        push_all_methods(q, b.p, b.n);
    }
    /* Near misses of the word-filled path. */
    if (b.n > 0) {
        v.n = 0;
        if (b.p[b.n - 1] == '/')
            buf_put(&v, b.p, b.n - 1);
        else {
            buf_put(&v, b.p, b.n);
            buf_put(&v, "/", 1);
        }
        push_all_methods(q, v.p, v.n);
        const char *last = b.p + b.n - 1;
        while (last > b.p && *last != '/')
            last--;
        push_all_methods(q, b.p, (size_t)(last - b.p) + 1);
        v.n = 0;
        buf_put(&v, b.p, b.n);
        buf_put(&v, "/zz", 3);
        push_all_methods(q, v.p, v.n);
        push_all_methods(q, b.p, b.n - 1);
    }
    free(b.p);
    free(v.p);
}

void rt_reqs_from_patterns(rt_reqs *q, const char *const *patterns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rt_reqs_learn(q, patterns[i], strlen(patterns[i]));
    for (size_t i = 0; i < n; i++)
        rt_reqs_from_pattern(q, patterns[i], strlen(patterns[i]));
}

uint64_t rt_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void rt_shuffle(size_t *v, size_t n, uint64_t seed)
{
    uint64_t st = seed;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(rt_rand(&st) % i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
