/* SPDX-License-Identifier: MIT */
/* A quick, standalone benchmark of one algorithm (radix by default) on one
 * route table: build time, bytes per route, nodes read per lookup, and
 * ns/lookup for hit requests in table order and shuffled, on one and two
 * threads, next to the hash floor (/work/shared/tools/hashfloor.c, one hash
 * and one compare per request) run on the very same request strings. Not
 * responsible for the project's benchmark suite (bench_main.c); this is the
 * radix author's quick check, built by hand or by a target the bench owner
 * adds.
 *
 * usage: quick_radix [--algorithm NAME] [--routes N] [--seconds S]
 *                    [--hashfloor PROGRAM] [--out DIR] TABLE.routes
 *
 * --routes N grows the table to N routes by repeating its accepted routes
 * under the static prefixes /t1, /t2, ... (the table itself is copy 0).
 * Requests: one hit per route, each param filled with a realistic value
 * chosen from its name (ids are digits, owners and repos are words, refs
 * are hex, catch-alls are file paths), the method the route's first. They
 * are written to DIR/requests.txt (table order) and DIR/requests.shuf.txt
 * (shuffled), one path per line, for the hash floor, and to
 * DIR/requests.req with their methods, for `routematch match`. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "routematch.h"
#include "routes_file.h" /* rtm__table_read */

#if RTM_HAVE_RADIX
#include "algorithms/radix/radix.h" /* rtm__radix_match_counted */
#include "router_internal.h"        /* struct rtm_router (impl) */
#endif

typedef struct req {
    const char *path; /* into the request buffer */
    uint32_t len;     /* bytes */
    uint32_t method;  /* rtm_method */
} req;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- Routes and requests ---- */

typedef struct route {
    char *pat;        /* pattern, owned */
    size_t len;       /* bytes */
    unsigned methods; /* method set */
} route;

static int has(const char *name, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (memcmp(name + i, word, w) == 0)
            return 1;
    return 0;
}

/* A realistic value for a parameter called name[0..n). */
static const char *value_for(const char *name, size_t n, int catchall, unsigned salt)
{
    static const char *const words[] = {"octocat", "hello-world", "linux",     "main",
                                        "alice",   "payments",    "eu-west-1", "prod"};
    if (catchall)
        return "docs/api/v2/readme.md";
    if (has(name, n, "sha") || has(name, n, "ref") || has(name, n, "hash"))
        return "6dcb09b5b57875f334f61aebed695e2e4193db5e";
    if (has(name, n, "id") || has(name, n, "Id") || has(name, n, "number") || has(name, n, "num") ||
        has(name, n, "ID"))
        return salt & 1 ? "1296269" : "42";
    if (has(name, n, "name") || has(name, n, "Name"))
        return salt & 1 ? "my-resource" : "backend";
    return words[salt % (sizeof words / sizeof *words)];
}

/* Write a hit request for pattern p into buf; returns its length. */
static size_t fill(const char *p, size_t len, char *buf, unsigned salt)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '{') {
            size_t j = i + 1;
            int ca = p[j] == '*';
            j += (size_t)ca;
            size_t s = j;
            while (p[j] != '}')
                j++;
            const char *v = value_for(p + s, j - s, ca, salt++);
            size_t vl = strlen(v);
            memcpy(buf + o, v, vl);
            o += vl;
            i = j;
        } else if ((p[i] == ':' || p[i] == '*') && (i == 0 || p[i - 1] == '/')) {
            /* legacy :name / *name: the whole segment */
            size_t j = i + 1;
            while (j < len && p[j] != '/')
                j++;
            const char *v = value_for(p + i + 1, j - i - 1, p[i] == '*', salt++);
            size_t vl = strlen(v);
            memcpy(buf + o, v, vl);
            o += vl;
            i = j - 1;
        } else {
            buf[o++] = p[i];
        }
    }
    return o;
}

static unsigned first_method(unsigned set)
{
    for (unsigned m = 0; m < RTM_METHOD_COUNT; m++)
        if (set & RTM_METHOD_BIT(m))
            return m;
    return RTM_GET; /* ANY */
}

/* ---- Timing ---- */

typedef struct loop_arg {
    const rtm_router *r;
    const req *v;
    size_t n;
    double seconds;
    uint64_t lookups; /* out */
    double elapsed;   /* out */
    uint64_t sink;    /* out: keeps the results alive */
} loop_arg;

