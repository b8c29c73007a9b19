/* SPDX-License-Identifier: MIT */
/* The route pool and the request streams of workload.h. Tables are read by
 * the project's loader (lib/routes_file.h), checked by a scratch router so
 * that only routes the SPEC accepts are kept, and grown by prefixing copies
 * with "/t<k>". Requests are generated from the patterns themselves: the
 * pattern is lexed segment by segment (static text, {name}, legacy :name and
 * *name, catch-all {*name}) and each parameter gets a value chosen from its
 * name, so a table of real routes gets the kind of paths real clients send. */
#include "workload.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

/* ---- Small helpers ---- */

double wl_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double wl_cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* splitmix64: the seeded generator behind every random choice here. */
static uint64_t mix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n >= 1 (the modulo bias is irrelevant here). */
static uint64_t below(uint64_t *s, uint64_t n)
{
    return mix64(s) % n;
}

/* ---- The route pool ---- */

int wl_pool_load(wl_pool *p, const char *const *files, size_t nfiles, rtm_algorithm check_algo,
                 FILE *log, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    rtm_router *check = NULL;
    int rc = rtm_create(&check, check_algo, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create a '%s' router: %s", rtm_algorithm_name(check_algo),
                 rtm_strerror(rc));
        return -1;
    }
    p->tables = calloc(nfiles ? nfiles : 1, sizeof *p->tables);
    p->names = calloc(nfiles ? nfiles : 1, sizeof *p->names);
    if (!p->tables || !p->names)
        goto oom;
    size_t cap = 0;
    for (size_t f = 0; f < nfiles; f++) {
        rtm__table *t = &p->tables[f];
        if (rtm__table_read(t, files[f], err, errlen) != 0)
            goto fail;
        p->ntables++;
        p->names[f] = malloc(strlen(files[f]) + 1);
        if (!p->names[f])
            goto oom;
        strcpy(p->names[f], files[f]);
        for (size_t i = 0; i < t->n; i++) {
            const rtm__table_line *l = &t->lines[i];
            rtm_diag d;
            memset(&d, 0, sizeof d);
            if (l->methods == 0 || l->pattern_len == 0 || l->pattern_len > UINT32_MAX) {
                if (log)
                    fprintf(log, "%s:%u: %s\n", files[f], (unsigned)l->line,
                            l->methods == 0 ? "unknown method" : "missing pattern");
                p->rejected++;
                continue;
            }
            rc = rtm_add(check, l->methods, l->pattern, l->pattern_len, (uint32_t)p->nbase, NULL,
                         &d);
            if (rc == RTM_ENOMEM)
                goto oom;
            if (rc != 0) {
                if (log) {
                    if (rc == RTM_ECONFLICT) {
                        const wl_route *o = &p->base[d.other_route_id];
                        fprintf(log, "%s:%u: conflicts with %s:%u\n", files[f], (unsigned)l->line,
                                p->names[o->table], (unsigned)o->line);
                    } else {
                        fprintf(log, "%s:%u: %s\n", files[f], (unsigned)l->line,
                                d.msg[0] ? d.msg : rtm_strerror(rc));
                    }
                }
                p->rejected++;
                continue;
            }
            if (p->nbase == cap) {
                size_t ncap = cap ? 2 * cap : 1024;
                wl_route *nb = realloc(p->base, ncap * sizeof *nb);
                if (!nb)
                    goto oom;
                p->base = nb;
                cap = ncap;
            }
            p->base[p->nbase++] = (wl_route){.pat = l->pattern,
                                             .len = (uint32_t)l->pattern_len,
                                             .methods = (uint16_t)l->methods,
                                             .table = (uint16_t)f,
                                             .line = l->line};
        }
    }
    rtm_free(check);
    if (p->nbase == 0) {
        snprintf(err, errlen, "no usable route in the given tables");
        wl_pool_free(p);
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    rtm_free(check);
    wl_pool_free(p);
    return -1;
}

