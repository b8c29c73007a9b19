/* SPDX-License-Identifier: MIT */
/* Every shipped table through the API, for every algorithm: the table is
 * loaded with the project's loader (lib/routes_file.h), every request of
 * NAME.req is answered and formatted with lib/format.h and must equal
 * NAME.out byte for byte, with the routes added in file order, newest first
 * and shuffled (fixed seeds): insertion order never changes an answer.
 * Then generated hits and near misses are compared with the reference
 * matcher result by result (params' offsets and names included), and the
 * rejected lines are those of NAME.err. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"      /* rtm__format_result */
#include "routes_file.h" /* rtm__table_read, rtm__table_add */
#include "test_cases.h"
#include "test_file.h"
#include "test_internals.h"
#include "test_list.h"
#include "test_router.h"
#include "test_util.h"

/* A case's files, loaded once. */
typedef struct loaded {
    rtm__table t;      /* every route line */
    rtm__table ok;     /* the lines the file-order load accepts (shares t's buffer) */
    rt_lines req, out; /* requests and expected lines */
    char routes[1024]; /* the routes file */
} loaded;

static void load_case(const rt_case *c, loaded *L)
{
    char path[1024], err[512];
    rt_case_routes(c, L->routes, sizeof L->routes);
    if (rtm__table_read(&L->t, L->routes, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    if (!rt_lines_read(&L->req, rt_spec_file(c->name, "req", path, sizeof path)))
        RTM_TEST_FAIL("cannot read %s", path);
    if (!rt_lines_read(&L->out, rt_spec_file(c->name, "out", path, sizeof path)))
        RTM_TEST_FAIL("cannot read %s", path);
    ASSERT_EQ_UINT(L->req.n, L->out.n);
    ASSERT_GT_UINT(L->t.n, 0);
    /* The lines a file-order load accepts (by the reference), for the
     * other orders: conflicts are symmetric, so these never conflict. */
    L->ok = L->t;
    L->ok.lines = malloc(L->t.n * sizeof *L->ok.lines);
    ASSERT_NOT_NULL(L->ok.lines);
    L->ok.n = 0;
    rtm_router *probe = rt_new(RTM_ALGO_REFERENCE, NULL);
    for (size_t i = 0; i < L->t.n; i++) {
        const rtm__table_line *ln = &L->t.lines[i];
        if (ln->methods && ln->pattern_len &&
            rtm_add(probe, ln->methods, ln->pattern, ln->pattern_len, ln->line, NULL, NULL) == 0)
            L->ok.lines[L->ok.n++] = *ln;
    }
    rtm_free(probe);
}

static void free_case(loaded *L)
{
    free(L->ok.lines);
    rtm__table_free(&L->t);
    rt_lines_free(&L->req);
    rt_lines_free(&L->out);
}

/* Answer every request and compare with NAME.out; report up to 8
 * differences, then fail with their count. */
static void check_answers(const rtm_router *r, const loaded *L, const char *how)
{
    size_t bad = 0, cap = 1u << 16;
    char *line = malloc(cap);
    ASSERT_NOT_NULL(line);
    rt_settle(r);
    for (size_t i = 0; i < L->req.n; i++) {
        const char *meth, *path;
        size_t mlen, plen;
        rt_request_split(L->req.at[i], L->req.len[i], &meth, &mlen, &path, &plen);
        rtm_result res;
        memset(&res, 0xA5, sizeof res);
        rtm_match(r, rtm_method_parse(meth, mlen), path, plen, &res);
        size_t n = rtm__format_result(&res, path, line, cap);
        ASSERT_LT_INT(n, cap);
        if (n != L->out.len[i] || memcmp(line, L->out.at[i], n) != 0) {
            if (bad++ < 8) {
                char req[512];
                rtm_test_escape(L->req.at[i], L->req.len[i], req, sizeof req);
                fprintf(stderr, "  %s, request %zu \"%s\":\n    got  %s\n    want %.*s\n", how,
                        i + 1, req, line, (int)L->out.len[i], L->out.at[i]);
            }
        }
    }
    free(line);
    if (bad)
        RTM_TEST_FAIL("%s: %zu of %zu answers differ from the .out file (first ones above)", how,
                      bad, L->req.n);
}

static rtm_router *load_router(rtm_algorithm a, const rtm__table *t, const size_t *order,
                               const char *name, size_t *rejected, char **report,
                               size_t *report_size)
{
    rtm_router *r = rt_new(a, NULL);
    FILE *errs = open_memstream(report, report_size);
    ASSERT_NOT_NULL(errs);
    *rejected = rtm__table_add(r, t, order, name, errs);
    fclose(errs);
    return r;
}

/* Every compiled algorithm, every insertion order, on one case. */
static void golden_case(const rt_case *c)
{
    loaded L;
    memset(&L, 0, sizeof L);
    rtm_test_set_context(c->name);
    load_case(c, &L);
    rtm_test_set_context(NULL);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_set_context(c->name);
        /* File order: the rejected lines are exactly NAME.err's. */
        char *report = NULL;
        size_t report_size = 0, rejected;
        char label[1100];
        snprintf(label, sizeof label, "%s.routes", c->name);
        rtm_router *r = load_router(a, &L.t, NULL, label, &rejected, &report, &report_size);
        char prefix[1200];
        snprintf(prefix, sizeof prefix, "%s:", label);
        rt_check_report(c, report, report_size, prefix);
        free(report);
        check_answers(r, &L, "file order");
        ASSERT_EQ_UINT(L.ok.n + rejected, L.t.n);
        rtm_free(r);
        /* Newest first, then three shuffles. */
        size_t *order = malloc(L.ok.n * sizeof *order);
        ASSERT_NOT_NULL(order);
        for (int pass = 0; pass < 4; pass++) {
            for (size_t i = 0; i < L.ok.n; i++)
                order[i] = pass == 0 ? L.ok.n - 1 - i : i;
            if (pass > 0)
                rt_shuffle(order, L.ok.n, 0x5eed0000u + (uint64_t)pass);
            char how[64] = "reverse order";
            if (pass > 0)
                snprintf(how, sizeof how, "shuffle %d", pass);
            char *rep = NULL;
            size_t rep_size = 0, rej;
            r = load_router(a, &L.ok, order, label, &rej, &rep, &rep_size);
            if (rej != 0)
                RTM_TEST_FAIL("%s: %zu routes rejected: %.*s", how, rej, (int)rep_size, rep);
            free(rep);
            check_answers(r, &L, how);
            rtm_free(r);
        }
        free(order);
    }
    free_case(&L);
}

TEST(tables, golden_answers_in_every_insertion_order)
{
    for (size_t i = 0; i < rt_ncases; i++)
        golden_case(&rt_cases[i]);
}

/* Every algorithm, in file order, newest first and shuffled, against the
 * reference in file order, on one case. */
static void agree_case(const rt_case *c)
{
    loaded L;
    memset(&L, 0, sizeof L);
    rtm_test_set_context(c->name);
    load_case(c, &L);
    rtm_test_set_context(NULL);
    rt_reqs q;
    rt_reqs_init(&q);
    for (size_t i = 0; i < L.t.n; i++)
        rt_reqs_learn(&q, L.t.lines[i].pattern, L.t.lines[i].pattern_len);
    for (size_t i = 0; i < L.t.n; i++)
        rt_reqs_from_pattern(&q, L.t.lines[i].pattern, L.t.lines[i].pattern_len);
    rtm_router *ref = rt_new(RTM_ALGO_REFERENCE, NULL);
    rtm__table_add(ref, &L.t, NULL, c->name, NULL);
    rt_snapshot want;
    rt_snapshot_take(ref, &q, &want);
    rtm_free(ref);
    size_t *order = malloc((L.ok.n + 1) * sizeof *order);
    ASSERT_NOT_NULL(order);
    FOR_EACH_ALGORITHM(a)
    {
        for (int pass = 0; pass < 3; pass++) {
            static const char *const how[] = {"file order", "reverse order", "shuffled"};
            char ctx[128];
            snprintf(ctx, sizeof ctx, "%s, %s", c->name, how[pass]);
            rtm_test_set_context(ctx);
            if (pass == 0 && a == RTM_ALGO_REFERENCE)
                continue;
            for (size_t i = 0; i < L.ok.n; i++)
                order[i] = pass == 1 ? L.ok.n - 1 - i : i;
            if (pass == 2)
                rt_shuffle(order, L.ok.n, 0xfeed + (uint64_t)a);
            rtm_router *r = rt_new(a, NULL);
            if (pass == 0)
                rtm__table_add(r, &L.t, NULL, c->name, NULL);
            else
                ASSERT_EQ_UINT(rtm__table_add(r, &L.ok, order, c->name, NULL), 0);
            rt_snapshot got;
            rt_snapshot_take(r, &q, &got);
            ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_ANSWERS);
            rt_snapshot_free(&got);
            rtm_free(r);
        }
    }
    free(order);
    rt_snapshot_free(&want);
    rt_reqs_free(&q);
    free_case(&L);
}

