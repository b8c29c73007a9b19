/* SPDX-License-Identifier: MIT */
/* The facade: the public router calls, argument checks, pattern parsing and
 * record making shared by all algorithms, the trailing-slash hint, and the
 * hot-path dispatch. The default algorithm (CMake RTM_ALGORITHM) is reached
 * by a direct call; every other compiled algorithm by a switch of direct
 * calls. The ops table serves the cold paths only. */
#include <string.h>

#include "router_internal.h"

#include "algorithms/reference/reference.h" /* rtm__reference_ops, rtm__reference_match */
#if RTM_HAVE_TRIE
#include "algorithms/trie/trie.h" /* rtm__trie_ops, rtm__trie_match */
#define RTM__TRIE_OPS (&rtm__trie_ops)
#else
#define RTM__TRIE_OPS NULL
#endif
#if RTM_HAVE_RADIX
#include "algorithms/radix/radix.h" /* rtm__radix_ops, rtm__radix_match */
#define RTM__RADIX_OPS (&rtm__radix_ops)
#else
#define RTM__RADIX_OPS NULL
#endif
#if RTM_HAVE_ADAPTIVE
#include "algorithms/adaptive/adaptive.h" /* rtm__adaptive_ops, rtm__adaptive_match */
#define RTM__ADAPTIVE_OPS (&rtm__adaptive_ops)
#else
#define RTM__ADAPTIVE_OPS NULL
#endif

#ifndef RTM_DEFAULT_ALGO
#define RTM_DEFAULT_ALGO RTM_ALGO_REFERENCE
#endif

static const rtm__algo_ops *const algo_table[RTM_ALGO_COUNT] = {
    [RTM_ALGO_DEFAULT] = NULL,
    [RTM_ALGO_REFERENCE] = &rtm__reference_ops,
    [RTM_ALGO_TRIE] = RTM__TRIE_OPS,
    [RTM_ALGO_RADIX] = RTM__RADIX_OPS,
    [RTM_ALGO_ADAPTIVE] = RTM__ADAPTIVE_OPS,
};

static const char *const algo_names[RTM_ALGO_COUNT] = {
    "default", "reference", "trie", "radix", "adaptive",
};

_Static_assert(RTM_DEFAULT_ALGO != RTM_ALGO_DEFAULT, "the default must name an algorithm");

/* ---- Algorithms ---- */

const rtm__algo_ops *rtm__algo_ops_of(rtm_algorithm a)
{
    if (a == RTM_ALGO_DEFAULT)
        a = RTM_DEFAULT_ALGO;
    if ((unsigned)a >= RTM_ALGO_COUNT)
        return NULL;
    return algo_table[a];
}

const char *rtm_algorithm_name(rtm_algorithm a)
{
    return (unsigned)a < RTM_ALGO_COUNT ? algo_names[a] : NULL;
}

int rtm_algorithm_from_name(const char *name, rtm_algorithm *out)
{
    for (unsigned a = 0; name && a < RTM_ALGO_COUNT; a++) {
        if (strcmp(name, algo_names[a]) == 0) {
            *out = (rtm_algorithm)a;
            return 0;
        }
    }
    return RTM_EINVAL;
}

bool rtm_algorithm_available(rtm_algorithm a)
{
    return rtm__algo_ops_of(a) != NULL;
}

rtm_algorithm rtm_algorithm_default(void)
{
    return RTM_DEFAULT_ALGO;
}

/* ---- Lifecycle ---- */

int rtm_create(rtm_router **out, rtm_algorithm algo, const rtm_config *cfg)
{
    if (!out || (unsigned)algo >= RTM_ALGO_COUNT)
        return RTM_EINVAL;
    if (algo == RTM_ALGO_DEFAULT)
        algo = RTM_DEFAULT_ALGO;
    const rtm__algo_ops *ops = rtm__algo_ops_of(algo);
    if (!ops)
        return RTM_EUNSUPP;
    static const rtm_config zero_cfg;
    if (!cfg)
        cfg = &zero_cfg;
    rtm__alloc alloc;
    rtm__alloc_init(&alloc, cfg->allocator);
    rtm_router *r = rtm__malloc(&alloc, sizeof *r);
    if (!r)
        return RTM_ENOMEM;
    memset(r, 0, sizeof *r);
    rtm__alloc_init(&r->alloc, cfg->allocator);
    atomic_store_explicit(&r->alloc.bytes, sizeof *r, memory_order_relaxed);
    r->algo = algo;
    r->ops = ops;
    int rc = ops->create(&r->impl, &r->alloc, cfg);
    if (rc != 0) {
        rtm__free(&alloc, r, sizeof *r);
        return rc;
    }
    *out = r;
    return 0;
}

void rtm_free(rtm_router *r)
{
    if (!r)
        return;
    r->ops->destroy(r->impl);
    rtm__alloc alloc = r->alloc;
    rtm__free(&alloc, r, sizeof *r);
}

rtm_algorithm rtm_router_algorithm(const rtm_router *r)
{
    return r ? r->algo : RTM_ALGO_DEFAULT;
}

/* ---- Adding and removing ---- */

static void diag_clear(rtm_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
}

/* Every failing writer call leaves its error in diag, whichever layer failed. */
static int diag_ensure(rtm_diag *diag, int rc)
{
    if (rc != 0 && diag && diag->err == 0)
        rtm__diag_set(diag, rc, 0, 0, "%s", rtm_strerror(rc));
    return rc;
}

