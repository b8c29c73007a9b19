/* SPDX-License-Identifier: MIT */
/* Differential fuzz target: every compiled algorithm, the reference matcher
 * and the brute-force SPEC model (fuzz_model.c) must agree on everything.
 *
 * The input decodes into a program (or is one, in the text form described
 * at decode_text, used for hand-made seeds):
 *   seed, op count, request count,
 *   ops:      ADD (methods, pattern, id) | REMOVE (methods, pattern, maybe
 *             renamed) | CHECK (run every request now),
 *   requests: (method, path), mostly derived from the patterns.
 * The model runs the ops in program order. Each router runs them in an order
 * shuffled per algorithm from the seed, but only inside a *batch*: a run of
 * consecutive ops whose (shape, method slot) keys are pairwise disjoint.
 * Such ops commute (an add or remove only reads and writes its own keys), so
 * every router must return, op for op, what the model returned: the same
 * code and the same diag err / reason / offset / other_route_id.
 *
 * At each CHECK and at the end every request goes to every router and to the
 * model: status, route id, udata, 405 set, hint, and every parameter's name,
 * offset and length must be identical, and a 200 must rebuild the path from
 * its route's pattern (fuzz_check_captures). At the end, each router is
 * compared with a fresh router holding only the surviving bindings (same
 * answers, same node count: removal leaves no trace), then everything is
 * removed and every answer must be a plain 404. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_data.h"
#include "fuzz_helpers.h"
#include "fuzz_model.h"
#include "pattern.h"    /* rtm__pattern_parse: shapes for the batching keys */
#include "routematch.h" /* the API under test */

#define MAX_OPS    64
#define MAX_REQS   96
#define MAX_CHECKS 6
#define MAX_PAT    600
#define MAX_PATH   600
#define MAX_ALGOS  4

enum { OP_ADD, OP_REMOVE, OP_CHECK };

typedef struct op {
    int kind;
    unsigned methods;
    uint32_t id; /* OP_ADD: op index + 1 */
    size_t len;
    char text[MAX_PAT];
    /* batching key: the shape (when the pattern parses) and the slots */
    bool keyed;
    size_t shape_len;
    char shape[MAX_PAT + 8];
    /* what the model returned */
    int rc;
    rtm_diag diag;
} op;

typedef struct req {
    unsigned method;
    size_t len;
    char path[MAX_PATH];
} req;

typedef struct program {
    uint64_t seed;
    op ops[MAX_OPS];
    size_t nops;
    req reqs[MAX_REQS];
    size_t nreqs;
} program;

static const rtm_algorithm all_algos[MAX_ALGOS] = {RTM_ALGO_REFERENCE, RTM_ALGO_TRIE,
                                                   RTM_ALGO_RADIX, RTM_ALGO_ADAPTIVE};

/* FUZZ_VERBOSE=1: print the decoded program; 2: also every answer. */
static int verbose(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("FUZZ_VERBOSE");
        v = e ? atoi(e) : 0;
    }
    return v;
}

/* ---- Decoding ---- */

static void set_key(op *o)
{
    rtm__alloc a;
    rtm__alloc_init(&a, NULL);
    rtm__pattern p;
    o->keyed = false;
    if (rtm__pattern_parse(&a, o->text, o->len, &p, NULL) != 0)
        return;
    if (p.shape_len <= sizeof o->shape) {
        memcpy(o->shape, p.shape, p.shape_len);
        o->shape_len = p.shape_len;
        o->keyed = true;
    }
    rtm__pattern_release(&a, &p);
}

/* The pattern of op k with its parameters renamed (same shape), or a copy
 * when it does not parse. */
static void renamed(const op *src, op *dst, bool legacy)
{
    if (!src->keyed) {
        memcpy(dst->text, src->text, src->len);
        dst->len = src->len;
        return;
    }
    size_t n = fuzz_render_shape(src->shape, src->shape_len, "r", legacy, dst->text, MAX_PAT);
    if (n > MAX_PAT) { /* does not fit: keep the original names */
        memcpy(dst->text, src->text, src->len);
        n = src->len;
    }
    dst->len = n;
}

