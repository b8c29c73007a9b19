/* SPDX-License-Identifier: MIT */
/* Bad route tables through the command-line program: generated at test time
 * into a work directory (never committed), then fed to `routematch check`
 * and `routematch match --algorithm A` for every compiled algorithm.
 *
 * Tables: every malformed pattern form, bad method tokens, missing
 * patterns, conflicts, comments and blank lines (malformed.routes); the same
 * with CRLF line ends; NUL bytes; invalid UTF-8; lines of 1 MB (pattern,
 * comment, blanks, method token, parameter name) and a 1 MB request; a table
 * of 10^6 lines (--lines N to change); binary garbage; empty and
 * comment-only files; no final newline.
 *
 * For each: the program never dies of a signal and exits 0 or 1; standard
 * error holds exactly one well-formed `FILE:LINE: message` line per bad
 * route line and no other line (pattern errors name the offset, conflicts
 * the other line); every good route is kept (a request aimed at it answers
 * `200 LINE ...`); all algorithms print the same answers.
 *
 * Usage: adversarial_tables CLI WORKDIR [--lines N]
 * Prints the time each big table takes; exit status 1 on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "routematch.h"

static int failures;
static const char *cli, *workdir;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- Growing byte buffer ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *g = realloc(b->p, cap);
        if (!g) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_b(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void fill(buf *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(b, &c, 1);
}

static char *path_in(const char *name)
{
    size_t n = strlen(workdir) + strlen(name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", workdir, name);
    return p;
}

static void write_file(const char *path, const buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f || (b->len && fwrite(b->p, 1, b->len, f) != b->len) || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static buf read_file(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(&b, tmp, n);
    fclose(f);
    put(&b, "", 1); /* NUL for string use; len counts it */
    b.len--;
    return b;
}

/* ---- A table being written, with what the CLI must say about it ---- */

typedef struct table {
    buf text;
    const char *eol;
    unsigned line;
    unsigned *bad; /* lines that must be reported */
    size_t nbad, capbad;
    unsigned conflict_line[16], conflict_with[16]; /* line L must name line W */
    size_t nconf;
    buf reqs;     /* request lines for the good routes */
    buf want;     /* the exact answer lines (or prefixes, see want_prefix) */
    bool *prefix; /* per request: compare only the start of the answer */
    size_t nreq, capreq;
} table;

static void line_raw(table *t, const char *s, size_t n, bool bad)
{
    t->line++;
    put(&t->text, s, n);
    puts_b(&t->text, t->eol);
    if (bad) {
        if (t->nbad == t->capbad) {
            t->capbad = t->capbad ? 2 * t->capbad : 64;
            t->bad = realloc(t->bad, t->capbad * sizeof *t->bad);
            if (!t->bad)
                exit(2);
        }
        t->bad[t->nbad++] = t->line;
    }
}

static void line_s(table *t, const char *s, bool bad)
{
    line_raw(t, s, strlen(s), bad);
}

/* A request line and its expected answer: "200 <this line>" + rest. */
static void request(table *t, const char *req, size_t n, const char *answer_rest, bool prefix)
{
    put(&t->reqs, req, n);
    puts_b(&t->reqs, t->eol);
    char head[32];
    snprintf(head, sizeof head, "200 %u", t->line);
    puts_b(&t->want, head);
    puts_b(&t->want, answer_rest);
    put(&t->want, "\n", 1);
    if (t->nreq == t->capreq) {
        t->capreq = t->capreq ? 2 * t->capreq : 64;
        t->prefix = realloc(t->prefix, t->capreq * sizeof *t->prefix);
        if (!t->prefix)
            exit(2);
    }
    t->prefix[t->nreq++] = prefix;
}

static void request_s(table *t, const char *req, const char *answer_rest)
{
    request(t, req, strlen(req), answer_rest, false);
}

static void table_free(table *t)
{
    free(t->text.p);
    free(t->bad);
    free(t->reqs.p);
    free(t->want.p);
    free(t->prefix);
}

/* ---- Running the CLI ---- */

