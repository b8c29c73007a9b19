/* SPDX-License-Identifier: MIT */
/* Concurrency of the adaptive algorithm, meant to run under ThreadSanitizer
 * and AddressSanitizer as well as plainly: reader threads matching while the
 * reshaper runs flat out get only the reference's answers; the router's own
 * policy thread reshaping under live traffic changes no answer; freeing a
 * router while its thread is in the middle of a tick is safe and leaks
 * nothing; no reader thread ever allocates, with the thread running; many
 * short-lived reader threads (epoch records claimed and given back). Reader
 * threads never call CUnit: they count mismatches, the main thread asserts. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_step, rtm__adaptive_subtrees */
#include "routes_file.h"                  /* rtm__table_read, rtm__table_add */
#include "test_alloc.h"
#include "test_cases.h"
#include "test_file.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* ---- A table, its requests and the reference's answers ---- */

typedef struct cc_fixture {
    rtm__table t; /* the routes */
    rt_reqs q;    /* requests: the case's .req lines and generated ones */
    char **want;  /* the reference's verbose answer per request */
    const char *name;
} cc_fixture;

static void cc_load(cc_fixture *f, const rt_case *c, size_t stride)
{
    char routes[1024], req[1024], err[512];
    f->name = c->name;
    rt_case_routes(c, routes, sizeof routes);
    if (rtm__table_read(&f->t, routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    rt_reqs_init(&f->q);
    rt_lines L;
    if (!rt_lines_read(&L, rt_spec_file(c->name, "req", req, sizeof req)))
        RTM_TEST_FAIL("cannot read %s", req);
    for (size_t i = 0; i < L.n; i++) {
        const char *m, *p;
        size_t ml, pl;
        rt_request_split(L.at[i], L.len[i], &m, &ml, &p, &pl);
        rt_reqs_push(&f->q, rtm_method_parse(m, ml), p, pl);
    }
    rt_lines_free(&L);
    for (size_t i = 0; i < f->t.n; i++)
        rt_reqs_learn(&f->q, f->t.lines[i].pattern, f->t.lines[i].pattern_len);
    for (size_t i = 0; i < f->t.n; i += stride)
        rt_reqs_from_pattern(&f->q, f->t.lines[i].pattern, f->t.lines[i].pattern_len);
    rtm_router *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rtm__table_add(ref, &f->t, NULL, c->name, NULL);
    f->want = calloc(f->q.n, sizeof *f->want);
    ASSERT_NOT_NULL(f->want);
    char line[4096];
    for (size_t i = 0; i < f->q.n; i++) {
        rtm_result res;
        rtm_match(ref, (rtm_method)f->q.v[i].method, f->q.v[i].path, f->q.v[i].len, &res);
        f->want[i] = strdup(rt_format(&res, f->q.v[i].path, f->q.v[i].len, 1, line, sizeof line));
        ASSERT_NOT_NULL(f->want[i]);
    }
    rtm_free(ref);
}

static void cc_free(cc_fixture *f)
{
    for (size_t i = 0; i < f->q.n; i++)
        free(f->want[i]);
    free(f->want);
    rt_reqs_free(&f->q);
    rtm__table_free(&f->t);
}

/* The golden case called `name`. */
static const rt_case *cc_case(const char *name)
{
    for (size_t i = 0; i < rt_ncases; i++) {
        if (strcmp(rt_cases[i].name, name) == 0)
            return &rt_cases[i];
    }
    RTM_TEST_FAIL("no golden case %s", name);
}

/* ---- Reader threads ---- */

typedef struct cc_reader {
    pthread_t tid;
    const rtm_router *r;
    const cc_fixture *f;
    size_t start;              /* first request index (readers start apart) */
    atomic_int *stop;          /* set by the main thread */
    atomic_size_t *lookups;    /* total lookups, all readers */
    atomic_size_t *mismatches; /* answers that differ from the reference */
    char first_bad[512];       /* the first mismatch, for the message */
} cc_reader;

static _Thread_local int cc_in_reader; /* this thread is a reader (allocation check) */

static void *cc_reader_main(void *p)
{
    cc_reader *rd = p;
    char line[4096];
    size_t i = rd->start, n = rd->f->q.n, done = 0;
    cc_in_reader = 1;
    while (!atomic_load_explicit(rd->stop, memory_order_relaxed)) {
        const rt_req *rq = &rd->f->q.v[i];
        rtm_result res;
        memset(&res, 0xA5, sizeof res);
        rtm_match(rd->r, (rtm_method)rq->method, rq->path, rq->len, &res);
        const char *got = rt_format(&res, rq->path, rq->len, 1, line, sizeof line);
        if (strcmp(got, rd->f->want[i]) != 0) {
            if (atomic_fetch_add(rd->mismatches, 1) == 0)
                snprintf(rd->first_bad, sizeof rd->first_bad, "request %zu: got %s, want %s", i,
                         got, rd->f->want[i]);
        }
        if (++i == n)
            i = 0;
        done++;
    }
    atomic_fetch_add(rd->lookups, done);
    cc_in_reader = 0;
    return NULL;
}

#define CC_READERS 3

typedef struct cc_pool {
    cc_reader rd[CC_READERS];
    atomic_int stop;
    atomic_size_t lookups, mismatches;
} cc_pool;

static void cc_start(cc_pool *pool, const rtm_router *r, const cc_fixture *f)
{
    atomic_init(&pool->stop, 0);
    atomic_init(&pool->lookups, 0);
    atomic_init(&pool->mismatches, 0);
    for (size_t k = 0; k < CC_READERS; k++) {
        cc_reader *rd = &pool->rd[k];
        *rd = (cc_reader){.r = r,
                          .f = f,
                          .start = k * f->q.n / CC_READERS,
                          .stop = &pool->stop,
                          .lookups = &pool->lookups,
                          .mismatches = &pool->mismatches};
        ASSERT_EQ_INT(pthread_create(&rd->tid, NULL, cc_reader_main, rd), 0);
    }
}

/* Stop and join the readers; fail on any mismatch. */
static size_t cc_finish(cc_pool *pool)
{
    atomic_store(&pool->stop, 1);
    for (size_t k = 0; k < CC_READERS; k++)
        pthread_join(pool->rd[k].tid, NULL);
    size_t bad = atomic_load(&pool->mismatches);
    if (bad) {
        for (size_t k = 0; k < CC_READERS; k++) {
            if (pool->rd[k].first_bad[0])
                RTM_TEST_FAIL("%zu mismatches; %s", bad, pool->rd[k].first_bad);
        }
    }
    RTM_TEST_PASS();
    return atomic_load(&pool->lookups);
}

static double cc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void cc_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* One tick with pseudo-random figures per subtree (every other tick: every
 * subtree fires and is re-packed) and for the front, so that the radix
 * mirror and the own encodings take turns answering. */
static int cc_step_random(rtm_router *r, uint64_t *seed, size_t tick)
{
    size_t n = rtm__adaptive_subtrees(r->impl, NULL, 0);
    double *e = malloc((n ? n : 1) * sizeof *e), *m = malloc((n ? n : 1) * sizeof *m);
    if (!e || !m)
        abort();
    for (size_t i = 0; i < n; i++) {
        uint64_t x = rt_rand(seed);
        bool all = (tick & 1) == 0;
        e[i] = all || (x & 1) ? 0.1 : 0.9;
        m[i] = all || (x & 2) ? 0.9 : 0.0;
    }
    rtm__adaptive_metrics inj = {.count = n,
                                 .entropy = e,
                                 .miss_ratio = m,
                                 .budget = (tick & 1) ? 1 + (size_t)(rt_rand(seed) % 3000) : 0,
                                 .repack = true,
                                 .front_cost = (rt_rand(seed) & 1) ? 50.0 : 200.0,
                                 .front_cost_held = (rt_rand(seed) & 4) ? 100.0 : 0,
                                 .static_share =
                                     (rt_rand(seed) & 2) ? 0.9 : 0.1}; /* the map asked or not */
    int rc = rtm__adaptive_step(r->impl, &inj);
    free(e);
    free(m);
    return rc;
}

/* ---- Tests ---- */

/* Readers on three threads while the main thread re-encodes subtrees as
 * fast as it can (every tick re-packs many subtrees) and publishes
 * hot-route indexes: one of every route every third tick, and the ticks'
 * own from the readers' sampled winners. */
TEST(concurrency, readers_get_reference_answers_while_reshaping)
{
    static const char *const names[] = {"github", "tricky", "kubernetes"};
    for (size_t c = 0; c < sizeof names / sizeof names[0]; c++) {
        cc_fixture f;
        cc_load(&f, cc_case(names[c]), 4);
        rtm_test_set_context(f.name);
        rtm_config cfg = {0};
        cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
        cfg.adaptive_sample_every = 3; /* sampled walks race with reshapes too */
        rtm_router *r = NULL;
        ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
        rtm__table_add(r, &f.t, NULL, f.name, NULL);
        cc_pool pool;
        cc_start(&pool, r, &f);
        uint64_t seed = 42 + c;
        size_t ticks = 0, reshaped = 0, mirror_ticks = 0, turns = 0;
        double until = cc_now() + 1.5;
        while (cc_now() < until || ticks < 20) {
            if (ticks % 3 == 0)
                ASSERT_OK(rtm__adaptive_hot_build_all(r->impl));
            int k = cc_step_random(r, &seed, ticks++);
            ASSERT_TRUE(k >= 0);
            reshaped += (size_t)k;
            rtm_stats st;
            rtm_get_stats(r, &st);
            mirror_ticks += strcmp(st.front, "radix") == 0;
            /* a trial's turns between the fronts, under the readers */
            rtm__adaptive_front_slice(r->impl);
            rtm_stats after;
            rtm_get_stats(r, &after);
            turns += strcmp(st.front, "radix") != strcmp(after.front, "radix");
        }
        size_t lookups = cc_finish(&pool);
        rtm__adaptive_hot_info hi;
        rtm__adaptive_hot(r->impl, &hi);
        printf("\n    %s: %zu ticks (%zu with the mirror answering, %zu trial turns), %zu "
               "re-encodings, %llu hot indexes, %zu concurrent lookups",
               f.name, ticks, mirror_ticks, turns, reshaped, (unsigned long long)hi.builds,
               lookups);
        ASSERT_GT_UINT(reshaped, 20);
        ASSERT_GT_UINT(mirror_ticks, 0);
        ASSERT_GT_UINT(turns, 0);
        ASSERT_GT_UINT(ticks, mirror_ticks);
        ASSERT_LE_UINT(ticks / 3, hi.builds);
        ASSERT_GT_UINT(lookups, 1000);
        const char *why;
        ASSERT_EQ_INT(rtm__adaptive_check(r->impl, &why), 0);
        rtm_free(r);
        rtm_test_set_context(NULL);
        cc_free(&f);
    }
}

/* The router's own thread, ticking every millisecond with thresholds that
 * let sampled figures fire, under live traffic. */
TEST(concurrency, policy_thread_under_live_traffic)
{
    cc_fixture f;
    cc_load(&f, cc_case("github"), 4);
    rtm_config cfg = {0};
    cfg.adaptive_period_ms = 1;
    cfg.adaptive_sample_every = 2;
    cfg.adaptive_entropy_max = 2.0; /* any entropy */
    cfg.adaptive_miss_min = 1e-9;   /* any miss */
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    rtm__table_add(r, &f.t, NULL, f.name, NULL);
    cc_pool pool;
    cc_start(&pool, r, &f);
    cc_sleep_us(1500 * 1000);
    size_t lookups = cc_finish(&pool);
    rtm_stats st;
    rtm_get_stats(r, &st);
    rtm__adaptive_hot_info hi;
    rtm__adaptive_hot(r->impl, &hi);
    printf("\n    %zu lookups, %llu re-encodings and %llu hot indexes by the policy thread (%s)",
           lookups, (unsigned long long)st.reshapes, (unsigned long long)hi.builds,
           st.metric_source);
    ASSERT_GT_UINT(lookups, 1000);
    rtm_free(r);
    cc_free(&f);
}

/* rtm_free while the policy thread is (likely) in the middle of a tick:
 * the free waits for the tick, joins the thread, and every byte comes back.
 * The thread is made busy: 1 ms period, every lookup sampled, rule always
 * true, and a large table whose subtrees take a while to pack. */
TEST(concurrency, free_while_the_thread_is_mid_tick)
{
    char routes[1024], err[512];
    rtm__table t;
    rt_case_routes(cc_case("github"), routes, sizeof routes);
    if (rtm__table_read(&t, routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    uint64_t seed = 7;
    size_t reshapes = 0;
    for (int round = 0; round < 40; round++) {
        rtm_test_alloc ta;
        rtm_test_alloc_init(&ta);
        rtm_config cfg = {0};
        cfg.allocator = &ta.hooks;
        cfg.adaptive_period_ms = 1;
        cfg.adaptive_sample_every = 1;
        cfg.adaptive_entropy_max = 2.0;
        cfg.adaptive_miss_min = 1e-9;
        rtm_router *r = NULL;
        ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
        if (round % 8 != 7) {
            rtm__table_add(r, &t, NULL, "github", NULL);
            for (size_t i = 0; i < t.n; i++) {
                rtm_result res;
                rtm_match(r, RTM_GET, t.lines[i].pattern, t.lines[i].pattern_len, &res);
            }
            cc_sleep_us((long)(rt_rand(&seed) % 4000));
        } /* else: free right after create, the thread barely started */
        rtm_stats st;
        rtm_get_stats(r, &st);
        reshapes += st.reshapes;
        rtm_free(r);
        ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&ta), 0);
        ASSERT_EQ_UINT(rtm_test_alloc_live_blocks(&ta), 0);
        ASSERT_TRUE(rtm_test_alloc_sane(&ta));
    }
    printf("\n    %zu re-encodings by the threads over 40 routers", reshapes);
    ASSERT_GT_UINT(reshapes, 0);
    rtm__table_free(&t);
}

/* An allocator that counts the allocations made on reader threads. */
typedef struct cc_alloc {
    rtm_test_alloc base;
    atomic_size_t reader_calls;
} cc_alloc;

static cc_alloc cc_counting;

static void *cc_malloc(void *ctx, size_t size)
{
    (void)ctx;
    if (cc_in_reader)
        atomic_fetch_add(&cc_counting.reader_calls, 1);
    return cc_counting.base.hooks.malloc(cc_counting.base.hooks.ctx, size);
}

static void *cc_realloc(void *ctx, void *p, size_t o, size_t n)
{
    (void)ctx;
    if (cc_in_reader)
        atomic_fetch_add(&cc_counting.reader_calls, 1);
    return cc_counting.base.hooks.realloc(cc_counting.base.hooks.ctx, p, o, n);
}

static void cc_free_hook(void *ctx, void *p, size_t size)
{
    (void)ctx;
    if (cc_in_reader)
        atomic_fetch_add(&cc_counting.reader_calls, 1);
    cc_counting.base.hooks.free(cc_counting.base.hooks.ctx, p, size);
}

TEST(concurrency, no_allocation_on_the_match_path_with_the_thread_running)
{
    cc_fixture f;
    cc_load(&f, cc_case("github"), 8);
    rtm_test_alloc_init(&cc_counting.base);
    atomic_init(&cc_counting.reader_calls, 0);
    rtm_allocator hooks = {cc_malloc, cc_realloc, cc_free_hook, NULL};
    rtm_config cfg = {0};
    cfg.allocator = &hooks;
    cfg.adaptive_period_ms = 1;
    cfg.adaptive_sample_every = 2;
    cfg.adaptive_entropy_max = 2.0;
    cfg.adaptive_miss_min = 1e-9;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    rtm__table_add(r, &f.t, NULL, f.name, NULL);
    uint64_t before = rtm_test_alloc_calls(&cc_counting.base);
    cc_pool pool;
    cc_start(&pool, r, &f);
    uint64_t seed = 99;
    size_t forced = 0;
    double until = cc_now() + 1.0;
    for (size_t tick = 0; cc_now() < until; tick++) {
        int k = cc_step_random(r, &seed, tick); /* besides the thread's own ticks */
        ASSERT_TRUE(k >= 0);
        forced += (size_t)k;
    }
    size_t lookups = cc_finish(&pool);
    uint64_t after = rtm_test_alloc_calls(&cc_counting.base);
    printf("\n    %zu lookups on reader threads, %zu forced re-encodings, %llu allocations by "
           "the writer side, %zu by readers",
           lookups, forced, (unsigned long long)(after - before),
           atomic_load(&cc_counting.reader_calls));
    ASSERT_EQ_UINT(atomic_load(&cc_counting.reader_calls), 0);
    ASSERT_GT_UINT(after - before, 0); /* the reshaper did allocate meanwhile */
    ASSERT_GT_UINT(lookups, 1000);
    rtm_free(r);
    ASSERT_EQ_UINT(rtm_test_alloc_live_bytes(&cc_counting.base), 0);
    cc_free(&f);
}

/* Many short-lived reader threads: each claims an epoch record on its first
 * lookup and gives it back at exit; more thread lifetimes than records. */
static void *cc_short_reader(void *p)
{
    cc_reader *rd = p;
    char line[4096];
    for (size_t k = 0; k < 8; k++) {
        size_t i = (rd->start + k * 131) % rd->f->q.n;
        const rt_req *rq = &rd->f->q.v[i];
        rtm_result res;
        rtm_match(rd->r, (rtm_method)rq->method, rq->path, rq->len, &res);
        if (strcmp(rt_format(&res, rq->path, rq->len, 1, line, sizeof line), rd->f->want[i]) != 0)
            atomic_fetch_add(rd->mismatches, 1);
    }
    return NULL;
}

TEST(concurrency, short_lived_reader_threads)
{
    cc_fixture f;
    cc_load(&f, cc_case("tricky"), 1);
    rtm_config cfg = {0};
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, RTM_ALGO_ADAPTIVE, &cfg));
    rtm__table_add(r, &f.t, NULL, f.name, NULL);
    atomic_size_t bad;
    atomic_init(&bad, 0);
    enum { WAVE = 24, WAVES = 30 }; /* 720 thread lifetimes > RTM__EPOCH_SLOTS (512) */
    cc_reader rd[WAVE];
    uint64_t seed = 3;
    for (int w = 0; w < WAVES; w++) {
        for (int k = 0; k < WAVE; k++) {
            rd[k] =
                (cc_reader){.r = r, .f = &f, .start = (size_t)(w * WAVE + k), .mismatches = &bad};
            ASSERT_EQ_INT(pthread_create(&rd[k].tid, NULL, cc_short_reader, &rd[k]), 0);
        }
        ASSERT_TRUE(cc_step_random(r, &seed, (size_t)w) >= 0);
        for (int k = 0; k < WAVE; k++)
            pthread_join(rd[k].tid, NULL);
    }
    ASSERT_EQ_UINT(atomic_load(&bad), 0);
    rtm_free(r);
    cc_free(&f);
}
