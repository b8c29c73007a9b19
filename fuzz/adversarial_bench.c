/* SPDX-License-Identifier: MIT */
/* Adversarial inputs for every compiled algorithm: the answers are checked,
 * and the lookup times are printed to show that they grow linearly with the
 * path length (10x the path should cost about 10x the time, never more than
 * about 12x). Each growth case is timed at N, 10N and 100N: a step from N to
 * 10N can cross a cache level (16 KB fits in L1, 160 KB does not), which a
 * second step shows for what it is.
 *
 * The cases:
 * - multi-param segments from the ReDoS/CVE reports (find-my-way
 *   CVE-2024-45813, path-to-regexp): /{foo}-{bar}-, three, five and eight
 *   params per segment, against '/' + N '-' + 'a' and '/' + N '-';
 * - 10,000 sibling mixed params with different static suffixes under one
 *   node (/s/{p}-sfx00000 ... /s/{p}-sfx09999);
 * - 1 MB paths (one segment, many segments), 100,000-segment paths,
 *   1,000-segment routes and a backtracking trap of 300-segment routes that
 *   differ by where their one param sits;
 * - the empty path, paths without a leading '/', and every byte 0x00-0xFF.
 * The long-path lookups run on a thread with a 256 KiB stack: a matcher
 * whose recursion depth grows with the path would crash there.
 *
 * Usage: adversarial_bench [--quick] [--algo NAME]...
 *   --quick   shorter timing loops and no 100N point (for ctest).
 * Times are the lookup thread's CPU time (best of five runs), so that other
 * load on the machine disturbs them less than wall-clock time would.
 * Exit status 1 when any answer is wrong. Timings are printed, never
 * asserted (they depend on the machine). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "routematch.h"

static int failures;
static double min_time = 0.05; /* seconds per timing measurement */
static int sizes = 3;          /* N, 10N, 100N; --quick: N and 10N */

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static char *xmalloc(size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* ---- Routers ---- */

static rtm_router *make(rtm_algorithm a)
{
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    rtm_router *r = NULL;
    int rc = rtm_create(&r, a, &cfg);
    if (rc != 0) {
        fprintf(stderr, "rtm_create(%s): %s\n", rtm_algorithm_name(a), rtm_strerror(rc));
        exit(2);
    }
    return r;
}

static void add(rtm_router *r, unsigned methods, const char *pat, size_t len, uint32_t id)
{
    rtm_diag d;
    int rc = rtm_add(r, methods, pat, len, id, NULL, &d);
    CHECK(rc == 0, "rtm_add(route %u, %zu bytes): %s", (unsigned)id, len, d.msg);
}

static void add_s(rtm_router *r, const char *pat, uint32_t id)
{
    add(r, RTM_METHOD_BIT(RTM_GET), pat, strlen(pat), id);
}

/* ---- Timing ---- */

/* Lookups on a thread with a small stack. */
typedef struct job {
    const rtm_router *r;
    const char *path;
    size_t len;
    long reps;
    rtm_result res;
    double cpu; /* CPU seconds the thread spent on the lookups */
} job;

/* CPU time of the calling thread: other processes on a shared machine do
 * not inflate it the way they inflate wall-clock time. */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *job_run(void *arg)
{
    job *j = arg;
    double t0 = thread_cpu();
    for (long i = 0; i < j->reps; i++)
        rtm_match(j->r, RTM_GET, j->path, j->len, &j->res);
    j->cpu = thread_cpu() - t0;
    return NULL;
}

static void run_small_stack(job *j)
{
    pthread_attr_t at;
    pthread_t th;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 256 * 1024);
    if (pthread_create(&th, &at, job_run, j) != 0) {
        job_run(j); /* no thread: run here */
    } else {
        pthread_join(th, NULL);
    }
    pthread_attr_destroy(&at);
}

