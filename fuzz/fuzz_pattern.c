/* SPDX-License-Identifier: MIT */
/* Fuzz target for the pattern parser. The input is one pattern, byte for
 * byte (so corpus files are readable patterns).
 *
 * Checks:
 * 1. rtm__pattern_parse accepts exactly what SPEC.md "Patterns" allows, as
 *    restated independently below (spec_parse), and produces the same shape
 *    and segment kinds, parameter count and names.
 * 2. A rejection carries a consistent diag: EPATTERN or ELIMIT as the reason
 *    demands, an offset inside the pattern, and the byte at that offset is
 *    one the reason can be about ('}' for a stray brace, ...).
 * 3. The shape rendered back with fresh names, in braces and in the legacy
 *    spelling, parses to the same shape, segments and parameter count.
 * 4. rtm_add on every compiled algorithm returns the parser's verdict; an
 *    accepted pattern conflicts with its renamed copy, is removed by it,
 *    and a path built from the shape finds the route with captures that
 *    rebuild the path. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_data.h"
#include "fuzz_helpers.h"
#include "fuzz_model.h" /* fuzz_check_captures */
#include "pattern.h"    /* rtm__pattern_parse */
#include "routematch.h"

#define MAX_INPUT (RTM_MAX_PATTERN + 64)

/* ---- SPEC restated ---- */

typedef struct spec_out {
    char *shape; /* room for len + 2 bytes */
    size_t shape_len;
    unsigned nsegs;
    uint8_t kinds[RTM_MAX_PATTERN + 1];
    unsigned nparams;
    size_t name_off[RTM_MAX_PARAMS + 1], name_len[RTM_MAX_PARAMS + 1];
} spec_out;

static bool name_byte(unsigned char c)
{
    return c > 0x20 && c != 0x7f && c != '/' && c != '{' && c != '}' && c != '*';
}

static bool add_name(const char *t, size_t off, size_t n, spec_out *o)
{
    if (n < 1 || n > RTM_MAX_PARAM_NAME)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_byte((unsigned char)t[off + i]))
            return false;
    for (unsigned i = 0; i < o->nparams; i++)
        if (o->name_len[i] == n && memcmp(t + o->name_off[i], t + off, n) == 0)
            return false;
    if (o->nparams == RTM_MAX_PARAMS)
        return false;
    o->name_off[o->nparams] = off;
    o->name_len[o->nparams] = n;
    o->nparams++;
    return true;
}

static void put(spec_out *o, const char *s, size_t n)
{
    memcpy(o->shape + o->shape_len, s, n);
    o->shape_len += n;
}

/* True when SPEC.md accepts t[0..len); fills o with the shape. */
static bool spec_parse(const char *t, size_t len, spec_out *o)
{
    o->shape_len = 0;
    o->nsegs = 0;
    o->nparams = 0;
    if (len > RTM_MAX_PATTERN || len == 0 || t[0] != '/')
        return false;
    size_t s = 1;
    for (;;) {
        size_t e = s;
        while (e < len && t[e] != '/')
            e++;
        bool last = e == len;
        uint8_t kind = 0; /* 0 static, 1 mixed, 2 param, 3 catch-all */
        put(o, "/", 1);
        if (s == e) {
            if (!last)
                return false;
        } else if (t[s] == ':') { /* legacy :name */
            if (!add_name(t, s + 1, e - s - 1, o))
                return false;
            put(o, "{}", 2);
            kind = 2;
        } else if (last && t[s] == '*') { /* legacy *name, last segment only */
            if (!add_name(t, s + 1, e - s - 1, o))
                return false;
            put(o, "{*}", 3);
            kind = 3;
        } else {
            size_t statics = 0, params = 0;
            bool prev_param = false;
            for (size_t i = s; i < e;) {
                if (t[i] == '}')
                    return false;
                if (t[i] != '{') {
                    put(o, t + i, 1);
                    statics++;
                    prev_param = false;
                    i++;
                    continue;
                }
                size_t c = i + 1;
                while (c < e && t[c] != '}')
                    c++;
                if (c == e || prev_param)
                    return false;
                bool star = c > i + 1 && t[i + 1] == '*';
                if (star && !(last && i == s && c + 1 == e))
                    return false;
                if (!add_name(t, i + 1 + star, c - i - 1 - star, o))
                    return false;
                put(o, star ? "{*}" : "{}", star ? 3 : 2);
                kind = star ? 3 : 0;
                params++;
                prev_param = true;
                i = c + 1;
            }
            if (kind != 3 && params > 0)
                kind = statics ? 1 : 2;
        }
        o->kinds[o->nsegs++] = kind;
        if (last)
            return true;
        s = e + 1;
    }
}

