/* SPDX-License-Identifier: MIT */
/* A fixed lookup loop for instruction-level profiles: builds one router
 * from a table and runs N lookups over the benchmark's own request stream
 * (bench/workload.c: realistic parameter values, request methods, uniform
 * or Zipf 1.1, seed 1), so that `valgrind --tool=callgrind` runs with
 * N = 0 and N = 100000 give instructions, branches, mispredictions and
 * simulated misses per lookup by difference. With TIME set in the
 * environment it prints the minimum ns per lookup of 30 rounds instead.
 * `pack` packs every subtree of an adaptive router after 100,000 sampled
 * lookups (hot-first layout from real heat), then stops sampling.
 * Environment: NOHOT=1 builds the adaptive router without its hot index;
 * K=n samples one lookup in n instead of the default (not with `pack`,
 * which samples every other lookup); NOSAMPLE=1 stops sampling once the
 * index is built (against a run without it: the sampling overhead with the
 * index in place); STREAM=n uses only the stream's first n requests (n = 1:
 * one path over and over, all in cache, the branch predictors trained).
 * MIRROR=1 lets the radix mirror answer, packed and with its exact-path
 * map as a tick would (an injected tick that starts a trial of it);
 * MIRROR=unpacked as built, route by route, without the map; NOEXACT=1
 * builds the router without the map.
 * TABLE may list several files separated by commas (the sweep's pool, in
 * the benchmark's order); ROUTES=n then builds the table of its first n
 * routes, as `routematch-bench --sweep --sizes n` does. TICKS=n replaces the
 * single tick by n rounds of 2,000,000 lookups and a policy tick (about
 * what the background thread sees in the benchmark's warm-up), then prints
 * how many subtrees the policy packed.
 * RELAYOUT=expand|colocate (with NOHOT=1; `expand` also with `pack`)
 * re-lays the trie encoding out before timing, to test whether placement
 * is what the tree walk loses to radix: `expand` turns every packed
 * subtree back into trie nodes (ad_expand: group by group, each node's
 * child array allocated right after it); `colocate` copies every trie
 * subtree in preorder with each node's child array in the node's own
 * allocation. The copies do not go back through the router's allocator,
 * so the program exits right after printing the time.
 * SPLIT=hit|miss times only the requests the hot index answers, or only
 * those it leaves to the tree (decided by the adaptive router itself, or
 * for the others and NOHOT=1 by an adaptive router built and warmed up
 * the same way). FULL=1 then publishes the index of every route it can
 * hold (with NOSAMPLE=1 no tick replaces it; with SPLIT=miss the count
 * printed is the requests it cannot answer).
 * Not part of the library or the tests; built by hand (README
 * "Reproducing").
 *
 * usage: lookup_profile TABLE trie|radix|adaptive N [uniform|zipf] [pack] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* _exit */

#include "adaptive_internal.h" /* struct rtm__impl: sample_every */
#include "router_internal.h"   /* struct rtm_router */
#include "workload.h"          /* wl_pool_*, wl_requests_* */

static volatile unsigned sink;

static void lookups(const rtm_router *r, const wl_requests *q, size_t n)
{
    rtm_result res;
    for (size_t i = 0; i < n; i++) {
        const wl_req *x = &q->v[i % q->n];
        rtm_match(r, (rtm_method)x->method, x->path, x->len, &res);
        sink += (unsigned)res.status;
    }
}

/* The measured lookups, a function of their own so that callgrind can
 * count them alone (--collect-atstart=no --toggle-collect=measured). */
__attribute__((noinline)) static void measured(const rtm_router *r, const wl_requests *q, size_t n)
{
    lookups(r, q, n);
}

/* No more sampled lookups on this thread (K beyond any run's length). */
static void stop_sampling(rtm_router *r)
{
    ad_set_sample_every(r->impl, UINT32_C(1) << 30);
}

