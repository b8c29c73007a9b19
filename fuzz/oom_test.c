/* SPDX-License-Identifier: MIT */
/* Out of memory, for every compiled algorithm: an allocator that fails at
 * each allocation in turn, under rtm_create, rtm_add, rtm_remove and (with
 * the adaptive algorithm) rtm__adaptive_step and writes into packed
 * subtrees. Two modes: only the k-th allocation fails ("single"), or the
 * k-th and every one after it ("sticky").
 *
 * After every call that fails with RTM_ENOMEM the router must be exactly as
 * before: the same answer to every request (status, route, params, 405 set,
 * hint), the same stats (routes, nodes, bytes), the same live blocks and
 * bytes in the allocator; the adaptive tree must pass rtm__adaptive_check.
 * When the call gets through (the k-th allocation was never reached), its
 * result and the answers must be those of an unhindered run. After rtm_free
 * nothing may be left allocated, and every free must have passed the size
 * that was allocated. Under the fuzz/asan build LeakSanitizer watches too.
 *
 * Usage: oom_test [--algo NAME]...   Exit status 1 on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_model.h" /* fuzz_result_diff, fuzz_print_result */
#include "routematch.h"
#if RTM_HAVE_ADAPTIVE
#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_step, rtm__adaptive_check */
#include "router_internal.h"              /* struct rtm_router: the impl */
#endif

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* ---- The failing allocator ---- */

typedef struct oom_alloc {
    rtm_allocator hooks;
    unsigned long calls;   /* malloc + realloc attempts */
    unsigned long fail_at; /* 0: never; else the attempt number that fails */
    bool sticky;           /* ... and every later one */
    unsigned long failed;  /* attempts failed on purpose */
    size_t live_blocks, live_bytes;
    unsigned long bad; /* frees with a wrong size or a foreign pointer */
} oom_alloc;

#define MAGIC_LIVE 0x6F6F6D21u
#define MAGIC_DEAD 0x64656164u

typedef union hdr {
    struct {
        size_t size;
        unsigned magic;
    } h;
    max_align_t align;
} hdr;

static bool fail_now(oom_alloc *a)
{
    unsigned long n = ++a->calls;
    if (a->fail_at && (n == a->fail_at || (a->sticky && n > a->fail_at))) {
        a->failed++;
        return true;
    }
    return false;
}

static void *oom_malloc(void *ctx, size_t size)
{
    oom_alloc *a = ctx;
    if (fail_now(a))
        return NULL;
    hdr *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->h.size = size;
    h->h.magic = MAGIC_LIVE;
    a->live_blocks++;
    a->live_bytes += size;
    return h + 1;
}

static hdr *header_of(oom_alloc *a, void *p, size_t size)
{
    hdr *h = (hdr *)p - 1;
    if (h->h.magic != MAGIC_LIVE || h->h.size != size) {
        a->bad++;
        return h->h.magic == MAGIC_LIVE ? h : NULL;
    }
    return h;
}

static void *oom_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    oom_alloc *a = ctx;
    if (!p)
        return oom_malloc(ctx, new_size);
    if (fail_now(a))
        return NULL;
    hdr *h = header_of(a, p, old_size);
    if (!h)
        return NULL;
    size_t had = h->h.size;
    hdr *g = realloc(h, sizeof *g + new_size);
    if (!g)
        return NULL;
    g->h.size = new_size;
    a->live_bytes += new_size;
    a->live_bytes -= had;
    return g + 1;
}

static void oom_free(void *ctx, void *p, size_t size)
{
    oom_alloc *a = ctx;
    if (!p)
        return;
    hdr *h = header_of(a, p, size);
    if (!h)
        return;
    a->live_blocks--;
    a->live_bytes -= h->h.size;
    h->h.magic = MAGIC_DEAD;
    free(h);
}

static void oom_init(oom_alloc *a)
{
    memset(a, 0, sizeof *a);
    a->hooks = (rtm_allocator){oom_malloc, oom_realloc, oom_free, a};
}