/* ---- Checks ---- */

static void check_reason(const char *t, size_t len, int rc, const rtm_diag *d)
{
    FUZZ_ASSERT_MSG(rc == RTM_EPATTERN || rc == RTM_ELIMIT, "parse rc %d", rc);
    FUZZ_ASSERT(d->err == rc);
    bool limit = d->reason == RTM_PAT_TOO_MANY_PARAMS || d->reason == RTM_PAT_TOO_LONG;
    FUZZ_ASSERT_MSG(limit == (rc == RTM_ELIMIT), "reason %d with rc %d", d->reason, rc);
    FUZZ_ASSERT(d->msg[0] != '\0' && memchr(d->msg, '\0', sizeof d->msg) != NULL);
    size_t o = d->offset;
    if (d->reason == RTM_PAT_TOO_LONG) {
        FUZZ_ASSERT(len > RTM_MAX_PATTERN);
        return;
    }
    FUZZ_ASSERT_MSG(o < len || (o == 0 && len == 0), "offset %zu beyond %zu bytes", o, len);
    unsigned char c = len ? (unsigned char)t[o] : 0;
    switch (d->reason) {
    case RTM_PAT_NO_LEADING_SLASH:
        FUZZ_ASSERT(o == 0 && (len == 0 || c != '/'));
        break;
    case RTM_PAT_EMPTY_SEGMENT:
        FUZZ_ASSERT(c == '/' && o > 0 && t[o - 1] == '/');
        break;
    case RTM_PAT_ADJACENT_PARAMS:
        FUZZ_ASSERT(c == '{' && o > 0 && t[o - 1] == '}');
        break;
    case RTM_PAT_CATCHALL_NOT_LAST:
        FUZZ_ASSERT(c == '{' && o + 1 < len && t[o + 1] == '*');
        break;
    case RTM_PAT_UNTERMINATED:
        FUZZ_ASSERT(c == '{');
        break;
    case RTM_PAT_STRAY_BRACE:
        FUZZ_ASSERT(c == '}' || c == '{');
        break;
    case RTM_PAT_BAD_NAME_BYTE:
        FUZZ_ASSERT_MSG(!name_byte(c), "byte 0x%02x at %zu is a valid name byte", c, o);
        break;
    case RTM_PAT_EMPTY_NAME:
    case RTM_PAT_DUPLICATE_NAME:
    case RTM_PAT_NAME_TOO_LONG:
    case RTM_PAT_TOO_MANY_PARAMS:
        FUZZ_ASSERT_MSG(c == '{' || c == ':' || c == '*', "reason %d at byte 0x%02x", d->reason, c);
        break;
    default:
        FUZZ_ASSERT_MSG(0, "unknown reason %d", d->reason);
    }
}

