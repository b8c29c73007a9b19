/* SPDX-License-Identifier: MIT */
/* The brute-force SPEC model (see fuzz_model.h). Written from SPEC.md alone:
 * it does not call rtm__seg_rank, rtm__mixed_match, the leaf code or any
 * algorithm, so a mistake there shows up as a disagreement with the model.
 *
 * Library conventions the SPEC leaves open, mirrored here on purpose:
 * - the method set is checked before the pattern (RTM_EMETHOD wins over
 *   RTM_EPATTERN);
 * - a conflict names the existing binding with the lowest method slot among
 *   those the new route collides with (GET < HEAD < ... < PATCH < ANY). */
#include "fuzz_model.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_data.h"    /* fuzz_print_bytes */
#include "fuzz_helpers.h" /* FUZZ_ASSERT */
#include "pattern.h"      /* rtm__pattern_parse: the one shared piece */

#define ANY_SLOT 9u

enum { K_STATIC = 0, K_MIXED = 1, K_PARAM = 2, K_CATCHALL = 3 };

typedef struct mseg {
    size_t off, len; /* in shape */
    int kind;
} mseg;

typedef struct binding {
    unsigned slot; /* 0..8 or ANY_SLOT */
    uint32_t id;
    void *udata;
    char *text; /* copy of the pattern as added (the names live here) */
    size_t text_len;
    char *shape;
    size_t shape_len;
    mseg *segs;
    unsigned nsegs;
    unsigned nparams;
    uint32_t name_off[RTM_MAX_PARAMS];
    uint8_t name_len[RTM_MAX_PARAMS];
} binding;

struct fuzz_model {
    binding *b;
    size_t n, cap;
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    FUZZ_ASSERT_MSG(p != NULL, "model out of memory");
    return p;
}

fuzz_model *fuzz_model_new(void)
{
    fuzz_model *m = xmalloc(sizeof *m);
    memset(m, 0, sizeof *m);
    return m;
}

static void binding_free(binding *b)
{
    free(b->text);
    free(b->shape);
    free(b->segs);
}

void fuzz_model_free(fuzz_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        binding_free(&m->b[i]);
    free(m->b);
    free(m);
}

size_t fuzz_model_count(const fuzz_model *m)
{
    return m->n;
}

void fuzz_model_binding(const fuzz_model *m, size_t i, unsigned *slot, uint32_t *id,
                        const char **text, size_t *len)
{
    const binding *b = &m->b[i];
    *slot = b->slot;
    *id = b->id;
    *text = b->text;
    *len = b->text_len;
}

/* ---- Segments of a shape ---- */

static bool has_param(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '{' && s[i + 1] == '}')
            return true;
    return false;
}

static int kind_of(const char *s, size_t n)
{
    if (n == 3 && memcmp(s, "{*}", 3) == 0)
        return K_CATCHALL;
    if (n == 2 && memcmp(s, "{}", 2) == 0)
        return K_PARAM;
    return has_param(s, n) ? K_MIXED : K_STATIC;
}

/* The static pieces of a mixed segment: piece i before param i, piece k
 * after the last one. Returns k, the number of params. */
static unsigned split_pieces(const char *s, size_t n, size_t *poff, size_t *plen)
{
    unsigned k = 0;
    size_t start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '{' && s[i + 1] == '}') {
            FUZZ_ASSERT(k < RTM_MAX_PARAMS);
            poff[k] = start;
            plen[k] = i - start;
            k++;
            start = i + 2;
            i++;
        }
    }
    poff[k] = start;
    plen[k] = n - start;
    return k;
}

/* ---- Adding and removing ---- */

static bool methods_ok(unsigned methods)
{
    return methods != 0 && !(methods & ~(RTM_METHODS_ALL_NAMED | RTM_METHODS_ANY));
}

static void set_err(rtm_diag *d, int err)
{
    memset(d, 0, sizeof *d);
    d->err = err;
}

static binding *find(fuzz_model *m, const char *shape, size_t len, unsigned slot)
{
    for (size_t i = 0; i < m->n; i++) {
        binding *b = &m->b[i];
        if (b->slot == slot && b->shape_len == len && memcmp(b->shape, shape, len) == 0)
            return b;
    }
    return NULL;
}