static int check_methods(unsigned methods, rtm_diag *diag)
{
    if (methods == 0 || (methods & ~(RTM_METHODS_ALL_NAMED | RTM_METHODS_ANY)))
        return rtm__diag_set(diag, RTM_EMETHOD, 0, 0, "invalid method set 0x%x", methods);
    return 0;
}

int rtm_add(rtm_router *r, unsigned methods, const char *pattern, size_t len, uint32_t route_id,
            void *udata, rtm_diag *diag)
{
    diag_clear(diag);
    if (!r || (!pattern && len))
        return rtm__diag_set(diag, RTM_EINVAL, 0, 0, "invalid argument");
    int rc = check_methods(methods, diag);
    if (rc != 0)
        return rc;
    rtm__pattern p;
    if ((rc = rtm__pattern_parse(&r->alloc, pattern, len, &p, diag)) != 0)
        return rc;

    rtm__route *recs[RTM__METHOD_ANY + 1];
    unsigned n = 0;
    for (unsigned bits = methods; bits && rc == 0; bits &= bits - 1) { /* in slot order */
        rc =
            rtm__route_new(&r->alloc, &p, (unsigned)__builtin_ctz(bits), route_id, udata, &recs[n]);
        n += rc == 0;
    }
    if (rc != 0)
        rtm__diag_set(diag, rc, 0, 0, "out of memory");
    else
        rc = r->ops->insert(r->impl, &p, recs, n, diag);
    if (rc == 0) {
        r->nroutes += n;
    } else {
        for (unsigned i = 0; i < n; i++)
            rtm__route_free(&r->alloc, recs[i]);
    }
    rtm__pattern_release(&r->alloc, &p);
    return diag_ensure(diag, rc);
}

int rtm_remove(rtm_router *r, unsigned methods, const char *pattern, size_t len, rtm_diag *diag)
{
    diag_clear(diag);
    if (!r || (!pattern && len))
        return rtm__diag_set(diag, RTM_EINVAL, 0, 0, "invalid argument");
    int rc = check_methods(methods, diag);
    if (rc != 0)
        return rc;
    rtm__pattern p;
    if ((rc = rtm__pattern_parse(&r->alloc, pattern, len, &p, diag)) != 0)
        return rc;
    rc = r->ops->remove(r->impl, &p, methods, diag);
    if (rc == 0)
        r->nroutes -= (size_t)__builtin_popcount(methods);
    rtm__pattern_release(&r->alloc, &p);
    return diag_ensure(diag, rc);
}

/* ---- Matching ---- */

/* The hot path: the build's default algorithm by a direct call, the others
 * through a switch of direct calls. No function pointer. */
static inline int dispatch(const rtm_router *r, unsigned method, const char *path, size_t len,
                           unsigned flags, rtm_result *res)
{
#ifdef RTM_DEFAULT_MATCH
    if (__builtin_expect(r->algo == RTM_DEFAULT_ALGO, 1))
        return RTM_DEFAULT_MATCH(r->impl, method, path, len, flags, res);
#endif
    switch (r->algo) {
#if RTM_HAVE_TRIE
    case RTM_ALGO_TRIE:
        return rtm__trie_match(r->impl, method, path, len, flags, res);
#endif
#if RTM_HAVE_RADIX
    case RTM_ALGO_RADIX:
        return rtm__radix_match(r->impl, method, path, len, flags, res);
#endif
#if RTM_HAVE_ADAPTIVE
    case RTM_ALGO_ADAPTIVE:
        return rtm__adaptive_match(r->impl, method, path, len, flags, res);
#endif
    default:
        return rtm__reference_match(r->impl, method, path, len, flags, res);
    }
}

int rtm_match(const rtm_router *r, rtm_method method, const char *path, size_t len, rtm_result *res)
{
    if (!r || !res || (!path && len) || (unsigned)method > RTM_METHOD_OTHER) {
        if (res)
            res->status = RTM_EINVAL;
        return RTM_EINVAL;
    }
    res->status = RTM_NOT_FOUND;
    res->tsr = false;
    res->allow = 0;
    res->nparams = 0;
    res->route_id = 0;
    res->udata = NULL;
    if (len == 0 || path[0] != '/')
        return RTM_NOT_FOUND;
    int st = dispatch(r, method, path, len, 0, res);
    if (st != RTM_NOT_FOUND)
        return st;
    /* The hint: would the same method be found with the last '/' toggled? */
    bool tsr;
    if (path[len - 1] == '/')
        tsr = len > 1 && dispatch(r, method, path, len - 1, 0, res) == RTM_FOUND;
    else
        tsr = dispatch(r, method, path, len, RTM__MATCH_ADD_SLASH, res) == RTM_FOUND;
    res->status = RTM_NOT_FOUND;
    res->tsr = tsr;
    res->allow = 0;
    res->nparams = 0;
    res->route_id = 0;
    res->udata = NULL;
    return RTM_NOT_FOUND;
}

/* ---- Stats ---- */

void rtm_get_stats(const rtm_router *r, rtm_stats *out)
{
    memset(out, 0, sizeof *out);
    out->metric_source = "";
    out->front = "";
    if (!r)
        return;
    r->ops->stats(r->impl, out);
    out->routes = r->nroutes;
    out->bytes = atomic_load_explicit(&r->alloc.bytes, memory_order_relaxed);
}