static void pack_hot(rtm_router *r, const wl_requests *q)
{
    lookups(r, q, 100000);
    size_t n = rtm__adaptive_subtrees(r->impl, NULL, 0);
    double *e = calloc(n + 1, sizeof *e), *m = calloc(n + 1, sizeof *m);
    if (!e || !m)
        abort();
    for (size_t i = 0; i < n; i++)
        m[i] = 1.0;
    rtm__adaptive_metrics inj = {
        .count = n, .entropy = e, .miss_ratio = m, .budget = (size_t)-1, .repack = true};
    rtm__adaptive_step(r->impl, &inj);
    stop_sampling(r);
    free(e);
    free(m);
}

/* One policy tick after enough sampled lookups to fill the winners' ring:
 * the hot-route index as the background thread would build it. */
static void build_hot(rtm_router *r, const wl_requests *q)
{
    lookups(r, q, (size_t)AD_HOT_RING * r->impl->sample_every);
    rtm__adaptive_step(r->impl, NULL);
    rtm__adaptive_hot_info h;
    rtm__adaptive_hot(r->impl, &h);
    fprintf(stderr, "hot index: %zu routes%s, %zu nodes, cover %.3f\n", h.routes,
            h.full ? " (full)" : "", h.nodes, h.cover);
}

/* SPLIT=hit|miss: keep only the requests the published index answers, or
 * only those it leaves to the tree. */
static void split_stream(rtm_router *r, wl_requests *q, bool hits)
{
    size_t k = 0;
    for (size_t i = 0; i < q->n; i++)
        if (rtm__adaptive_hot_answers(r->impl, q->v[i].method, q->v[i].path, q->v[i].len) == hits)
            q->v[k++] = q->v[i];
    fprintf(stderr, "split: %zu of %zu requests (%s)\n", k, q->n, hits ? "hit" : "miss");
    q->n = k;
}

/* TICKS=n: the policy's own course over n periods of traffic. */
static void run_ticks(rtm_router *r, const wl_requests *q, unsigned ticks)
{
    double longest = 0;
    for (unsigned t = 0; t < ticks; t++) {
        lookups(r, q, 2000000);
        double t0 = wl_cpu_now();
        rtm__adaptive_step(r->impl, NULL);
        double dt = wl_cpu_now() - t0;
        longest = dt > longest ? dt : longest;
    }
    size_t n = rtm__adaptive_subtrees(r->impl, NULL, 0), packed = 0, judged = 0;
    rtm__adaptive_subtree_info *v = calloc(n + 1, sizeof *v);
    if (!v)
        abort();
    rtm__adaptive_subtrees(r->impl, v, n);
    for (size_t i = 0; i < n; i++) {
        packed += v[i].encoding == RTM__ADAPTIVE_PACKED;
        judged += v[i].samples >= RTM__ADAPTIVE_MIN_SAMPLES;
    }
    rtm__adaptive_hot_info h;
    rtm__adaptive_hot(r->impl, &h);
    fprintf(stderr,
            "after %u ticks (the longest %.1f ms): %zu of %zu subtrees packed, %zu judged in "
            "the last; hot index: %zu routes%s, %zu nodes, cover %.3f, %llu built; front %s, "
            "exact-path map %s\n",
            ticks, longest * 1e3, packed, n, judged, h.routes, h.full ? " (full)" : "", h.nodes,
            h.cover, (unsigned long long)h.builds, atomic_load(&r->impl->front) ? "radix" : "own",
            r->impl->fr.exact_on ? "on" : "off");
    free(v);
}

/* The policy's course for an adaptive router: TICKS=n rounds, or one
 * tick after the ring has filled. */
static void warm_up(rtm_router *r, const wl_requests *q)
{
    if (getenv("TICKS"))
        run_ticks(r, q, (unsigned)strtoul(getenv("TICKS"), NULL, 10));
    else
        build_hot(r, q);
}

static ad_tnode *colocated_copy(const ad_tnode *src, ad_tnode *parent);

/* Fill k (zeroed, sized for sk) with preorder copies of sk's children,
 * hung from parent. */