/* Run `cli ARGS >out 2>err`; returns the exit status, or -1 when killed. */
static int run(const char *args, const char *out, const char *err, double *secs)
{
    size_t n = strlen(cli) + strlen(args) + strlen(out) + strlen(err) + 32;
    char *cmd = xmalloc(n);
    snprintf(cmd, n, "'%s' %s >'%s' 2>'%s'", cli, args, out, err);
    double t0 = now();
    int st = system(cmd);
    if (secs)
        *secs = now() - t0;
    free(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static int cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return (x > y) - (x < y);
}

/* Every stderr line must be "NAME:LINE: message"; the LINE set must be the
 * table's bad set. Pattern errors must name an offset. */
static void check_errors(const char *what, const char *name, const buf *err, const table *t)
{
    size_t nl = strlen(name), count = 0, cap = t->nbad + 16;
    unsigned *got = xmalloc(cap * sizeof *got);
    for (size_t pos = 0; pos < err->len;) {
        const char *e = memchr(err->p + pos, '\n', err->len - pos);
        size_t end = e ? (size_t)(e - err->p) : err->len;
        const char *s = err->p + pos;
        size_t n = end - pos;
        pos = end + 1;
        bool ok = n > nl + 3 && memcmp(s, name, nl) == 0 && s[nl] == ':';
        size_t i = nl + 1;
        unsigned long line = 0;
        while (ok && i < n && s[i] >= '0' && s[i] <= '9')
            line = line * 10 + (unsigned long)(s[i++] - '0');
        ok = ok && i > nl + 1 && i + 2 < n && s[i] == ':' && s[i + 1] == ' ';
        CHECK(ok, "%s: malformed error line '%.*s'", what, (int)(n > 200 ? 200 : n), s);
        if (!ok)
            continue;
        if (count == cap) {
            cap *= 2;
            got = realloc(got, cap * sizeof *got);
            if (!got)
                exit(2);
        }
        got[count++] = (unsigned)line;
        const char *msg = s + i + 2;
        size_t mlen = n - i - 2;
        bool names_offset = false, names_conflict = false;
        for (size_t k = 0; k + 6 <= mlen; k++) {
            names_offset |= memcmp(msg + k, "offset", 6) == 0;
            names_conflict |= k + 8 <= mlen && memcmp(msg + k, "conflict", 8) == 0;
        }
        bool method_or_missing = false;
        for (size_t k = 0; k + 6 <= mlen; k++)
            method_or_missing |= memcmp(msg + k, "method", 6) == 0 ||
                                 (k + 7 <= mlen && memcmp(msg + k, "missing", 7) == 0);
        for (size_t c = 0; c < t->nconf; c++) {
            if (t->conflict_line[c] != line)
                continue;
            char num[16];
            int nn = snprintf(num, sizeof num, "%u", t->conflict_with[c]);
            bool named = false;
            for (size_t k = 0; k + (size_t)nn <= mlen; k++)
                named |= memcmp(msg + k, num, (size_t)nn) == 0 &&
                         (k + (size_t)nn == mlen || msg[k + (size_t)nn] < '0' ||
                          msg[k + (size_t)nn] > '9') &&
                         (k == 0 || msg[k - 1] < '0' || msg[k - 1] > '9');
            CHECK(named, "%s: line %lu conflicts with line %u, message says '%.*s'", what, line,
                  t->conflict_with[c], (int)(mlen > 200 ? 200 : mlen), msg);
        }
        CHECK(names_offset || names_conflict || method_or_missing,
              "%s: line %lu: message names no offset, conflict or method: '%.*s'", what, line,
              (int)(mlen > 200 ? 200 : mlen), msg);
    }
    qsort(got, count, sizeof *got, cmp_uint);
    unsigned *want = xmalloc((t->nbad + 1) * sizeof *want);
    if (t->nbad)
        memcpy(want, t->bad, t->nbad * sizeof *want);
    qsort(want, t->nbad, sizeof *want, cmp_uint);
    bool same = count == t->nbad && (count == 0 || memcmp(got, want, count * sizeof *got) == 0);
    CHECK(same, "%s: %zu error lines, %zu bad route lines", what, count, t->nbad);
    if (!same) {
        for (size_t i = 0, j = 0; i < count || j < t->nbad;) {
            if (j == t->nbad || (i < count && got[i] < want[j]))
                fprintf(stderr, "  reported but not bad: line %u\n", got[i++]);
            else if (i == count || want[j] < got[i])
                fprintf(stderr, "  bad but not reported: line %u\n", want[j++]);
            else
                i++, j++;
        }
    }
    free(got);
    free(want);
}

/* Compare answers line by line with the expected ones. */
static void check_answers(const char *what, const buf *out, const table *t)
{
    size_t po = 0, pw = 0, k = 0;
    for (; k < t->nreq; k++) {
        const char *eo = po < out->len ? memchr(out->p + po, '\n', out->len - po) : NULL;
        const char *ew = memchr(t->want.p + pw, '\n', t->want.len - pw);
        size_t lo = eo ? (size_t)(eo - out->p) - po : 0;
        size_t lw = (size_t)(ew - t->want.p) - pw;
        bool ok = eo && (t->prefix[k] ? lo >= lw : lo == lw) &&
                  memcmp(out->p + po, t->want.p + pw, lw) == 0;
        CHECK(ok, "%s: answer %zu is '%.*s', want '%.*s'", what, k + 1, (int)(lo > 120 ? 120 : lo),
              eo ? out->p + po : "", (int)(lw > 120 ? 120 : lw), t->want.p + pw);
        if (!eo)
            break;
        po += lo + 1;
        pw += lw + 1;
    }
    CHECK(k == t->nreq && po == out->len, "%s: %zu answers expected, output has more or fewer",
          what, t->nreq);
}

static const rtm_algorithm algos[] = {RTM_ALGO_REFERENCE, RTM_ALGO_TRIE, RTM_ALGO_RADIX,
                                      RTM_ALGO_ADAPTIVE};

/* Write the table and its requests, run check and match (every algorithm,
 * but the reference only when `with_reference`), check everything. */
static void run_table(const char *name, table *t, bool with_reference)
{
    char *routes = path_in(name);
    char rq[256], out[256], err[256], args[1024];
    snprintf(rq, sizeof rq, "%s.req", name);
    char *reqs = path_in(rq);
    snprintf(out, sizeof out, "%s.out", name);
    char *outp = path_in(out);
    snprintf(err, sizeof err, "%s.err", name);
    char *errp = path_in(err);
    write_file(routes, &t->text);
    write_file(reqs, &t->reqs);

    double secs;
    snprintf(args, sizeof args, "check '%s'", routes);
    int st = run(args, outp, errp, &secs);
    CHECK(st == (t->nbad ? 1 : 0), "%s: check exit status %d with %zu bad lines", name, st,
          t->nbad);
    buf e = read_file(errp), o = read_file(outp);
    char what[300];
    snprintf(what, sizeof what, "check %s", name);
    check_errors(what, routes, &e, t);
    printf("%-22s %9u lines %5zu bad: check %.3f s", name, t->line, t->nbad, secs);
    free(e.p);
    free(o.p);

    buf first = {0};
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
        if (!rtm_algorithm_available(algos[i]))
            continue;
        if (!with_reference && algos[i] == RTM_ALGO_REFERENCE)
            continue;
        snprintf(args, sizeof args, "match --algorithm %s '%s' '%s'", rtm_algorithm_name(algos[i]),
                 routes, reqs);
        st = run(args, outp, errp, &secs);
        snprintf(what, sizeof what, "match --algorithm %s %s", rtm_algorithm_name(algos[i]), name);
        CHECK(st == 0, "%s: exit status %d", what, st);
        e = read_file(errp);
        o = read_file(outp);
        check_errors(what, routes, &e, t);
        check_answers(what, &o, t);
        if (!first.p) {
            first = o;
            o.p = NULL;
        } else {
            CHECK(o.len == first.len && (o.len == 0 || memcmp(o.p, first.p, o.len) == 0),
                  "%s: answers differ from the first algorithm's", what);
        }
        printf(", %s %.3f s", rtm_algorithm_name(algos[i]), secs);
        free(e.p);
        free(o.p);
    }
    printf("\n");
    fflush(stdout);
    free(first.p);
    free(routes);
    free(reqs);
    free(outp);
    free(errp);
}