/* CPU seconds per lookup: the best of five runs of at least min_time each. */
static double time_match(const rtm_router *r, const char *path, size_t len, rtm_result *res)
{
    job j;
    memset(&j, 0, sizeof j);
    j.r = r;
    j.path = path;
    j.len = len;
    j.reps = 1;
    run_small_stack(&j); /* warm up, and the answer */
    *res = j.res;
    double best = 1e30;
    long reps = 1;
    for (int round = 0; round < 5; round++) {
        for (;;) {
            j.reps = reps;
            run_small_stack(&j);
            double t = j.cpu;
            if (t >= min_time || reps > (1L << 30)) {
                if (t / (double)reps < best)
                    best = t / (double)reps;
                break;
            }
            reps *= t > 0 ? (long)(min_time / t * 1.2) + 2 : 16;
        }
    }
    return best;
}

/* The three sizes of each growth measurement: N, 10N, 100N. */
static const size_t scale[3] = {1, 10, 100};

static void print_header(void)
{
    printf("%-40s %-9s %8s %10s %10s %10s %6s %6s\n", "case", "algorithm", "N", "t(N) us",
           "t(10N) us", "t(100N) us", "10N/N", "100/10");
}

static void print_row(const char *name, rtm_algorithm a, size_t n, const double *t)
{
    if (sizes < 3)
        printf("%-40s %-9s %8zu %10.3f %10.3f %10s %6.2f %6s\n", name, rtm_algorithm_name(a), n,
               t[0] * 1e6, t[1] * 1e6, "-", t[1] / t[0], "-");
    else
        printf("%-40s %-9s %8zu %10.3f %10.3f %10.3f %6.2f %6.2f\n", name, rtm_algorithm_name(a), n,
               t[0] * 1e6, t[1] * 1e6, t[2] * 1e6, t[1] / t[0], t[2] / t[1]);
    fflush(stdout);
}

/* ---- Expected answers ---- */

static void expect_404(const rtm_result *res, bool tsr, const char *what)
{
    CHECK(res->status == RTM_NOT_FOUND && res->tsr == tsr, "%s: status %d tsr %d, want 404 tsr %d",
          what, res->status, (int)res->tsr, (int)tsr);
}

static void expect_200(const rtm_result *res, uint32_t id, const char *what)
{
    CHECK(res->status == RTM_FOUND && res->route_id == id, "%s: status %d route %u, want 200 %u",
          what, res->status, (unsigned)res->route_id, (unsigned)id);
}

static void expect_param(const rtm_result *res, unsigned i, size_t off, size_t len,
                         const char *what)
{
    CHECK(res->nparams > i && res->params[i].offset == off && res->params[i].length == len,
          "%s: param %u is @%zu+%zu, want @%zu+%zu", what, i,
          res->nparams > i ? res->params[i].offset : 0,
          res->nparams > i ? res->params[i].length : 0, off, len);
}

/* ---- Case: multi-param segments (CVE reports) ---- */

/* "/{p1}-{p2}-...-{pk}-" */
static size_t multi_pattern(char *buf, unsigned k)
{
    size_t w = 0;
    buf[w++] = '/';
    for (unsigned i = 1; i <= k; i++)
        w += (size_t)sprintf(buf + w, "{p%u}-", i);
    return w;
}

