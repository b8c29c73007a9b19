/* SPDX-License-Identifier: MIT */
/* The measurements quoted in algorithms/adaptive/README.md: lookup time of
 * trie, radix and the adaptive matcher (trie-encoded, packed, and driven by
 * its own sampled policy) under uniform and Zipf traffic, node visits per
 * lookup, the sampling overhead for several K, the epoch read-side cost in
 * both modes, and the cache model's misses per lookup (to compare with
 * cachegrind). Not part of the library or of the test suite; built by hand
 * (see README "Reproducing the figures").
 *
 * Timing method for a shared, noisy machine: every variant is run in 40
 * interleaved rounds of 50,000 lookups and the minimum per-lookup time is
 * kept (the round least disturbed by other processes).
 *
 * usage: adaptive_measure TABLE.routes[.gz] [zipf_exponent] [--model] */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_* */
#include "algorithms/trie/trie.h"         /* rtm__trie_match_counted */
#if RTM_HAVE_RADIX
#include "algorithms/radix/radix.h" /* rtm__radix_match_counted */
#endif
#include "epoch.h"           /* rtm__epoch_enter / exit, rtm__epoch_asym */
#include "metrics.h"         /* rtm__metrics_source */
#include "router_internal.h" /* struct rtm_router */
#include "routes_file.h"     /* rtm__table_read, rtm__table_add */

#define ROUNDS    40
#define ROUND_LEN 50000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct req {
    char *p;  /* path */
    size_t n; /* bytes */
} req;

static uint64_t rng = 88172645463325252ull;
static uint64_t xr(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A path that hits the pattern: params -> "v<n>", catch-all -> "a/b". */
static req make_hit(const char *pat, size_t n)
{
    char *out = malloc(2 * n + 32);
    size_t o = 0;
    if (!out)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '{') {
            int catchall = i + 1 < n && pat[i + 1] == '*';
            while (i < n && pat[i] != '}')
                i++;
            o += (size_t)sprintf(out + o, catchall ? "a/b" : "v%u", (unsigned)(xr() % 1000));
        } else if (pat[i] == ':' && (i == 0 || pat[i - 1] == '/')) {
            while (i + 1 < n && pat[i + 1] != '/')
                i++;
            o += (size_t)sprintf(out + o, "v%u", (unsigned)(xr() % 1000));
        } else {
            out[o++] = pat[i];
        }
    }
    return (req){out, o};
}

static volatile unsigned sink;

static double run(const rtm_router *r, const req *rq, const uint32_t *seq, size_t n)
{
    double t0 = now();
    rtm_result res;
    for (size_t i = 0; i < n; i++) {
        const req *q = &rq[seq[i]];
        rtm_match(r, RTM_GET, q->p, q->n, &res);
        sink += (unsigned)res.status;
    }
    return (now() - t0) * 1e9 / (double)n;
}

static rtm_router *make(rtm_algorithm a, uint32_t k, const rtm__table *t)
{
    rtm_config cfg = {0};
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    cfg.adaptive_sample_every = k;
    rtm_router *r;
    if (rtm_create(&r, a, &cfg) != 0)
        abort();
    rtm__table_add(r, t, NULL, "table", NULL);
    return r;
}

/* One injected tick that packs (or re-packs) every subtree. */
static void pack_all(rtm_router *r)
{
    size_t n = rtm__adaptive_subtrees(r->impl, NULL, 0);
    double *e = calloc(n + 1, sizeof *e), *m = calloc(n + 1, sizeof *m);
    if (!e || !m)
        abort();
    for (size_t i = 0; i < n; i++)
        m[i] = 1.0;
    rtm__adaptive_metrics inj = {
        .count = n, .entropy = e, .miss_ratio = m, .budget = (size_t)-1, .repack = true};
    rtm__adaptive_step(r->impl, &inj);
    free(e);
    free(m);
}

/* Minimum over interleaved rounds for several routers at once. */
static void best_of_rounds(rtm_router *const *rs, size_t nr, const req *rq, const uint32_t *seq,
                           size_t nseq, double *best)
{
    for (size_t i = 0; i < nr; i++)
        best[i] = 1e18;
    for (int round = 0; round < ROUNDS; round++) {
        const uint32_t *sq = seq + ((size_t)round * ROUND_LEN) % (nseq - ROUND_LEN);
        for (size_t i = 0; i < nr; i++) {
            if (!rs[i])
                continue;
            double x = run(rs[i], rq, sq, ROUND_LEN);
            if (x < best[i])
                best[i] = x;
        }
    }
}