static void *run_loop(void *p)
{
    loop_arg *a = p;
    rtm_result res;
    uint64_t sink = 0, done = 0;
    double t0 = now(), t;
    do {
        for (size_t i = 0; i < a->n; i++) {
            rtm_match(a->r, (rtm_method)a->v[i].method, a->v[i].path, a->v[i].len, &res);
            sink += res.route_id + res.nparams;
        }
        done += a->n;
    } while ((t = now()) - t0 < a->seconds);
    a->lookups = done;
    a->elapsed = t - t0;
    a->sink = sink;
    return NULL;
}

/* Best (lowest) ns/lookup of `reps` runs. */
static double time_lookups(const rtm_router *r, const req *v, size_t n, double seconds, int reps)
{
    double best = 1e30;
    for (int k = 0; k < reps; k++) {
        loop_arg a = {r, v, n, seconds, 0, 0, 0};
        run_loop(&a);
        double ns = a.elapsed * 1e9 / (double)a.lookups;
        if (ns < best)
            best = ns;
        if (a.sink == 42) /* never: uses the sink */
            fputc(' ', stderr);
    }
    return best;
}

/* Lookups per second on `threads` threads at once. */
static double throughput(const rtm_router *r, const req *v, size_t n, double seconds, int threads)
{
    pthread_t th[8];
    loop_arg a[8];
    for (int k = 0; k < threads; k++) {
        a[k] = (loop_arg){r, v, n, seconds, 0, 0, 0};
        pthread_create(&th[k], NULL, run_loop, &a[k]);
    }
    double total = 0;
    for (int k = 0; k < threads; k++) {
        pthread_join(th[k], NULL);
        total += (double)a[k].lookups / a[k].elapsed;
    }
    return total;
}

static double hashfloor(const char *prog, const char *file, double seconds)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s' %.2f", prog, file, seconds);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    double ns = -1;
    if (fscanf(f, "ns_per_lookup=%lf", &ns) != 1)
        ns = -1;
    pclose(f);
    return ns;
}

/* One request per line: the path alone (for the hash floor), or with the
 * method first as in the CLI's request files. */