static void case_multiparam(rtm_algorithm a)
{
    static const unsigned ks[] = {2, 3, 5, 8};
    const size_t n = 16000;
    char *path = xmalloc(100 * n + 2);
    char pat[128];
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        unsigned k = ks[ki];
        rtm_router *r = make(a);
        add(r, RTM_METHOD_BIT(RTM_GET), pat, multi_pattern(pat, k), 1);
        /* A miss: '/' + N '-' + 'a'. */
        double t[3];
        rtm_result res;
        for (int s = 0; s < sizes; s++) {
            size_t len = n * scale[s];
            path[0] = '/';
            memset(path + 1, '-', len);
            path[len + 1] = 'a';
            t[s] = time_match(r, path, len + 2, &res);
            expect_404(&res, false, "multi-param miss");
        }
        char name[64];
        snprintf(name, sizeof name, "%u params/segment, '/'+N'-'+'a' (miss)", k);
        print_row(name, a, n, t);
        /* A hit: '/' + N '-': p1 takes all but 2k-1 dashes, the others one. */
        for (int s = 0; s < sizes; s++) {
            size_t len = n * scale[s];
            path[0] = '/';
            memset(path + 1, '-', len);
            t[s] = time_match(r, path, len + 1, &res);
            expect_200(&res, 1, "multi-param hit");
            expect_param(&res, 0, 1, len - (2 * k - 1), "multi-param hit p1");
            if (res.status == RTM_FOUND)
                for (unsigned i = 1; i < k; i++)
                    expect_param(&res, i, 1 + len - (2 * k - 1) + 2 * i - 1, 1, "multi-param hit");
        }
        snprintf(name, sizeof name, "%u params/segment, '/'+N'-' (hit)", k);
        print_row(name, a, n, t);
        rtm_free(r);
    }
    /* An inner piece that never occurs: one full scan per piece. */
    rtm_router *r = make(a);
    add_s(r, "/{a}x{b}y{c}-", 1);
    add_s(r, "/{a}-{b}-{c}-{d}-{e}-{f}-{g}z{h}-{i}-{j}-{k}-{l}-{m}-{n}-{o}-{p}-", 2);
    double t[3];
    rtm_result res;
    for (int s = 0; s < sizes; s++) {
        size_t len = n * scale[s];
        path[0] = '/';
        memset(path + 1, '-', len);
        t[s] = time_match(r, path, len + 1, &res);
        expect_404(&res, false, "absent inner piece");
    }
    print_row("absent inner pieces, '/'+N'-' (miss)", a, n, t);
    rtm_free(r);
    free(path);
}

/* ---- Case: 10,000 sibling params with different static suffixes ---- */

static void case_siblings(rtm_algorithm a)
{
    const unsigned count = 10000;
    rtm_router *r = make(a);
    char pat[64];
    for (unsigned i = 0; i < count; i++) {
        int n = snprintf(pat, sizeof pat, "/s/{p}-sfx%05u", i);
        add(r, RTM_METHOD_BIT(RTM_GET), pat, (size_t)n, i + 1);
    }
    add_s(r, "/s/{p}", count + 1);
    const size_t n = 1600;
    char *path = xmalloc(100 * n + 64);
    double t[3];
    rtm_result res;
    /* Hits: the last sibling, with values of N and 10N bytes. */
    for (int s = 0; s < sizes; s++) {
        size_t v = n * scale[s];
        memcpy(path, "/s/", 3);
        memset(path + 3, 'a', v);
        int m = sprintf(path + 3 + v, "-sfx%05u", count - 1);
        t[s] = time_match(r, path, 3 + v + (size_t)m, &res);
        expect_200(&res, count, "10k siblings hit");
        expect_param(&res, 0, 3, v, "10k siblings value");
    }
    print_row("10k mixed siblings, value N (hit last)", a, n, t);
    /* Misses of every sibling's suffix: the bare param wins. */
    for (int s = 0; s < sizes; s++) {
        size_t v = n * scale[s];
        memcpy(path, "/s/", 3);
        memset(path + 3, '-', v);
        memcpy(path + 3 + v, "-sfx1", 5);
        t[s] = time_match(r, path, 3 + v + 5, &res);
        expect_200(&res, count + 1, "10k siblings fall back to {p}");
    }
    print_row("10k mixed siblings, value N (fallback)", a, n, t);
    /* Every sibling once, short values. */
    for (unsigned i = 0; i < count; i += 7) {
        int m = sprintf(path, "/s/x-sfx%05u", i);
        rtm_match(r, RTM_GET, path, (size_t)m, &res);
        expect_200(&res, i + 1, "10k siblings each");
        if (res.status == RTM_FOUND) {
            expect_param(&res, 0, 3, 1, "10k siblings each value");
        }
    }
    rtm_free(r);
    free(path);
}

/* ---- Case: long paths, many segments, deep routes ---- */

