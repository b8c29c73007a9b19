/* SPDX-License-Identifier: MIT */
/* routematch-bench: lookups per second of every compiled-in algorithm on real
 * route tables, written in C against bench_shim.h (Google Benchmark).
 *
 * Benchmarks, one family per kind (names as --benchmark_filter sees them):
 *   floor/hash[/N]    the hash-table floor (hashfloor.c) on the same request
 *                     strings: what any router would be compared against;
 *   match/<algo>[/N]  rtm_match() of algorithm <algo> over the request stream;
 *   match_mt/<algo>[/N]/real_time/threads:T
 *                     the same with T = 1 .. --threads threads matching at
 *                     once on one router, each from its own offset in the
 *                     stream: aggregate lookups per second (wall clock) and
 *                     the scaling over one thread (single-table default);
 *   memlat/<bytes>    dependent-load latency for a working set of that size
 *                     (sweep only; input of the QPS-decay model).
 * Without --sweep there is one table (--routes, default github.routes) and no
 * "/N"; with --sweep, N runs over the route counts and the table of size N
 * is the first N routes of the pool (the real tables, then the corpus, then
 * the same again under /t1/, /t2/, ... prefixes).
 *
 * Each match/<algo> reports items_per_second and ns_per_lookup (CPU time of
 * the benchmark thread), x_floor (over the floor's ns, same size, same run),
 * the memory a lookup reads as measured by memtrace.c (blocks_per_lookup =
 * pointer jumps, lines_per_lookup, accesses_per_lookup, locality), the
 * algorithm's own probe figures when it offers hooks (nodes_per_lookup,
 * hook_*), rtm_get_stats figures (bytes_per_route, router_bytes, tree_nodes),
 * build_ms, hit_ratio, and llc_misses_per_lookup when the machine has
 * hardware counters. bench/README.md defines each. Counters that cannot be
 * measured in this build are left out rather than invented; the run's
 * context says why.
 *
 * A router with a background policy (rtm_get_stats names a metric_source:
 * the adaptive algorithm) is warmed up for several policy periods, so that
 * what is timed is the router as the policy has reshaped it; the reshapes
 * are reported (reshapes_warmup, reshapes). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_shim.h" /* bench_* */
#include "hashfloor.h"  /* hashfloor_* */
#include "memlat.h"     /* memlat_* */
#include "memtrace.h"   /* memtrace_* */
#include "perf_llc.h"   /* perf_llc_* */
#include "probe.h"      /* probe_caps, probe_lookup */
#include "routematch.h"
#include "workload.h" /* wl_pool_*, wl_requests_* */

#ifndef RTM_BENCH_DATA_DIR
#define RTM_BENCH_DATA_DIR "data/routes"
#endif
#ifndef RTM_BENCH_BUILD_TYPE
#define RTM_BENCH_BUILD_TYPE "unknown"
#endif

/* The sweep's pool, in order: whole real APIs, small to large, then the
 * corpus (about 1,300 APIs, each under its own /<spec id> prefix). */
static const char *const pool_files[] = {
    "spotify.routes", "slack.routes",      "twilio.routes", "azure-webapps.routes",
    "stripe.routes",  "kubernetes.routes", "github.routes", "corpus-dev.routes.gz",
};
#define NPOOL_FILES (sizeof pool_files / sizeof pool_files[0])

static const char usage[] =
    "usage: routematch-bench [OPTIONS] [--benchmark_* flags of Google Benchmark]\n"
    "\n"
    "One table (default):\n"
    "  --routes FILE       route table (.routes, plain or gzip); default\n"
    "                      " RTM_BENCH_DATA_DIR "/github.routes\n"
    "  --requests FILE     SPEC request lines (METHOD SP PATH), plain or gzip;\n"
    "                      default: generated from the routes (see below)\n"
    "Sweep over table sizes:\n"
    "  --sweep             route counts 10 .. --max-routes, 3 per decade, tables\n"
    "                      from the real pool in --data, grown past its size by\n"
    "                      repeating it under /t1/, /t2/, ... prefixes\n"
    "  --sizes N,N,...     explicit route counts instead\n"
    "  --max-routes N      largest count of the default sizes (1000000)\n"
    "  --quick             5 sizes up to 100000 and short time budgets (CI)\n"
    "  --data DIR          folder of the pool's tables (" RTM_BENCH_DATA_DIR ")\n"
    "  --no-memlat         leave out the memory-latency benchmarks\n"
    "Both:\n"
    "  --algorithms A,B    subset of the compiled-in algorithms\n"
    "  --zipf[=S]          Zipf-distributed hits, exponent S (1.1); default uniform\n"
    "  --seed N            seed of request generation (1)\n"
    "  --min-stream N      generated requests per table at least (4096)\n"
    "  --no-memtrace       do not trace lookups' memory accesses (no cache lines)\n"
    "  --budget SEC        give up an algorithm at the size where building its\n"
    "                      table takes longer than this (20; --quick 3)\n"
    "  --threads T         thread scaling: match_mt/<algo> with 1 .. T threads\n"
    "                      on one router (default 2 with one table, 0 = off;\n"
    "                      off in a sweep unless given)\n"
    "  --policy-warmup P   warm-up of a router with a background policy\n"
    "                      (adaptive): P policy periods plus a quarter, so P\n"
    "                      ticks see traffic (3; --quick: 2, and in a sweep only\n"
    "                      at its largest size unless given; 0 = plain warm-up)\n"
    "  --help\n"
    "\n"
    "Generated requests fill each route's pattern with values chosen from the\n"
    "parameter names (ids, words, dotted versions, multi-segment catch-alls),\n"
    "cover every route (uniform) and are shuffled with a fixed seed.\n"
    "Every --benchmark_* flag works: --benchmark_filter=match/trie,\n"
    "--benchmark_format=json, --benchmark_repetitions=5, --benchmark_out=F ...\n";

/* Accesses to router memory one traced lookup may make (about 20 us each). */
#define MTRACE_MAX_ACCESSES 20000

/* ---- State ---- */

typedef enum item_kind { ITEM_FLOOR, ITEM_MATCH, ITEM_MATCH_MT, ITEM_MEMLAT } item_kind;

/* Threads of match_mt at most. */
#define MT_MAX_THREADS 16
/* Runs of one match_mt family remembered (1-thread rates). */
#define MT_MAX_RUNS 256

/* One registered benchmark: the payload of its bench_spec. */
typedef struct item {
    item_kind kind;     /* what it measures */
    rtm_algorithm algo; /* ITEM_MATCH: which router */
    size_t nroutes;     /* ITEM_FLOOR, ITEM_MATCH: table size; ITEM_MEMLAT: bytes */
    size_t index;       /* 1-based position, for progress */
    char name[48];      /* "match/trie", "match_mt/trie" */
} item;

