/* SPDX-License-Identifier: MIT */
/* The pattern parser and validator. It reads a pattern once, left to right,
 * reports the first problem with its byte offset, and produces the canonical
 * shape every algorithm builds its tree from (see pattern.h). It knows
 * nothing about trees, methods or conflicts. */
#include "pattern.h"

#include <string.h>

#include "router_internal.h" /* rtm__diag_set */
#include "swar.h"            /* rtm__load8, rtm__bytes_eq, rtm__first_byte */

static const char *const reason_messages[] = {
    [RTM_PAT_OK] = "ok",
    [RTM_PAT_NO_LEADING_SLASH] = "pattern must start with '/'",
    [RTM_PAT_EMPTY_SEGMENT] = "empty segment",
    [RTM_PAT_ADJACENT_PARAMS] = "parameters must be separated by static text",
    [RTM_PAT_DUPLICATE_NAME] = "duplicate parameter name",
    [RTM_PAT_CATCHALL_NOT_LAST] = "catch-all must be the whole last segment",
    [RTM_PAT_UNTERMINATED] = "unterminated parameter: '{' without '}'",
    [RTM_PAT_STRAY_BRACE] = "'}' in static text",
    [RTM_PAT_EMPTY_NAME] = "empty parameter name",
    [RTM_PAT_BAD_NAME_BYTE] = "invalid byte in parameter name",
    [RTM_PAT_NAME_TOO_LONG] = "parameter name longer than 255 bytes",
    [RTM_PAT_TOO_MANY_PARAMS] = "more than 32 parameters",
    [RTM_PAT_TOO_LONG] = "pattern longer than 65535 bytes",
};

const char *rtm__pattern_reason_message(int reason)
{
    if (reason < 0 || (size_t)reason >= sizeof reason_messages / sizeof reason_messages[0])
        return "unknown reason";
    return reason_messages[reason];
}

/* Byte classes for the scans: what ends a run of static text or a name. */
enum { C_TEXT = 0, C_SLASH = 1, C_OPEN = 2, C_CLOSE = 3 };
static const uint8_t byte_class[256] = {['/'] = C_SLASH, ['{'] = C_OPEN, ['}'] = C_CLOSE};

static int fail(rtm_diag *diag, int reason, size_t offset)
{
    int err = (reason == RTM_PAT_TOO_MANY_PARAMS || reason == RTM_PAT_TOO_LONG) ? RTM_ELIMIT
                                                                                : RTM_EPATTERN;
    return rtm__diag_set(diag, err, reason, offset, "%s (offset %zu)",
                         rtm__pattern_reason_message(reason), offset);
}

static bool name_byte_ok(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != '/' && c != '{' && c != '}' && c != '*';
}

/* Offset of the first invalid byte of the name text[off..off+n), or SIZE_MAX. */
static size_t first_bad_name_byte(const char *text, size_t off, size_t n)
{
    for (size_t i = off; i < off + n; i++) {
        if (!name_byte_ok((unsigned char)text[i]))
            return i;
    }
    return SIZE_MAX;
}

/* Copy the static text from t[j] to shape + *w up to the first '/', '{' or
 * '}' (or len), whose offset it returns, with that byte's class in *cls
 * (C_TEXT at len). The shape never runs ahead of the text (*w <= j) and
 * holds len bytes, so whole words fit. */
static size_t scan_static(const char *t, size_t j, size_t len, char *shape, size_t *wp,
                          unsigned *cls)
{
    size_t w = *wp;
#if RTM__SWAR
    while (j + 8 <= len) {
        uint64_t x = rtm__load8(t + j);
        memcpy(shape + w, &x, 8);
        uint64_t m = rtm__bytes_eq(x, '/') | rtm__bytes_eq(x, '{') | rtm__bytes_eq(x, '}');
        if (m) {
            size_t n = rtm__first_byte(m);
            *cls = byte_class[(unsigned char)(x >> (8 * n))];
            *wp = w + n;
            return j + n;
        }
        j += 8;
        w += 8;
    }
#endif
    unsigned c = C_TEXT;
    while (j < len && (c = byte_class[(unsigned char)t[j]]) == C_TEXT)
        shape[w++] = t[j++];
    *cls = c;
    *wp = w;
    return j;
}

/* Find the end of a parameter name from t[q]: the first '}' or '/' (or len).
 * *bad is the offset of the first byte before it that may not be in a name,
 * or SIZE_MAX. */
static size_t scan_name(const char *t, size_t q, size_t len, size_t *bad)
{
    *bad = SIZE_MAX;
#if RTM__SWAR
    while (q + 8 <= len) {
        uint64_t x = rtm__load8(t + q);
        uint64_t term = rtm__bytes_eq(x, '}') | rtm__bytes_eq(x, '/');
        uint64_t b = rtm__bytes_below(x, 0x21) | rtm__bytes_eq(x, 0x7f) | rtm__bytes_eq(x, '{') |
                     rtm__bytes_eq(x, '*');
        if (term)
            b &= (term & (~term + 1)) - 1; /* the bytes before the terminator */
        if (b && *bad == SIZE_MAX)
            *bad = q + rtm__first_byte(b);
        if (term)
            return q + rtm__first_byte(term);
        q += 8;
    }
#endif
    for (; q < len; q++) {
        unsigned char c = (unsigned char)t[q];
        if (c == '}' || c == '/')
            break;
        if (*bad == SIZE_MAX && !name_byte_ok(c))
            *bad = q;
    }
    return q;
}