void wl_pool_free(wl_pool *p)
{
    for (size_t i = 0; i < p->ntables; i++)
        rtm__table_free(&p->tables[i]);
    if (p->names)
        for (size_t i = 0; i < p->ntables; i++)
            free(p->names[i]);
    free(p->tables);
    free(p->names);
    free(p->base);
    memset(p, 0, sizeof *p);
}

size_t wl_pool_pattern(const wl_pool *p, size_t i, char *buf, size_t cap)
{
    const wl_route *r = &p->base[i % p->nbase];
    size_t k = i / p->nbase, n = 0;
    if (k > 0) {
        int w = snprintf(buf, cap, "/t%zu", k);
        if (w < 0 || (size_t)w >= cap)
            return 0;
        n = (size_t)w;
    }
    if (n + r->len > cap)
        return 0;
    memcpy(buf + n, r->pat, r->len);
    return n + r->len;
}

size_t wl_pool_build(const wl_pool *p, rtm_router *r, size_t n, double deadline, size_t *rejected)
{
    char *buf = malloc(RTM_MAX_PATTERN + 32);
    size_t i = 0;
    *rejected = 0;
    if (!buf)
        return 0;
    for (; i < n; i++) {
        if (deadline > 0 && (i & 255) == 255 && wl_now() > deadline)
            break;
        size_t len = wl_pool_pattern(p, i, buf, RTM_MAX_PATTERN + 32);
        if (len == 0 || rtm_add(r, wl_pool_methods(p, i), buf, len, (uint32_t)i, NULL, NULL) != 0)
            ++*rejected;
    }
    free(buf);
    return i;
}

/* ---- Growable byte buffer ---- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->n + n)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_fmt_u64(sbuf *b, uint64_t v)
{
    char t[24];
    int w = snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    sb_put(b, t, (size_t)w);
}

static void sb_hex(sbuf *b, uint64_t *rng, unsigned digits, bool upper)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    char t[64];
    for (unsigned i = 0; i < digits && i < sizeof t; i++)
        t[i] = (upper ? up : lo)[below(rng, 16)];
    sb_put(b, t, digits < sizeof t ? digits : sizeof t);
}

/* ---- Parameter values ---- */

static const char *const words[] = {
    "alpha",  "octocat", "billing", "orders", "payments", "widget",  "sunrise", "marble",
    "harbor", "falcon",  "lantern", "meadow", "quartz",   "ripple",  "summit",  "timber",
    "violet", "walnut",  "zephyr",  "anchor", "beacon",   "cobalt",  "delta",   "ember",
    "fjord",  "granite", "hazel",   "indigo", "juniper",  "kestrel", "lumen",   "mosaic",
    "nimbus", "onyx",    "pepper",  "quill",  "raven",    "sierra",  "tundra",  "umber",
    "vertex", "willow",  "xenon",   "yarrow", "zinc",     "acme",    "contoso", "northwind",
};
#define NWORDS (sizeof words / sizeof words[0])

static const char *const exts[] = {"json", "xml", "csv", "txt", "yaml", "png", "pdf", "gz"};
#define NEXTS (sizeof exts / sizeof exts[0])

/* Case-insensitive: does name contain needle? */
static bool has(const char *name, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m) {
            char c = name[i + j];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != needle[j])
                break;
            j++;
        }
        if (j == m)
            return true;
    }
    return false;
}

/* Case-insensitive: does name end with suffix? */
static bool ends(const char *name, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && has(name + n - m, m, suffix);
}

static void put_word(sbuf *b, uint64_t *rng)
{
    sb_str(b, words[below(rng, NWORDS)]);
    if (below(rng, 3) == 0) {
        sb_put(b, "-", 1);
        sb_str(b, words[below(rng, NWORDS)]);
    }
    if (below(rng, 4) == 0)
        sb_fmt_u64(b, below(rng, 100));
}

static void put_version(sbuf *b, uint64_t *rng)
{
    sb_fmt_u64(b, below(rng, 4));
    sb_put(b, ".", 1);
    sb_fmt_u64(b, below(rng, 20));
    sb_put(b, ".", 1);
    sb_fmt_u64(b, below(rng, 30));
}