static void check_parsed(const char *t, size_t len, const rtm__pattern *p, const spec_out *o)
{
    FUZZ_ASSERT_MSG(p->shape_len == o->shape_len && memcmp(p->shape, o->shape, o->shape_len) == 0,
                    "shape differs from the SPEC restatement");
    FUZZ_ASSERT(p->nsegs == o->nsegs && p->nparams == o->nparams);
    unsigned first = 0;
    for (unsigned k = 0; k < p->nsegs; k++) {
        const rtm__seg *s = &p->segs[k];
        FUZZ_ASSERT_MSG(s->kind == o->kinds[k], "segment %u kind %u, SPEC %u", k, s->kind,
                        o->kinds[k]);
        FUZZ_ASSERT(s->off >= 1 && p->shape[s->off - 1] == '/');
        FUZZ_ASSERT(s->off + s->len == p->shape_len || p->shape[s->off + s->len] == '/');
        FUZZ_ASSERT(s->first_param == first);
        first += s->nparams;
        FUZZ_ASSERT(s->kind != RTM__SEG_CATCHALL || k + 1 == p->nsegs);
    }
    FUZZ_ASSERT(first == p->nparams);
    for (unsigned i = 0; i < p->nparams; i++) {
        FUZZ_ASSERT(p->name_off[i] == o->name_off[i] && p->name_len[i] == o->name_len[i]);
        FUZZ_ASSERT(p->name_off[i] + p->name_len[i] <= len);
    }
    (void)t;
}

static void same_parse(const rtm__pattern *a, const rtm__pattern *b)
{
    FUZZ_ASSERT_MSG(a->shape_len == b->shape_len && memcmp(a->shape, b->shape, a->shape_len) == 0,
                    "re-rendered pattern has another shape");
    FUZZ_ASSERT(a->nsegs == b->nsegs && a->nparams == b->nparams);
    for (unsigned k = 0; k < a->nsegs; k++) {
        FUZZ_ASSERT(a->segs[k].kind == b->segs[k].kind && a->segs[k].off == b->segs[k].off &&
                    a->segs[k].len == b->segs[k].len && a->segs[k].nparams == b->segs[k].nparams &&
                    a->segs[k].first_param == b->segs[k].first_param);
    }
}

/* A path the shape must match: each "{}" becomes "x", "{*}" becomes "x/y". */
static size_t path_of_shape(const char *shape, size_t n, char *out)
{
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        if (i + 2 < n && memcmp(shape + i, "{*}", 3) == 0) {
            memcpy(out + w, "x/y", 3);
            w += 3;
            i += 3;
        } else if (i + 1 < n && memcmp(shape + i, "{}", 2) == 0) {
            out[w++] = 'x';
            i += 2;
        } else {
            out[w++] = shape[i++];
        }
    }
    return w;
}