/* Generated requests over every table: each algorithm's full results (route,
 * params with offsets and names, udata, allow set, hint) equal the
 * reference's. */
TEST(tables, generated_requests_agree_with_reference)
{
    for (size_t i = 0; i < rt_ncases; i++)
        agree_case(&rt_cases[i]);
}

/* The counted lookup of every tree algorithm, on every request of NAME.req
 * and every generated one: it reads no node twice (visits <= nodes) and
 * answers exactly as the plain lookup. */
static void visits_case(const rt_case *c)
{
    loaded L;
    memset(&L, 0, sizeof L);
    rtm_test_set_context(c->name);
    load_case(c, &L);
    rtm_test_set_context(NULL);
    rt_reqs q;
    rt_reqs_init(&q);
    for (size_t i = 0; i < L.t.n; i++)
        rt_reqs_learn(&q, L.t.lines[i].pattern, L.t.lines[i].pattern_len);
    for (size_t i = 0; i < L.t.n; i++)
        rt_reqs_from_pattern(&q, L.t.lines[i].pattern, L.t.lines[i].pattern_len);
    for (size_t i = 0; i < L.req.n; i++) {
        const char *meth, *path;
        size_t mlen, plen;
        rt_request_split(L.req.at[i], L.req.len[i], &meth, &mlen, &path, &plen);
        rt_reqs_push(&q, rtm_method_parse(meth, mlen), path, plen);
    }
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_set_context(c->name);
        rtm_router *r = rt_new(a, NULL);
        rtm__table_add(r, &L.t, NULL, c->name, NULL);
        rt_settle(r);
        ASSERT_INVARIANTS(r);
        size_t max_visits = 0, checked = 0;
        for (size_t i = 0; i < q.n; i++) {
            const rt_req *x = &q.v[i];
            if (x->len == 0 || x->path[0] != '/')
                continue; /* the facade answers those itself */
            rtm_result plain, counted;
            memset(&counted, 0xA5, sizeof counted);
            size_t visits, nodes;
            if (!rt_match_counted(r, (rtm_method)x->method, x->path, x->len, &counted, &visits,
                                  &nodes))
                break; /* no counted lookup (the reference) */
            char p[512];
            if (visits > nodes)
                RTM_TEST_FAIL("%zu node visits > %zu nodes for %s", visits, nodes,
                              rtm_test_escape(x->path, x->len, p, sizeof p));
            /* Same answer as the plain lookup (the hint aside: the facade's). */
            rtm_match(r, (rtm_method)x->method, x->path, x->len, &plain);
            plain.tsr = false;
            if (counted.status == RTM_NOT_FOUND)
                counted.tsr = false;
            char a1[4096], a2[4096];
            rt_format(&counted, x->path, x->len, 1, a1, sizeof a1);
            rt_format(&plain, x->path, x->len, 1, a2, sizeof a2);
            if (strcmp(a1, a2) != 0)
                RTM_TEST_FAIL("counted lookup of %s: %s, plain: %s",
                              rtm_test_escape(x->path, x->len, p, sizeof p), a1, a2);
            max_visits = visits > max_visits ? visits : max_visits;
            checked++;
        }
        if (checked) {
            RTM_TEST_PASS();
            rtm_stats st;
            rtm_get_stats(r, &st);
            printf("\n    %s/%s: at most %zu node visits per lookup, %zu nodes", c->name,
                   rtm_test_pass_name(), max_visits, st.nodes);
        }
        rtm_free(r);
    }
    rt_reqs_free(&q);
    free_case(&L);
}

