/* SPDX-License-Identifier: MIT */
/* routematch-ratio: how fast one algorithm is against the others on one
 * table and one request stream, measured so that the machine's noise weighs
 * on every algorithm alike.
 *
 * routematch-bench times each algorithm's repetitions one after another, so
 * a neighbour that takes the core for a few seconds slows one algorithm and
 * not the next, and the ratio of two medians moves by 10-20% from run to
 * run on a shared machine. Here every router is built first and warmed up
 * (the adaptive one for P policy periods, as the benchmark does), then R
 * rounds run: in each round every algorithm, and the hash floor, does the
 * same L lookups of the stream, in an order rotated every round, on the
 * thread's CPU clock. A round gives one ratio per algorithm against the
 * candidate (the rate of the faster of the others over the candidate's);
 * the median of the rounds' ratios is the figure to quote. The lookups of
 * a round are the same requests for everyone, so each round also checks
 * that all routers found the same number of routes.
 *
 * Not responsible for tables (workload.c) or for the figures the benchmark
 * reports beyond the rate (nodes, cache lines: routematch-bench).
 *
 * usage: routematch-ratio [--routes FILE] [--zipf[=S]] [--algorithms LIST]
 *        [--candidate NAME] [--rounds R] [--slot-ms MS] [--policy-warmup P]
 *        [--seed N] [--min-stream N] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashfloor.h"
#include "routematch.h"
#include "workload.h"

#define MAX_ROUNDS 1000

typedef struct options {
    const char *routes;
    double zipf;
    bool algos[RTM_ALGO_COUNT];
    rtm_algorithm candidate; /* RTM_ALGO_DEFAULT: adaptive when listed, else the last */
    unsigned rounds;
    double slot_s;
    double policy_periods;
    uint64_t seed;
    size_t min_stream;
    bool brief; /* one line of name=value fields */
} options;

/* One contestant: a router, or the hash floor (router NULL). */
typedef struct contestant {
    const char *name;
    rtm_algorithm algo;
    rtm_router *router;
    double ns[MAX_ROUNDS]; /* ns per lookup in each round */
    size_t found;          /* of the last round */
} contestant;

static const char usage[] =
    "usage: routematch-ratio [options]\n"
    "  --routes FILE        route table (plain or .gz; default data/routes/github.routes)\n"
    "  --zipf[=S]           Zipf-skewed requests (S = 1.1), else uniform\n"
    "  --algorithms LIST    comma-separated (default trie,radix,adaptive: those\n"
    "                       compiled in)\n"
    "  --candidate NAME     the algorithm the others are held against (default\n"
    "                       adaptive when listed, else the last of LIST)\n"
    "  --rounds R           interleaved rounds (default 15)\n"
    "  --slot-ms MS         about how long the slowest algorithm's share of a round\n"
    "                       lasts (default 100)\n"
    "  --policy-warmup P    policy periods of warm-up for a router with a\n"
    "                       background policy (default 3)\n"
    "  --seed N, --min-stream N   as routematch-bench (defaults 1, 4096)\n"
    "  --brief              the medians and the ratio on one line\n";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0, n), by linear interpolation; sorts a copy. */
static double quantile(const double *v, unsigned n, double q)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, n * sizeof *v);
    qsort(s, n, sizeof *s, cmp_double);
    double x = q * (n - 1);
    unsigned i = (unsigned)x;
    return i + 1 < n ? s[i] + (x - i) * (s[i + 1] - s[i]) : s[n - 1];
}

static int parse_args(int argc, char **argv, options *o)
{
    o->rounds = 15;
    o->slot_s = 0.1;
    o->policy_periods = 3;
    o->seed = 1;
    o->min_stream = 4096;
    const char *algos = NULL, *cand = NULL;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(s, "--zipf")) {
            o->zipf = 1.1;
            continue;
        }
        if (!strncmp(s, "--zipf=", 7)) {
            o->zipf = strtod(s + 7, NULL);
            continue;
        }
        if (!strcmp(s, "--brief")) {
            o->brief = true;
            continue;
        }
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            exit(0);
        }
        if (!v) {
            fprintf(stderr, "routematch-ratio: unknown option or missing value: %s\n%s", s, usage);
            return -1;
        }
        i++;
        if (!strcmp(s, "--routes"))
            o->routes = v;
        else if (!strcmp(s, "--algorithms"))
            algos = v;
        else if (!strcmp(s, "--candidate"))
            cand = v;
        else if (!strcmp(s, "--rounds"))
            o->rounds = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(s, "--slot-ms"))
            o->slot_s = strtod(v, NULL) / 1e3;
        else if (!strcmp(s, "--policy-warmup"))
            o->policy_periods = strtod(v, NULL);
        else if (!strcmp(s, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(s, "--min-stream"))
            o->min_stream = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "routematch-ratio: unknown option %s\n%s", s, usage);
            return -1;
        }
    }
    if (o->rounds < 1 || o->rounds > MAX_ROUNDS || !(o->slot_s > 0) || o->policy_periods < 0) {
        fprintf(stderr,
                "routematch-ratio: rounds must be 1..%d, slot-ms and policy-warmup "
                "positive\n",
                MAX_ROUNDS);
        return -1;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", algos ? algos : "trie,radix,adaptive");
    rtm_algorithm last = RTM_ALGO_DEFAULT;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        rtm_algorithm a;
        if (rtm_algorithm_from_name(tok, &a) == 0 && !rtm_algorithm_available(a) && !algos)
            continue; /* the default list: what this build has of it */
        if (rtm_algorithm_from_name(tok, &a) != 0 || !rtm_algorithm_available(a)) {
            fprintf(stderr, "routematch-ratio: algorithm '%s' unknown or not compiled in\n", tok);
            return -1;
        }
        if (a == RTM_ALGO_DEFAULT)
            a = rtm_algorithm_default();
        o->algos[a] = true;
        last = a;
    }
    o->candidate = o->algos[RTM_ALGO_ADAPTIVE] ? RTM_ALGO_ADAPTIVE : last;
    if (cand && (rtm_algorithm_from_name(cand, &o->candidate) != 0 || !o->algos[o->candidate])) {
        fprintf(stderr, "routematch-ratio: candidate '%s' is not among the algorithms\n", cand);
        return -1;
    }
    return 0;
}