static void check_api(const char *t, size_t len, int parse_rc, const rtm_diag *pd,
                      const char *renamed, size_t rlen, const rtm__pattern *p)
{
    static const rtm_algorithm algos[] = {RTM_ALGO_REFERENCE, RTM_ALGO_TRIE, RTM_ALGO_RADIX,
                                          RTM_ALGO_ADAPTIVE};
    for (size_t ai = 0; ai < sizeof algos / sizeof algos[0]; ai++) {
        if (!rtm_algorithm_available(algos[ai]))
            continue;
        const char *name = rtm_algorithm_name(algos[ai]);
        rtm_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
        rtm_router *r;
        FUZZ_ASSERT(rtm_create(&r, algos[ai], &cfg) == 0);
        rtm_diag d;
        int rc = rtm_add(r, RTM_METHOD_BIT(RTM_GET), t, len, 7, NULL, &d);
        FUZZ_ASSERT_MSG(rc == parse_rc && d.err == pd->err && d.reason == pd->reason &&
                            d.offset == pd->offset,
                        "%s: rtm_add rc %d reason %d offset %zu; parser rc %d reason %d offset %zu",
                        name, rc, d.reason, d.offset, parse_rc, pd->reason, pd->offset);
        if (rc == 0 && renamed) {
            rc = rtm_add(r, RTM_METHOD_BIT(RTM_GET) | RTM_METHOD_BIT(RTM_PUT), renamed, rlen, 8,
                         NULL, &d);
            FUZZ_ASSERT_MSG(rc == RTM_ECONFLICT && d.other_route_id == 7,
                            "%s: renamed copy did not conflict (%d)", name, rc);
            rc = rtm_add(r, RTM_METHODS_ANY, renamed, rlen, 9, NULL, &d);
            FUZZ_ASSERT_MSG(rc == 0, "%s: ANY copy failed (%d)", name, rc);

            static char path[2 * MAX_INPUT];
            size_t plen = path_of_shape(p->shape, p->shape_len, path);
            rtm_result res;
            rtm_match(r, RTM_GET, path, plen, &res);
            FUZZ_ASSERT_MSG(res.status == RTM_FOUND && res.route_id == 7,
                            "%s: path built from the shape: status %d route %u", name, res.status,
                            (unsigned)res.route_id);
            const char *bad = fuzz_check_captures(t, len, path, plen, &res);
            FUZZ_ASSERT_MSG(bad == NULL, "%s: %s", name, bad);
            rtm_match(r, RTM_METHOD_OTHER, path, plen, &res);
            FUZZ_ASSERT_MSG(res.status == RTM_FOUND && res.route_id == 9,
                            "%s: ANY route not found (%d)", name, res.status);
            bad = fuzz_check_captures(renamed, rlen, path, plen, &res);
            FUZZ_ASSERT_MSG(bad == NULL, "%s: %s", name, bad);

            rc = rtm_remove(r, RTM_METHOD_BIT(RTM_GET) | RTM_METHODS_ANY, renamed, rlen, &d);
            FUZZ_ASSERT_MSG(rc == 0, "%s: remove by renamed copy failed (%d)", name, rc);
            rtm_stats st;
            rtm_get_stats(r, &st);
            FUZZ_ASSERT(st.routes == 0);
            rtm_match(r, RTM_GET, path, plen, &res);
            FUZZ_ASSERT(res.status == RTM_NOT_FOUND && !res.tsr);
        }
        rtm_free(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    const char *t = (const char *)data;
    static char shape_buf[MAX_INPUT + 8];
    static spec_out o;
    o.shape = shape_buf;
    bool spec_ok = spec_parse(t, size, &o);

    rtm__alloc a;
    rtm__alloc_init(&a, NULL);
    rtm__pattern p;
    rtm_diag d;
    memset(&d, 0, sizeof d);
    int rc = rtm__pattern_parse(&a, t, size, &p, &d);
    if (rc == 0 && !spec_ok)
        fuzz_print_bytes("accepted: ", t, size);
    if (rc != 0 && spec_ok)
        fuzz_print_bytes("rejected: ", t, size);
    FUZZ_ASSERT_MSG((rc == 0) == spec_ok, "parser says %d (reason %d at %zu), SPEC says %s", rc,
                    d.reason, d.offset, spec_ok ? "valid" : "invalid");
    if (rc != 0) {
        check_reason(t, size, rc, &d);
        check_api(t, size, rc, &d, NULL, 0, NULL);
        return 0;
    }
    check_parsed(t, size, &p, &o);

    /* Render back with fresh names, both spellings; parse again. */
    static char r1[2 * MAX_INPUT], r2[2 * MAX_INPUT];
    size_t n1 = fuzz_render_shape(p.shape, p.shape_len, "q", false, r1, sizeof r1);
    size_t n2 = fuzz_render_shape(p.shape, p.shape_len, "z", true, r2, sizeof r2);
    FUZZ_ASSERT(n1 <= sizeof r1 && n2 <= sizeof r2);
    rtm__pattern p1, p2;
    if (n1 <= RTM_MAX_PATTERN) {
        FUZZ_ASSERT_MSG(rtm__pattern_parse(&a, r1, n1, &p1, NULL) == 0, "rendered shape rejected");
        same_parse(&p, &p1);
        rtm__pattern_release(&a, &p1);
    }
    if (n2 <= RTM_MAX_PATTERN) {
        FUZZ_ASSERT_MSG(rtm__pattern_parse(&a, r2, n2, &p2, NULL) == 0,
                        "legacy-rendered shape rejected");
        same_parse(&p, &p2);
        rtm__pattern_release(&a, &p2);
    }
    check_api(t, size, rc, &d, n1 <= RTM_MAX_PATTERN ? r1 : NULL, n1, &p);
    rtm__pattern_release(&a, &p);
    size_t left = atomic_load(&a.bytes);
    FUZZ_ASSERT_MSG(left == 0, "parser leaked %zu bytes", left);
    return 0;
}