static void decode(fuzz_data *fd, program *pg)
{
    static const char *pats[MAX_OPS];
    static size_t pat_len[MAX_OPS];
    size_t npats = 0;
    unsigned adds[MAX_OPS], nadds = 0, nchecks = 0;

    pg->seed = fuzz_u32(fd);
    size_t want_ops = fuzz_range(fd, 1, MAX_OPS);
    pg->nreqs = fuzz_range(fd, 1, 32);
    pg->nops = 0;
    for (size_t i = 0; i < want_ops; i++) {
        op *o = &pg->ops[pg->nops];
        memset(o, 0, offsetof(op, text));
        uint8_t c = fuzz_u8(fd);
        if (c < 170 || nadds == 0) {
            o->kind = OP_ADD;
            o->methods = fuzz_gen_methods(fd);
            o->len = fuzz_gen_pattern(fd, pats, pat_len, npats, o->text, MAX_PAT);
        } else if (c < 235) {
            const op *src = &pg->ops[adds[fuzz_u8(fd) % nadds]];
            uint8_t how = fuzz_u8(fd);
            o->kind = c < 215 ? OP_REMOVE : OP_ADD; /* remove, or add the shape again */
            o->methods = (how & 3) ? src->methods : fuzz_gen_methods(fd);
            if (how < 96) {
                memcpy(o->text, src->text, src->len);
                o->len = src->len;
            } else if (how < 240) {
                renamed(src, o, how >= 200);
            } else {
                o->len = fuzz_gen_pattern(fd, pats, pat_len, npats, o->text, MAX_PAT);
            }
        } else {
            if (nchecks == MAX_CHECKS)
                continue;
            o->kind = OP_CHECK;
            nchecks++;
        }
        if (o->kind == OP_ADD) {
            o->id = (uint32_t)pg->nops + 1;
            adds[nadds++] = (unsigned)pg->nops;
            pats[npats] = o->text;
            pat_len[npats++] = o->len;
        }
        if (o->kind != OP_CHECK)
            set_key(o);
        pg->nops++;
    }
    for (size_t i = 0; i < pg->nreqs; i++) {
        req *r = &pg->reqs[i];
        r->method = fuzz_gen_request_method(fd);
        r->len = fuzz_gen_path(fd, pats, pat_len, npats, r->path, MAX_PATH);
    }
}

/* The text form, for hand-made seeds: the input starts with "#rtm-diff\n"
 * and each further line is one of
 *   ADD METHODS PATTERN      METHODS: tokens joined by ',' ("GET,POST", "*")
 *   REMOVE METHODS PATTERN
 *   CHECK
 *   REQ METHOD PATH          PATH: the rest of the line, bytes as they are
 * Unknown lines are skipped. The shuffle seed is a hash of the input. */
static const char text_magic[] = "#rtm-diff\n";

static unsigned parse_methods(const char *s, size_t n)
{
    unsigned set = 0;
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        unsigned m = rtm_method_set_parse(s + i, j - i);
        set |= m ? m : (1u << 10); /* unknown token: an invalid set */
        i = j + 1;
    }
    return set;
}

static void decode_text(const uint8_t *data, size_t size, program *pg)
{
    const char *t = (const char *)data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ull;
    pg->seed = h;
    pg->nops = pg->nreqs = 0;
    size_t pos = sizeof text_magic - 1;
    while (pos < size) {
        const char *nl = memchr(t + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - t) : size;
        const char *line = t + pos;
        size_t n = end - pos;
        pos = end + 1;
        size_t sp = 0;
        while (sp < n && line[sp] != ' ')
            sp++;
        size_t arg = sp + (sp < n);
        size_t sp2 = arg;
        while (sp2 < n && line[sp2] != ' ')
            sp2++;
        size_t rest = sp2 + (sp2 < n);
        if (sp == 5 && memcmp(line, "CHECK", 5) == 0 && pg->nops < MAX_OPS) {
            memset(&pg->ops[pg->nops], 0, offsetof(op, text));
            pg->ops[pg->nops++].kind = OP_CHECK;
        } else if (sp == 3 && memcmp(line, "REQ", 3) == 0 && pg->nreqs < MAX_REQS) {
            req *r = &pg->reqs[pg->nreqs++];
            r->method = (unsigned)rtm_method_parse(line + arg, sp2 - arg);
            r->len = n - rest < MAX_PATH ? n - rest : MAX_PATH;
            memcpy(r->path, line + rest, r->len);
        } else if (((sp == 3 && memcmp(line, "ADD", 3) == 0) ||
                    (sp == 6 && memcmp(line, "REMOVE", 6) == 0)) &&
                   pg->nops < MAX_OPS) {
            op *o = &pg->ops[pg->nops];
            memset(o, 0, offsetof(op, text));
            o->kind = sp == 3 ? OP_ADD : OP_REMOVE;
            o->methods = parse_methods(line + arg, sp2 - arg);
            o->len = n - rest < MAX_PAT ? n - rest : MAX_PAT;
            memcpy(o->text, line + rest, o->len);
            if (o->kind == OP_ADD)
                o->id = (uint32_t)pg->nops + 1;
            set_key(o);
            pg->nops++;
        }
    }
}