static void colocated_kids(ad_kids *k, const ad_kids *sk, ad_tnode *parent)
{
    k->n = sk->n;
    k->nstatic = sk->nstatic;
    k->hbits = ad_hbits(sk->nstatic);
    for (uint32_t j = 0; j < sk->n; j++)
        k->child[j] = colocated_copy(sk->child[j], parent);
    ad_kids_index(k);
}

/* RELAYOUT=colocate: a preorder copy of trie node src with its child
 * array in the same allocation, right after the node and its label. */
static ad_tnode *colocated_copy(const ad_tnode *src, ad_tnode *parent)
{
    const ad_kids *sk = ad_kids_of(src);
    size_t nb = (sizeof(ad_tnode) + src->label_len + 7) & ~(size_t)7;
    size_t kb = sk ? ad_kids_bytes(sk->n, sk->nstatic) : 0;
    char *chunk = calloc(1, nb + kb);
    if (!chunk)
        abort();
    ad_tnode *n = (ad_tnode *)(void *)chunk;
    memcpy(n, src, sizeof(ad_tnode) + src->label_len);
    n->parent = parent;
    atomic_store(&n->body, 0);
    if (sk) {
        ad_kids *k = (ad_kids *)(void *)(chunk + nb);
        colocated_kids(k, sk, n);
        atomic_store(&n->body, (uintptr_t)k);
    }
    return n;
}