/* A value for parameter `name` (n bytes); `mixed` when the segment also holds
 * static text. Never empty, never holds '/'. */
static void put_value(sbuf *b, const char *name, size_t n, bool mixed, uint64_t *rng)
{
    if (has(name, n, "uuid") || has(name, n, "guid")) {
        sb_hex(b, rng, 8, false);
        sb_put(b, "-", 1);
        sb_hex(b, rng, 4, false);
        sb_put(b, "-4", 2);
        sb_hex(b, rng, 3, false);
        sb_put(b, "-a", 2);
        sb_hex(b, rng, 3, false);
        sb_put(b, "-", 1);
        sb_hex(b, rng, 12, false);
    } else if (ends(name, n, "sid")) {
        sb_str(b, below(rng, 2) ? "AC" : "CA");
        sb_hex(b, rng, 32, false);
    } else if (has(name, n, "version")) {
        put_version(b, rng);
    } else if (has(name, n, "format") || has(name, n, "ext") || has(name, n, "type")) {
        sb_str(b, exts[below(rng, NEXTS)]);
    } else if (has(name, n, "date") || has(name, n, "day")) {
        sb_str(b, "20");
        sb_fmt_u64(b, 10 + below(rng, 15));
        sb_put(b, "-0", 2);
        sb_fmt_u64(b, 1 + below(rng, 9));
        sb_put(b, "-1", 2);
        sb_fmt_u64(b, below(rng, 10));
    } else if (has(name, n, "email")) {
        put_word(b, rng);
        sb_str(b, "@example.com");
    } else if (has(name, n, "arn")) {
        sb_str(b, "arn:aws:iam::");
        sb_fmt_u64(b, 100000000000ull + below(rng, 900000000000ull));
        sb_str(b, ":role-");
        put_word(b, rng);
    } else if (has(name, n, "sha") || has(name, n, "hash") || has(name, n, "digest") ||
               has(name, n, "commit") || has(name, n, "etag")) {
        sb_hex(b, rng, 40, false);
    } else if (has(name, n, "lang") || has(name, n, "locale")) {
        sb_str(b, below(rng, 2) ? "en-US" : "fr-FR");
    } else if (has(name, n, "region") || has(name, n, "zone") || has(name, n, "location")) {
        sb_str(b, below(rng, 2) ? "us-east-" : "eu-west-");
        sb_fmt_u64(b, 1 + below(rng, 3));
    } else if (ends(name, n, "id") || ends(name, n, "ids") || has(name, n, "number") ||
               has(name, n, "num") || has(name, n, "index") || has(name, n, "count") ||
               has(name, n, "page") || has(name, n, "year") || has(name, n, "port") ||
               has(name, n, "size") || has(name, n, "limit") || has(name, n, "offset")) {
        sb_fmt_u64(b, 1 + below(rng, below(rng, 2) ? 1000 : 10000000));
    } else if (mixed) {
        /* {name}.{ext}, {file}.json, v{x}: a dotted name, to make the
         * right-to-left split of a mixed segment do real work. */
        put_word(b, rng);
        sb_put(b, "-", 1);
        put_version(b, rng);
    } else {
        put_word(b, rng);
    }
}

/* A catch-all value: one to four segments, the last one maybe a file name. */
static void put_catchall(sbuf *b, uint64_t *rng)
{
    unsigned segs = 1 + (unsigned)below(rng, 4);
    for (unsigned s = 0; s < segs; s++) {
        if (s)
            sb_put(b, "/", 1);
        put_word(b, rng);
    }
    if (below(rng, 2)) {
        sb_put(b, ".", 1);
        sb_str(b, exts[below(rng, NEXTS)]);
    }
}