static void lookups(const rtm__table *t, const req *rq, const uint32_t *seq, size_t nseq,
                    const char *wn)
{
    enum { N = 6 };
    const char *names[N] = {"trie",
                            "radix",
                            "adaptive, trie encoding",
                            "adaptive, all packed (no heat)",
                            "adaptive, all packed (heat)",
                            "adaptive, own policy"};
    rtm_router *rs[N] = {0};
    rs[0] = make(RTM_ALGO_TRIE, 0, t);
    rs[1] = rtm_algorithm_available(RTM_ALGO_RADIX) ? make(RTM_ALGO_RADIX, 0, t) : NULL;
    rs[2] = make(RTM_ALGO_ADAPTIVE, 0, t);
    rs[3] = make(RTM_ALGO_ADAPTIVE, 0, t);
    pack_all(rs[3]);
    rs[4] = make(RTM_ALGO_ADAPTIVE, 0, t); /* default K: heat from sampled traffic */
    run(rs[4], rq, seq, nseq);
    pack_all(rs[4]);
    rs[5] = make(RTM_ALGO_ADAPTIVE, 0, t); /* default K and thresholds, sampled figures */
    int fired = 0;
    for (int tick = 0; tick < 20; tick++) {
        run(rs[5], rq, seq + ((size_t)tick * 100000) % (nseq - 100000), 100000);
        int k = rtm__adaptive_step(rs[5]->impl, NULL);
        fired += k > 0 ? k : 0;
    }
    double best[N];
    best_of_rounds(rs, N, rq, seq, nseq, best);
    for (int i = 0; i < N; i++) {
        if (!rs[i])
            continue;
        rtm_stats st;
        rtm_get_stats(rs[i], &st);
        printf("[%s] %-32s %7.1f ns/lookup  nodes %6zu  bytes %8zu  reshapes %llu\n", wn, names[i],
               best[i], st.nodes, st.bytes, (unsigned long long)st.reshapes);
    }
    size_t n = rtm__adaptive_subtrees(rs[5]->impl, NULL, 0), np = 0;
    rtm__adaptive_subtree_info *inf = calloc(n + 1, sizeof *inf);
    if (!inf)
        abort();
    rtm__adaptive_subtrees(rs[5]->impl, inf, n);
    for (size_t i = 0; i < n; i++)
        np += inf[i].encoding == RTM__ADAPTIVE_PACKED;
    printf("[%s] own policy: 20 ticks, %d re-encodings, %zu of %zu subtrees packed\n", wn, fired,
           np, n);
    free(inf);
    /* node visits per lookup */
    double v[3] = {0, 0, 0};
    size_t m = nseq < 100000 ? nseq : 100000;
    for (size_t i = 0; i < m; i++) {
        const req *q = &rq[seq[i]];
        rtm_result res;
        size_t x = 0;
        rtm__trie_match_counted(rs[0]->impl, RTM_GET, q->p, q->n, 0, &res, &x);
        v[0] += (double)x;
#if RTM_HAVE_RADIX
        rtm__radix_match_counted(rs[1]->impl, RTM_GET, q->p, q->n, 0, &res, &x);
        v[1] += (double)x;
#endif
        rtm__adaptive_match_counted(rs[4]->impl, RTM_GET, q->p, q->n, 0, &res, &x);
        v[2] += (double)x;
    }
    printf("[%s] nodes visited per lookup: trie %.2f  radix %.2f  adaptive (packed, heat) %.2f\n",
           wn, v[0] / (double)m, v[1] / (double)m, v[2] / (double)m);
    for (int i = 0; i < N; i++)
        if (rs[i])
            rtm_free(rs[i]);
}

static void sampling(const rtm__table *t, const req *rq, const uint32_t *seq, size_t nseq)
{
    /* 4000000000 never samples: the control row, the difference between
     * two identical unsampled routers (heap placement, noise) */
    static const uint32_t ks[] = {1, 16, 32, 64, 128, 256, 512, 4000000000u};
    for (int enc = 0; enc < 2; enc++) {
        rtm_router *base = make(RTM_ALGO_ADAPTIVE, 4000000000u, t); /* never samples */
        if (enc)
            pack_all(base);
        double per_sample = 0, tb = 0;
        for (size_t k = 0; k < sizeof ks / sizeof ks[0]; k++) {
            rtm_router *rs[2] = {base, make(RTM_ALGO_ADAPTIVE, ks[k], t)};
            if (enc)
                pack_all(rs[1]);
            double best[2];
            best_of_rounds(rs, 2, rq, seq, nseq, best);
            if (ks[k] == 1) {
                per_sample = best[1] - best[0];
                tb = best[0];
            }
            printf("[sampling, %s] K=%-10u unsampled %6.1f ns  K %6.1f ns  measured %+5.1f%%  "
                   "per-sample cost / K %+5.2f%%\n",
                   enc ? "packed" : "trie enc", ks[k], best[0], best[1],
                   100.0 * (best[1] - best[0]) / best[0], 100.0 * per_sample / ks[k] / tb);
            rtm_free(rs[1]);
        }
        printf("[sampling, %s] one sampled lookup costs %.0f ns more than an unsampled one "
               "(%.1f ns)\n",
               enc ? "packed" : "trie enc", per_sample, tb);
        rtm_free(base);
    }
}