/* Lookups [from, from + n) of the stream (wrapping), by c's router or the
 * floor; returns how many found a route (or a floor string). */
static size_t run_lookups(const contestant *c, const hashfloor *fl, const wl_requests *q,
                          size_t from, size_t n)
{
    size_t found = 0, i = from % q->n;
    rtm_result res;
    for (size_t k = 0; k < n; k++) {
        const wl_req *r = &q->v[i];
        if (c->router)
            found +=
                rtm_match(c->router, (rtm_method)r->method, r->path, r->len, &res) == RTM_FOUND;
        else
            found += (size_t)hashfloor_lookup(fl, r->path, r->len);
        if (++i == q->n)
            i = 0;
    }
    return found;
}

/* Build c's router over the whole pool; -1 when that fails. */
static int build(contestant *c, const wl_pool *pool)
{
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (rtm_create(&c->router, c->algo, &cfg) != 0)
        return -1;
    size_t rejected = 0;
    wl_pool_build(pool, c->router, pool->nbase, 0, &rejected);
    if (rejected)
        fprintf(stderr, "routematch-ratio: WARNING: %s rejected %zu route(s)\n", c->name, rejected);
    return 0;
}

/* The candidate's target against the fastest other router (issue 4's
 * lookup-rate target under skewed traffic); rounds at or above it are
 * counted. */
#define TARGET_RATIO 1.15

/* The report: each contestant's median ns (p25-p75) and multiple of the
 * floor, then the candidate against the fastest other router per round.
 * Brief: all of it on one line of name=value fields. */