/* Fill pattern pat[0..len) into b. */
static void fill_pattern(sbuf *b, const char *pat, size_t len, uint64_t *rng)
{
    size_t i = 0;
    while (i < len) {
        /* pat[i] is '/'; the segment runs to the next '/' or the end. */
        sb_put(b, "/", 1);
        size_t s = i + 1, e = s;
        while (e < len && pat[e] != '/')
            e++;
        bool last = e == len;
        if (e - s >= 2 && pat[s] == ':') {
            put_value(b, pat + s + 1, e - s - 1, false, rng);
        } else if (last && e - s >= 2 && pat[s] == '*') {
            put_catchall(b, rng);
        } else {
            bool mixed = false;
            for (size_t k = s; k < e; k++)
                if (pat[k] != '{' && (k == s || pat[k - 1] == '}')) {
                    /* static text either before the first brace or after a
                     * closing one: the segment is mixed (or plain static) */
                    mixed = true;
                    break;
                }
            size_t k = s;
            while (k < e) {
                if (pat[k] != '{') {
                    size_t t = k;
                    while (t < e && pat[t] != '{')
                        t++;
                    sb_put(b, pat + k, t - k);
                    k = t;
                    continue;
                }
                size_t c = k + 1;
                while (c < e && pat[c] != '}')
                    c++;
                const char *name = pat + k + 1;
                size_t n = c - k - 1;
                if (n > 0 && name[0] == '*')
                    put_catchall(b, rng);
                else
                    put_value(b, name, n, mixed, rng);
                k = c < e ? c + 1 : e;
            }
        }
        i = e;
    }
}

static unsigned request_method(unsigned methods)
{
    for (unsigned m = 0; m < RTM_METHOD_COUNT; m++)
        if (methods & RTM_METHOD_BIT(m))
            return m;
    return RTM_GET; /* an ANY route: GET it */
}

/* ---- Request streams ---- */

static int finish_stream(wl_requests *out, sbuf *b, uint32_t *offs)
{
    if (b->oom)
        return -1;
    out->buf = b->p;
    out->bytes = b->n;
    for (size_t j = 0; j < out->n; j++)
        out->v[j].path = out->buf + offs[j];
    return 0;
}