/* Check and record the name text[off..off+n) of a parameter whose syntax
 * starts at `at`; `bad` is the offset of the name's first invalid byte
 * (SIZE_MAX: none). The checks run in the order SPEC gives. Returns 0 or an
 * error. */
static int add_param(rtm__pattern *p, const char *text, rtm_diag *diag, size_t at, size_t off,
                     size_t n, size_t bad)
{
    if (n == 0)
        return fail(diag, RTM_PAT_EMPTY_NAME, at);
    if (bad != SIZE_MAX)
        return fail(diag, RTM_PAT_BAD_NAME_BYTE, bad);
    if (n > RTM_MAX_PARAM_NAME)
        return fail(diag, RTM_PAT_NAME_TOO_LONG, at);
    for (unsigned i = 0; i < p->nparams; i++) {
        if (p->name_len[i] == n && memcmp(text + p->name_off[i], text + off, n) == 0)
            return fail(diag, RTM_PAT_DUPLICATE_NAME, at);
    }
    if (p->nparams == RTM_MAX_PARAMS)
        return fail(diag, RTM_PAT_TOO_MANY_PARAMS, at);
    p->name_off[p->nparams] = (uint32_t)off;
    p->name_len[p->nparams] = (uint8_t)n;
    p->nparams++;
    return 0;
}

/* Where the parse writes: the shape and the segment array, each either the
 * pattern's inline room (cap 0) or an allocation of cap bytes / entries. */
typedef struct sink {
    char *shape;
    size_t shape_cap;
    rtm__seg *segs;
    uint32_t segs_cap;
    uint32_t room; /* entries segs can hold */
} sink;

static void sink_free(rtm__alloc *a, sink *k)
{
    if (k->shape_cap)
        rtm__free(a, k->shape, k->shape_cap);
    if (k->segs_cap)
        rtm__free(a, k->segs, (size_t)k->segs_cap * sizeof *k->segs);
}

static uint32_t count_slashes(const char *text, size_t from, size_t len)
{
    uint32_t n = 0;
    for (size_t i = from; i < len; i++)
        n += text[i] == '/';
    return n;
}

/* The inline segment room is full with `used` entries and text[at] is the
 * '/' of another segment: move to an allocation that holds every segment. */
static int grow_segs(rtm__alloc *a, sink *k, uint32_t used, const char *text, size_t at, size_t len)
{
    uint32_t total = used + count_slashes(text, at, len);
    rtm__seg *segs = rtm__malloc(a, (size_t)total * sizeof *segs);
    if (!segs)
        return RTM_ENOMEM;
    memcpy(segs, k->segs, (size_t)used * sizeof *segs);
    k->segs = segs;
    k->segs_cap = total;
    k->room = total;
    return 0;
}

/* Parse a segment that is neither empty nor a legacy parameter: static text
 * and "{name}" / "{*name}" parameters from text[s] up to the next '/' or the
 * end, which it returns in *end. Appends the canonical form at shape + *w. */
static int parse_braces(rtm__pattern *p, const char *t, size_t len, rtm_diag *diag, size_t s,
                        char *shape, size_t *wp, rtm__seg *seg, size_t *end)
{
    size_t w = *wp;
    size_t static_bytes = 0;
    bool prev_param = false;
    int rc;
    for (size_t i = s;;) {
        /* A run of static text, copied as it is scanned. */
        unsigned cls;
        size_t j = scan_static(t, i, len, shape, &w, &cls);
        if (j > i) {
            static_bytes += j - i;
            prev_param = false;
        }
        if (j == len || cls == C_SLASH) {
            *end = j;
            break;
        }
        if (cls == C_CLOSE)
            return fail(diag, RTM_PAT_STRAY_BRACE, j);
        /* A parameter opens at j: find its '}' before the segment ends,
         * noting the name's first invalid byte on the way. */
        size_t name_off = j + 1;
        bool catchall = name_off < len && t[name_off] == '*';
        name_off += catchall;
        size_t bad;
        size_t q = scan_name(t, name_off, len, &bad);
        if (q == len || t[q] == '/')
            return fail(diag, RTM_PAT_UNTERMINATED, j);
        /* A catch-all must be the whole last segment: '{' opens the segment
         * and '}' ends the pattern. */
        if (catchall && (j != s || q + 1 != len))
            return fail(diag, RTM_PAT_CATCHALL_NOT_LAST, j);
        if (prev_param)
            return fail(diag, RTM_PAT_ADJACENT_PARAMS, j);
        if ((rc = add_param(p, t, diag, j, name_off, q - name_off, bad)) != 0)
            return rc;
        shape[w++] = '{';
        if (catchall) {
            shape[w++] = '*';
            seg->kind = RTM__SEG_CATCHALL;
        }
        shape[w++] = '}';
        seg->nparams++;
        prev_param = true;
        i = q + 1;
    }
    if (seg->kind != RTM__SEG_CATCHALL && seg->nparams > 0)
        seg->kind = (static_bytes == 0) ? RTM__SEG_PARAM : RTM__SEG_MIXED;
    *wp = w;
    return 0;
}