TEST(tables, each_node_visited_at_most_once)
{
    for (size_t i = 0; i < rt_ncases; i++)
        visits_case(&rt_cases[i]);
    printf("\n");
}

/* The large development corpus (39,315 routes, gzip-compressed): every
 * algorithm rejects exactly the lines of corpus-dev.err, and agrees with the
 * reference on requests generated from a sample of its routes. */
TEST(tables, corpus_dev)
{
    static const rt_case corpus = {"corpus-dev", false};
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/routes/corpus-dev.routes.gz", RTM_DATA_DIR);
    rtm__table t;
    if (rtm__table_read(&t, path, err, sizeof err) != 0)
        RTM_TEST_FAIL("%s", err);
    ASSERT_GT_UINT(t.n, 39000);
    rt_reqs q;
    rt_reqs_init(&q);
    for (size_t i = 0; i < t.n; i++)
        rt_reqs_learn(&q, t.lines[i].pattern, t.lines[i].pattern_len);
    for (size_t i = 0; i < t.n; i += 97)
        rt_reqs_from_pattern(&q, t.lines[i].pattern, t.lines[i].pattern_len);
    rt_snapshot want = {0};
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_set_context("corpus-dev");
        char *report = NULL;
        size_t report_size = 0, rejected;
        rtm_router *r =
            load_router(a, &t, NULL, "corpus-dev.routes", &rejected, &report, &report_size);
        rt_check_report(&corpus, report, report_size, "corpus-dev.routes:");
        free(report);
        rt_snapshot got;
        rt_snapshot_take(r, &q, &got);
        rtm_free(r);
        if (a == RTM_ALGO_REFERENCE) {
            want = got;
        } else {
            ASSERT_SNAPSHOT_EQ(&got, &want, RT_SNAP_ANSWERS);
            rt_snapshot_free(&got);
        }
    }
    rt_snapshot_free(&want);
    rt_reqs_free(&q);
    rtm__table_free(&t);
}
