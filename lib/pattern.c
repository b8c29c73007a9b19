/* SPDX-License-Identifier: MIT */
/* The pattern parser and validator. It reads a pattern once, left to right,
 * reports the first problem with its byte offset, and produces the canonical
 * shape every algorithm builds its tree from (see pattern.h). It knows
 * nothing about trees, methods or conflicts. */
#include "pattern.h"

#include <string.h>

#include "router_internal.h" /* rtm__diag_set */

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

/* Parser state while one pattern is read. */
typedef struct parser {
    const char *text; /* the pattern */
    size_t len;       /* its length */
    rtm__pattern *out;
    rtm_diag *diag;
} parser;

static int fail(parser *ps, int reason, size_t offset)
{
    int err = (reason == RTM_PAT_TOO_MANY_PARAMS || reason == RTM_PAT_TOO_LONG) ? RTM_ELIMIT
                                                                                : RTM_EPATTERN;
    return rtm__diag_set(ps->diag, err, reason, offset, "%s (offset %zu)",
                         rtm__pattern_reason_message(reason), offset);
}

static bool name_byte_ok(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != '/' && c != '{' && c != '}' && c != '*';
}

/* Validate the name text[off..off+n) of a parameter whose syntax starts at
 * `at` and record it. Returns 0 or an error. */
static int add_param(parser *ps, size_t at, size_t off, size_t n)
{
    rtm__pattern *p = ps->out;
    if (n == 0)
        return fail(ps, RTM_PAT_EMPTY_NAME, at);
    for (size_t i = 0; i < n; i++) {
        if (!name_byte_ok((unsigned char)ps->text[off + i]))
            return fail(ps, RTM_PAT_BAD_NAME_BYTE, off + i);
    }
    if (n > RTM_MAX_PARAM_NAME)
        return fail(ps, RTM_PAT_NAME_TOO_LONG, at);
    for (unsigned i = 0; i < p->nparams; i++) {
        if (p->name_len[i] == n && memcmp(ps->text + p->name_off[i], ps->text + off, n) == 0)
            return fail(ps, RTM_PAT_DUPLICATE_NAME, at);
    }
    if (p->nparams == RTM_MAX_PARAMS)
        return fail(ps, RTM_PAT_TOO_MANY_PARAMS, at);
    p->name_off[p->nparams] = (uint32_t)off;
    p->name_len[p->nparams] = (uint8_t)n;
    p->nparams++;
    return 0;
}

static void emit(rtm__pattern *p, const char *bytes, size_t n)
{
    memcpy(p->shape + p->shape_len, bytes, n);
    p->shape_len += n;
}

/* Parse the segment text[s..e) (no '/') into seg, appending its canonical
 * form to the shape. */
static int parse_segment(parser *ps, size_t s, size_t e, bool last, rtm__seg *seg)
{
    rtm__pattern *p = ps->out;
    const char *t = ps->text;
    int rc;
    seg->off = (uint32_t)p->shape_len;
    seg->first_param = p->nparams;
    seg->nparams = 0;
    seg->kind = RTM__SEG_STATIC;

    if (s == e) {
        if (!last)
            return fail(ps, RTM_PAT_EMPTY_SEGMENT, s);
        seg->len = 0;
        return 0;
    }
    if (t[s] == ':' || (last && t[s] == '*')) { /* legacy :name and *name */
        bool catchall = t[s] == '*';
        if ((rc = add_param(ps, s, s + 1, e - s - 1)) != 0)
            return rc;
        seg->kind = catchall ? RTM__SEG_CATCHALL : RTM__SEG_PARAM;
        seg->nparams = 1;
        emit(p, catchall ? "{*}" : "{}", catchall ? 3 : 2);
        seg->len = p->shape_len - seg->off;
        return 0;
    }

    size_t static_bytes = 0;
    bool prev_param = false;
    for (size_t i = s; i < e;) {
        unsigned char c = (unsigned char)t[i];
        if (c == '}')
            return fail(ps, RTM_PAT_STRAY_BRACE, i);
        if (c != '{') {
            emit(p, (const char *)&t[i], 1);
            static_bytes++;
            prev_param = false;
            i++;
            continue;
        }
        const char *close = memchr(t + i + 1, '}', e - i - 1);
        if (!close)
            return fail(ps, RTM_PAT_UNTERMINATED, i);
        size_t name_off = i + 1, name_end = (size_t)(close - t);
        bool catchall = name_off < name_end && t[name_off] == '*';
        if (catchall) {
            if (!last || i != s || name_end + 1 != e)
                return fail(ps, RTM_PAT_CATCHALL_NOT_LAST, i);
            name_off++;
        }
        if (prev_param)
            return fail(ps, RTM_PAT_ADJACENT_PARAMS, i);
        if ((rc = add_param(ps, i, name_off, name_end - name_off)) != 0)
            return rc;
        emit(p, catchall ? "{*}" : "{}", catchall ? 3 : 2);
        seg->nparams++;
        prev_param = true;
        if (catchall)
            seg->kind = RTM__SEG_CATCHALL;
        i = name_end + 1;
    }
    if (seg->kind != RTM__SEG_CATCHALL && seg->nparams > 0)
        seg->kind = (static_bytes == 0) ? RTM__SEG_PARAM : RTM__SEG_MIXED;
    seg->len = (uint32_t)(p->shape_len - seg->off);
    return 0;
}

int rtm__pattern_parse(rtm__alloc *a, const char *text, size_t len, rtm__pattern *out,
                       rtm_diag *diag)
{
    memset(out, 0, sizeof *out);
    parser ps = {text, len, out, diag};
    if (len > RTM_MAX_PATTERN)
        return fail(&ps, RTM_PAT_TOO_LONG, RTM_MAX_PATTERN);
    if (len == 0 || !text || text[0] != '/')
        return fail(&ps, RTM_PAT_NO_LEADING_SLASH, 0);

    uint32_t nsegs = 0;
    for (size_t i = 0; i < len; i++)
        nsegs += text[i] == '/';
    /* A legacy "*name" grows by one byte in the shape ("{*}"); nothing else grows. */
    out->shape = rtm__malloc(a, len + 1);
    out->shape_cap = out->shape ? len + 1 : 0;
    out->segs = out->shape ? rtm__malloc(a, nsegs * sizeof *out->segs) : NULL;
    out->segs_cap = out->segs ? nsegs : 0;
    if (!out->segs) {
        rtm__pattern_release(a, out);
        return rtm__diag_set(diag, RTM_ENOMEM, 0, 0, "out of memory");
    }
    out->text = text;

    size_t s = 1;
    for (uint32_t k = 0; k < nsegs; k++) {
        const char *slash = memchr(text + s, '/', len - s);
        size_t e = slash ? (size_t)(slash - text) : len;
        emit(out, "/", 1);
        int rc = parse_segment(&ps, s, e, e == len, &out->segs[k]);
        if (rc != 0) {
            rtm__pattern_release(a, out);
            return rc;
        }
        s = e + 1;
    }
    out->nsegs = nsegs;
    if (diag) {
        diag->err = 0;
        diag->reason = RTM_PAT_OK;
    }
    return 0;
}

void rtm__pattern_release(rtm__alloc *a, rtm__pattern *p)
{
    rtm__free(a, p->shape, p->shape_cap);
    rtm__free(a, p->segs, (size_t)p->segs_cap * sizeof *p->segs);
    p->shape = NULL;
    p->segs = NULL;
    p->shape_cap = 0;
    p->segs_cap = 0;
}