typedef struct options {
    const char *routes;   /* --routes */
    const char *requests; /* --requests */
    const char *data;     /* --data */
    bool sweep;           /* --sweep or --sizes */
    bool quick;           /* --quick */
    bool memlat;          /* memory-latency benchmarks in a sweep */
    size_t sizes[64];     /* the route counts of a sweep */
    size_t nsizes;
    size_t max_routes;            /* --max-routes */
    bool algos[RTM_ALGO_COUNT];   /* selected algorithms */
    double zipf;                  /* 0 = uniform */
    uint64_t seed;                /* --seed */
    size_t min_stream;            /* --min-stream */
    double budget;                /* --budget seconds */
    double warm_secs, trace_secs; /* caps of the untimed passes */
    size_t warm_max, trace_max;   /* ... in lookups */
    size_t mtrace_max;            /* lookups traced by memtrace at most */
    bool memtrace;                /* measure lines with memtrace */
    int threads;                  /* --threads: match_mt up to this many (0 = none) */
    bool threads_set;             /* ... given on the command line */
    double policy_periods;        /* --policy-warmup */
    bool policy_periods_set;      /* ... given on the command line */
} options;

/* Per algorithm, across sizes. */
typedef struct algo_state {
    size_t skip_from;        /* sizes >= this are skipped (0 = none) */
    char skip_why[200];      /* the reason */
    size_t last_n[2];        /* the two last sizes built ... */
    double last_build[2];    /* ... and their build seconds */
    size_t no_memtrace_from; /* sizes >= this are not traced (0 = none) */
} algo_state;

static struct app {
    options opt;
    wl_pool pool;            /* the routes */
    wl_requests file_reqs;   /* --requests, when given */
    wl_requests gen_reqs;    /* the generated stream of size gen_n */
    size_t gen_n;            /* 0 = none */
    const wl_requests *reqs; /* the stream in use */
    size_t floor_n;          /* size of the floor runs below */
    double floor_ns[256];    /* ns per lookup of each floor run */
    double floor_dur[256];   /* and its duration */
    unsigned floor_runs;     /* entries in the two arrays */
    algo_state algo[RTM_ALGO_COUNT];
    perf_llc llc; /* LLC-miss counter, fd -1 when not available */
    item *items;  /* registered benchmarks */
    size_t nitems;
    double t_start; /* program start, for progress */
    /* The live fixture (at most one). */
    rtm_router *router; /* ITEM_MATCH */
    hashfloor floor;    /* ITEM_FLOOR */
    memlat ml;          /* ITEM_MEMLAT */
    size_t cursor;      /* next request of the stream */
    uint64_t batch;     /* lookups per KeepRunningBatch */
    double build_ms;    /* build time of the live router */
    rtm_stats stats;    /* of the live router */
    size_t rejected;    /* routes its rtm_add refused (0 unless algorithms disagree) */
    probe_totals probe; /* nodes / lines of the traced lookups */
    memtrace_totals mt; /* accesses / lines / blocks of the traced lookups */
    bool mt_ok;         /* mt was measured */
    unsigned caps;      /* probe_caps() of the live router's algorithm */
    double hit_ratio;   /* 200s among the traced lookups */
    char label[96];     /* how the table was made */
    /* A router with a background policy (adaptive): its warm-up. */
    bool policy;            /* rtm_get_stats names a metric source */
    bool policy_warm;       /* the long warm-up ran */
    uint64_t reshapes_pre;  /* reshapes when the warm-up started */
    uint64_t reshapes_warm; /* ... and when it ended */
    double warm_s;          /* wall seconds of the warm-up */
    /* match_mt: where the next run starts, and the 1-thread runs. */
    size_t mt_cursor;
    double mt_rate1[MT_MAX_RUNS];     /* lookups per wall second, 1 thread */
    double mt_rate1_cpu[MT_MAX_RUNS]; /* lookups per CPU second, 1 thread */
    double mt_dur1[MT_MAX_RUNS];      /* wall seconds of that run */
    unsigned mt_runs1;
} app;

/* ---- Helpers ---- */

#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BENCH_PRINTF(f, a)
#endif