static void dump(const program *pg)
{
    fprintf(stderr, "--- program (seed %llu) ---\n", (unsigned long long)pg->seed);
    for (size_t i = 0; i < pg->nops; i++) {
        const op *o = &pg->ops[i];
        if (o->kind == OP_CHECK) {
            fprintf(stderr, "[%zu] CHECK\n", i);
            continue;
        }
        char label[80];
        snprintf(label, sizeof label, "[%zu] %s methods=0x%x id=%u ", i,
                 o->kind == OP_ADD ? "ADD" : "REMOVE", o->methods, (unsigned)o->id);
        fuzz_print_bytes(label, o->text, o->len);
    }
    for (size_t i = 0; i < pg->nreqs; i++) {
        char label[48];
        snprintf(label, sizeof label, "req[%zu] method=%u ", i, pg->reqs[i].method);
        fuzz_print_bytes(label, pg->reqs[i].path, pg->reqs[i].len);
    }
}

/* ---- Running ---- */

typedef struct ctx {
    program *pg;
    fuzz_model *model;
    rtm_router *r[MAX_ALGOS];
    rtm_algorithm algo[MAX_ALGOS];
    size_t nr;
    fuzz_rng rng[MAX_ALGOS];
} ctx;

static bool keys_overlap(const op *a, const op *b)
{
    if (!a->keyed || !b->keyed || !(a->methods & b->methods))
        return false;
    return a->shape_len == b->shape_len && memcmp(a->shape, b->shape, a->shape_len) == 0;
}

static void *udata_of(const program *pg, uint32_t id)
{
    return (void *)&pg->ops[id - 1];
}

static int apply(rtm_router *r, const program *pg, const op *o, rtm_diag *d)
{
    if (o->kind == OP_ADD)
        return rtm_add(r, o->methods, o->text, o->len, o->id, udata_of(pg, o->id), d);
    return rtm_remove(r, o->methods, o->text, o->len, d);
}

static void fail_op(const ctx *c, size_t ai, size_t k, int rc, const rtm_diag *d, const op *o)
{
    dump(c->pg);
    fprintf(stderr, "op [%zu] on %s: rc=%d err=%d reason=%d offset=%zu other=%u (%s)\n", k,
            rtm_algorithm_name(c->algo[ai]), rc, d->err, d->reason, d->offset,
            (unsigned)d->other_route_id, d->msg);
    fprintf(stderr, "model wants: rc=%d err=%d reason=%d offset=%zu other=%u\n", o->rc, o->diag.err,
            o->diag.reason, o->diag.offset, (unsigned)o->diag.other_route_id);
}

/* Run ops [from, to) as one batch: the model in order, routers shuffled. */
static void run_batch(ctx *c, size_t from, size_t to)
{
    program *pg = c->pg;
    for (size_t k = from; k < to; k++) {
        op *o = &pg->ops[k];
        if (o->kind == OP_ADD)
            o->rc = fuzz_model_add(c->model, o->methods, o->text, o->len, o->id,
                                   udata_of(pg, o->id), &o->diag);
        else
            o->rc = fuzz_model_remove(c->model, o->methods, o->text, o->len, &o->diag);
    }
    unsigned order[MAX_OPS];
    for (size_t ai = 0; ai < c->nr; ai++) {
        size_t n = 0;
        for (size_t k = from; k < to; k++)
            order[n++] = (unsigned)k;
        fuzz_rng_shuffle(&c->rng[ai], order, n);
        for (size_t i = 0; i < n; i++) {
            const op *o = &pg->ops[order[i]];
            rtm_diag d;
            int rc = apply(c->r[ai], pg, o, &d);
            bool same = rc == o->rc && d.err == o->diag.err && d.reason == o->diag.reason &&
                        d.offset == o->diag.offset && d.other_route_id == o->diag.other_route_id;
            if (!same)
                fail_op(c, ai, order[i], rc, &d, o);
            FUZZ_ASSERT_MSG(same, "add/remove result differs from the model");
            FUZZ_ASSERT_MSG(d.msg[sizeof d.msg - 1] == '\0', "diag message not terminated");
        }
    }
}