int rtm__pattern_parse(rtm__alloc *a, const char *text, size_t len, rtm__pattern *out,
                       rtm_diag *diag)
{
    out->shape = NULL;
    out->shape_len = 0;
    out->shape_cap = 0;
    out->segs = NULL;
    out->nsegs = 0;
    out->segs_cap = 0;
    out->nparams = 0;
    out->text = NULL;
    if (len > RTM_MAX_PATTERN)
        return fail(diag, RTM_PAT_TOO_LONG, RTM_MAX_PATTERN);
    if (len == 0 || !text || text[0] != '/')
        return fail(diag, RTM_PAT_NO_LEADING_SLASH, 0);

    /* A legacy "*name" grows by one byte in the shape ("{*}"); nothing else
     * grows, so len + 1 bytes always hold the shape. */
    sink k;
    if (len < RTM__PATTERN_INLINE_SHAPE) {
        k = (sink){out->shape_buf, 0, out->seg_buf, 0, RTM__PATTERN_INLINE_SEGS};
    } else {
        uint32_t nsegs = count_slashes(text, 0, len);
        k = (sink){rtm__malloc(a, len + 1), len + 1, NULL, 0, 0};
        if (k.shape) {
            k.segs = rtm__malloc(a, nsegs * sizeof *k.segs);
            k.segs_cap = k.room = k.segs ? nsegs : 0;
        } else {
            k.shape_cap = 0;
        }
        if (!k.segs) {
            sink_free(a, &k);
            return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
        }
    }

    const char *t = text;
    char *shape = k.shape;
    size_t w = 0;       /* bytes of shape written */
    size_t s = 0;       /* t[s] is the '/' before the next segment */
    uint32_t nsegs = 0; /* segments parsed */
    int rc = 0;
    for (;;) {
        if (nsegs == k.room && grow_segs(a, &k, nsegs, t, s, len) != 0) {
            sink_free(a, &k);
            return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
        }
        rtm__seg *seg = &k.segs[nsegs++];
        shape[w++] = '/';
        s++;
        seg->off = (uint32_t)w;
        seg->first_param = out->nparams;
        seg->nparams = 0;
        seg->kind = RTM__SEG_STATIC;
        size_t e = len; /* end of the segment: the next '/' or len */
        if (s == len) { /* the empty last segment of "/" or "/users/" */
            seg->len = 0;
            break;
        }
        char c0 = t[s];
        if (c0 == '/') {
            rc = fail(diag, RTM_PAT_EMPTY_SEGMENT, s);
            break;
        }
        bool legacy = false;
        if (c0 == ':' || c0 == '*') { /* legacy :name, and *name when last */
            const char *slash = memchr(t + s + 1, '/', len - s - 1);
            e = slash ? (size_t)(slash - t) : len;
            legacy = c0 == ':' || e == len;
        }
        if (legacy) {
            bool catchall = c0 == '*';
            size_t n = e - s - 1;
            if ((rc = add_param(out, t, diag, s, s + 1, n, first_bad_name_byte(t, s + 1, n))) != 0)
                break;
            seg->kind = catchall ? RTM__SEG_CATCHALL : RTM__SEG_PARAM;
            seg->nparams = 1;
            shape[w++] = '{';
            if (catchall)
                shape[w++] = '*';
            shape[w++] = '}';
        } else if ((rc = parse_braces(out, t, len, diag, s, shape, &w, seg, &e)) != 0) {
            break;
        }
        seg->len = (uint32_t)(w - seg->off);
        if (e == len)
            break;
        s = e;
    }
    if (rc != 0) {
        sink_free(a, &k);
        return rc;
    }
    out->shape = shape;
    out->shape_len = w;
    out->shape_cap = k.shape_cap;
    out->segs = k.segs;
    out->nsegs = nsegs;
    out->segs_cap = k.segs_cap;
    out->text = text;
    if (diag) {
        diag->err = 0;
        diag->reason = RTM_PAT_OK;
    }
    return 0;
}

void rtm__pattern_release(rtm__alloc *a, rtm__pattern *p)
{
    if (p->shape_cap)
        rtm__free(a, p->shape, p->shape_cap);
    if (p->segs_cap)
        rtm__free(a, p->segs, (size_t)p->segs_cap * sizeof *p->segs);
    p->shape = NULL;
    p->segs = NULL;
    p->shape_cap = 0;
    p->segs_cap = 0;
}