/* One progress line on stderr: elapsed time, [k/total], benchmark, phase. */
static void progress(const item *it, const char *fmt, ...) BENCH_PRINTF(2, 3);
static void progress(const item *it, const char *fmt, ...)
{
    fprintf(stderr, "[%6.1fs] [%zu/%zu] %s", wl_now() - app.t_start, it->index, app.nitems,
            it->name);
    if (app.opt.sweep || it->kind == ITEM_MEMLAT)
        fprintf(stderr, "/%zu", it->nroutes);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The floor of the current size: median ns of its full-length runs (those at
 * least half as long as the longest; the shorter ones are Google
 * Benchmark's iteration-count trials). 0 when not measured. */
static double floor_ns_now(size_t n)
{
    if (app.floor_n != n || app.floor_runs == 0)
        return 0;
    double longest = 0, v[256];
    unsigned k = 0;
    for (unsigned i = 0; i < app.floor_runs; i++)
        if (app.floor_dur[i] > longest)
            longest = app.floor_dur[i];
    for (unsigned i = 0; i < app.floor_runs; i++)
        if (app.floor_dur[i] >= longest / 2)
            v[k++] = app.floor_ns[i];
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* Make app.reqs the stream for a table of n routes. NULL or a reason. */
static const char *stream_for(size_t n)
{
    if (app.opt.requests) {
        app.reqs = &app.file_reqs;
        return NULL;
    }
    if (app.gen_n != n) {
        wl_requests_free(&app.gen_reqs);
        app.gen_n = 0;
        if (wl_requests_generate(&app.gen_reqs, &app.pool, n, app.opt.min_stream, app.opt.zipf,
                                 app.opt.seed) != 0)
            return "out of memory generating requests";
        app.gen_n = n;
        app.cursor = 0;
    }
    app.reqs = &app.gen_reqs;
    return NULL;
}

static void make_label(size_t n)
{
    size_t copies = (n + app.pool.nbase - 1) / app.pool.nbase;
    if (copies <= 1)
        snprintf(app.label, sizeof app.label, "real routes");
    else
        snprintf(app.label, sizeof app.label, "real routes x%zu (copies under /t1../t%zu)", copies,
                 copies - 1);
}

/* ---- floor/hash ---- */

static const char *floor_setup(void *payload, int64_t arg)
{
    item *it = payload;
    (void)arg;
    progress(it, ": hashing the request strings");
    const char *why = stream_for(it->nroutes);
    if (why)
        return why;
    const wl_requests *q = app.reqs;
    if (hashfloor_build(&app.floor, q->v, q->n) != 0)
        return "out of memory building the floor table";
    if (app.floor_n != it->nroutes) {
        app.floor_n = it->nroutes;
        app.floor_runs = 0;
    }
    /* warm-up: one pass */
    size_t hits = 0;
    for (size_t i = 0; i < q->n; i++)
        hits += (size_t)hashfloor_lookup(&app.floor, q->v[i].path, q->v[i].len);
    bench_do_not_optimize(&hits);
    make_label(it->nroutes);
    return NULL;
}

static void floor_run(void *payload, int64_t arg, bench_state *st)
{
    (void)payload;
    (void)arg;
    const wl_requests *q = app.reqs;
    const uint64_t batch = 256;
    size_t i = app.cursor % q->n, hits = 0;
    uint64_t done = 0;
    double t0 = wl_cpu_now();
    while (bench_keep_running_batch(st, batch)) {
        for (uint64_t k = 0; k < batch; k++) {
            hits += (size_t)hashfloor_lookup(&app.floor, q->v[i].path, q->v[i].len);
            if (++i == q->n)
                i = 0;
        }
        done += batch;
    }
    double secs = wl_cpu_now() - t0;
    bench_do_not_optimize(&hits);
    app.cursor = i;
    double ns = secs * 1e9 / (double)(done ? done : 1);
    if (app.floor_runs < 256) {
        app.floor_ns[app.floor_runs] = ns;
        app.floor_dur[app.floor_runs++] = secs;
    }
    bench_set_items_processed(st, (int64_t)done);
    bench_counter(st, "ns_per_lookup", ns, 0);
    bench_counter(st, "found_ratio", (double)hits / (double)(done ? done : 1), 0);
    bench_counter(st, "stream_len", (double)q->n, 0);
    bench_set_label(st, app.label);
}

static void floor_teardown(void *payload, int64_t arg)
{
    (void)payload;
    (void)arg;
    hashfloor_free(&app.floor);
}

/* ---- match/<algo> ---- */

/* Seconds that building n routes would take, extrapolated from the last two
 * builds of this algorithm (exponent between 1 and 2.5); 0 when unknown. */
static double predict_build(const algo_state *as, size_t n)
{
    if (as->last_n[1] == 0 || as->last_build[1] <= 0)
        return 0;
    double e = 2.0;
    if (as->last_n[0] && as->last_build[0] > 0.01 && as->last_n[0] != as->last_n[1])
        e = log(as->last_build[1] / as->last_build[0]) /
            log((double)as->last_n[1] / (double)as->last_n[0]);
    e = e < 1 ? 1 : e > 2.5 ? 2.5 : e;
    return as->last_build[1] * pow((double)n / (double)as->last_n[1], e);
}

/* Measure lines, blocks and accesses per lookup with memtrace: a second
 * router of the same algorithm and table, built in the tracer's arena, runs
 * a sample of the stream under the trap-flag tracer. Sets app.mt_ok. */
static void trace_memory(const item *it, size_t n)
{
    memset(&app.mt, 0, sizeof app.mt);
    app.mt_ok = false;
    if (!app.opt.memtrace || !memtrace_supported())
        return;
    if (app.algo[it->algo].no_memtrace_from && n >= app.algo[it->algo].no_memtrace_from)
        return;
    const rtm_allocator *hooks = memtrace_arena();
    if (!hooks)
        return;
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.allocator = hooks;
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD; /* nothing else may touch the arena */
    rtm_router *r = NULL;
    size_t rejected = 0;
    if (rtm_create(&r, it->algo, &cfg) == 0 &&
        wl_pool_build(&app.pool, r, n, wl_now() + app.opt.budget, &rejected) == n &&
        (!app.policy || probe_settle(r, app.reqs, (unsigned)ceil(app.opt.policy_periods))) &&
        memtrace_begin(MTRACE_MAX_ACCESSES)) {
        const wl_requests *q = app.reqs;
        rtm_result res;
        double t0 = wl_now();
        for (size_t j = 0; j < q->n && j < app.opt.mtrace_max; j++) {
            const wl_req *rq = &q->v[j];
            memtrace_lookup(r, (rtm_method)rq->method, rq->path, rq->len, &res, &app.mt);
            if (app.mt.overflowed || wl_now() - t0 > app.opt.trace_secs)
                break;
        }
        memtrace_end(&app.mt);
        app.mt_ok = app.mt.lookups > 0 && app.mt.overflowed == 0;
        if (app.mt.overflowed) {
            /* Larger tables would only be worse: stop tracing this one. */
            app.algo[it->algo].no_memtrace_from = n;
            progress(it,
                     ": lookups touch router memory more than %d times: cache lines not "
                     "traced at this size and above",
                     MTRACE_MAX_ACCESSES);
        }
    }
    rtm_free(r);
    memtrace_arena_release();
}

/* Hit ratio and the algorithm's own probe on the stream's first requests,
 * then the memory trace (untimed). match_mt reports neither. */
static void trace_lookups(const item *it, size_t n)
{
    const wl_requests *q = app.reqs;
    rtm_result res;
    progress(it, ": tracing lookups (nodes, cache lines)");
    app.caps = probe_caps(it->algo);
    size_t traced = 0, hits = 0;
    double t0 = wl_now();
    for (size_t j = 0; j < q->n && j < app.opt.trace_max; j++) {
        const wl_req *r = &q->v[j];
        rtm_match(app.router, (rtm_method)r->method, r->path, r->len, &res);
        hits += res.status == RTM_FOUND;
        if (app.caps)
            probe_lookup(app.router, (rtm_method)r->method, r->path, r->len, &app.probe);
        traced++;
        if ((j & 63) == 63 && wl_now() - t0 > app.opt.trace_secs)
            break;
    }
    app.hit_ratio = (double)hits / (double)(traced ? traced : 1);
    trace_memory(it, n);
}

/* rtm_match() on `batch` requests of the stream from *i on (wrapping),
 * *i advanced; returns the sum of the statuses (kept alive by the caller). */
static unsigned match_batch(const rtm_router *r, const wl_requests *q, size_t *i, uint64_t batch)
{
    rtm_result res;
    unsigned sum = 0;
    size_t j = *i;
    for (uint64_t k = 0; k < batch; k++) {
        const wl_req *rq = &q->v[j];
        rtm_match(r, (rtm_method)rq->method, rq->path, rq->len, &res);
        sum += (unsigned)res.status;
        if (++j == q->n)
            j = 0;
    }
    *i = j;
    return sum;
}

/* Does a router with a background policy get the long warm-up at size n?
 * Always, except in a --quick sweep (CI's time budget): there only at its
 * largest size, unless --policy-warmup was given. */
static bool policy_warmup_here(size_t n)
{
    const options *o = &app.opt;
    if (!(o->policy_periods > 0))
        return false;
    if (!o->quick || !o->sweep || o->policy_periods_set)
        return true;
    size_t maxn = 0;
    for (size_t k = 0; k < o->nsizes; k++)
        if (o->sizes[k] > maxn)
            maxn = o->sizes[k];
    return n == maxn;
}

static const char *match_setup(void *payload, int64_t arg)
{
    item *it = payload;
    algo_state *as = &app.algo[it->algo];
    size_t n = it->nroutes;
    (void)arg;
    if (as->skip_from && n >= as->skip_from) {
        progress(it, ": %s", as->skip_why);
        return as->skip_why;
    }
    double pred = predict_build(as, n);
    if (pred > app.opt.budget) {
        as->skip_from = n;
        snprintf(as->skip_why, sizeof as->skip_why,
                 "skipped: building %zu routes would take about %.0f s, over the %.0f s budget "
                 "(this size and larger)",
                 n, pred, app.opt.budget);
        progress(it, ": %s", as->skip_why);
        return as->skip_why;
    }
    progress(it, ": building the table (%s)",
             app.opt.sweep ? "first N routes of the pool" : "the whole file");
    const char *why = stream_for(n);
    if (why)
        return why;
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    int rc = rtm_create(&app.router, it->algo, &cfg);
    if (rc != 0)
        return rtm_strerror(rc);
    size_t rejected = 0;
    double t0 = wl_now(), c0 = wl_cpu_now();
    size_t tried = wl_pool_build(&app.pool, app.router, n, t0 + app.opt.budget, &rejected);
    double secs = wl_now() - t0, cpu_secs = wl_cpu_now() - c0;
    if (tried < n) {
        rtm_free(app.router);
        app.router = NULL;
        as->skip_from = n;
        snprintf(as->skip_why, sizeof as->skip_why,
                 "skipped: building %zu routes took over the %.0f s budget (this size and "
                 "larger)",
                 n, app.opt.budget);
        progress(it, ": %s", as->skip_why);
        return as->skip_why;
    }
    if (rejected)
        /* The pool was checked with the default algorithm: a disagreement
         * between algorithms is a bug worth seeing. */
        progress(it, ": WARNING: %zu route(s) the default algorithm accepted were rejected",
                 rejected);
    app.rejected = rejected;
    as->last_n[0] = as->last_n[1];
    as->last_build[0] = as->last_build[1];
    as->last_n[1] = n;
    as->last_build[1] = secs;
    app.build_ms = cpu_secs * 1e3;
    rtm_get_stats(app.router, &app.stats);
    make_label(n);

    /* Calibrate the batch: about 50 us of lookups per KeepRunningBatch. */
    const wl_requests *q = app.reqs;
    rtm_result res;
    size_t i = app.cursor % q->n, k = 0;
    t0 = wl_now();
    double t1 = t0;
    while (k < 64 && t1 - t0 < 0.01) {
        rtm_match(app.router, (rtm_method)q->v[i].method, q->v[i].path, q->v[i].len, &res);
        if (++i == q->n)
            i = 0;
        k++;
        if ((k & 7) == 0)
            t1 = wl_now();
    }
    t1 = wl_now();
    double est_ns = (t1 - t0) * 1e9 / (double)k;
    double b = 50e3 / (est_ns > 1 ? est_ns : 1);
    app.batch = b < 1 ? 1 : b > 1024 ? 1024 : (uint64_t)b;

    /* A router with a background policy (rtm_get_stats names where its miss
     * ratios come from: the adaptive algorithm) is traced as the policy has
     * shaped it, after the warm-up; any other before it. */
    memset(&app.probe, 0, sizeof app.probe);
    memset(&app.mt, 0, sizeof app.mt);
    app.mt_ok = false;
    app.caps = 0;
    app.policy = app.stats.metric_source && app.stats.metric_source[0];
    if (it->kind == ITEM_MATCH && !app.policy)
        trace_lookups(it, n);

    /* Warm-up: the timed loop's own path, from where it will start. A
     * router with a background policy (rtm_get_stats names where its miss
     * ratios come from: the adaptive algorithm) re-encodes itself once per
     * period from sampled lookups; its warm-up runs the stream for P periods
     * and a quarter, so that at least P ticks see this traffic and the timed
     * router is the reshaped one. */
    app.policy_warm = app.policy && policy_warmup_here(n);
    double warm_secs = app.opt.warm_secs;
    size_t warm_max = app.opt.warm_max;
    if (app.policy_warm) {
        warm_secs = (app.opt.policy_periods + 0.25) * WL_POLICY_PERIOD_S;
        warm_max = SIZE_MAX;
        progress(it, ": warming up %.2f s (%g policy periods of %.0f ms)", warm_secs,
                 app.opt.policy_periods, WL_POLICY_PERIOD_S * 1e3);
    }
    rtm_stats st0;
    rtm_get_stats(app.router, &st0);
    t0 = wl_now();
    unsigned sink = 0;
    for (k = 0; k < warm_max; k += 256) {
        sink += match_batch(app.router, q, &i, 256);
        if (wl_now() - t0 > warm_secs)
            break;
    }
    app.warm_s = wl_now() - t0;
    if (it->kind == ITEM_MATCH && app.policy) {
        trace_lookups(it, n);
        /* The tracer ran through other memory: a warm-up again. The policy
         * ticked without traffic meanwhile, so a policy-warmed router gets
         * a period and a quarter, so that a whole tick sees the timed
         * traffic again (after a shorter one its next tick rebuilt the hot
         * index from a fraction of a window: 680 of github's 785 routes,
         * and the timing started with it). */
        double again = app.policy_warm ? 1.25 * WL_POLICY_PERIOD_S : app.opt.warm_secs;
        for (t0 = wl_now(); wl_now() - t0 < again;)
            sink += match_batch(app.router, q, &i, 256);
    }
    bench_do_not_optimize(&sink);
    app.cursor = i;
    /* The timed router's figures: a policy may have re-encoded it. */
    rtm_get_stats(app.router, &app.stats);
    app.reshapes_pre = st0.reshapes;
    app.reshapes_warm = app.stats.reshapes;
    if (it->kind == ITEM_MATCH_MT) {
        app.mt_cursor = i;
        app.mt_runs1 = 0;
    }
    if (app.policy)
        progress(it,
                 ": timing (%llu reshape(s) during the warm-up, %llu before it; hot index of %zu "
                 "route(s))",
                 (unsigned long long)(app.reshapes_warm - app.reshapes_pre),
                 (unsigned long long)app.reshapes_pre, app.stats.hot_routes);
    else
        progress(it, ": timing");
    return NULL;
}

/* A router with a background policy: how its warm-up went and how often it
 * has been reshaped so far (after this run). */
static void policy_counters(bench_state *st)
{
    if (!app.policy)
        return;
    rtm_stats now;
    rtm_get_stats(app.router, &now);
    bench_counter(st, "warmup_s", app.warm_s, 0);
    bench_counter(st, "reshapes_warmup", (double)(app.reshapes_warm - app.reshapes_pre), 0);
    bench_counter(st, "reshapes", (double)now.reshapes, 0);
    bench_counter(st, "hot_routes", (double)now.hot_routes, 0);
}

static void match_run(void *payload, int64_t arg, bench_state *st)
{
    item *it = payload;
    (void)arg;
    const wl_requests *q = app.reqs;
    const rtm_router *r = app.router;
    const uint64_t batch = app.batch;
    size_t i = app.cursor % q->n;
    uint64_t done = 0, misses0 = 0;
    unsigned sink = 0;
    if (app.llc.fd >= 0)
        misses0 = perf_llc_read(&app.llc);
    double t0 = wl_cpu_now();
    while (bench_keep_running_batch(st, batch)) {
        sink += match_batch(r, q, &i, batch);
        done += batch;
    }
    double secs = wl_cpu_now() - t0;
    uint64_t misses = app.llc.fd >= 0 ? perf_llc_read(&app.llc) - misses0 : 0;
    bench_do_not_optimize(&sink);
    app.cursor = i;
    double d = (double)(done ? done : 1);
    double ns = secs * 1e9 / d;
    bench_set_items_processed(st, (int64_t)done);
    bench_counter(st, "ns_per_lookup", ns, 0);
    double fl = floor_ns_now(it->nroutes);
    if (fl > 0)
        bench_counter(st, "x_floor", ns / fl, 0);
    const probe_totals *p = &app.probe;
    if ((app.caps & PROBE_NODES) && p->lookups)
        bench_counter(st, "nodes_per_lookup", (double)p->nodes / (double)p->lookups, 0);
    if ((app.caps & PROBE_LINES) && p->lookups) {
        bench_counter(st, "hook_lines_per_lookup", (double)p->lines / (double)p->lookups, 0);
        bench_counter(st, "hook_bytes_per_lookup", (double)p->bytes / (double)p->lookups, 0);
    }
    if (app.mt_ok) {
        /* memtrace: every access to router memory, by address */
        const memtrace_totals *m = &app.mt;
        double l = (double)m->lookups;
        bench_counter(st, "lines_per_lookup", (double)m->lines / l, 0);
        bench_counter(st, "blocks_per_lookup", (double)m->blocks / l, 0);
        bench_counter(st, "accesses_per_lookup", (double)m->accesses / l, 0);
        if (m->accesses)
            bench_counter(st, "locality",
                          100.0 * (double)(m->accesses - m->lines) / (double)m->accesses, 0);
        bench_counter(st, "traced_lookups", l, 0);
        /* The reuse histograms feed bench/decay.py's model: sweep only. */
        for (unsigned k = 0; app.opt.sweep && k < MEMTRACE_REUSE_BUCKETS; k++) {
            char name[24];
            if (m->reuse[k]) {
                snprintf(name, sizeof name, "reuse_%u", k);
                bench_counter(st, name, (double)m->reuse[k] / l, 0);
            }
            if (m->block_reuse[k]) {
                snprintf(name, sizeof name, "breuse_%u", k);
                bench_counter(st, name, (double)m->block_reuse[k] / l, 0);
            }
        }
    } else if ((app.caps & PROBE_LINES) && p->lookups) {
        bench_counter(st, "lines_per_lookup", (double)p->lines / (double)p->lookups, 0);
    }
    if (app.llc.fd >= 0)
        bench_counter(st, "llc_misses_per_lookup", (double)misses / d, 0);
    size_t routes = app.stats.routes ? app.stats.routes : 1;
    bench_counter(st, "routes", (double)app.stats.routes, 0);
    bench_counter(st, "router_bytes", (double)app.stats.bytes, 0);
    bench_counter(st, "bytes_per_route", (double)app.stats.bytes / (double)routes, 0);
    bench_counter(st, "tree_nodes", (double)app.stats.nodes, 0);
    bench_counter(st, "build_ms", app.build_ms, 0);
    if (app.rejected)
        bench_counter(st, "rejected_routes", (double)app.rejected, 0);
    bench_counter(st, "hit_ratio", app.hit_ratio, 0);
    bench_counter(st, "stream_len", (double)q->n, 0);
    policy_counters(st);
    bench_set_label(st, app.label);
}

/* ---- match_mt/<algo>: T threads on one router ---- */

/* Median of v[i] over the runs at least half as long as the longest (the
 * shorter ones are Google Benchmark's iteration-count trials); 0 if none. */
static double median_full_runs(const double *v, const double *dur, unsigned n)
{
    double longest = 0, w[MT_MAX_RUNS];
    unsigned k = 0;
    for (unsigned j = 0; j < n; j++)
        if (dur[j] > longest)
            longest = dur[j];
    for (unsigned j = 0; j < n; j++)
        if (dur[j] >= longest / 2)
            w[k++] = v[j];
    if (k == 0)
        return 0;
    qsort(w, k, sizeof *w, cmp_double);
    return k % 2 ? w[k / 2] : (w[k / 2 - 1] + w[k / 2]) / 2;
}

/* Every thread runs this with its own state: its own part of the stream
 * (of n requests, thread t of T starts t*n/T after where thread 0 stopped
 * in the previous run), its own clocks. Google Benchmark sums the counters over the threads, so
 * each thread adds its share: lookups_per_s is the sum of the threads' own
 * rates, scaling that over the median 1-thread rate of the same router
 * (wall clock), scaling_cpu the same with each thread's CPU time (what the
 * threads do to each other, without the time a busy machine steals). */
static void match_mt_run(void *payload, int64_t arg, bench_state *st)
{
    (void)payload;
    (void)arg;
    const wl_requests *q = app.reqs;
    const rtm_router *r = app.router;
    const uint64_t batch = app.batch;
    const int t = bench_thread_index(st), nt = bench_threads(st);
    if (nt > MT_MAX_THREADS) {
        bench_skip_with_error(st, "too many threads");
        return;
    }
    /* Thread 0 writes mt_cursor after the stop barrier of the previous run;
     * this run's threads read it before their start barrier. */
    size_t i = (app.mt_cursor + (size_t)t * (q->n / (size_t)nt)) % q->n;
    uint64_t done = 0;
    unsigned sink = 0;
    double w0 = 0, c0 = 0, w1 = 0, c1 = 0;
    while (bench_keep_running_batch(st, batch)) {
        if (done == 0) {
            /* after the start barrier: the other threads are running too */
            w0 = wl_now();
            c0 = wl_cpu_now();
        }
        sink += match_batch(r, q, &i, batch);
        done += batch;
        /* before the stop barrier: this thread's own end (~0.5% of a batch) */
        w1 = wl_now();
        c1 = wl_cpu_now();
    }
    bench_do_not_optimize(&sink);
    if (t == 0)
        app.mt_cursor = i;
    double wall = w1 - w0, cpu = c1 - c0;
    double rate = wall > 0 ? (double)done / wall : 0;
    double rate_cpu = cpu > 0 ? (double)done / cpu : 0;
    bench_set_items_processed(st, (int64_t)done);
    bench_counter(st, "lookups_per_s", rate, 0);
    bench_counter(st, "ns_per_lookup", cpu * 1e9 / (double)(done ? done : 1) / nt, 0);
    /* Summed over the threads: the cores the run actually had (about T on an
     * idle machine; less when other processes took CPU time from it). */
    bench_counter(st, "cores_used", wall > 0 ? cpu / wall : 0, 0);
    if (nt == 1) {
        if (app.mt_runs1 < MT_MAX_RUNS) {
            app.mt_rate1[app.mt_runs1] = rate;
            app.mt_rate1_cpu[app.mt_runs1] = rate_cpu;
            app.mt_dur1[app.mt_runs1++] = wall;
        }
    } else {
        double r1 = median_full_runs(app.mt_rate1, app.mt_dur1, app.mt_runs1);
        double r1c = median_full_runs(app.mt_rate1_cpu, app.mt_dur1, app.mt_runs1);
        if (r1 > 0 && r1c > 0) {
            bench_counter(st, "scaling", rate / r1, 0);
            bench_counter(st, "scaling_cpu", rate_cpu / r1c, 0);
        }
    }
    if (t == 0) {
        bench_counter(st, "stream_len", (double)q->n, 0);
        policy_counters(st);
        bench_set_label(st, app.label);
    }
}

static void match_teardown(void *payload, int64_t arg)
{
    (void)payload;
    (void)arg;
    rtm_free(app.router);
    app.router = NULL;
}

/* ---- memlat/<bytes> ---- */

static const char *memlat_setup_fn(void *payload, int64_t arg)
{
    item *it = payload;
    (void)arg;
    progress(it, ": building the pointer chain");
    if (memlat_setup(&app.ml, it->nroutes, app.opt.seed) != 0)
        return "out of memory";
    size_t lines = app.ml.bytes / 64;
    void *p = memlat_chase(&app.ml, lines < (1u << 20) ? lines : (1u << 20));
    bench_do_not_optimize(&p);
    return NULL;
}

static void memlat_run(void *payload, int64_t arg, bench_state *st)
{
    (void)payload;
    (void)arg;
    const uint64_t batch = 256;
    uint64_t done = 0;
    void *p = NULL;
    double t0 = wl_cpu_now();
    while (bench_keep_running_batch(st, batch)) {
        p = memlat_chase(&app.ml, batch);
        done += batch;
    }
    double secs = wl_cpu_now() - t0;
    bench_do_not_optimize(&p);
    bench_set_items_processed(st, (int64_t)done);
    bench_counter(st, "ns_per_load", secs * 1e9 / (double)(done ? done : 1), 0);
    bench_counter(st, "working_set_bytes", (double)app.ml.bytes, 0);
}

static void memlat_teardown_fn(void *payload, int64_t arg)
{
    (void)payload;
    (void)arg;
    memlat_free(&app.ml);
}

/* ---- Command line ---- */

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 1 || v > 1e9)
        return -1;
    if (*end == 'k' || *end == 'K')
        v *= 1e3, end++;
    else if (*end == 'M' || *end == 'm')
        v *= 1e6, end++;
    if (*end)
        return -1;
    *out = (size_t)(v + 0.5);
    return 0;
}

static int set_algorithms(const char *list)
{
    memset(app.opt.algos, 0, sizeof app.opt.algos);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        rtm_algorithm a;
        if (rtm_algorithm_from_name(tok, &a) != 0) {
            fprintf(stderr, "routematch-bench: unknown algorithm '%s'\n", tok);
            return -1;
        }
        if (a == RTM_ALGO_DEFAULT)
            a = rtm_algorithm_default();
        if (!rtm_algorithm_available(a)) {
            fprintf(stderr, "routematch-bench: algorithm '%s' is not compiled in\n", tok);
            return -1;
        }
        app.opt.algos[a] = true;
    }
    return 0;
}