static void report(const contestant *cs, unsigned nc, unsigned cand, const options *o,
                   const char *file)
{
    unsigned R = o->rounds;
    if (o->brief) {
        const char *base = strrchr(file, '/');
        printf("%-24s %-7s", base ? base + 1 : file, o->zipf > 0 ? "zipf" : "uniform");
    } else {
        printf("%-10s %10s %10s %10s %8s\n", "", "median ns", "p25", "p75", "x floor");
    }
    for (unsigned k = 0; k < nc; k++) {
        double x[MAX_ROUNDS];
        for (unsigned r = 0; r < R; r++)
            x[r] = cs[k].ns[r] / cs[0].ns[r];
        if (o->brief)
            printf(" %s=%.1f", cs[k].name, quantile(cs[k].ns, R, 0.5));
        else
            printf("%-10s %10.1f %10.1f %10.1f %8.2f\n", cs[k].name, quantile(cs[k].ns, R, 0.5),
                   quantile(cs[k].ns, R, 0.25), quantile(cs[k].ns, R, 0.75), quantile(x, R, 0.5));
    }
    if (nc < 3) {
        if (o->brief)
            putchar('\n');
        return;
    }
    /* per round: the fastest router other than the candidate, over it */
    double ratio[MAX_ROUNDS];
    unsigned above = 0;
    for (unsigned r = 0; r < R; r++) {
        double best = INFINITY;
        for (unsigned k = 1; k < nc; k++)
            if (k != cand && cs[k].ns[r] < best)
                best = cs[k].ns[r];
        ratio[r] = best / cs[cand].ns[r];
        above += ratio[r] >= TARGET_RATIO;
    }
    if (o->brief) {
        printf(" ratio=%.3f p25=%.3f p75=%.3f at_target=%u/%u\n", quantile(ratio, R, 0.5),
               quantile(ratio, R, 0.25), quantile(ratio, R, 0.75), above, R);
        return;
    }
    printf("\n%s against the faster of", cs[cand].name);
    for (unsigned k = 1, first = 1; k < nc; k++)
        if (k != cand) {
            printf("%s %s", first ? "" : ",", cs[k].name);
            first = 0;
        }
    printf(" (rate ratio, per round): median %.3fx, p25 %.3f, p75 %.3f, min %.3f, max %.3f; "
           ">= %.2fx in %u of %u rounds\n",
           quantile(ratio, R, 0.5), quantile(ratio, R, 0.25), quantile(ratio, R, 0.75),
           quantile(ratio, R, 0), quantile(ratio, R, 1), TARGET_RATIO, above, R);
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    char err[512], def[1024];
    snprintf(def, sizeof def, "%s/github.routes", RTM_BENCH_DATA_DIR);
    const char *file = o.routes ? o.routes : def;
    wl_pool pool;
    wl_requests q;
    memset(&q, 0, sizeof q);
    if (wl_pool_load(&pool, &file, 1, RTM_ALGO_DEFAULT, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "routematch-ratio: %s\n", err);
        return 1;
    }
    if (wl_requests_generate(&q, &pool, pool.nbase, o.min_stream, o.zipf, o.seed) != 0) {
        fprintf(stderr, "routematch-ratio: out of memory generating requests\n");
        return 1;
    }

    /* contestant 0 is the floor, then the routers in enum order */
    contestant *cs = calloc(RTM_ALGO_COUNT + 1, sizeof *cs);
    hashfloor fl;
    if (!cs || hashfloor_build(&fl, q.v, q.n) != 0) {
        fprintf(stderr, "routematch-ratio: out of memory\n");
        return 1;
    }
    unsigned nc = 1, cand = 0;
    cs[0].name = "floor";
    for (unsigned a = 1; a < RTM_ALGO_COUNT; a++) {
        if (!o.algos[a])
            continue;
        contestant *c = &cs[nc];
        c->algo = (rtm_algorithm)a;
        c->name = rtm_algorithm_name(c->algo);
        if (build(c, &pool) != 0) {
            fprintf(stderr, "routematch-ratio: cannot create a %s router\n", c->name);
            return 1;
        }
        if (c->algo == o.candidate)
            cand = nc;
        nc++;
    }

    /* Warm-up: a router with a background policy sees the stream for P
     * periods and a quarter; then everyone does one pass, timed, which sets
     * the round's length from the slowest. */
    size_t cursor = 0;
    for (unsigned k = 1; k < nc; k++) {
        rtm_stats st;
        rtm_get_stats(cs[k].router, &st);
        if (!(st.metric_source && st.metric_source[0]) || o.policy_periods == 0)
            continue;
        double t0 = wl_now();
        for (; wl_now() - t0 < (o.policy_periods + 0.25) * WL_POLICY_PERIOD_S; cursor += 4096)
            run_lookups(&cs[k], &fl, &q, cursor, 4096);
        rtm_get_stats(cs[k].router, &st);
        if (!o.brief)
            printf("%s: warmed up %.2f s: %llu reshape(s), hot index of %zu route(s), front %s\n",
                   cs[k].name, wl_now() - t0, (unsigned long long)st.reshapes, st.hot_routes,
                   st.front);
    }
    double slowest = 0;
    for (unsigned k = 0; k < nc; k++) {
        double t0 = wl_cpu_now();
        run_lookups(&cs[k], &fl, &q, 0, q.n);
        double ns = (wl_cpu_now() - t0) * 1e9 / (double)q.n;
        slowest = ns > slowest ? ns : slowest;
    }
    size_t per_slot = (size_t)(o.slot_s * 1e9 / (slowest > 1 ? slowest : 1));
    per_slot = per_slot < q.n ? q.n : per_slot;
    if (!o.brief)
        printf("table: %s (%zu routes; %zu lines the SPEC rejects left out), %zu requests %s, %u "
               "rounds of %zu lookups each, order rotated every round\n",
               file, pool.nbase, pool.rejected, q.n, o.zipf > 0 ? "Zipf" : "uniform", o.rounds,
               per_slot);
    if (o.zipf > 0 && !o.brief)
        printf("zipf exponent: %.2f\n", o.zipf);

    int bad = 0;
    for (unsigned r = 0; r < o.rounds; r++) {
        size_t from = (size_t)r * per_slot;
        for (unsigned j = 0; j < nc; j++) {
            contestant *c = &cs[(j + r) % nc];
            double t0 = wl_cpu_now();
            size_t found = run_lookups(c, &fl, &q, from, per_slot);
            c->ns[r] = (wl_cpu_now() - t0) * 1e9 / (double)per_slot;
            c->found = found;
        }
        for (unsigned k = 2; k < nc; k++)
            if (cs[k].found != cs[1].found) {
                fprintf(stderr, "routematch-ratio: round %u: %s found %zu routes, %s %zu\n", r,
                        cs[1].name, cs[1].found, cs[k].name, cs[k].found);
                bad = 1;
            }
    }
    report(cs, nc, cand, &o, file);
    if (cand && !o.brief) {
        rtm_stats st;
        rtm_get_stats(cs[cand].router, &st);
        if (st.metric_source && st.metric_source[0])
            printf("%s after the rounds: %llu reshape(s), hot index of %zu route(s), front %s\n",
                   cs[cand].name, (unsigned long long)st.reshapes, st.hot_routes, st.front);
    }

    for (unsigned k = 1; k < nc; k++)
        rtm_free(cs[k].router);
    hashfloor_free(&fl);
    free(cs);
    wl_requests_free(&q);
    wl_pool_free(&pool);
    return bad;
}