static void check_one(const ctx *c, rtm_router *r, const char *who, const req *q,
                      const rtm_result *want)
{
    rtm_result got;
    memset(&got, 0xA5, sizeof got); /* rtm_match must set every field it reports */
    int st = rtm_match(r, (rtm_method)q->method, q->path, q->len, &got);
    const char *diff = st == got.status ? fuzz_result_diff(&got, want) : "return value";
    if (!diff && got.status == RTM_FOUND) {
        const op *o = &c->pg->ops[got.route_id - 1];
        diff = fuzz_check_captures(o->text, o->len, q->path, q->len, &got);
    }
    if (diff) {
        dump(c->pg);
        fprintf(stderr, "request method=%u ", q->method);
        fuzz_print_bytes("path=", q->path, q->len);
        fuzz_print_result("  model:", want, q->path);
        fprintf(stderr, "  %s:", who);
        fuzz_print_result("", &got, q->path);
    }
    FUZZ_ASSERT_MSG(diff == NULL, "%s differs from the model: %s", who, diff);
}

static void check_requests(const ctx *c)
{
    for (size_t i = 0; i < c->pg->nreqs; i++) {
        const req *q = &c->pg->reqs[i];
        rtm_result want;
        fuzz_model_match(c->model, q->method, q->path, q->len, &want);
        if (want.status == RTM_FOUND) {
            const op *o = &c->pg->ops[want.route_id - 1];
            const char *bad = fuzz_check_captures(o->text, o->len, q->path, q->len, &want);
            FUZZ_ASSERT_MSG(bad == NULL, "model captures: %s", bad);
        }
        if (verbose() >= 2) {
            char label[48];
            snprintf(label, sizeof label, "req[%zu] method=%u ", i, q->method);
            fuzz_print_bytes(label, q->path, q->len);
            fuzz_print_result("  ->", &want, q->path);
        }
        if (want.status == RTM_METHOD_NOT_ALLOWED)
            FUZZ_ASSERT(want.allow != 0 && !(want.allow & (1u << q->method)));
        for (size_t ai = 0; ai < c->nr; ai++)
            check_one(c, c->r[ai], rtm_algorithm_name(c->algo[ai]), q, &want);
    }
    for (size_t ai = 0; ai < c->nr; ai++) {
        rtm_stats st;
        rtm_get_stats(c->r[ai], &st);
        FUZZ_ASSERT_MSG(st.routes == fuzz_model_count(c->model), "%s: stats.routes %zu, model %zu",
                        rtm_algorithm_name(c->algo[ai]), st.routes, fuzz_model_count(c->model));
    }
}

static rtm_router *new_router(rtm_algorithm a)
{
    rtm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    rtm_router *r = NULL;
    int rc = rtm_create(&r, a, &cfg);
    FUZZ_ASSERT_MSG(rc == 0, "rtm_create(%s) = %d", rtm_algorithm_name(a), rc);
    return r;
}

/* The routers must equal fresh ones holding only the surviving bindings,
 * then empty out completely. */