static void arm(oom_alloc *a, unsigned long k, bool sticky)
{
    a->failed = 0;
    a->sticky = sticky;
    a->fail_at = k ? a->calls + k : 0;
}

/* ---- The table, the requests, the operations ---- */

typedef struct route {
    unsigned methods;
    const char *pattern;
} route;

#define G   RTM_METHOD_BIT(RTM_GET)
#define P   RTM_METHOD_BIT(RTM_POST)
#define U   RTM_METHOD_BIT(RTM_PUT)
#define D   RTM_METHOD_BIT(RTM_DELETE)
#define ANY RTM_METHODS_ANY

static const route base[] = {
    {G, "/"},
    {G, "/users"},
    {G, "/users/"},
    {G, "/users/new"},
    {G, "/users/{id}"},
    {G, "/users/{id}/edit"},
    {U | D, "/users/{uid}"},
    {ANY, "/users/{id}/ping"},
    {G, "/users/me/ping"},
    {G, "/files/{*path}"},
    {G, "/files/readme"},
    {P, "/files/{name}.{ext}"},
    {G, "/img/{name}.png"},
    {G, "/img/{name}.{ext}"},
    {G, "/img/thumb-{name}.png"},
    {G, "/img/{name}"},
    {G, "/v{major}.{minor}/status"},
    {G, "/v{major}/status"},
    {G, "/repos/{owner}/{repo}/compare/{base}...{head}"},
    {G, "/ops/{name}:cancel"},
    {G, "/ops/{name}"},
    {G, "/geo/@{lat},{lon}"},
    {G, "/legacy/:id/*rest"},
    {G, "/a/{x}/c"},
    {G, "/a/b/{y}"},
    {G, "/a/b/d"},
    {G | P, "/api/v1/accounts/{account}/keys/{key}"},
    {G, "/api/v1/accounts/{account}/keys"},
    {G, "/api/v2/{*rest}"},
    {ANY, "/opt/{*any}"},
};

static const char *const requests[] = {
    "/",
    "/users",
    "/users/",
    "/users/new",
    "/users/42",
    "/users/42/",
    "/users/new/edit",
    "/users/7/ping",
    "/users/me/ping",
    "/users/7/posts/9",
    "/files/readme",
    "/files/a/b/c",
    "/files/archive.tar.gz",
    "/img/cat.png",
    "/img/cat.jpg",
    "/img/thumb-cat.png",
    "/img/cat",
    "/img/cat.gif",
    "/v1.2/status",
    "/v10/status",
    "/v1.2.3/status",
    "/repos/o/r/compare/main...dev",
    "/ops/op1:cancel",
    "/ops/op1:stop",
    "/ops/op1",
    "/geo/@1.5,2.5",
    "/legacy/9/x/y",
    "/a/b/c",
    "/a/b/d",
    "/a/z/c",
    "/api/v1/accounts/7/keys/k",
    "/api/v1/accounts/7/keys",
    "/api/v1/accounts/7/keys/",
    "/api/v2/x/y",
    "/api/v3",
    "/brand/new/path/x/y",
    "/opt/x",
    "/nothing",
};

#define NREQ (sizeof requests / sizeof requests[0])
static const unsigned req_methods[] = {RTM_GET, RTM_POST, RTM_PUT, RTM_DELETE, RTM_METHOD_OTHER};
#define NMETH (sizeof req_methods / sizeof req_methods[0])

typedef struct oper {
    bool remove;
    unsigned methods;
    const char *pattern;
} oper;