/* ---- The tables ---- */

/* The line just written must be reported as conflicting with `with`. */
static void conflict(table *t, unsigned with)
{
    if (t->nconf < sizeof t->conflict_line / sizeof t->conflict_line[0]) {
        t->conflict_line[t->nconf] = t->line;
        t->conflict_with[t->nconf++] = with;
    }
}

/* Every malformed form, bad methods, conflicts, and good routes around them. */
static void build_malformed(table *t)
{
    static const char *const bad_patterns[] = {
        "/a//b",     "/{a}{b}",  "/{a}/{a}", "/{*r}/x", "bad",    "/{abc",   "/a}b",
        "/{}",       "/{*}",     "/{a b}",   "/:",      "/x/*",   "/x{*r}",  "/{a}}",
        "/{a\x01}",  "/{a\x7f}", "/{a/b}",   "/{{a}}",  "/:a{b}", "//",      "/a/{b}{c}d",
        "users/{x}", "*",        "/{*a}/",   "/{a*}",   "/{*a*}", "/{a}/:a", "/{a}/{*a}"};
    char s[70000];
    unsigned g = 0;
    line_s(t, "# every malformed pattern form, with good routes around them", false);
    line_s(t, "", false);
    line_s(t, "   \t", false);
    line_s(t, "  # indented comment", false);
    line_s(t, "#GET /commented/out", false);
    for (size_t i = 0; i < sizeof bad_patterns / sizeof bad_patterns[0]; i++) {
        snprintf(s, sizeof s, "GET /good%u/{id}", g);
        line_s(t, s, false);
        snprintf(s, sizeof s, "GET /good%u/v", g++);
        request_s(t, s, " id=v");
        snprintf(s, sizeof s, "GET\t%s", bad_patterns[i]);
        line_s(t, s, true);
    }
    /* 33 params; a 256-byte name; a pattern of 65,536 bytes. */
    size_t w = (size_t)snprintf(s, sizeof s, "POST ");
    for (unsigned i = 0; i < 33; i++)
        w += (size_t)snprintf(s + w, sizeof s - w, "/{p%u}", i);
    line_s(t, s, true);
    w = (size_t)snprintf(s, sizeof s, "POST /{");
    memset(s + w, 'n', 256);
    memcpy(s + w + 256, "}", 2);
    line_s(t, s, true);
    w = (size_t)snprintf(s, sizeof s, "POST /");
    memset(s + w, 'a', 65535);
    s[w + 65535] = '\0';
    line_s(t, s, true);
    /* 32 params and a 255-byte name are fine. */
    w = (size_t)snprintf(s, sizeof s, "POST /max");
    for (unsigned i = 0; i < 32; i++)
        w += (size_t)snprintf(s + w, sizeof s - w, "/{p%u}", i);
    line_s(t, s, false);
    w = 0;
    for (unsigned i = 0; i < 32; i++)
        w += (size_t)snprintf(s + w, sizeof s - w, i ? "/%u" : "POST /max/%u", i);
    request(t, s, w, " p0=0", true);
    w = (size_t)snprintf(s, sizeof s, "PUT /long/{");
    memset(s + w, 'n', 255);
    memcpy(s + w + 255, "}", 2);
    line_s(t, s, false);
    request_s(t, "PUT /long/x", "");
    t->want.len--; /* the answer is "200 L nnn...=x" */
    put(&t->want, " ", 1);
    fill(&t->want, 'n', 255);
    puts_b(&t->want, "=x\n");
    /* Bad method tokens and missing patterns. */
    line_s(t, "get /lower", true);
    line_s(t, "FOO /x", true);
    line_s(t, "GET,POST /x", true);
    line_s(t, "GET", true);
    line_s(t, "GET   \t  ", true);
    line_s(t, "\tDELETE", true);
    /* Conflicts: same method and shape, names differ. */
    line_s(t, "GET /conf/{a}", false);
    request_s(t, "GET /conf/1", " a=1");
    unsigned first = t->line;
    line_s(t, "GET /conf/{b}", true);
    conflict(t, first);
    line_s(t, "GET /conf/:c", true);
    conflict(t, first);
    line_s(t, "* /any/{x}", false);
    request_s(t, "OPTIONS /any/1", " x=1");
    first = t->line;
    line_s(t, "ANY /any/{y}", true);
    conflict(t, first);
    line_s(t, "HEAD /any/{y}", false);
    request_s(t, "HEAD /any/2", " y=2");
    /* Legacy spellings and odd static text stay good. */
    line_s(t, "PATCH /legacy/:id/*rest", false);
    request_s(t, "PATCH /legacy/1/a/b", " id=1 rest=a/b");
    line_s(t, "TRACE /sp ace/%41/{v}", false);
    request_s(t, "TRACE /sp ace/%41/%", " v=%25");
}

