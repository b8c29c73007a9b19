/* SPDX-License-Identifier: MIT */
/* The router helpers of test_router.h: creation, in-code tables, the tests'
 * own SPEC formatter with its consistency checks, and snapshots. */
#include "test_router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_internals.h"
#include "test_util.h"

static char udata_base[1u << 16]; /* rt_udata(id) points into this */

void *rt_udata(uint32_t id)
{
    return udata_base + (id & 0xffffu);
}

long rt_udata_id(const void *udata)
{
    const char *p = udata;
    if (!p)
        return -1;
    if (p < udata_base || p >= udata_base + sizeof udata_base)
        return -2;
    return (long)(p - udata_base);
}

unsigned rt_methods(const char *list)
{
    unsigned set = 0;
    for (const char *s = list; *s;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        unsigned m = rtm_method_set_parse(s, n);
        if (m == 0)
            return 0;
        set |= m;
        s += n + (e != NULL);
    }
    return set;
}

rtm_router *rt_new(rtm_algorithm a, const rtm_allocator *hooks)
{
    rtm_config cfg = {0};
    cfg.allocator = hooks;
    cfg.adaptive_flags = RTM_ADAPTIVE_NO_THREAD;
    rtm_router *r = NULL;
    ASSERT_OK(rtm_create(&r, a, &cfg));
    ASSERT_NOT_NULL(r);
    ASSERT_EQ_INT(rtm_router_algorithm(r), a);
    return r;
}

int rt_try_add(rtm_router *r, const char *methods, const char *pattern, uint32_t id, rtm_diag *diag)
{
    return rtm_add(r, rt_methods(methods), pattern, strlen(pattern), id, rt_udata(id), diag);
}

void rt_add(rtm_router *r, const char *methods, const char *pattern, uint32_t id)
{
    rtm_diag d;
    int rc = rt_try_add(r, methods, pattern, id, &d);
    if (rc != 0)
        RTM_TEST_FAIL("adding %s %s (id %u): %s: %s", methods, pattern, (unsigned)id,
                      rtm_err_name(rc), d.msg);
}

void rt_add_table(rtm_router *r, const rt_route *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rt_add(r, t[i].method, t[i].pattern, (uint32_t)(i + 1));
}

int rt_try_remove(rtm_router *r, const char *methods, const char *pattern, rtm_diag *diag)
{
    return rtm_remove(r, rt_methods(methods), pattern, strlen(pattern), diag);
}

/* ---- Formatting ---- */

typedef struct out {
    char *p;
    size_t cap, n;
} out;

static void put(out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (o->n + 1 < o->cap)
            o->p[o->n] = s[i];
        o->n++;
    }
    if (o->cap)
        o->p[o->n < o->cap ? o->n : o->cap - 1] = '\0';
}

/* Text, then a decimal number. */
static void put_num(out *o, const char *text, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    put(o, text, strlen(text));
    put(o, tmp, (size_t)n);
}

static void put_value(out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= '!' && c <= '~' && c != '%') {
            put(o, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(o, e, 3);
        }
    }
}

static const char *invalid(out *o, const char *why, long long v)
{
    o->n = 0;
    put(o, "INVALID ", 8);
    put_num(o, why, v);
    return o->p;
}

const char *rt_format(const rtm_result *res, const char *path, size_t len, int verbose, char *buf,
                      size_t cap)
{
    out o = {buf, cap, 0};
    put(&o, "", 0);
    if (res->status == RTM_FOUND) {
        put_num(&o, "200 ", res->route_id);
        if (res->nparams > RTM_MAX_PARAMS)
            return invalid(&o, "nparams ", res->nparams);
        for (unsigned i = 0; i < res->nparams; i++) {
            const rtm_param *p = &res->params[i];
            if (!p->name || p->name_len == 0 || p->name_len > RTM_MAX_PARAM_NAME)
                return invalid(&o, "bad name of param ", i);
            if (p->length == 0 || p->offset > len || p->length > len - p->offset)
                return invalid(&o, "bad offset/length of param ", i);
            put(&o, " ", 1);
            put(&o, p->name, p->name_len);
            put(&o, "=", 1);
            put_value(&o, path + p->offset, p->length);
            if (verbose) {
                put_num(&o, "@", (long long)p->offset);
                put_num(&o, "+", (long long)p->length);
            }
        }
        if (verbose)
            put_num(&o, " udata=", rt_udata_id(res->udata));
    } else if (res->status == RTM_METHOD_NOT_ALLOWED) {
        if (res->allow == 0 || (res->allow & ~RTM_METHODS_ALL_NAMED))
            return invalid(&o, "405 with allow ", res->allow);
        put(&o, "405 allow=", 10);
        const char *sep = "";
        for (int m = 0; m < RTM_METHOD_COUNT; m++) {
            if (res->allow & RTM_METHOD_BIT(m)) {
                put(&o, sep, strlen(sep));
                const char *name = rtm_method_name((rtm_method)m);
                put(&o, name, strlen(name));
                sep = ",";
            }
        }
    } else if (res->status == RTM_NOT_FOUND) {
        put(&o, res->tsr ? "404 tsr" : "404", res->tsr ? 7 : 3);
    } else {
        return invalid(&o, "status ", res->status);
    }
    return o.p;
}