static const oper opers[] = {
    {false, G, "/users/{id}/posts/{post}"},        /* deeper branch under a param */
    {false, G, "/img/{name}.gif"},                 /* a mixed sibling */
    {false, P, "/users/new"},                      /* another method on a shape */
    {false, G | U | D, "/brand/new/path/{*rest}"}, /* a new subtree, three bindings */
    {false, ANY, "/ops/{name}:stop"},              /* ANY, mixed */
    {false, G, "/v{major}.{minor}.{patch}/status"},
    {false, G, "/api/v1/accounts/{a}/keys/{k}/x"}, /* deep, under a shared chain */
    {false, G, "/api/v3"},
    {false, G, "/users/"},   /* a conflict */
    {true, G, "/users/{x}"}, /* leaf shrinks (PUT, DELETE stay) */
    {true, U | D, "/users/{x}"},
    {true, G, "/files/{*p}"},
    {true, G, "/img/{a}.{b}"},
    {true, ANY, "/users/{id}/ping"},
    {true, G, "/"},
    {true, G, "/a/b/d"},
    {true, G | P, "/api/v1/accounts/{a}/keys/{b}"}, /* prunes a chain */
    {true, G, "/api/v2/{*r}"},
    {true, P, "/nope"}, /* ENOENT */
};

/* ---- Router helpers ---- */

typedef struct answers {
    rtm_result res[NREQ * NMETH];
    char names[NREQ * NMETH][RTM_MAX_PARAMS][64]; /* copies: names die with routes */
} answers;

static void snapshot(const rtm_router *r, answers *a)
{
    for (size_t i = 0; i < NREQ; i++) {
        for (size_t m = 0; m < NMETH; m++) {
            rtm_result *res = &a->res[i * NMETH + m];
            rtm_match(r, (rtm_method)req_methods[m], requests[i], strlen(requests[i]), res);
            for (unsigned p = 0; p < res->nparams; p++) {
                size_t n = res->params[p].name_len < 63 ? res->params[p].name_len : 63;
                memcpy(a->names[i * NMETH + m][p], res->params[p].name, n);
                res->params[p].name = a->names[i * NMETH + m][p];
                res->params[p].name_len = n;
            }
        }
    }
}

static bool same_answers(const answers *x, const answers *y, const char *what)
{
    for (size_t k = 0; k < NREQ * NMETH; k++) {
        const char *d = fuzz_result_diff(&x->res[k], &y->res[k]);
        if (d) {
            fprintf(stderr, "%s: %s method %u: %s differs\n", what, requests[k / NMETH],
                    req_methods[k % NMETH], d);
            fuzz_print_result("  got: ", &x->res[k], requests[k / NMETH]);
            fuzz_print_result("  want:", &y->res[k], requests[k / NMETH]);
            return false;
        }
    }
    return true;
}

static rtm_router *make(rtm_algorithm algo, oom_alloc *a)
{
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.allocator = a ? &a->hooks : NULL;
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    rtm_router *r = NULL;
    int rc = rtm_create(&r, algo, &cfg);
    if (rc != 0) {
        fprintf(stderr, "rtm_create: %s\n", rtm_strerror(rc));
        exit(2);
    }
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        rc = rtm_add(r, base[i].methods, base[i].pattern, strlen(base[i].pattern), (uint32_t)i + 1,
                     NULL, NULL);
        CHECK(rc == 0, "base route %s: %s", base[i].pattern, rtm_strerror(rc));
    }
    return r;
}

static int apply(rtm_router *r, const oper *op, uint32_t id)
{
    size_t n = strlen(op->pattern);
    if (op->remove)
        return rtm_remove(r, op->methods, op->pattern, n, NULL);
    return rtm_add(r, op->methods, op->pattern, n, id, NULL, NULL);
}

#if RTM_HAVE_ADAPTIVE
/* Every subtree's rule fires: pack them all. */
static int pack_all(rtm_router *r)
{
    static double entropy[256], miss[256];
    for (size_t i = 0; i < 256; i++) {
        entropy[i] = 0.0;
        miss[i] = 1.0;
    }
    rtm__adaptive_metrics m;
    memset(&m, 0, sizeof m);
    m.count = 256;
    m.entropy = entropy;
    m.miss_ratio = miss;
    m.budget = 1u << 20;
    m.repack = true;
    return rtm__adaptive_step(r->impl, &m);
}

