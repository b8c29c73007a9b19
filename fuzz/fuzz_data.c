/* SPDX-License-Identifier: MIT */
/* The data producer (see fuzz_data.h): a byte cursor over the fuzz input and
 * the generators of patterns, method sets and request paths built on it.
 *
 * The generators draw from small vocabularies on purpose. Tree routers go
 * wrong where routes share prefixes and where static, mixed, param and
 * catch-all siblings compete for the same path segment, so a handful of
 * atoms ("a", "ab", "-", "...") make such collisions the common case rather
 * than the rare one. Raw input bytes are mixed in so that every byte value
 * still reaches the parser and the matchers. */
#include "fuzz_data.h"

#include <stdio.h>
#include <string.h>

#include "routematch.h" /* RTM_METHOD_BIT, RTM_METHODS_ANY */

/* ---- Byte cursor ---- */

void fuzz_data_init(fuzz_data *fd, const uint8_t *data, size_t size)
{
    fd->data = data;
    fd->size = size;
    fd->pos = 0;
}

size_t fuzz_data_left(const fuzz_data *fd)
{
    return fd->size - fd->pos;
}

uint8_t fuzz_u8(fuzz_data *fd)
{
    return fd->pos < fd->size ? fd->data[fd->pos++] : 0;
}

uint16_t fuzz_u16(fuzz_data *fd)
{
    uint16_t v = fuzz_u8(fd);
    return (uint16_t)(v | (uint16_t)fuzz_u8(fd) << 8);
}

uint32_t fuzz_u32(fuzz_data *fd)
{
    uint32_t v = fuzz_u16(fd);
    return v | (uint32_t)fuzz_u16(fd) << 16;
}

unsigned fuzz_range(fuzz_data *fd, unsigned lo, unsigned hi)
{
    if (hi <= lo)
        return lo;
    unsigned span = hi - lo;
    unsigned v = span < 256 ? fuzz_u8(fd) : span < 65536 ? fuzz_u16(fd) : fuzz_u32(fd);
    return lo + (span == ~0u ? v : v % (span + 1));
}

bool fuzz_chance(fuzz_data *fd, unsigned in256)
{
    return fuzz_u8(fd) < in256;
}

/* ---- Bounded output buffer ---- */

void fuzz_buf_init(fuzz_buf *b, char *storage, size_t cap)
{
    b->p = storage;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
}