static void fill_binding(binding *b, const rtm__pattern *p, const char *text, size_t len,
                         unsigned slot, uint32_t id, void *udata)
{
    memset(b, 0, sizeof *b);
    b->slot = slot;
    b->id = id;
    b->udata = udata;
    b->text = xmalloc(len);
    memcpy(b->text, text, len);
    b->text_len = len;
    b->shape = xmalloc(p->shape_len);
    memcpy(b->shape, p->shape, p->shape_len);
    b->shape_len = p->shape_len;
    FUZZ_ASSERT(p->shape_len >= 1 && p->shape[0] == '/');
    unsigned nsegs = 0;
    for (size_t i = 0; i < p->shape_len; i++)
        nsegs += p->shape[i] == '/';
    b->segs = xmalloc(nsegs * sizeof *b->segs);
    b->nsegs = nsegs;
    size_t s = 1;
    for (unsigned k = 0; k < nsegs; k++) {
        const char *slash = memchr(p->shape + s, '/', p->shape_len - s);
        size_t e = slash ? (size_t)(slash - p->shape) : p->shape_len;
        b->segs[k].off = s;
        b->segs[k].len = e - s;
        b->segs[k].kind = kind_of(p->shape + s, e - s);
        s = e + 1;
    }
    b->nparams = p->nparams;
    for (unsigned i = 0; i < p->nparams; i++) {
        b->name_off[i] = p->name_off[i];
        b->name_len[i] = p->name_len[i];
    }
}

int fuzz_model_add(fuzz_model *m, unsigned methods, const char *pattern, size_t len, uint32_t id,
                   void *udata, rtm_diag *diag)
{
    set_err(diag, 0);
    if (!methods_ok(methods)) {
        set_err(diag, RTM_EMETHOD);
        return RTM_EMETHOD;
    }
    rtm__alloc a;
    rtm__alloc_init(&a, NULL);
    rtm__pattern p;
    rtm_diag pd;
    memset(&pd, 0, sizeof pd);
    int rc = rtm__pattern_parse(&a, pattern, len, &p, &pd);
    if (rc != 0) {
        set_err(diag, rc);
        diag->reason = pd.reason;
        diag->offset = pd.offset;
        return rc;
    }
    for (unsigned slot = 0; slot <= ANY_SLOT; slot++) {
        if (!(methods & (1u << slot)))
            continue;
        const binding *old = find(m, p.shape, p.shape_len, slot);
        if (old) {
            set_err(diag, RTM_ECONFLICT);
            diag->other_route_id = old->id;
            rtm__pattern_release(&a, &p);
            return RTM_ECONFLICT;
        }
    }
    for (unsigned slot = 0; slot <= ANY_SLOT; slot++) {
        if (!(methods & (1u << slot)))
            continue;
        if (m->n == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 16;
            m->b = realloc(m->b, m->cap * sizeof *m->b);
            FUZZ_ASSERT(m->b != NULL);
        }
        fill_binding(&m->b[m->n++], &p, pattern, len, slot, id, udata);
    }
    rtm__pattern_release(&a, &p);
    return 0;
}

int fuzz_model_remove(fuzz_model *m, unsigned methods, const char *pattern, size_t len,
                      rtm_diag *diag)
{
    set_err(diag, 0);
    if (!methods_ok(methods)) {
        set_err(diag, RTM_EMETHOD);
        return RTM_EMETHOD;
    }
    rtm__alloc a;
    rtm__alloc_init(&a, NULL);
    rtm__pattern p;
    rtm_diag pd;
    memset(&pd, 0, sizeof pd);
    int rc = rtm__pattern_parse(&a, pattern, len, &p, &pd);
    if (rc != 0) {
        set_err(diag, rc);
        diag->reason = pd.reason;
        diag->offset = pd.offset;
        return rc;
    }
    for (unsigned slot = 0; slot <= ANY_SLOT; slot++) {
        if ((methods & (1u << slot)) && !find(m, p.shape, p.shape_len, slot)) {
            set_err(diag, RTM_ENOENT);
            rtm__pattern_release(&a, &p);
            return RTM_ENOENT;
        }
    }
    for (unsigned slot = 0; slot <= ANY_SLOT; slot++) {
        if (!(methods & (1u << slot)))
            continue;
        binding *b = find(m, p.shape, p.shape_len, slot);
        binding_free(b);
        *b = m->b[--m->n]; /* order of bindings does not matter */
    }
    rtm__pattern_release(&a, &p);
    return 0;
}