const char *rt_answer(const rtm_router *r, const char *method, const char *path, size_t len)
{
    static char line[8192];
    rtm_result res;
    rt_settle(r);
    memset(&res, 0xA5, sizeof res); /* stale garbage must not leak into the answer */
    int rc = rtm_match(r, rtm_method_parse(method, strlen(method)), path, len, &res);
    if (rc != res.status) {
        snprintf(line, sizeof line, "INVALID return %d but status %d", rc, res.status);
        return line;
    }
    return rt_format(&res, path, len, 0, line, sizeof line);
}

void rt_assert_match(const char *file, unsigned line, const rtm_router *r, const char *method,
                     const char *path, size_t len, const char *want)
{
    const char *got = rt_answer(r, method, path, len);
    if (strcmp(got, want) != 0) {
        char p[512];
        rtm_test_escape(path, len, p, sizeof p);
        rtm_test_fail(file, line, "%s \"%s\":\n    got  %s\n    want %s", method, p, got, want);
    }
    CU_assertImplementation(CU_TRUE, line, "", file, "", CU_FALSE);
}

/* ---- Snapshots ---- */

void rt_snapshot_take(const rtm_router *r, const rt_reqs *q, rt_snapshot *s)
{
    /* A router worth a snapshot must be internally sound too. */
    rt_settle(r);
    ASSERT_INVARIANTS(r);
    rtm_get_stats(r, &s->st);
    size_t cap = 1u << 16;
    char *text = malloc(cap);
    char line[4096], req[600];
    size_t n = 0;
    if (!text)
        abort();
    for (size_t i = 0; i < q->n; i++) {
        const rt_req *rq = &q->v[i];
        rtm_result res;
        memset(&res, 0xA5, sizeof res);
        int rc = rtm_match(r, (rtm_method)rq->method, rq->path, rq->len, &res);
        rt_format(&res, rq->path, rq->len, 1, line, sizeof line);
        if (rc != res.status)
            snprintf(line, sizeof line, "INVALID return %d status %d", rc, res.status);
        rtm_test_escape(rq->path, rq->len, req, sizeof req);
        int k =
            snprintf(NULL, 0, "%s %s -> %s\n", rtm_method_name((rtm_method)rq->method), req, line);
        while (n + (size_t)k + 1 > cap) {
            cap *= 2;
            char *g = realloc(text, cap);
            if (!g)
                abort();
            text = g;
        }
        snprintf(text + n, cap - n, "%s %s -> %s\n", rtm_method_name((rtm_method)rq->method), req,
                 line);
        n += (size_t)k;
    }
    text[n] = '\0';
    s->text = text;
    s->len = n;
}

void rt_snapshot_free(rt_snapshot *s)
{
    free(s->text);
    s->text = NULL;
}

void rt_assert_snapshot_eq(const char *file, unsigned line, const rt_snapshot *got,
                           const rt_snapshot *want, unsigned what)
{
    if (got->st.routes != want->st.routes)
        rtm_test_fail(file, line, "stats.routes: %zu vs %zu", got->st.routes, want->st.routes);
    if ((what & RT_SNAP_NODES) && got->st.nodes != want->st.nodes)
        rtm_test_fail(file, line, "stats.nodes: %zu vs %zu", got->st.nodes, want->st.nodes);
    if ((what & RT_SNAP_BYTES) && got->st.bytes != want->st.bytes)
        rtm_test_fail(file, line, "stats.bytes: %zu vs %zu", got->st.bytes, want->st.bytes);
    if (got->len == want->len && memcmp(got->text, want->text, got->len) == 0) {
        CU_assertImplementation(CU_TRUE, line, "", file, "", CU_FALSE);
        return;
    }
    /* Report the first differing line of the sweep. */
    const char *a = got->text, *b = want->text;
    size_t lineno = 1;
    while (*a && *a == *b) {
        if (*a == '\n') {
            lineno++;
        }
        a++;
        b++;
    }
    while (a > got->text && a[-1] != '\n')
        a--;
    while (b > want->text && b[-1] != '\n')
        b--;
    const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
    rtm_test_fail(file, line, "sweep answer %zu differs:\n    got  %.*s\n    want %.*s", lineno,
                  (int)(ae ? ae - a : (long)strlen(a)), a, (int)(be ? be - b : (long)strlen(b)), b);
}

const rt_route rt_overlap_table[RT_OVERLAP_TABLE_LEN] = {
    {"GET", "/"},
    {"GET", "/users"},
    {"GET", "/users/"},
    {"GET", "/users/new"},
    {"GET,POST", "/users/{id}"},
    {"GET", "/users/{id}/edit"},
    {"PUT,DELETE", "/users/{uid}"},
    {"*", "/users/{id}/ping"},
    {"GET", "/users/me/ping"},
    {"GET", "/files/{*path}"},
    {"GET,HEAD", "/files/readme"},
    {"POST", "/files/{name}.{ext}"},
    {"GET", "/img/{name}.png"},
    {"GET", "/img/{name}.{ext}"},
    {"GET", "/img/thumb-{name}.png"},
    {"GET", "/img/{name}"},
    {"GET", "/v{major}.{minor}/status"},
    {"GET", "/v{major}/status"},
    {"GET", "/repos/{owner}/{repo}/compare/{base}...{head}"},
    {"GET", "/ops/{name}:cancel"},
    {"GET", "/ops/{name}"},
    {"GET", "/a/{x}/c"},
    {"GET", "/a/b/{y}"},
    {"GET", "/a/b/d"},
    {"*", "/x{a}"},
    {"GET", "/{a}x"},
    {"OPTIONS", "/opt/{*any}"},
    {"GET", "/abc/def/ghi"},
    {"GET", "/abc/deg"},
    {"GET", "/ab"},
};