static void check_adaptive(const rtm_router *r, rtm_algorithm algo, const char *what)
{
    if (algo != RTM_ALGO_ADAPTIVE)
        return;
    const char *why = NULL;
    CHECK(rtm__adaptive_check(r->impl, &why) == 0, "%s: adaptive invariant: %s", what,
          why ? why : "?");
}
#else
static void check_adaptive(const rtm_router *r, rtm_algorithm algo, const char *what)
{
    (void)r;
    (void)algo;
    (void)what;
}
#endif

static void check_freed(const oom_alloc *a, const char *what)
{
    CHECK(a->live_blocks == 0 && a->live_bytes == 0, "%s: %zu blocks (%zu bytes) leaked", what,
          a->live_blocks, a->live_bytes);
    CHECK(a->bad == 0, "%s: %lu frees with a wrong size or pointer", what, a->bad);
}

/* ---- The scenarios ---- */

static unsigned long test_create(rtm_algorithm algo, bool sticky)
{
    unsigned long k;
    for (k = 1;; k++) {
        oom_alloc a;
        oom_init(&a);
        rtm_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.allocator = &a.hooks;
        cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
        arm(&a, k, sticky);
        rtm_router *r = NULL;
        int rc = rtm_create(&r, algo, &cfg);
        bool hit = a.failed > 0;
        arm(&a, 0, false);
        if (rc == 0) {
            CHECK(r != NULL, "create returned 0 without a router");
            rtm_free(r);
        } else {
            CHECK(rc == RTM_ENOMEM && hit, "create: %s (allocation failed: %d)", rtm_strerror(rc),
                  (int)hit);
        }
        check_freed(&a, "create");
        if (!hit)
            return k;
    }
}

/* One operation with the k-th allocation failing, for k = 1, 2, ... until
 * the operation needs fewer than k allocations. Returns the count of k. */
static unsigned long test_oper(rtm_algorithm algo, const oper *op, bool packed, bool sticky)
{
    const char *name = rtm_algorithm_name(algo);
    char what[160];
    /* What an unhindered run gives. */
    rtm_router *ok = make(algo, NULL);
#if RTM_HAVE_ADAPTIVE
    if (packed)
        pack_all(ok);
#endif
    int want_rc = apply(ok, op, 1000);
    static answers after, before, now;
    snapshot(ok, &after);
    rtm_free(ok);

    unsigned long k;
    for (k = 1;; k++) {
        oom_alloc a;
        oom_init(&a);
        rtm_router *r = make(algo, &a);
#if RTM_HAVE_ADAPTIVE
        if (packed)
            CHECK(pack_all(r) >= 0, "packing failed");
#endif
        snapshot(r, &before);
        rtm_stats s0, s1;
        rtm_get_stats(r, &s0);
        size_t blocks = a.live_blocks, bytes = a.live_bytes;

        arm(&a, k, sticky);
        int rc = apply(r, op, 1000);
        bool hit = a.failed > 0;
        arm(&a, 0, false);

        snprintf(what, sizeof what, "%s %s %s%s k=%lu %s", name, op->remove ? "remove" : "add",
                 op->pattern, packed ? " (packed)" : "", k, sticky ? "sticky" : "single");
        snapshot(r, &now);
        rtm_get_stats(r, &s1);
        check_adaptive(r, algo, what);
        if (rc == RTM_ENOMEM) {
            CHECK(hit, "%s: ENOMEM without a failed allocation", what);
            CHECK(same_answers(&now, &before, what), "%s: answers changed after ENOMEM", what);
            CHECK(s1.routes == s0.routes && s1.nodes == s0.nodes && s1.bytes == s0.bytes,
                  "%s: stats changed after ENOMEM: routes %zu->%zu nodes %zu->%zu bytes %zu->%zu",
                  what, s0.routes, s1.routes, s0.nodes, s1.nodes, s0.bytes, s1.bytes);
            CHECK(a.live_blocks == blocks && a.live_bytes == bytes,
                  "%s: allocator holds %zu blocks / %zu bytes, had %zu / %zu", what, a.live_blocks,
                  a.live_bytes, blocks, bytes);
        } else {
            CHECK(rc == want_rc, "%s: rc %d, unhindered %d", what, rc, want_rc);
            CHECK(same_answers(&now, &after, what), "%s: answers differ from unhindered run", what);
        }
        rtm_free(r);
        check_freed(&a, what);
        if (!hit)
            return k;
        if (k > 100000) {
            CHECK(0, "%s: still failing after 100000 allocations", what);
            return k;
        }
    }
}