/* ---- Matching one binding ---- */

/* Split s[0..n) (no '/') by the mixed segment seg: the captures of the
 * regular expression P0 ([^/]+) P1 ... ([^/]+) Pk, greedy from the left,
 * found by a dynamic program instead of backtracking:
 *   can[j][q] = param j may end at q: piece j+1 sits at q, and what follows
 *               it (param j+1 ... Pk) matches the rest exactly;
 *   reach[j][p] = some q >= p has can[j][q].
 * Param j starting at pos may end at any q > pos with can[j][q]; greedy from
 * the left takes the largest such q for j = 0, 1, ... in turn. */
static bool mixed_split(const char *seg, size_t seglen, const char *s, size_t n, size_t base,
                        size_t *caps)
{
    size_t poff[RTM_MAX_PARAMS + 1], plen[RTM_MAX_PARAMS + 1];
    unsigned k = split_pieces(seg, seglen, poff, plen);
    FUZZ_ASSERT(k >= 1);
    if (n < plen[0] || memcmp(s, seg + poff[0], plen[0]) != 0)
        return false;
    size_t w = n + 2;
    bool *can = xmalloc((size_t)k * w);
    bool *reach = xmalloc((size_t)k * w);
    memset(can, 0, (size_t)k * w);
    memset(reach, 0, (size_t)k * w);
    for (unsigned jj = k; jj-- > 0;) {
        size_t pl = plen[jj + 1];
        const char *pc = seg + poff[jj + 1];
        for (size_t q = 0; q <= n; q++) {
            bool ok = q + pl <= n && memcmp(s + q, pc, pl) == 0;
            if (ok)
                ok = (jj + 1 == k) ? q + pl == n : reach[(jj + 1) * w + q + pl + 1];
            can[jj * w + q] = ok;
        }
        bool r = false;
        for (size_t p = n + 1; p-- > 0;) {
            r = r || (p <= n && can[jj * w + p]);
            reach[jj * w + p] = r;
        }
    }
    size_t pos = plen[0];
    bool ok = reach[0 * w + pos + 1];
    for (unsigned j = 0; ok && j < k; j++) {
        size_t q = n + 1;
        for (size_t t = n; t > pos; t--) {
            if (can[j * w + t]) {
                q = t;
                break;
            }
        }
        FUZZ_ASSERT(q <= n);
        caps[2 * j] = base + pos;
        caps[2 * j + 1] = q - pos;
        pos = q + plen[j + 1];
    }
    free(can);
    free(reach);
    return ok;
}

static bool bind_match(const binding *b, const char *path, size_t len, size_t *caps)
{
    size_t pos = 1;
    unsigned pi = 0;
    for (unsigned k = 0; k < b->nsegs; k++) {
        const mseg *sg = &b->segs[k];
        const char *st = b->shape + sg->off;
        if (sg->kind == K_CATCHALL) {
            if (pos >= len)
                return false;
            caps[2 * pi] = pos;
            caps[2 * pi + 1] = len - pos;
            return true;
        }
        size_t end = pos;
        while (end < len && path[end] != '/')
            end++;
        size_t n = end - pos;
        switch (sg->kind) {
        case K_STATIC:
            if (n != sg->len || memcmp(path + pos, st, n) != 0)
                return false;
            break;
        case K_PARAM:
            if (n == 0)
                return false;
            caps[2 * pi] = pos;
            caps[2 * pi + 1] = n;
            pi++;
            break;
        default: {
            size_t pcount = 0;
            for (size_t i = 0; i + 1 < sg->len; i++)
                pcount += st[i] == '{' && st[i + 1] == '}';
            if (!mixed_split(st, sg->len, path + pos, n, pos, caps + 2 * pi))
                return false;
            pi += (unsigned)pcount;
        }
        }
        if (k + 1 == b->nsegs)
            return end == len;
        if (end == len)
            return false;
        pos = end + 1;
    }
    return false;
}

/* ---- Ranking ---- */