/* Value of "--name=V" or "--name V"; advances *i for the second form. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int parse_args(int argc, char **argv)
{
    options *o = &app.opt;
    o->data = RTM_BENCH_DATA_DIR;
    o->memlat = true;
    o->memtrace = true;
    o->max_routes = 1000000;
    o->seed = 1;
    o->min_stream = 4096;
    o->budget = 0;
    for (unsigned a = 1; a < RTM_ALGO_COUNT; a++)
        o->algos[a] = rtm_algorithm_available((rtm_algorithm)a);
    const char *v;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(s, "--sweep")) {
            o->sweep = true;
        } else if (!strcmp(s, "--quick")) {
            o->quick = true;
        } else if (!strcmp(s, "--no-memlat")) {
            o->memlat = false;
        } else if (!strcmp(s, "--no-memtrace")) {
            o->memtrace = false;
        } else if (!strcmp(s, "--zipf")) {
            o->zipf = 1.1;
        } else if (!strncmp(s, "--zipf=", 7)) {
            o->zipf = strtod(s + 7, NULL);
            if (!(o->zipf > 0 && o->zipf < 10)) {
                fprintf(stderr, "routematch-bench: bad --zipf exponent '%s'\n", s + 7);
                return -1;
            }
        } else if ((v = opt_value(argc, argv, &i, "--routes"))) {
            o->routes = v;
        } else if ((v = opt_value(argc, argv, &i, "--requests"))) {
            o->requests = v;
        } else if ((v = opt_value(argc, argv, &i, "--data"))) {
            o->data = v;
        } else if ((v = opt_value(argc, argv, &i, "--algorithms"))) {
            if (set_algorithms(v) != 0)
                return -1;
        } else if ((v = opt_value(argc, argv, &i, "--seed"))) {
            o->seed = strtoull(v, NULL, 10);
        } else if ((v = opt_value(argc, argv, &i, "--min-stream"))) {
            if (parse_size(v, &o->min_stream) != 0)
                goto bad;
        } else if ((v = opt_value(argc, argv, &i, "--max-routes"))) {
            if (parse_size(v, &o->max_routes) != 0)
                goto bad;
        } else if ((v = opt_value(argc, argv, &i, "--threads"))) {
            char *end;
            long t = strtol(v, &end, 10);
            if (*end || t < 0 || t > MT_MAX_THREADS)
                goto bad;
            o->threads = (int)t;
            o->threads_set = true;
        } else if ((v = opt_value(argc, argv, &i, "--policy-warmup"))) {
            char *end;
            o->policy_periods = strtod(v, &end);
            if (*end || !(o->policy_periods >= 0 && o->policy_periods <= 100))
                goto bad;
            o->policy_periods_set = true;
        } else if ((v = opt_value(argc, argv, &i, "--budget"))) {
            o->budget = strtod(v, NULL);
            if (!(o->budget > 0))
                goto bad;
        } else if ((v = opt_value(argc, argv, &i, "--sizes"))) {
            o->sweep = true;
            char buf[1024];
            snprintf(buf, sizeof buf, "%s", v);
            o->nsizes = 0;
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                if (o->nsizes == 64 || parse_size(tok, &o->sizes[o->nsizes]) != 0)
                    goto bad;
                o->nsizes++;
            }
        } else {
            fprintf(stderr, "routematch-bench: unknown argument '%s'\nTry --help.\n", s);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "routematch-bench: bad value in '%s'\n", s);
        return -1;
    }
    if (o->budget == 0)
        o->budget = o->quick ? 3 : 20;
    o->warm_secs = o->quick ? 0.03 : 0.2;
    o->warm_max = o->quick ? 50000 : 300000;
    o->trace_secs = o->quick ? 0.1 : 0.5;
    o->trace_max = o->quick ? 4000 : 20000;
    o->mtrace_max = o->quick ? 300 : 2000;
    if (!o->policy_periods_set)
        o->policy_periods = o->quick ? 2 : 3;
    if (!o->threads_set)
        o->threads = o->sweep ? 0 : 2;
    if (o->sweep && o->nsizes == 0) {
        if (o->quick) {
            static const size_t q[] = {10, 100, 1000, 10000, 100000};
            for (size_t k = 0; k < sizeof q / sizeof q[0]; k++)
                o->sizes[o->nsizes++] = q[k];
        } else {
            /* 10^(1 + k/3), rounded: 10, 22, 46, 100, 215, 464, ... */
            for (int k = 0; o->nsizes < 64; k++) {
                double x = pow(10.0, 1.0 + k / 3.0);
                size_t n = (size_t)(x + 0.5);
                if (n > o->max_routes)
                    break;
                o->sizes[o->nsizes++] = n;
            }
        }
    }
    return 0;
}