static void write_requests(const char *file, const req *v, size_t n, int with_method)
{
    FILE *f = fopen(file, "wb");
    if (!f) {
        perror(file);
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        if (with_method)
            fprintf(f, "%s ", rtm_method_name((rtm_method)v[i].method));
        fwrite(v[i].path, 1, v[i].len, f);
        fputc('\n', f);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *algo_name = "radix", *floor_prog = NULL, *out = ".", *table = NULL;
    size_t want = 0;
    double seconds = 0.5;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--algorithm") && i + 1 < argc)
            algo_name = argv[++i];
        else if (!strcmp(argv[i], "--routes") && i + 1 < argc)
            want = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--hashfloor") && i + 1 < argc)
            floor_prog = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] != '-')
            table = argv[i];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    rtm_algorithm algo;
    if (!table || rtm_algorithm_from_name(algo_name, &algo) != 0) {
        fprintf(stderr, "usage: quick_radix [--algorithm NAME] [--routes N] [--seconds S] "
                        "[--hashfloor PROGRAM] [--out DIR] TABLE.routes\n");
        return 2;
    }
    rtm__table t;
    char err[512];
    if (rtm__table_read(&t, table, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    /* The accepted routes of the table (a scratch reference router says). */
    route *base = calloc(t.n, sizeof *base);
    size_t nbase = 0;
    rtm_router *chk;
    rtm_create(&chk, RTM_ALGO_REFERENCE, NULL);
    for (size_t i = 0; i < t.n; i++) {
        const rtm__table_line *l = &t.lines[i];
        if (!l->methods ||
            rtm_add(chk, l->methods, l->pattern, l->pattern_len, l->line, NULL, NULL) != 0)
            continue;
        base[nbase].pat = malloc(l->pattern_len + 1);
        memcpy(base[nbase].pat, l->pattern, l->pattern_len);
        base[nbase].len = l->pattern_len;
        base[nbase].methods = l->methods;
        nbase++;
    }
    rtm_free(chk);
    if (!want)
        want = nbase;

    /* The grown table: copy k under "/t<k>". */
    route *rs = calloc(want, sizeof *rs);
    for (size_t i = 0; i < want; i++) {
        const route *b = &base[i % nbase];
        size_t k = i / nbase;
        char pre[32];
        int pl = k ? snprintf(pre, sizeof pre, "/t%zu", k) : 0;
        rs[i].pat = malloc(b->len + (size_t)pl + 1);
        memcpy(rs[i].pat, pre, (size_t)pl);
        memcpy(rs[i].pat + pl, b->pat, b->len);
        rs[i].len = b->len + (size_t)pl;
        rs[i].methods = b->methods;
    }

    /* Build: best of three. */
    rtm_router *r = NULL;
    double build_best = 1e30;
    size_t rejected = 0;
    for (int rep = 0; rep < 3; rep++) {
        if (r)
            rtm_free(r);
        if (rtm_create(&r, algo, NULL) != 0) {
            fprintf(stderr, "algorithm %s not available\n", algo_name);
            return 1;
        }
        rejected = 0;
        double t0 = now();
        for (size_t i = 0; i < want; i++)
            rejected +=
                rtm_add(r, rs[i].methods, rs[i].pat, rs[i].len, (uint32_t)i + 1, NULL, NULL) != 0;
        double dt = now() - t0;
        if (dt < build_best)
            build_best = dt;
    }
    rtm_stats st;
    rtm_get_stats(r, &st);

    /* Requests: one hit per route, table order. */
    size_t cap = 0;
    for (size_t i = 0; i < want; i++)
        cap += rs[i].len * 2 + 256;
    char *buf = malloc(cap);
    req *v = calloc(want, sizeof *v);
    size_t off = 0;
    for (size_t i = 0; i < want; i++) {
        size_t n = fill(rs[i].pat, rs[i].len, buf + off, (unsigned)i);
        v[i] = (req){buf + off, (uint32_t)n, first_method(rs[i].methods)};
        off += n;
    }
    size_t hits = 0;
    rtm_result res;
    for (size_t i = 0; i < want; i++)
        hits += rtm_match(r, (rtm_method)v[i].method, v[i].path, v[i].len, &res) == RTM_FOUND;
    req *sv = malloc(want * sizeof *sv);
    memcpy(sv, v, want * sizeof *sv);
    for (size_t i = want; i > 1; i--) {
        size_t j = (size_t)(rng_next() % i);
        req tmp = sv[i - 1];
        sv[i - 1] = sv[j];
        sv[j] = tmp;
    }
    char f_in[1024], f_sh[1024], f_req[1024];
    snprintf(f_in, sizeof f_in, "%s/requests.txt", out);
    snprintf(f_sh, sizeof f_sh, "%s/requests.shuf.txt", out);
    snprintf(f_req, sizeof f_req, "%s/requests.req", out);
    write_requests(f_in, v, want, 0);
    write_requests(f_sh, sv, want, 0);
    write_requests(f_req, v, want, 1);

    double visits = -1;
#if RTM_HAVE_RADIX
    if (algo == RTM_ALGO_RADIX) {
        size_t sum = 0;
        for (size_t i = 0; i < want; i++) {
            size_t vis = 0;
            rtm__radix_match_counted(r->impl, v[i].method, v[i].path, v[i].len, 0, &res, &vis);
            sum += vis;
        }
        visits = (double)sum / (double)want;
    }
#endif

    double ns_in = time_lookups(r, v, want, seconds, 3);
    double ns_sh = time_lookups(r, sv, want, seconds, 3);
    double hf_in = floor_prog ? hashfloor(floor_prog, f_in, seconds) : -1;
    double hf_sh = floor_prog ? hashfloor(floor_prog, f_sh, seconds) : -1;
    double tp1 = throughput(r, sv, want, seconds * 2, 1);
    double tp2 = throughput(r, sv, want, seconds * 2, 2);

    printf("table=%s algorithm=%s routes=%zu rejected=%zu hits=%zu/%zu\n", table, algo_name,
           st.routes, rejected, hits, want);
    printf("build_ms=%.2f bytes=%zu bytes_per_route=%.1f nodes=%zu nodes_per_route=%.2f\n",
           build_best * 1e3, st.bytes, (double)st.bytes / (double)want, st.nodes,
           (double)st.nodes / (double)want);
    if (visits >= 0)
        printf("nodes_read_per_lookup=%.2f\n", visits);
    printf("in_order_ns=%.2f shuffled_ns=%.2f\n", ns_in, ns_sh);
    if (floor_prog)
        printf("hashfloor_in_order_ns=%.2f hashfloor_shuffled_ns=%.2f ratio_in_order=%.2f "
               "ratio_shuffled=%.2f ratio_shuffled_vs_floor_in_order=%.2f\n",
               hf_in, hf_sh, ns_in / hf_in, ns_sh / hf_sh, ns_sh / hf_in);
    printf("threads1=%.3g/s threads2=%.3g/s scaling=%.2f\n", tp1, tp2, tp2 / tp1);

    rtm_free(r);
    for (size_t i = 0; i < want; i++)
        free(rs[i].pat);
    for (size_t i = 0; i < nbase; i++)
        free(base[i].pat);
    free(rs);
    free(base);
    free(buf);
    free(v);
    free(sv);
    rtm__table_free(&t);
    return 0;
}