static void check_end_state(ctx *c)
{
    size_t nb = fuzz_model_count(c->model);
    for (size_t ai = 0; ai < c->nr; ai++) {
        const char *name = rtm_algorithm_name(c->algo[ai]);
        rtm_router *fresh = new_router(c->algo[ai]);
        for (size_t i = 0; i < nb; i++) {
            unsigned slot;
            uint32_t id;
            const char *text;
            size_t len;
            fuzz_model_binding(c->model, i, &slot, &id, &text, &len);
            int rc = rtm_add(fresh, 1u << slot, text, len, id, udata_of(c->pg, id), NULL);
            FUZZ_ASSERT_MSG(rc == 0, "%s: re-adding a surviving binding failed: %d", name, rc);
        }
        rtm_stats a, b;
        rtm_get_stats(c->r[ai], &a);
        rtm_get_stats(fresh, &b);
        FUZZ_ASSERT_MSG(a.routes == b.routes, "%s: routes %zu vs fresh %zu", name, a.routes,
                        b.routes);
        if (a.nodes != b.nodes)
            dump(c->pg);
        FUZZ_ASSERT_MSG(a.nodes == b.nodes,
                        "%s: %zu nodes after the program, %zu in a fresh router with the same "
                        "routes (removal left a trace)",
                        name, a.nodes, b.nodes);
        for (size_t i = 0; i < c->pg->nreqs; i++) {
            rtm_result want;
            fuzz_model_match(c->model, c->pg->reqs[i].method, c->pg->reqs[i].path,
                             c->pg->reqs[i].len, &want);
            check_one(c, fresh, name, &c->pg->reqs[i], &want);
        }
        rtm_free(fresh);
    }
    /* Remove every binding, in a shuffled order. */
    unsigned order[MAX_OPS * 10];
    FUZZ_ASSERT(nb <= MAX_OPS * 10);
    for (size_t ai = 0; ai < c->nr; ai++) {
        rtm_router *empty = new_router(c->algo[ai]);
        rtm_stats e;
        rtm_get_stats(empty, &e);
        rtm_free(empty);
        for (size_t i = 0; i < nb; i++)
            order[i] = (unsigned)i;
        fuzz_rng_shuffle(&c->rng[ai], order, nb);
        for (size_t i = 0; i < nb; i++) {
            unsigned slot;
            uint32_t id;
            const char *text;
            size_t len;
            fuzz_model_binding(c->model, order[i], &slot, &id, &text, &len);
            int rc = rtm_remove(c->r[ai], 1u << slot, text, len, NULL);
            FUZZ_ASSERT_MSG(rc == 0, "%s: removing a binding failed: %d",
                            rtm_algorithm_name(c->algo[ai]), rc);
        }
        rtm_stats st;
        rtm_get_stats(c->r[ai], &st);
        FUZZ_ASSERT(st.routes == 0);
        FUZZ_ASSERT_MSG(st.nodes == e.nodes, "%s: %zu nodes left after removing everything (%zu)",
                        rtm_algorithm_name(c->algo[ai]), st.nodes, e.nodes);
        for (size_t i = 0; i < c->pg->nreqs; i++) {
            const req *q = &c->pg->reqs[i];
            rtm_result got;
            rtm_match(c->r[ai], (rtm_method)q->method, q->path, q->len, &got);
            FUZZ_ASSERT_MSG(got.status == RTM_NOT_FOUND && !got.tsr,
                            "%s: empty router answered %d tsr=%d", rtm_algorithm_name(c->algo[ai]),
                            got.status, (int)got.tsr);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static program pg;
    fuzz_data fd;
    fuzz_data_init(&fd, data, size);
    if (size >= sizeof text_magic - 1 && memcmp(data, text_magic, sizeof text_magic - 1) == 0)
        decode_text(data, size, &pg);
    else
        decode(&fd, &pg);
    if (verbose())
        dump(&pg);

    ctx c;
    memset(&c, 0, sizeof c);
    c.pg = &pg;
    c.model = fuzz_model_new();
    for (size_t i = 0; i < MAX_ALGOS; i++) {
        if (!rtm_algorithm_available(all_algos[i]))
            continue;
        c.algo[c.nr] = all_algos[i];
        c.r[c.nr] = new_router(all_algos[i]);
        fuzz_rng_seed(&c.rng[c.nr], pg.seed * 0x100000001B3ull + i);
        c.nr++;
    }
    FUZZ_ASSERT(c.nr > 0);

    size_t from = 0;
    for (size_t k = 0; k <= pg.nops; k++) {
        bool cut = k == pg.nops || pg.ops[k].kind == OP_CHECK;
        for (size_t j = from; !cut && j < k; j++)
            cut = keys_overlap(&pg.ops[j], &pg.ops[k]);
        if (!cut)
            continue;
        run_batch(&c, from, k);
        if (k < pg.nops && pg.ops[k].kind == OP_CHECK) {
            check_requests(&c);
            from = k + 1;
        } else {
            from = k;
        }
    }
    check_requests(&c);
    check_end_state(&c);

    for (size_t i = 0; i < c.nr; i++)
        rtm_free(c.r[i]);
    fuzz_model_free(c.model);
    return 0;
}