static void case_long(rtm_algorithm a)
{
    const size_t mb = 1u << 20;
    char *path = xmalloc(10 * mb + 16);
    rtm_result res;
    double t[3];

    /* One 1 MB segment against a param and a catch-all. */
    rtm_router *r = make(a);
    add_s(r, "/{p}", 1);
    add_s(r, "/a/{*rest}", 2);
    add_s(r, "/{x}/{y}/{z}", 3);
    add_s(r, "/static/path", 4);
    for (int s = 0; s < sizes; s++) {
        size_t len = mb / 10 * scale[s];
        path[0] = '/';
        memset(path + 1, 'b', len - 1);
        t[s] = time_match(r, path, len, &res);
        expect_200(&res, 1, "1 MB single segment");
        expect_param(&res, 0, 1, len - 1, "1 MB single segment");
    }
    print_row("one segment of N bytes, /{p}", a, mb / 10, t);

    /* 1 MB of "/a": 524,288 segments, caught by /a/{*rest}. */
    for (int s = 0; s < sizes; s++) {
        size_t len = mb / 10 * scale[s];
        for (size_t i = 0; i < len; i += 2)
            memcpy(path + i, "/a", 2);
        t[s] = time_match(r, path, len, &res);
        expect_200(&res, 2, "1 MB of /a");
        expect_param(&res, 0, 3, len - 3, "1 MB of /a");
    }
    print_row("N bytes of '/a' segments, /a/{*rest}", a, mb / 10, t);
    /* The same without a catch-all: a miss, after the three-segment route. */
    rtm_free(r);
    r = make(a);
    add_s(r, "/{x}/{y}/{z}", 3);
    add_s(r, "/a/a/{p}", 5);
    for (int s = 0; s < sizes; s++) {
        size_t segs = 10000 * scale[s];
        for (size_t i = 0; i < segs; i++)
            memcpy(path + 2 * i, "/a", 2);
        t[s] = time_match(r, path, 2 * segs, &res);
        expect_404(&res, false, "100k segments miss");
    }
    print_row("N segments '/a' (miss)", a, 10000, t);
    rtm_free(r);

    /* A 1,000-segment static route, and one with params spread over it. */
    r = make(a);
    char *pat = xmalloc(16 * 1000 + 64); /* two routes of ~5,000 bytes */
    size_t w = 0;
    for (unsigned i = 0; i < 1000; i++)
        w += (size_t)sprintf(pat + w, "/s%u", i);
    add(r, RTM_METHOD_BIT(RTM_GET), pat, w, 1);
    size_t w2 = 0;
    for (unsigned i = 0; i < 1000; i++)
        w2 += (size_t)(i % 40 == 0 ? sprintf(pat + w + w2, "/{p%u}", i)
                                   : sprintf(pat + w + w2, "/s%u", i));
    add(r, RTM_METHOD_BIT(RTM_GET), pat + w, w2, 2);
    memcpy(path, pat, w);
    double t0 = time_match(r, path, w, &res);
    expect_200(&res, 1, "1000-segment static route");
    path[w - 1] = 'X'; /* last segment "s999" -> "s99X": no route */
    double t1 = time_match(r, path, w, &res);
    expect_404(&res, false, "1000-segment route, last segment changed");
    path[w - 1] = '9';
    path[1] = 'X'; /* first segment "s0" -> "X0": the param route */
    double t2 = time_match(r, path, w, &res);
    expect_200(&res, 2, "1000-segment route with params");
    expect_param(&res, 0, 1, 2, "1000-segment route p0");
    printf("%-40s %-9s %8zu %10.3f %10.3f %10.3f (hit / miss / param hit, us)\n",
           "1000-segment routes", rtm_algorithm_name(a), w, t0 * 1e6, t1 * 1e6, t2 * 1e6);
    rtm_free(r);

    /* Backtracking trap: D routes of D+1 segments, route i has its one param
     * at segment i and ends in "y"; one all-static route ends in "x". The
     * path "/a" * D + "/z" makes a matcher try every branch. */
    const unsigned depth = 300;
    r = make(a);
    for (unsigned i = 0; i <= depth; i++) {
        w = 0;
        for (unsigned k = 0; k < depth; k++)
            w += (size_t)sprintf(pat + w, k == i ? "/{p}" : "/a");
        w += (size_t)sprintf(pat + w, i == depth ? "/x" : "/y");
        add(r, RTM_METHOD_BIT(RTM_GET), pat, w, i + 1);
    }
    for (unsigned k = 0; k < depth; k++)
        memcpy(path + 2 * k, "/a", 2);
    memcpy(path + 2 * depth, "/z", 2);
    t0 = time_match(r, path, 2 * depth + 2, &res);
    expect_404(&res, false, "backtracking trap miss");
    memcpy(path + 2 * depth, "/y", 2);
    t1 = time_match(r, path, 2 * depth + 2, &res);
    expect_200(&res, depth, "backtracking trap hit (param deepest)");
    printf("%-40s %-9s %8u %10.3f %10.3f (miss / hit, us; %u routes)\n",
           "backtracking trap, D-segment routes", rtm_algorithm_name(a), depth, t0 * 1e6, t1 * 1e6,
           depth + 1);
    rtm_free(r);
    free(pat);
    free(path);
}