static void epoch_cost(void)
{
    for (int mode = 0; mode < 2; mode++) {
        int saved = atomic_load(&rtm__epoch_asym);
        if (mode == 0 && !saved) {
            printf("epoch: membarrier mode unavailable here\n");
            continue;
        }
        /* Only this thread reads: switching modes here is safe. */
        atomic_store(&rtm__epoch_asym, mode == 0 ? 1 : 0);
        double best = 1e18;
        for (int k = 0; k < 10; k++) {
            double t0 = now();
            for (int i = 0; i < 2000000; i++) {
                rtm__epoch_rec *e = rtm__epoch_enter();
                rtm__epoch_exit(e);
            }
            double ns = (now() - t0) * 1e9 / 2000000;
            if (ns < best)
                best = ns;
        }
        printf("epoch enter+exit (%s mode): %.2f ns\n", mode == 0 ? "membarrier" : "fence", best);
        atomic_store(&rtm__epoch_asym, saved);
    }
}

/* The cache model's misses per lookup through a subtree (sampling every
 * lookup), for the comparison with cachegrind in the README. */
static void model(const rtm__table *t, const req *rq, const uint32_t *seq, size_t nseq,
                  const char *wn)
{
    for (int enc = 0; enc < 2; enc++) {
        rtm_router *r = make(RTM_ALGO_ADAPTIVE, 1, t);
        if (enc)
            pack_all(r);
        rtm__cachemodel_reset();
        size_t n = nseq < 200000 ? nseq : 200000;
        run(r, rq, seq, n);
        rtm__adaptive_step(r->impl, NULL);
        size_t ns = rtm__adaptive_subtrees(r->impl, NULL, 0);
        rtm__adaptive_subtree_info *inf = calloc(ns + 1, sizeof *inf);
        if (!inf)
            abort();
        rtm__adaptive_subtrees(r->impl, inf, ns);
        double miss = 0, look = 0;
        for (size_t i = 0; i < ns; i++) {
            miss += inf[i].miss_ratio * inf[i].samples;
            look += inf[i].samples;
        }
        printf("[%s] model (%s): %.3f misses per lookup (%s)\n", wn, enc ? "packed" : "trie enc",
               look ? miss / look : 0.0, rtm__metrics_source());
        free(inf);
        rtm_free(r);
    }
}

int main(int argc, char **argv)
{
    rtm__table t;
    char err[256];
    if (argc < 2 || rtm__table_read(&t, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "usage: adaptive_measure TABLE.routes[.gz] [zipf_exponent] [--model]\n");
        return 2;
    }
    double s = argc > 2 && argv[2][0] != '-' ? atof(argv[2]) : 1.1;
    int only_model = argc > 2 && strcmp(argv[argc - 1], "--model") == 0;
    req *rq = calloc(t.n, sizeof *rq);
    size_t nseq = 2000000;
    uint32_t *uni = malloc(nseq * sizeof *uni), *zip = malloc(nseq * sizeof *zip);
    uint32_t *perm = malloc(t.n * sizeof *perm);
    double *cdf = malloc(t.n * sizeof *cdf), acc = 0;
    if (!rq || !uni || !zip || !perm || !cdf)
        abort();
    for (size_t i = 0; i < t.n; i++)
        rq[i] = make_hit(t.lines[i].pattern, t.lines[i].pattern_len);
    /* Zipf ranks over a random permutation of the routes */
    for (size_t i = 0; i < t.n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = t.n; i > 1; i--) {
        size_t j = xr() % i;
        uint32_t x = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = x;
    }
    for (size_t i = 0; i < t.n; i++)
        cdf[i] = (acc += 1.0 / pow((double)(i + 1), s));
    for (size_t i = 0; i < nseq; i++) {
        uni[i] = (uint32_t)(xr() % t.n);
        double u = (double)(xr() >> 11) / 9007199254740992.0 * acc;
        size_t lo = 0, hi = t.n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (cdf[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        zip[i] = perm[lo];
    }
    rtm__epoch_init();
    printf("table %s: %zu routes; Zipf exponent %.2f; metric source %s; epoch mode %s\n", argv[1],
           t.n, s, rtm__metrics_source(), rtm__epoch_mode());
    model(&t, rq, uni, nseq, "uniform");
    model(&t, rq, zip, nseq, "zipf");
    if (only_model)
        return 0;
    lookups(&t, rq, uni, nseq, "uniform");
    lookups(&t, rq, zip, nseq, "zipf");
    sampling(&t, rq, zip, nseq);
    epoch_cost();
    return 0;
}