static void build_crlf(table *t)
{
    t->eol = "\r\n";
    build_malformed(t);
}

static void build_nul(table *t)
{
    line_raw(t, "GET /nul\0in/{p}", 15, false);
    request(t, "GET /nul\0in/\0", 13, " p=%00", false);
    line_raw(t, "G\0ET /x", 7, true);
    line_raw(t, "\0", 1, true);
    line_raw(t, "GET \0/x", 7, true); /* pattern starts with NUL: no leading '/' */
    line_raw(t, "GET /{a\0b}", 10, true);
    line_raw(t, "GET /z\0", 7, false);
    request(t, "GET /z\0", 7, "", false);
}

static void build_utf8(table *t)
{
    line_s(t, "GET /caf\xc3\xa9/{n\xc3\xa4me}", false);
    request_s(t, "GET /caf\xc3\xa9/\xff", " n\xc3\xa4me=%FF");
    line_s(t, "GET /\xff\xfe/{\x80\x81}", false);
    request_s(t, "GET /\xff\xfe/\xc3\x28", " \x80\x81=%C3(");
    line_s(t, "GET /\xed\xa0\x80/{*x}", false); /* a UTF-16 surrogate, encoded */
    request_s(t, "GET /\xed\xa0\x80/\xf8\x88\x80\x80\x80", " x=%F8%88%80%80%80");
    line_s(t, "GET /\xc0\xaf/{a\xc0}", false); /* overlong '/' is not a '/' */
    request_s(t, "GET /\xc0\xaf/b", " a\xc0=b");
    line_s(t, "\xc3\x89GET /x", true); /* not a method */
}