int wl_requests_generate(wl_requests *out, const wl_pool *p, size_t nroutes, size_t min_len,
                         double zipf_s, uint64_t seed)
{
    memset(out, 0, sizeof *out);
    if (nroutes == 0)
        return -1;
    size_t n = nroutes > min_len ? nroutes : min_len;
    size_t *route = malloc(n * sizeof *route);
    uint32_t *offs = malloc(n * sizeof *offs);
    char *pat = malloc(RTM_MAX_PATTERN + 32);
    out->v = malloc(n * sizeof *out->v);
    if (!route || !offs || !pat || !out->v)
        goto oom;
    uint64_t rng = seed ^ 0x5eed0f5eedull;
    if (zipf_s > 0) {
        /* Popularity ranks: a seeded permutation of the routes; then n
         * inverse-CDF draws. */
        size_t *rank = malloc(nroutes * sizeof *rank);
        double *cdf = malloc(nroutes * sizeof *cdf);
        if (!rank || !cdf) {
            free(rank);
            free(cdf);
            goto oom;
        }
        for (size_t i = 0; i < nroutes; i++)
            rank[i] = i;
        for (size_t i = nroutes - 1; i > 0; i--) {
            size_t j = (size_t)below(&rng, i + 1), t = rank[i];
            rank[i] = rank[j];
            rank[j] = t;
        }
        double sum = 0;
        for (size_t k = 0; k < nroutes; k++)
            cdf[k] = (sum += pow((double)(k + 1), -zipf_s));
        for (size_t j = 0; j < n; j++) {
            double u = (double)(mix64(&rng) >> 11) * 0x1.0p-53 * sum;
            size_t lo = 0, hi = nroutes - 1;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cdf[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            route[j] = rank[lo];
        }
        free(rank);
        free(cdf);
    } else {
        for (size_t j = 0; j < n; j++)
            route[j] = j % nroutes;
        for (size_t j = n - 1; j > 0; j--) {
            size_t k = (size_t)below(&rng, j + 1), t = route[j];
            route[j] = route[k];
            route[k] = t;
        }
    }
    /* Fill: the values of the c-th request for route i depend only on (seed,
     * i, c), c counting that route's earlier requests in the stream. */
    sbuf b = {0};
    unsigned *seen = calloc(nroutes, sizeof *seen);
    if (!seen)
        goto oom;
    for (size_t j = 0; j < n; j++) {
        size_t i = route[j];
        uint64_t vr = seed * 0x100000001B3ull ^ ((uint64_t)i << 20) ^ seen[i]++;
        mix64(&vr);
        size_t plen = wl_pool_pattern(p, i, pat, RTM_MAX_PATTERN + 32);
        offs[j] = (uint32_t)b.n;
        if (b.n > UINT32_MAX - 2 * (size_t)RTM_MAX_PATTERN) {
            b.oom = true;
            break;
        }
        fill_pattern(&b, pat, plen, &vr);
        out->v[j].len = (uint32_t)(b.n - offs[j]);
        out->v[j].method = request_method(wl_pool_methods(p, i));
    }
    free(seen);
    out->n = n;
    out->distinct_routes = nroutes;
    if (finish_stream(out, &b, offs) != 0) {
        free(b.p);
        goto oom;
    }
    free(route);
    free(offs);
    free(pat);
    return 0;
oom:
    free(route);
    free(offs);
    free(pat);
    wl_requests_free(out);
    return -1;
}

int wl_requests_read(wl_requests *out, const char *path, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    sbuf raw = {0};
    char chunk[65536];
    int got;
    while ((got = gzread(f, chunk, sizeof chunk)) > 0)
        sb_put(&raw, chunk, (size_t)got);
    int bad = got < 0;
    gzclose(f);
    if (bad || raw.oom) {
        snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "out of memory");
        free(raw.p);
        return -1;
    }
    size_t cap = 1024, n = 0;
    uint32_t *offs = malloc(cap * sizeof *offs);
    out->v = malloc(cap * sizeof *out->v);
    sbuf b = {0};
    if (!offs || !out->v)
        goto oom;
    for (size_t pos = 0; pos < raw.n;) {
        const char *nl = memchr(raw.p + pos, '\n', raw.n - pos);
        size_t end = nl ? (size_t)(nl - raw.p) : raw.n, next = nl ? end + 1 : raw.n;
        if (end > pos && raw.p[end - 1] == '\r')
            end--;
        size_t i = pos;
        while (i < end && raw.p[i] != ' ' && raw.p[i] != '\t')
            i++;
        if (end > pos) {
            if (n == cap) {
                cap *= 2;
                uint32_t *no = realloc(offs, cap * sizeof *no);
                if (no)
                    offs = no;
                wl_req *nv = realloc(out->v, cap * sizeof *nv);
                if (nv)
                    out->v = nv;
                if (!no || !nv)
                    goto oom;
            }
            size_t plen = i < end ? end - i - 1 : 0;
            offs[n] = (uint32_t)b.n;
            sb_put(&b, raw.p + end - plen, plen);
            out->v[n].len = (uint32_t)plen;
            out->v[n].method = rtm_method_parse(raw.p + pos, i - pos);
            n++;
        }
        pos = next;
    }
    free(raw.p);
    raw.p = NULL;
    out->n = n;
    if (n == 0) {
        snprintf(err, errlen, "%s: no request line", path);
        free(offs);
        free(b.p);
        wl_requests_free(out);
        return -1;
    }
    if (!b.p && !(b.p = malloc(1)))
        goto oom;
    if (finish_stream(out, &b, offs) != 0)
        goto oom;
    free(offs);
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
    free(raw.p);
    free(offs);
    free(b.p);
    out->buf = NULL;
    wl_requests_free(out);
    return -1;
}

void wl_requests_free(wl_requests *r)
{
    free(r->v);
    free(r->buf);
    memset(r, 0, sizeof *r);
}