/* ---- Registration ---- */

static item *new_item(item_kind kind, rtm_algorithm algo, size_t n, const char *name)
{
    item *it = &app.items[app.nitems++];
    it->kind = kind;
    it->algo = algo;
    it->nroutes = n;
    it->index = app.nitems;
    snprintf(it->name, sizeof it->name, "%s", name);
    return it;
}

static void register_item(item *it, bool has_arg)
{
    bench_spec s;
    memset(&s, 0, sizeof s);
    s.name = it->name;
    s.payload = it;
    s.arg = (int64_t)it->nroutes;
    s.has_arg = has_arg;
    s.real_time = false; /* CPU time: robust to other processes on a shared machine */
    switch (it->kind) {
    case ITEM_FLOOR:
        s.setup = floor_setup;
        s.run = floor_run;
        s.teardown = floor_teardown;
        break;
    case ITEM_MATCH:
        s.setup = match_setup;
        s.run = match_run;
        s.teardown = match_teardown;
        break;
    case ITEM_MATCH_MT:
        s.setup = match_setup;
        s.run = match_mt_run;
        s.teardown = match_teardown;
        s.real_time = true; /* throughput of threads running at once: the wall clock */
        s.threads = app.opt.threads;
        break;
    case ITEM_MEMLAT:
        s.setup = memlat_setup_fn;
        s.run = memlat_run;
        s.teardown = memlat_teardown_fn;
        s.repetitions = 1;
        s.min_time = app.opt.quick ? 0.01 : 0.03;
        break;
    }
    bench_register(&s);
}