/* ---- Case: odd paths and every byte ---- */

static void case_bytes(rtm_algorithm a)
{
    rtm_router *r = make(a);
    add_s(r, "/", 1);
    add_s(r, "/{p}", 2);
    add_s(r, "/x/{*rest}", 3);
    rtm_result res;
    rtm_match(r, RTM_GET, "", 0, &res);
    expect_404(&res, false, "empty path");
    rtm_match(r, RTM_GET, NULL, 0, &res);
    expect_404(&res, false, "NULL empty path");
    rtm_match(r, RTM_GET, "x", 1, &res);
    expect_404(&res, false, "no leading '/'");
    rtm_match(r, RTM_GET, "x/", 2, &res);
    expect_404(&res, false, "no leading '/', trailing '/'");
    char path[260];
    for (unsigned b = 0; b < 256; b++) {
        char what[48];
        snprintf(what, sizeof what, "byte 0x%02x", b);
        path[0] = '/';
        path[1] = (char)b;
        rtm_match(r, RTM_GET, path, 2, &res);
        if (b == '/') {
            expect_404(&res, true, what); /* "//" -> "/" exists */
        } else {
            expect_200(&res, 2, what);
            expect_param(&res, 0, 1, 1, what);
        }
        rtm_match(r, RTM_GET, path + 1, 1, &res); /* the byte alone */
        if (b == '/')
            expect_200(&res, 1, what);
        else
            expect_404(&res, false, what);
        memcpy(path, "/x/", 3);
        path[3] = (char)b;
        rtm_match(r, RTM_GET, path, 4, &res);
        expect_200(&res, 3, what);
    }
    /* Every byte but '/' in one segment. */
    size_t n = 0;
    path[n++] = '/';
    for (unsigned b = 0; b < 256; b++)
        if (b != '/')
            path[n++] = (char)b;
    rtm_match(r, RTM_GET, path, n, &res);
    expect_200(&res, 2, "all bytes");
    expect_param(&res, 0, 1, 255, "all bytes");
    /* Methods outside the nine: only ANY routes. */
    rtm_match(r, RTM_METHOD_OTHER, "/a", 2, &res);
    CHECK(res.status == RTM_METHOD_NOT_ALLOWED && res.allow == RTM_METHOD_BIT(RTM_GET),
          "other method: status %d allow 0x%x", res.status, res.allow);
    rtm_free(r);
}

int main(int argc, char **argv)
{
    bool chosen[RTM_ALGO_COUNT] = {false};
    bool any_chosen = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            min_time = 0.002;
            sizes = 2;
        } else if (strcmp(argv[i], "--algo") == 0 && i + 1 < argc) {
            rtm_algorithm a;
            if (rtm_algorithm_from_name(argv[++i], &a) != 0 || !rtm_algorithm_available(a)) {
                fprintf(stderr, "unknown or unavailable algorithm %s\n", argv[i]);
                return 2;
            }
            chosen[a] = any_chosen = true;
        } else {
            fprintf(stderr, "usage: %s [--quick] [--algo NAME]...\n", argv[0]);
            return 2;
        }
    }
    print_header();
    for (int a = RTM_ALGO_REFERENCE; a < RTM_ALGO_COUNT; a++) {
        if (!rtm_algorithm_available((rtm_algorithm)a) || (any_chosen && !chosen[a]))
            continue;
        case_bytes((rtm_algorithm)a);
        case_multiparam((rtm_algorithm)a);
        case_siblings((rtm_algorithm)a);
        case_long((rtm_algorithm)a);
    }
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all answers correct\n");
    return 0;
}