static void build_huge(table *t)
{
    const size_t mb = 1u << 20;
    buf s = {0};
    puts_b(&s, "GET /");
    fill(&s, 'a', mb);
    line_raw(t, s.p, s.len, true); /* pattern longer than 65,535 bytes */
    s.len = 0;
    puts_b(&s, "# ");
    fill(&s, 'c', mb);
    line_raw(t, s.p, s.len, false); /* a 1 MB comment */
    s.len = 0;
    fill(&s, ' ', mb);
    line_raw(t, s.p, s.len, false); /* 1 MB of blanks */
    line_s(t, "GET /big/{*rest}", false);
    s.len = 0;
    puts_b(&s, "GET /big/");
    fill(&s, 'x', mb);
    request(t, s.p, s.len, " rest=xxxxxxxx", true); /* a 1 MB request and answer */
    s.len = 0;
    fill(&s, 'M', mb);
    puts_b(&s, " /m");
    line_raw(t, s.p, s.len, true); /* a 1 MB method token */
    s.len = 0;
    puts_b(&s, "GET /n/{");
    fill(&s, 'n', mb);
    puts_b(&s, "}");
    line_raw(t, s.p, s.len, true); /* a 1 MB parameter name */
    s.len = 0;
    puts_b(&s, "GET /s/");
    for (unsigned i = 0; i < 40000; i++)
        puts_b(&s, "{");
    line_raw(t, s.p, s.len, true); /* 40,000 '{' */
    line_s(t, "GET /after", false);
    request_s(t, "GET /after", "");
    free(s.p);
}