/* RELAYOUT: re-lay every subtree below the root (see the top comment). */
static void relayout(rtm__impl *im, const char *how)
{
    const ad_kids *rk = ad_kids_of(im->root);
    bool colocate = strcmp(how, "colocate") == 0;
    for (uint32_t j = 0; rk && j < rk->n; j++) {
        ad_tnode *R = rk->child[j];
        uintptr_t body = atomic_load(&R->body);
        ad_kids *k = NULL;
        if (!colocate && (body & AD_PACKED)) {
            size_t made;
            if (ad_expand(im, (const ad_block *)(body & ~AD_PACKED), R, &k, &made) != 0)
                abort();
        } else if (colocate && body && !(body & AD_PACKED)) {
            const ad_kids *sk = (const ad_kids *)body;
            if (!(k = calloc(1, ad_kids_bytes(sk->n, sk->nstatic))))
                abort();
            colocated_kids(k, sk, R);
        }
        if (k)
            atomic_store(&R->body, (uintptr_t)k); /* the old body is left as it is */
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: lookup_profile TABLE trie|radix|adaptive N [uniform|zipf] [pack]\n");
        return 2;
    }
    const char *files[16];
    size_t nfiles = 0;
    for (char *f = strtok(argv[1], ","); f && nfiles < 16; f = strtok(NULL, ","))
        files[nfiles++] = f;
    const char *name = argv[2];
    size_t n = strtoul(argv[3], NULL, 10);
    double zipf = argc > 4 && strcmp(argv[4], "uniform") == 0 ? 0.0 : 1.1;
    int pack = argc > 5 && strcmp(argv[5], "pack") == 0;
    rtm_algorithm a = strcmp(name, "radix") == 0  ? RTM_ALGO_RADIX
                      : strcmp(name, "trie") == 0 ? RTM_ALGO_TRIE
                                                  : RTM_ALGO_ADAPTIVE;
    wl_pool pool;
    wl_requests q;
    char err[256];
    rtm_router *r;
    rtm_config cfg = {0};
    size_t rejected;
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    cfg.adaptive_sample_every = pack          ? 2
                                : getenv("K") ? (uint32_t)strtoul(getenv("K"), NULL, 10)
                                              : 0;
    if (getenv("NOHOT"))
        cfg.adaptive_flags |= RTM_ADAPTIVE_NO_HOT;
    if (getenv("NOEXACT"))
        cfg.adaptive_flags |= RTM_ADAPTIVE_NO_EXACT;
    if (wl_pool_load(&pool, files, nfiles, RTM_ALGO_REFERENCE, NULL, err, sizeof err) != 0 ||
        rtm_create(&r, a, &cfg) != 0) {
        fprintf(stderr, "lookup_profile: %s\n", err);
        return 1;
    }
    size_t nroutes = getenv("ROUTES") ? strtoul(getenv("ROUTES"), NULL, 10) : pool.nbase;
    nroutes = wl_pool_build(&pool, r, nroutes, 0, &rejected);
    fprintf(stderr, "table: %zu routes (%zu rejected)\n", nroutes - rejected, rejected);
    if (wl_requests_generate(&q, &pool, nroutes, 4096, zipf, 1) != 0)
        return 1;
    if (a == RTM_ALGO_ADAPTIVE)
        warm_up(r, &q);
    if (pack && a == RTM_ALGO_ADAPTIVE)
        pack_hot(r, &q);
    const char *relay = getenv("RELAYOUT");
    if (relay && a == RTM_ALGO_ADAPTIVE)
        relayout(r->impl, relay);
    if (getenv("FULL") && a == RTM_ALGO_ADAPTIVE && rtm__adaptive_hot_build_all(r->impl) != 0)
        return 1;
    if (getenv("NOSAMPLE") && a == RTM_ALGO_ADAPTIVE)
        stop_sampling(r);
    if (getenv("MIRROR") && a == RTM_ALGO_ADAPTIVE && r->impl->mirror) {
        if (strcmp(getenv("MIRROR"), "unpacked") == 0) {
            atomic_store(&r->impl->front, r->impl->mirror); /* no tick follows to undo it */
        } else { /* an injected tick starts a trial of the mirror: packed, then published */
            rtm__adaptive_metrics m = {0};
            m.front_cost = 100;
            double t0 = wl_cpu_now();
            if (!r->impl->fr.trial && r->impl->fr.incumbent == AD_FRONT_OWN &&
                rtm__adaptive_step(r->impl, &m) < 0)
                return 1;
            fprintf(stderr, "mirror published in %.2f ms (%llu packs, exact map of %zu paths)\n",
                    (wl_cpu_now() - t0) * 1e3, (unsigned long long)r->impl->fr.packs,
                    ad_exact_paths(r->impl->exact));
            if (!atomic_load(&r->impl->front))
                return 1;
        }
    }
    const char *split = getenv("SPLIT");
    if (split && a == RTM_ALGO_ADAPTIVE && !getenv("NOHOT")) {
        split_stream(r, &q, strcmp(split, "hit") == 0);
    } else if (split) { /* an adaptive router with an index decides */
        rtm_router *c;
        cfg.adaptive_flags &= ~(uint32_t)RTM_ADAPTIVE_NO_HOT;
        if (rtm_create(&c, RTM_ALGO_ADAPTIVE, &cfg) != 0)
            return 1;
        wl_pool_build(&pool, c, nroutes, 0, &rejected);
        warm_up(c, &q);
        split_stream(c, &q, strcmp(split, "hit") == 0);
        rtm_free(c);
    }
    if (getenv("STREAM")) {
        size_t m = strtoul(getenv("STREAM"), NULL, 10);
        if (m > 0 && m < q.n)
            q.n = m;
    }
    if (getenv("TIME")) {
        double best = 1e18;
        for (int k = 0; k < 30; k++) {
            double t0 = wl_cpu_now();
            lookups(r, &q, n);
            double t = (wl_cpu_now() - t0) * 1e9 / (double)n;
            best = t < best ? t : best;
        }
        printf("%s%s %.1f ns/lookup\n", name, pack ? "+pack" : "", best);
    } else {
        measured(r, &q, n);
    }
    if (relay && a == RTM_ALGO_ADAPTIVE) {
        fflush(stdout);
        _exit(0); /* the re-laid copies cannot go through rtm_free */
    }
    if (a == RTM_ALGO_ADAPTIVE) {
        rtm__adaptive_hot_info h;
        rtm__adaptive_hot(r->impl, &h);
        fprintf(stderr, "hot index: sampled lookups %u, answered by the index %u\n", h.tries,
                h.hits);
    }
    rtm_free(r);
    wl_requests_free(&q);
    wl_pool_free(&pool);
    return 0;
}