static void add_context(void)
{
    char buf[512] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    c += 1 + (c[1] == ' ');
                    c[strcspn(c, "\n")] = '\0';
                    snprintf(buf, sizeof buf, "%s", c);
                }
                break;
            }
        }
        fclose(f);
    }
    bench_add_context("cpu_model", buf);
    bench_add_context("routematch_build_type", RTM_BENCH_BUILD_TYPE);

    if (perf_llc_open(&app.llc)) {
        bench_add_context("hw_counters", "available (perf_event PERF_COUNT_HW_CACHE_MISSES)");
        fprintf(stderr, "LLC misses: measured with perf_event (PERF_COUNT_HW_CACHE_MISSES)\n");
    } else {
        snprintf(buf, sizeof buf, "not available (no hardware counters: %s)", app.llc.why);
        bench_add_context("hw_counters", buf);
        fprintf(stderr, "LLC misses: not available (no hardware counters; %s)\n", app.llc.why);
    }

    char probes[256] = "";
    for (unsigned a = 1; a < RTM_ALGO_COUNT; a++) {
        if (!app.opt.algos[a])
            continue;
        unsigned c = probe_caps((rtm_algorithm)a);
        snprintf(probes + strlen(probes), sizeof probes - strlen(probes), "%s%s=%s",
                 probes[0] ? " " : "", rtm_algorithm_name((rtm_algorithm)a),
                 c & PROBE_LINES   ? "nodes+lines"
                 : c & PROBE_NODES ? "nodes"
                                   : "none");
    }
    bench_add_context("probe", probes);
    fprintf(stderr, "probe (nodes / cache lines per lookup): %s\n", probes);

    if (app.opt.zipf > 0)
        snprintf(buf, sizeof buf, "zipf s=%.2f over the table's routes", app.opt.zipf);
    else if (app.opt.requests)
        snprintf(buf, sizeof buf, "requests file %s", app.opt.requests);
    else
        snprintf(buf, sizeof buf, "uniform: every route of the table, shuffled");
    bench_add_context("traffic", buf);
    if (app.opt.policy_periods > 0)
        snprintf(buf, sizeof buf,
                 "routers with a background policy (adaptive) are warmed up for %g periods of "
                 "%.0f ms plus a quarter%s; others %.2f s",
                 app.opt.policy_periods, WL_POLICY_PERIOD_S * 1e3,
                 app.opt.quick && app.opt.sweep && !app.opt.policy_periods_set
                     ? ", at the sweep's largest size only (--quick)"
                     : "",
                 app.opt.warm_secs);
    else
        snprintf(buf, sizeof buf, "%.2f s or %zu lookups for every router", app.opt.warm_secs,
                 app.opt.warm_max);
    bench_add_context("warmup", buf);
    if (app.opt.threads > 0) {
        snprintf(buf, sizeof buf,
                 "match_mt: 1..%d threads on one router, wall clock; scaling = lookups/s over "
                 "the median 1-thread rate",
                 app.opt.threads);
        bench_add_context("threads", buf);
    }
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)app.opt.seed);
    bench_add_context("seed", buf);
    snprintf(buf, sizeof buf, "%zu", app.pool.nbase);
    bench_add_context("pool_routes", buf);
    if (app.opt.sweep) {
        size_t maxn = 0;
        for (size_t k = 0; k < app.opt.nsizes; k++)
            if (app.opt.sizes[k] > maxn)
                maxn = app.opt.sizes[k];
        if (maxn > app.pool.nbase)
            snprintf(buf, sizeof buf,
                     "tables of N routes are the first N of the real pool (%zu routes); sizes "
                     "above it repeat the pool under distinct static prefixes /t1/ ... /t%zu/",
                     app.pool.nbase, (maxn - 1) / app.pool.nbase);
        else
            snprintf(buf, sizeof buf,
                     "tables of N routes are the first N of the real pool (%zu routes)",
                     app.pool.nbase);
        bench_add_context("tables", buf);
        fprintf(stderr, "tables: %s\n", buf);
    }
}