void fuzz_buf_put(fuzz_buf *b, const void *s, size_t n)
{
    if (n > b->cap - b->len) {
        n = b->cap - b->len;
        b->overflow = true;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

void fuzz_buf_putc(fuzz_buf *b, char c)
{
    fuzz_buf_put(b, &c, 1);
}

void fuzz_buf_puts(fuzz_buf *b, const char *s)
{
    fuzz_buf_put(b, s, strlen(s));
}

/* ---- PRNG: splitmix64, enough for shuffles ---- */

void fuzz_rng_seed(fuzz_rng *g, uint64_t seed)
{
    g->s = seed;
}

uint64_t fuzz_rng_next(fuzz_rng *g)
{
    uint64_t z = (g->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void fuzz_rng_shuffle(fuzz_rng *g, unsigned *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(fuzz_rng_next(g) % i);
        unsigned t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* ---- Vocabularies ---- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Whole static segments. Several are prefixes of others, several look like
 * the static text of mixed segments below, one is a legacy-looking "*x" that
 * is static when it is not the last segment. */
static const char *const static_atoms[] = {
    "a",   "b",    "ab",  "abc", "users", "new", "v1",   "v",   "x",    "files", "-",
    "--",  "a-b",  ".",   "..",  "a.b",   "x.y", "%2F",  "~",   "*x",   "x:y",   "@",
    "é",   "\xff", "img", "1",   "a:b",   "b-",  "...",  "a..", "json", ".json", "thumb-x",
    "ab.", "a-b-", "x,y", "?",   "a?b",   " ",   "a\tb", "\x01"};

/* Static pieces for mixed segments: short, overlapping, repetitive, so that
 * greedy splits and rank ties (same static bytes, same params) occur. */
static const char *const pieces[] = {"-",   ".",      "..", "...", "a", "b", "ab", ":",
                                     ",",   "@",      "-a", "a-",  "x", "v", "--", ".json",
                                     "-a-", "thumb-", "~",  ".x",  "é", "=", "_",  "\x7f"};

/* Values for params: pieces again, and the bytes the SPEC calls out. */
static const char *const values[] = {"a",    "b",           "1",      "new",   "x",
                                     "ab",   "-",           "--",     "a-b",   "a-b-c",
                                     ".",    "...",         "a.b",    "a.b.c", "main...a...b",
                                     ":",    "@",           ",",      "users", "v1",
                                     "%2F",  "\0",          "\xff",   "é",     "a-",
                                     "-a",   "thumb-a.png", "x.json", "..",    ".a.",
                                     "@1,2", "a:cancel",    "v1.2",   "-a-",   "a--b",
                                     "a..b", "*",           "{",      "}",     "a b",
                                     "\t",   "?q=1"};

/* Mixed-segment templates from the SPEC and from the CVE reports; '%'
 * stands for a parameter. */
static const char *const templates[] = {
    "%-%-", "%.%",   "v%", "%.json", "%:cancel", "@%,%", "%...%", "%-%-%-", "%-%",   "thumb-%.png",
    "v%.%", "%.%.%", "-%", "%-",     "%a%b%",    "a%a",  "%--%",  "%:get",  "%.png", "x%"};

/* ---- Methods ---- */

unsigned fuzz_gen_methods(fuzz_data *fd)
{
    uint8_t c = fuzz_u8(fd);
    if (c < 80)
        return RTM_METHOD_BIT(RTM_GET);
    if (c < 110)
        return RTM_METHOD_BIT(RTM_POST);
    if (c < 125)
        return RTM_METHOD_BIT(RTM_PUT);
    if (c < 165)
        return RTM_METHODS_ANY;
    if (c < 190)
        return RTM_METHOD_BIT(RTM_GET) | RTM_METHOD_BIT(RTM_POST);
    if (c < 205)
        return RTM_METHOD_BIT(RTM_GET) | RTM_METHODS_ANY;
    if (c < 225)
        return RTM_METHOD_BIT(fuzz_range(fd, 0, RTM_METHOD_COUNT - 1));
    if (c < 250) {
        unsigned m = fuzz_u16(fd) & (RTM_METHODS_ALL_NAMED | RTM_METHODS_ANY);
        return m ? m : RTM_METHOD_BIT(RTM_DELETE);
    }
    return c < 253 ? 0u : (1u << 10) | RTM_METHOD_BIT(RTM_GET); /* invalid on purpose */
}

unsigned fuzz_gen_request_method(fuzz_data *fd)
{
    uint8_t c = fuzz_u8(fd);
    if (c < 128)
        return RTM_GET;
    if (c < 160)
        return RTM_POST;
    if (c < 176)
        return RTM_PUT;
    if (c < 192)
        return RTM_METHOD_OTHER;
    return c % (RTM_METHOD_OTHER + 1);
}

/* ---- Patterns ---- */

/* A parameter name: "p<n>" and sometimes a variant suffix, so that two
 * routes name the parameter at the same place differently. */
static void put_name(fuzz_data *fd, fuzz_buf *b, unsigned n)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, "p%u", n);
    fuzz_buf_puts(b, tmp);
    uint8_t v = fuzz_u8(fd);
    if (v >= 200)
        fuzz_buf_puts(b, v >= 240 ? "_id" : "x");
}

static void put_param(fuzz_data *fd, fuzz_buf *b, unsigned *np)
{
    fuzz_buf_putc(b, '{');
    put_name(fd, b, (*np)++);
    fuzz_buf_putc(b, '}');
}

/* Raw bytes of static text: anything but '/', '{', '}'. */
static void put_raw_static(fuzz_data *fd, fuzz_buf *b, size_t max)
{
    size_t n = fuzz_range(fd, 1, (unsigned)max);
    for (size_t i = 0; i < n; i++) {
        char c = (char)fuzz_u8(fd);
        if (c == '/' || c == '{' || c == '}')
            c = 'a';
        fuzz_buf_putc(b, c);
    }
}

/* A mixed segment: pieces and params alternating, at least one piece. */
static void put_mixed(fuzz_data *fd, fuzz_buf *b, unsigned *np)
{
    uint8_t c = fuzz_u8(fd);
    if (c < 110) { /* a template */
        const char *t = templates[c % COUNT(templates)];
        for (; *t; t++) {
            if (*t == '%')
                put_param(fd, b, np);
            else
                fuzz_buf_putc(b, *t);
        }
        return;
    }
    unsigned k = fuzz_range(fd, 1, c >= 250 ? 6 : 3);
    bool lead = fuzz_chance(fd, 100), trail = fuzz_chance(fd, 140);
    if (k == 1 && !lead)
        trail = true;
    if (lead)
        fuzz_buf_puts(b, pieces[fuzz_u8(fd) % COUNT(pieces)]);
    for (unsigned i = 0; i < k; i++) {
        if (i > 0)
            fuzz_buf_puts(b, pieces[fuzz_u8(fd) % COUNT(pieces)]);
        put_param(fd, b, np);
    }
    if (trail)
        fuzz_buf_puts(b, pieces[fuzz_u8(fd) % COUNT(pieces)]);
}

/* Break a pattern on purpose: each form the parser must reject. */
static void put_malformed_segment(fuzz_data *fd, fuzz_buf *b, unsigned *np)
{
    static const char *const bad[] = {"{",    "}",        "{}",     "{*}",   ":",     "a{b",
                                      "a}b",  "{p1}{p2}", "{a b}",  "{a/}",  "{*x}y", "x{*y}",
                                      "{a*}", "{\x01}",   "{\x7f}", "{{a}}", "{a}{",  "{dup}-{dup}",
                                      "",     "{*c}",     "*",      ":a{b}", "{a}}",  "{\xff}"};
    uint8_t c = fuzz_u8(fd);
    if (c < 200) {
        fuzz_buf_puts(b, bad[c % COUNT(bad)]);
    } else if (c < 230) { /* a name of 256 bytes */
        fuzz_buf_putc(b, '{');
        for (unsigned i = 0; i < 256; i++)
            fuzz_buf_putc(b, 'n');
        fuzz_buf_putc(b, '}');
    } else { /* too many params: 33 in one segment */
        for (unsigned i = 0; i < 33; i++) {
            fuzz_buf_putc(b, '-');
            put_param(fd, b, np);
        }
    }
}

/* Copy the first `nseg` segments of p (its text up to the nseg-th '/' after
 * the leading one) and count the parameters it names (an upper bound). */
static size_t copy_prefix(fuzz_buf *b, const char *p, size_t len, unsigned nseg, unsigned *np)
{
    size_t i = 0;
    unsigned seen = 0;
    if (len == 0 || p[0] != '/')
        return 0;
    for (i = 1; i < len; i++) {
        if (p[i] == '/' && ++seen == nseg)
            break;
        if (p[i] == '{' || p[i] == ':' || p[i] == '*')
            (*np)++;
    }
    if (seen < nseg)
        return 0; /* not enough segments: copy nothing */
    fuzz_buf_put(b, p, i);
    return seen;
}

size_t fuzz_gen_pattern(fuzz_data *fd, const char *const *prev, const size_t *prev_len, size_t n,
                        char *out, size_t cap)
{
    fuzz_buf b;
    fuzz_buf_init(&b, out, cap);
    uint8_t mode = fuzz_u8(fd);
    if (mode >= 250) { /* raw bytes, mostly with a leading '/' */
        if (mode != 255)
            fuzz_buf_putc(&b, '/');
        size_t len = fuzz_range(fd, 0, 48);
        for (size_t i = 0; i < len; i++)
            fuzz_buf_putc(&b, (char)fuzz_u8(fd));
        return b.len;
    }
    unsigned np = 0, nseg = 0;
    unsigned want = fuzz_range(fd, 1, mode >= 240 ? 40 : 5);
    if (n > 0 && mode < 150) { /* share a prefix with an earlier pattern */
        size_t k = fuzz_u8(fd) % n;
        nseg = copy_prefix(&b, prev[k], prev_len[k], fuzz_range(fd, 1, 4), &np);
        if (want < nseg + 1)
            want = nseg + 1;
    }
    bool malformed = mode >= 225 && mode < 240;
    unsigned bad_at = malformed ? fuzz_range(fd, nseg, want - 1) : ~0u;
    for (unsigned s = nseg; s < want; s++) {
        bool last = s + 1 == want;
        fuzz_buf_putc(&b, '/');
        if (s == bad_at) {
            put_malformed_segment(fd, &b, &np);
            continue;
        }
        uint8_t k = fuzz_u8(fd);
        if (last && k >= 224) {
            if (k >= 244)
                continue; /* trailing slash: an empty last segment */
            if (k >= 238) {
                fuzz_buf_putc(&b, '*');
                put_name(fd, &b, np++);
            } else {
                fuzz_buf_puts(&b, "{*");
                put_name(fd, &b, np++);
                fuzz_buf_putc(&b, '}');
            }
            continue;
        }
        switch (k % 12) {
        case 0:
        case 1:
        case 2:
        case 3:
            fuzz_buf_puts(&b, static_atoms[fuzz_u8(fd) % COUNT(static_atoms)]);
            break;
        case 4:
            put_raw_static(fd, &b, 6);
            break;
        case 5:
        case 6:
            put_param(fd, &b, &np);
            break;
        case 7:
            fuzz_buf_putc(&b, ':');
            put_name(fd, &b, np++);
            break;
        default:
            put_mixed(fd, &b, &np);
            break;
        }
    }
    return b.len;
}

/* ---- Paths ---- */

static void put_value(fuzz_data *fd, fuzz_buf *b, bool catchall)
{
    uint8_t c = fuzz_u8(fd);
    if (c < 150) {
        const char *v = values[c % COUNT(values)];
        fuzz_buf_put(b, v, *v ? strlen(v) : 1); /* "\0" is one NUL byte */
    } else if (c < 200) {                       /* pieces glued together: "a-b-" style */
        unsigned k = fuzz_range(fd, 2, 5);
        for (unsigned i = 0; i < k; i++)
            fuzz_buf_puts(b, pieces[fuzz_u8(fd) % COUNT(pieces)]);
    } else if (c < 245) { /* raw bytes */
        size_t n = fuzz_range(fd, 1, 12);
        for (size_t i = 0; i < n; i++) {
            char ch = (char)fuzz_u8(fd);
            fuzz_buf_putc(b, ch == '/' && !catchall ? '-' : ch);
        }
    } else if (c < 250) { /* long run: a stress for mixed segments */
        size_t n = fuzz_range(fd, 16, 200);
        char ch = pieces[fuzz_u8(fd) % COUNT(pieces)][0];
        for (size_t i = 0; i < n; i++)
            fuzz_buf_putc(b, ch);
    }
    /* else: empty (a param never matches it) */
    if (catchall && fuzz_chance(fd, 90)) {
        unsigned more = fuzz_range(fd, 1, 3);
        for (unsigned i = 0; i < more; i++) {
            fuzz_buf_putc(b, '/');
            if (fuzz_chance(fd, 230))
                fuzz_buf_puts(b, values[fuzz_u8(fd) % COUNT(values)]);
        }
    }
}

/* Fill pattern p's segments with values: statics copied, params valued. */
static void path_from_pattern(fuzz_data *fd, fuzz_buf *b, const char *p, size_t len)
{
    size_t i = 0;
    if (len > 0 && p[0] == '/')
        i = 1;
    fuzz_buf_putc(b, '/');
    while (i <= len) {
        const char *slash = i < len ? memchr(p + i, '/', len - i) : NULL;
        size_t e = slash ? (size_t)(slash - p) : len;
        bool last = !slash;
        if (e > i && p[i] == ':') {
            put_value(fd, b, false);
        } else if (last && e > i && p[i] == '*') {
            put_value(fd, b, true);
        } else {
            for (size_t j = i; j < e; j++) {
                if (p[j] != '{') {
                    fuzz_buf_putc(b, p[j]);
                    continue;
                }
                const char *close = memchr(p + j, '}', e - j);
                bool star = j + 1 < e && p[j + 1] == '*';
                put_value(fd, b, star);
                if (!close)
                    break;
                j = (size_t)(close - p);
            }
        }
        if (last)
            break;
        fuzz_buf_putc(b, '/');
        i = e + 1;
    }
}

static void mutate_path(fuzz_data *fd, fuzz_buf *b)
{
    unsigned n = fuzz_range(fd, 0, 2);
    for (unsigned k = 0; k < n; k++) {
        uint8_t c = fuzz_u8(fd);
        switch (c % 8) {
        case 0: /* toggle the trailing slash */
            if (b->len > 1 && b->p[b->len - 1] == '/')
                b->len--;
            else
                fuzz_buf_putc(b, '/');
            break;
        case 1: /* drop the last segment */
            while (b->len > 1 && b->p[b->len - 1] != '/')
                b->len--;
            if (b->len > 1 && fuzz_chance(fd, 128))
                b->len--;
            break;
        case 2: /* add a segment */
            fuzz_buf_putc(b, '/');
            fuzz_buf_puts(b, static_atoms[fuzz_u8(fd) % COUNT(static_atoms)]);
            break;
        case 3: /* change a byte */
            if (b->len > 0)
                b->p[fuzz_range(fd, 0, (unsigned)b->len - 1)] = (char)fuzz_u8(fd);
            break;
        case 4: /* cut */
            b->len = fuzz_range(fd, 0, (unsigned)b->len);
            break;
        case 5: /* double a slash */
            fuzz_buf_putc(b, '/');
            fuzz_buf_putc(b, '/');
            break;
        default:
            break;
        }
    }
}

size_t fuzz_gen_path(fuzz_data *fd, const char *const *pats, const size_t *pat_len, size_t n,
                     char *out, size_t cap)
{
    fuzz_buf b;
    fuzz_buf_init(&b, out, cap);
    uint8_t mode = fuzz_u8(fd);
    if (n > 0 && mode < 200) {
        size_t k = fuzz_u8(fd) % n;
        path_from_pattern(fd, &b, pats[k], pat_len[k]);
        if (mode >= 100)
            mutate_path(fd, &b);
    } else if (n > 1 && mode < 215) { /* two routes spliced */
        size_t k1 = fuzz_u8(fd) % n, k2 = fuzz_u8(fd) % n;
        path_from_pattern(fd, &b, pats[k1], pat_len[k1]);
        size_t cut = fuzz_range(fd, 0, (unsigned)b.len);
        b.len = cut;
        char tmp[256];
        fuzz_buf t;
        fuzz_buf_init(&t, tmp, sizeof tmp);
        path_from_pattern(fd, &t, pats[k2], pat_len[k2]);
        fuzz_buf_put(&b, t.p, t.len);
    } else if (mode < 250) { /* raw bytes */
        if (mode & 1)
            fuzz_buf_putc(&b, '/');
        size_t len = fuzz_range(fd, 0, 32);
        for (size_t i = 0; i < len; i++)
            fuzz_buf_putc(&b, (char)fuzz_u8(fd));
    } else if (mode < 253) {
        fuzz_buf_putc(&b, '/');
    }
    /* else: the empty path */
    return b.len;
}

/* ---- Shapes ---- */

size_t fuzz_render_shape(const char *shape, size_t len, const char *prefix, bool legacy, char *out,
                         size_t cap)
{
    fuzz_buf b;
    fuzz_buf_init(&b, out, cap);
    unsigned n = 0;
    char name[32];
    for (size_t i = 0; i < len;) {
        bool seg_start = i > 0 && shape[i - 1] == '/';
        if (shape[i] == '{' && i + 1 < len && shape[i + 1] == '}') {
            size_t end = i + 2;
            snprintf(name, sizeof name, "%s%u", prefix, n++);
            if (legacy && seg_start && (end == len || shape[end] == '/')) {
                fuzz_buf_putc(&b, ':');
                fuzz_buf_puts(&b, name);
            } else {
                fuzz_buf_putc(&b, '{');
                fuzz_buf_puts(&b, name);
                fuzz_buf_putc(&b, '}');
            }
            i = end;
        } else if (shape[i] == '{' && i + 2 < len && shape[i + 1] == '*' && shape[i + 2] == '}') {
            snprintf(name, sizeof name, "%s%u", prefix, n++);
            if (legacy && seg_start && i + 3 == len) {
                fuzz_buf_putc(&b, '*');
                fuzz_buf_puts(&b, name);
            } else {
                fuzz_buf_puts(&b, "{*");
                fuzz_buf_puts(&b, name);
                fuzz_buf_putc(&b, '}');
            }
            i += 3;
        } else {
            fuzz_buf_putc(&b, shape[i++]);
        }
    }
    return b.overflow ? cap + 1 : b.len;
}

void fuzz_print_bytes(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "%s\"", label);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02X", c);
    }
    fprintf(stderr, "\" (%zu bytes)\n", n);
}