#if RTM_HAVE_ADAPTIVE
static unsigned long test_reshape(bool sticky)
{
    static answers before, now;
    unsigned long k;
    char what[96];
    for (k = 1;; k++) {
        oom_alloc a;
        oom_init(&a);
        rtm_router *r = make(RTM_ALGO_ADAPTIVE, &a);
        snapshot(r, &before);
        rtm_stats s0, s1;
        rtm_get_stats(r, &s0);
        arm(&a, k, sticky);
        int rc = pack_all(r);
        bool hit = a.failed > 0;
        arm(&a, 0, false);
        snprintf(what, sizeof what, "adaptive reshape k=%lu %s", k, sticky ? "sticky" : "single");
        check_adaptive(r, RTM_ALGO_ADAPTIVE, what);
        snapshot(r, &now);
        rtm_get_stats(r, &s1);
        CHECK(same_answers(&now, &before, what), "%s: answers changed", what);
        CHECK(s1.routes == s0.routes, "%s: routes changed", what);
        CHECK(rc >= 0 || (rc == RTM_ENOMEM && hit), "%s: rc %d", what, rc);
        /* A later tick without failures still works, and answers stay. */
        int rc2 = pack_all(r);
        CHECK(rc2 >= 0, "%s: the next tick failed: %d", what, rc2);
        check_adaptive(r, RTM_ALGO_ADAPTIVE, what);
        snapshot(r, &now);
        CHECK(same_answers(&now, &before, what), "%s: answers changed after the next tick", what);
        rtm_free(r);
        check_freed(&a, what);
        if (!hit)
            return k;
    }
}
#endif

int main(int argc, char **argv)
{
    bool chosen[RTM_ALGO_COUNT] = {false};
    bool any_chosen = false;
    for (int i = 1; i < argc; i++) {
        rtm_algorithm a;
        if (strcmp(argv[i], "--algo") == 0 && i + 1 < argc &&
            rtm_algorithm_from_name(argv[i + 1], &a) == 0 && rtm_algorithm_available(a)) {
            chosen[a] = any_chosen = true;
            i++;
        } else {
            fprintf(stderr, "usage: %s [--algo NAME]...\n", argv[0]);
            return 2;
        }
    }
    for (int ai = RTM_ALGO_REFERENCE; ai < RTM_ALGO_COUNT; ai++) {
        rtm_algorithm algo = (rtm_algorithm)ai;
        if (!rtm_algorithm_available(algo) || (any_chosen && !chosen[ai]))
            continue;
        unsigned long total = 0;
        for (int sticky = 0; sticky < 2; sticky++) {
            total += test_create(algo, sticky);
            for (size_t i = 0; i < sizeof opers / sizeof opers[0]; i++) {
                total += test_oper(algo, &opers[i], false, sticky);
#if RTM_HAVE_ADAPTIVE
                if (algo == RTM_ALGO_ADAPTIVE)
                    total += test_oper(algo, &opers[i], true, sticky);
#endif
            }
#if RTM_HAVE_ADAPTIVE
            if (algo == RTM_ALGO_ADAPTIVE)
                total += test_reshape(sticky);
#endif
        }
        printf("%-9s %lu failing-allocation runs\n", rtm_algorithm_name(algo), total);
        fflush(stdout);
    }
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all out-of-memory checks passed\n");
    return 0;
}