static int cmp_lex(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

static int rank_mixed(const char *a, size_t an, const char *b, size_t bn)
{
    size_t ao[RTM_MAX_PARAMS + 1], al[RTM_MAX_PARAMS + 1];
    size_t bo[RTM_MAX_PARAMS + 1], bl[RTM_MAX_PARAMS + 1];
    unsigned ak = split_pieces(a, an, ao, al), bk = split_pieces(b, bn, bo, bl);
    size_t as = 0, bs = 0;
    for (unsigned i = 0; i <= ak; i++)
        as += al[i];
    for (unsigned i = 0; i <= bk; i++)
        bs += bl[i];
    if (as != bs) /* more static bytes wins */
        return as > bs ? -1 : 1;
    if (ak != bk) /* fewer params wins */
        return ak < bk ? -1 : 1;
    if (al[0] != bl[0]) /* longer leading static text wins */
        return al[0] > bl[0] ? -1 : 1;
    for (unsigned i = 0; i <= ak; i++) { /* static pieces from the left */
        int c = cmp_lex(a + ao[i], al[i], b + bo[i], bl[i]);
        if (c != 0)
            return c;
    }
    return 0;
}

/* < 0 when binding a wins over b; both match the same path. */
static int rank(const binding *a, const binding *b)
{
    unsigned n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
    for (unsigned k = 0; k < n; k++) {
        const mseg *x = &a->segs[k], *y = &b->segs[k];
        if (x->kind != y->kind)
            return x->kind < y->kind ? -1 : 1;
        if (x->kind == K_MIXED) {
            int c = rank_mixed(a->shape + x->off, x->len, b->shape + y->off, y->len);
            if (c != 0)
                return c;
        }
        if (x->kind == K_STATIC)
            FUZZ_ASSERT_MSG(x->len == y->len &&
                                memcmp(a->shape + x->off, b->shape + y->off, x->len) == 0,
                            "two static segments matched one path segment differently");
    }
    FUZZ_ASSERT_MSG(a->shape_len == b->shape_len && memcmp(a->shape, b->shape, a->shape_len) == 0,
                    "two different shapes ranked equal");
    /* Same shape: the explicit method beats ANY. */
    FUZZ_ASSERT(a->slot != b->slot);
    return a->slot == ANY_SLOT ? 1 : -1;
}

/* ---- Matching ---- */

static void reset(rtm_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = RTM_NOT_FOUND;
}

/* Rules 1-5 and the 405 set, without the hint. */
static void match_core(const fuzz_model *m, unsigned method, const char *path, size_t len,
                       rtm_result *res)
{
    size_t caps[2 * RTM_MAX_PARAMS], best_caps[2 * RTM_MAX_PARAMS];
    const binding *best = NULL;
    unsigned allow = 0;
    reset(res);
    for (size_t i = 0; i < m->n; i++) {
        const binding *b = &m->b[i];
        if (!bind_match(b, path, len, caps))
            continue;
        if (b->slot != method && b->slot != ANY_SLOT) {
            allow |= 1u << b->slot;
            continue;
        }
        if (!best || rank(b, best) < 0) {
            best = b;
            memcpy(best_caps, caps, sizeof caps);
        }
    }
    if (best) {
        res->status = RTM_FOUND;
        res->route_id = best->id;
        res->udata = best->udata;
        res->nparams = best->nparams;
        for (unsigned i = 0; i < best->nparams; i++) {
            res->params[i].name = best->text + best->name_off[i];
            res->params[i].name_len = best->name_len[i];
            res->params[i].offset = best_caps[2 * i];
            res->params[i].length = best_caps[2 * i + 1];
        }
    } else if (allow) {
        res->status = RTM_METHOD_NOT_ALLOWED;
        res->allow = allow;
    }
}

void fuzz_model_match(const fuzz_model *m, unsigned method, const char *path, size_t len,
                      rtm_result *res)
{
    reset(res);
    if (len == 0 || path[0] != '/')
        return;
    match_core(m, method, path, len, res);
    if (res->status != RTM_NOT_FOUND)
        return;
    rtm_result probe;
    bool tsr = false;
    if (path[len - 1] == '/') {
        if (len > 1) {
            match_core(m, method, path, len - 1, &probe);
            tsr = probe.status == RTM_FOUND;
        }
    } else {
        char *p2 = xmalloc(len + 1);
        memcpy(p2, path, len);
        p2[len] = '/';
        match_core(m, method, p2, len + 1, &probe);
        tsr = probe.status == RTM_FOUND;
        free(p2);
    }
    res->tsr = tsr;
}

/* ---- Results ---- */

const char *fuzz_result_diff(const rtm_result *a, const rtm_result *b)
{
    if (a->status != b->status)
        return "status";
    if (a->route_id != b->route_id)
        return "route_id";
    if (a->udata != b->udata)
        return "udata";
    if (a->allow != b->allow)
        return "allow";
    if (a->tsr != b->tsr)
        return "tsr";
    if (a->nparams != b->nparams)
        return "nparams";
    for (unsigned i = 0; i < a->nparams && i < RTM_MAX_PARAMS; i++) {
        const rtm_param *x = &a->params[i], *y = &b->params[i];
        if (x->name_len != y->name_len || memcmp(x->name, y->name, x->name_len) != 0)
            return "param name";
        if (x->offset != y->offset)
            return "param offset";
        if (x->length != y->length)
            return "param length";
    }
    return NULL;
}

void fuzz_print_result(const char *label, const rtm_result *r, const char *path)
{
    fprintf(stderr, "%s status=%d route_id=%u allow=0x%x tsr=%d nparams=%u\n", label, r->status,
            (unsigned)r->route_id, r->allow, (int)r->tsr, r->nparams);
    for (unsigned i = 0; i < r->nparams && i < RTM_MAX_PARAMS; i++) {
        const rtm_param *p = &r->params[i];
        fprintf(stderr, "    %.*s @%zu+%zu ", (int)p->name_len, p->name, p->offset, p->length);
        fuzz_print_bytes("= ", path + p->offset, p->length);
    }
}

const char *fuzz_check_captures(const char *pattern, size_t plen, const char *path, size_t len,
                                const rtm_result *res)
{
    if (res->status != RTM_FOUND)
        return NULL;
    char *re = xmalloc(len + 1);
    size_t rl = 0;
    unsigned pi = 0;
    const char *err = NULL;
    size_t i = 1;
    re[rl++] = '/';
    while (!err && i <= plen) {
        const char *slash = i < plen ? memchr(pattern + i, '/', plen - i) : NULL;
        size_t e = slash ? (size_t)(slash - pattern) : plen;
        bool last = !slash;
        /* Collect (static run | param) items of this segment. */
        size_t j = i;
        bool legacy = e > i && (pattern[i] == ':' || (last && pattern[i] == '*'));
        while (!err && j < e) {
            size_t name_off, name_len;
            bool star;
            if (legacy) {
                star = pattern[i] == '*';
                name_off = i + 1;
                name_len = e - i - 1;
                j = e;
            } else if (pattern[j] == '{') {
                const char *close = memchr(pattern + j, '}', e - j);
                if (!close) {
                    err = "pattern has no '}'";
                    break;
                }
                star = pattern[j + 1] == '*';
                name_off = j + 1 + star;
                name_len = (size_t)(close - pattern) - name_off;
                j = (size_t)(close - pattern) + 1;
            } else {
                if (rl >= len + 1) {
                    err = "rebuilt path longer than the path";
                    break;
                }
                re[rl++] = pattern[j++];
                continue;
            }
            if (pi >= res->nparams) {
                err = "more params in the pattern than in the result";
                break;
            }
            const rtm_param *p = &res->params[pi++];
            if (p->name_len != name_len || memcmp(p->name, pattern + name_off, name_len) != 0)
                err = "param name is not the pattern's";
            else if (p->length == 0)
                err = "empty param value";
            else if (p->offset > len || p->length > len - p->offset)
                err = "param value outside the path";
            else if (!star && memchr(path + p->offset, '/', p->length))
                err = "'/' in a value that is not a catch-all";
            else if (p->length > len + 1 - rl)
                err = "rebuilt path longer than the path";
            else {
                memcpy(re + rl, path + p->offset, p->length);
                rl += p->length;
            }
        }
        if (last)
            break;
        if (!err) {
            if (rl >= len + 1)
                err = "rebuilt path longer than the path";
            else
                re[rl++] = '/';
        }
        i = e + 1;
    }
    if (!err && pi != res->nparams)
        err = "fewer params in the pattern than in the result";
    if (!err && (rl != len || memcmp(re, path, len) != 0))
        err = "substituting the captures into the pattern does not give the path";
    free(re);
    return err;
}