int main(int argc, char **argv)
{
    app.t_start = wl_now();
    bench_init(&argc, argv);
    if (bench_report_unrecognized(argc, argv))
        return 2;
    if (parse_args(argc, argv) != 0)
        return 2;
    options *o = &app.opt;

    /* The routes. */
    char err[512];
    const char *files[NPOOL_FILES];
    char paths[NPOOL_FILES][1024];
    size_t nfiles = 0;
    if (o->routes) {
        files[nfiles++] = o->routes;
    } else if (o->sweep) {
        for (size_t k = 0; k < NPOOL_FILES; k++) {
            snprintf(paths[k], sizeof paths[k], "%s/%s", o->data, pool_files[k]);
            FILE *f = fopen(paths[k], "rb");
            if (!f) {
                fprintf(stderr, "routematch-bench: %s missing, left out of the pool\n", paths[k]);
                continue;
            }
            fclose(f);
            files[nfiles++] = paths[k];
        }
    } else {
        snprintf(paths[0], sizeof paths[0], "%s/github.routes", o->data);
        files[nfiles++] = paths[0];
    }
    if (nfiles == 0) {
        fprintf(stderr, "routematch-bench: no route table found in %s\n", o->data);
        return 1;
    }
    /* Check with the default algorithm (fast: never the reference unless
     * that is all there is). */
    FILE *rej = o->sweep ? NULL : stderr;
    if (wl_pool_load(&app.pool, files, nfiles, RTM_ALGO_DEFAULT, rej, err, sizeof err) != 0) {
        fprintf(stderr, "routematch-bench: %s\n", err);
        return 1;
    }
    fprintf(stderr,
            "pool: %zu routes from %zu file(s), %zu line(s) left out (rejected by the "
            "SPEC)\n",
            app.pool.nbase, nfiles, app.pool.rejected);
    if (o->requests && wl_requests_read(&app.file_reqs, o->requests, err, sizeof err) != 0) {
        fprintf(stderr, "routematch-bench: %s\n", err);
        return 1;
    }

    /* The benchmarks. */
    size_t nalgos = 0;
    for (unsigned a = 1; a < RTM_ALGO_COUNT; a++)
        nalgos += o->algos[a];
    size_t nmem = o->sweep && o->memlat ? 31 : 0;
    size_t per_size = 1 + nalgos * (o->threads > 0 ? 2 : 1), nsizes = o->sweep ? o->nsizes : 1;
    app.items = calloc(nmem + per_size * nsizes, sizeof *app.items);
    if (!app.items)
        return 1;
    if (nmem) {
        /* 16 KiB .. 512 MiB in steps of sqrt(2) (quick: x4 up to 256 MiB). */
        for (int k = 0; k <= 30; k += o->quick ? 4 : 1) {
            size_t b = (size_t)(16384.0 * pow(2.0, k / 2.0)) & ~(size_t)63;
            register_item(new_item(ITEM_MEMLAT, RTM_ALGO_DEFAULT, b, "memlat"), true);
        }
    }
    for (size_t k = 0; k < nsizes; k++) {
        size_t n = o->sweep ? o->sizes[k] : app.pool.nbase;
        register_item(new_item(ITEM_FLOOR, RTM_ALGO_DEFAULT, n, "floor/hash"), o->sweep);
        for (unsigned a = 1; a < RTM_ALGO_COUNT; a++) {
            if (!o->algos[a])
                continue;
            char name[48];
            snprintf(name, sizeof name, "match/%s", rtm_algorithm_name((rtm_algorithm)a));
            register_item(new_item(ITEM_MATCH, (rtm_algorithm)a, n, name), o->sweep);
        }
        for (unsigned a = 1; o->threads > 0 && a < RTM_ALGO_COUNT; a++) {
            if (!o->algos[a])
                continue;
            char name[48];
            snprintf(name, sizeof name, "match_mt/%s", rtm_algorithm_name((rtm_algorithm)a));
            register_item(new_item(ITEM_MATCH_MT, (rtm_algorithm)a, n, name), o->sweep);
        }
    }
    add_context();
    bench_run_all();
    bench_shutdown();

    perf_llc_close(&app.llc);
    wl_requests_free(&app.gen_reqs);
    wl_requests_free(&app.file_reqs);
    wl_pool_free(&app.pool);
    free(app.items);
    fprintf(stderr, "[%5.1fs] done\n", wl_now() - app.t_start);
    return 0;
}