/* n lines: mostly good routes in a two-level fan-out, every 1000th line
 * malformed, every 997th a conflict with the line before, comments. */
static void build_million(table *t, unsigned n)
{
    char s[128];
    unsigned last_good = 0;
    for (unsigned i = 1; t->line < n; i++) {
        unsigned next = t->line + 1;
        if (next % 1000 == 0) {
            line_s(t, "GET /m//bad", true);
        } else if (next % 997 == 0 && last_good) {
            snprintf(s, sizeof s, "GET /m/%u/%u/{other}", last_good / 1000, last_good % 1000);
            line_s(t, s, true);
        } else if (next % 501 == 0) {
            line_s(t, "# comment", false);
        } else {
            snprintf(s, sizeof s, "GET /m/%u/%u/{id}", i / 1000, i % 1000);
            line_s(t, s, false);
            last_good = i;
            if (i < 3 || t->line % 99991 == 0 || t->line + 3 >= n) {
                snprintf(s, sizeof s, "GET /m/%u/%u/v", i / 1000, i % 1000);
                request_s(t, s, " id=v");
            }
        }
    }
}

static void build_garbage(table *t)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    buf s = {0};
    for (unsigned i = 0; i < 65536; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char c = (char)(x >> 56);
        put(&s, &c, 1);
    }
    /* Unknown which lines are bad: only the form of the messages is checked,
     * by treating every non-blank, non-comment line as bad. */
    put(&t->text, s.p, s.len);
    for (size_t pos = 0; pos <= s.len;) {
        const char *nl = pos < s.len ? memchr(s.p + pos, '\n', s.len - pos) : NULL;
        size_t end = nl ? (size_t)(nl - s.p) : s.len;
        t->line++;
        size_t i = pos, e = end;
        if (e > pos && s.p[e - 1] == '\r')
            e--;
        while (i < e && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        if (i < e && s.p[i] != '#') {
            if (t->nbad == t->capbad) {
                t->capbad = t->capbad ? 2 * t->capbad : 64;
                t->bad = realloc(t->bad, t->capbad * sizeof *t->bad);
                if (!t->bad)
                    exit(2);
            }
            t->bad[t->nbad++] = t->line;
        }
        if (!nl)
            break;
        pos = end + 1;
    }
    free(s.p);
}

int main(int argc, char **argv)
{
    unsigned million = 1000000;
    if (argc < 3) {
        fprintf(stderr, "usage: %s CLI WORKDIR [--lines N]\n", argv[0]);
        return 2;
    }
    cli = argv[1];
    workdir = argv[2];
    if (argc == 5 && strcmp(argv[3], "--lines") == 0)
        million = (unsigned)strtoul(argv[4], NULL, 10);
    mkdir(workdir, 0777);

    table t;
#define TABLE(name, build, with_reference)                                                         \
    do {                                                                                           \
        memset(&t, 0, sizeof t);                                                                   \
        t.eol = "\n";                                                                              \
        build;                                                                                     \
        run_table(name, &t, with_reference);                                                       \
        table_free(&t);                                                                            \
    } while (0)

    TABLE("empty.routes", (void)0, true);
    TABLE("comments.routes", (line_s(&t, "# only", false), line_s(&t, "", false)), true);
    TABLE("malformed.routes", build_malformed(&t), true);
    TABLE("crlf.routes", build_crlf(&t), true);
    TABLE("nul.routes", build_nul(&t), true);
    TABLE("utf8.routes", build_utf8(&t), true);
    TABLE("huge-lines.routes", build_huge(&t), true);
    TABLE("garbage.routes", build_garbage(&t), true);
    /* No final newline: the last route still counts. */
    memset(&t, 0, sizeof t);
    t.eol = "\n";
    line_s(&t, "GET /a", false);
    line_s(&t, "GET /b", false);
    request_s(&t, "GET /b", "");
    t.text.len--;
    run_table("no-final-newline.routes", &t, true);
    table_free(&t);
    /* The big one: the reference is quadratic to build by design (one list
     * of shapes), so it sits this one out. */
    TABLE("million.routes", build_million(&t, million), false);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all route-table checks passed\n");
    return 0;
}
