/* SPDX-License-Identifier: MIT */
/**
 * @file routematch.h
 * @brief The one public header of routematch: an HTTP request-path router.
 *
 * A router holds a table of routes (method + pattern) and answers, for a
 * request method and path, which route wins (200), that only other methods
 * would match (405, with the allowed set) or that nothing matches (404, with a
 * trailing-slash hint). The matching rules are those of docs/SPEC.md; every
 * algorithm gives exactly the same answers.
 *
 * Threading contract: any number of threads may call rtm_match() on one router
 * at once. rtm_add(), rtm_remove() and rtm_free() are writer calls: they must
 * not overlap each other or any rtm_match() on the same router (one writer,
 * readers quiesced). Functions on different routers never interact.
 */
#ifndef ROUTEMATCH_H
#define ROUTEMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---- */

#define RTM_VERSION_MAJOR  0
#define RTM_VERSION_MINOR  1
#define RTM_VERSION_PATCH  0
#define RTM_VERSION_NUMBER (RTM_VERSION_MAJOR * 10000 + RTM_VERSION_MINOR * 100 + RTM_VERSION_PATCH)

/* ---- Export ---- */

#if defined(_WIN32) && defined(RTM_BUILDING_SHARED)
#define RTM_API __declspec(dllexport)
#elif defined(_WIN32) && defined(RTM_USING_SHARED)
#define RTM_API __declspec(dllimport)
#elif defined(__GNUC__)
#define RTM_API __attribute__((visibility("default")))
#else
#define RTM_API
#endif

/* ---- Limits (SPEC.md) ---- */

#define RTM_MAX_PARAMS     32    /**< parameters per route */
#define RTM_MAX_PATTERN    65535 /**< bytes per pattern */
#define RTM_MAX_PARAM_NAME 255   /**< bytes per parameter name */

/* ---- Errors ---- */

/**
 * Every error is a negative int. Values are pinned forever; append only.
 * XX(name, value, message)
 */
#define RTM_ERRNO_MAP(XX)                                                                          \
    XX(EINVAL, -1, "invalid argument")                                                             \
    XX(ENOMEM, -2, "out of memory")                                                                \
    XX(EPATTERN, -3, "malformed pattern")                                                          \
    XX(ECONFLICT, -4, "route conflicts with an existing route")                                    \
    XX(EMETHOD, -5, "unknown method")                                                              \
    XX(ELIMIT, -6, "limit exceeded")                                                               \
    XX(EUNSUPP, -7, "algorithm not compiled into this library")                                    \
    XX(ETHREAD, -8, "could not start the background thread")                                       \
    XX(ENOENT, -9, "no such route")                                                                \
    XX(EIO, -10, "input/output error")

typedef enum rtm_errno {
#define RTM__ERRNO_ENUM(name, value, msg) RTM_##name = value,
    RTM_ERRNO_MAP(RTM__ERRNO_ENUM)
#undef RTM__ERRNO_ENUM
} rtm_errno;

/** Name of an error code ("ECONFLICT"); "EUNKNOWN" for anything else. Allocates: no. */
RTM_API const char *rtm_err_name(int err);
/** Message for an error code; "unknown error" for anything else. Allocates: no. */
RTM_API const char *rtm_strerror(int err);

/**
 * Why a pattern was rejected (rtm_diag.reason when err == RTM_EPATTERN or
 * RTM_ELIMIT). Values are pinned; append only.
 */
typedef enum rtm_pattern_error {
    RTM_PAT_OK = 0,
    RTM_PAT_NO_LEADING_SLASH = 1,  /**< pattern must start with '/' */
    RTM_PAT_EMPTY_SEGMENT = 2,     /**< '//' or an empty segment that is not the last */
    RTM_PAT_ADJACENT_PARAMS = 3,   /**< {a}{b}: params must be separated by static text */
    RTM_PAT_DUPLICATE_NAME = 4,    /**< a parameter name used twice in one route */
    RTM_PAT_CATCHALL_NOT_LAST = 5, /**< {*x} that is not the whole last segment */
    RTM_PAT_UNTERMINATED = 6,      /**< '{' without its '}' */
    RTM_PAT_STRAY_BRACE = 7,       /**< '}' in static text */
    RTM_PAT_EMPTY_NAME = 8,        /**< {} or {*} or a bare ':' / '*' */
    RTM_PAT_BAD_NAME_BYTE = 9,     /**< name byte is / { } *, control, space or DEL */
    RTM_PAT_NAME_TOO_LONG = 10,    /**< name longer than RTM_MAX_PARAM_NAME */
    RTM_PAT_TOO_MANY_PARAMS = 11,  /**< more than RTM_MAX_PARAMS */
    RTM_PAT_TOO_LONG = 12,         /**< pattern longer than RTM_MAX_PATTERN */
} rtm_pattern_error;

/**
 * Optional caller-owned diagnostic filled by calls that can fail on input.
 * Allocates: never; the router keeps no pointer to it.
 */
typedef struct rtm_diag {
    int err;                 /**< the error returned (0 on success) */
    int reason;              /**< rtm_pattern_error for RTM_EPATTERN / RTM_ELIMIT */
    size_t offset;           /**< byte offset in the pattern where the problem is */
    uint32_t other_route_id; /**< RTM_ECONFLICT: the existing route's id */
    char msg[160];           /**< human-readable, NUL-terminated */
} rtm_diag;

/* ---- Methods ---- */

/** The nine methods, in the SPEC's output order. */
typedef enum rtm_method {
    RTM_GET = 0,
    RTM_HEAD = 1,
    RTM_POST = 2,
    RTM_PUT = 3,
    RTM_DELETE = 4,
    RTM_CONNECT = 5,
    RTM_OPTIONS = 6,
    RTM_TRACE = 7,
    RTM_PATCH = 8,
    RTM_METHOD_OTHER = 9, /**< any other token: matches only ANY routes */
} rtm_method;

#define RTM_METHOD_COUNT      9
#define RTM_METHOD_BIT(m)     (1u << (m)) /**< a method's bit in a method set */
#define RTM_METHODS_ANY       (1u << 9)   /**< the ANY ("*") route: serves every method */
#define RTM_METHODS_ALL_NAMED 0x1FFu      /**< the nine named methods */

/**
 * Method token to rtm_method. Case-sensitive, as SPEC.md requires: "get" is
 * RTM_METHOD_OTHER. Allocates: no. Thread safety: any.
 */
RTM_API rtm_method rtm_method_parse(const char *tok, size_t len);
/** "GET" ... "PATCH"; "OTHER" for RTM_METHOD_OTHER; NULL when out of range. */
RTM_API const char *rtm_method_name(rtm_method m);
/**
 * Route-file method token to a method set: one of the nine names gives its
 * bit, "*" or "ANY" gives RTM_METHODS_ANY; anything else gives 0.
 */
RTM_API unsigned rtm_method_set_parse(const char *tok, size_t len);

/* ---- Algorithms ---- */

typedef enum rtm_algorithm {
    RTM_ALGO_DEFAULT = 0, /**< chosen at build time (CMake RTM_ALGORITHM) */
    RTM_ALGO_REFERENCE = 1,
    RTM_ALGO_TRIE = 2,
    RTM_ALGO_RADIX = 3,
    RTM_ALGO_ADAPTIVE = 4,
} rtm_algorithm;

#define RTM_ALGO_COUNT 5

/** "reference", "trie", ...; "default" for RTM_ALGO_DEFAULT; NULL if out of range. */
RTM_API const char *rtm_algorithm_name(rtm_algorithm a);
/** Name to algorithm ("default" included); returns RTM_EINVAL for an unknown name. */
RTM_API int rtm_algorithm_from_name(const char *name, rtm_algorithm *out);
/** True when the algorithm is compiled into this library. */
RTM_API bool rtm_algorithm_available(rtm_algorithm a);
/** The algorithm RTM_ALGO_DEFAULT stands for in this build. */
RTM_API rtm_algorithm rtm_algorithm_default(void);

/* ---- Configuration ---- */

/**
 * Allocator hooks. free receives the size that was asked for. All three must
 * be set, or the whole struct left NULL for malloc/realloc/free.
 */
typedef struct rtm_allocator {
    void *(*malloc)(void *ctx, size_t size);
    void *(*realloc)(void *ctx, void *ptr, size_t old_size, size_t new_size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} rtm_allocator;

/** Options for rtm_create(); zero-initialise and set what you need. */
typedef struct rtm_config {
    const rtm_allocator *allocator; /**< NULL: the C library's allocator */
    /* Adaptive algorithm only; 0 picks the documented default. */
    uint32_t adaptive_period_ms;    /**< policy tick period (default 500) */
    uint32_t adaptive_sample_every; /**< sample one lookup in K (default: see README) */
    double adaptive_entropy_max;    /**< reshape when entropy < this (default 0.75) */
    double adaptive_miss_min;       /**< ... and miss ratio > this (default 0.12) */
    uint32_t adaptive_flags;        /**< RTM_ADAPTIVE_* flags */
    uint32_t reserved[7];           /**< zero */
} rtm_config;

/** Adaptive: do not start the background thread (ticks only by rtm_adaptive_step). */
#define RTM_ADAPTIVE_NO_THREAD 1u
/** Adaptive: never build the hot-route index (the tree encodings only). */
#define RTM_ADAPTIVE_NO_HOT 2u
/** Adaptive: hold only sampled routes in the hot-route index, never every
 * eligible route of the table (less memory under broad traffic). */
#define RTM_ADAPTIVE_NO_FULL_INDEX 4u
/** Adaptive: keep no radix copy of the table (30-36% less memory on the
 * shipped tables; the policy can then never let a radix tree answer, see
 * the adaptive README). */
#define RTM_ADAPTIVE_NO_MIRROR 8u
/** Adaptive: ask no exact-path map of the static routes before the radix
 * copy (a little less memory; see the adaptive README). */
#define RTM_ADAPTIVE_NO_EXACT 16u

/* ---- Router ---- */

typedef struct rtm_router rtm_router;

/**
 * Create an empty router using algorithm `algo` (RTM_ALGO_DEFAULT for the
 * build's default).
 * @param out  receives the router; untouched on error.
 * @param cfg  may be NULL. Copied; the allocator struct it points to must
 *             outlive the router.
 * @return 0, RTM_EUNSUPP when the algorithm is not compiled in, RTM_EINVAL,
 *         RTM_ENOMEM.
 * Ownership: the caller owns the router and frees it with rtm_free().
 * Thread safety: any. Allocates: yes.
 */
RTM_API int rtm_create(rtm_router **out, rtm_algorithm algo, const rtm_config *cfg);

/** Free a router and everything it owns. Accepts NULL. Writer call. */
RTM_API void rtm_free(rtm_router *r);

/** The algorithm this router uses (never RTM_ALGO_DEFAULT). */
RTM_API rtm_algorithm rtm_router_algorithm(const rtm_router *r);

/**
 * Add a route: one binding per method in `methods` (bits RTM_METHOD_BIT(m)
 * and/or RTM_METHODS_ANY), all sharing the pattern, id and udata.
 * All-or-nothing: on any error (out of memory included) the router is exactly
 * as it was.
 * @return 0; RTM_EPATTERN or RTM_ELIMIT (diag: reason, offset); RTM_ECONFLICT
 *         (diag: other_route_id, the existing route with the same method and
 *         shape); RTM_EMETHOD when `methods` is empty or has unknown bits;
 *         RTM_EINVAL; RTM_ENOMEM.
 * Ownership: the pattern bytes are copied as needed; udata is not touched.
 * Thread safety: writer call. Allocates: yes.
 */
RTM_API int rtm_add(rtm_router *r, unsigned methods, const char *pattern, size_t len,
                    uint32_t route_id, void *udata, rtm_diag *diag);

/**
 * Remove the bindings of `methods` for the route whose shape equals
 * `pattern`'s (parameter names are ignored). All-or-nothing: if one of the
 * methods has no binding of that shape, RTM_ENOENT and nothing changes.
 * Afterwards the router answers as if the bindings had never been added.
 * Thread safety: writer call. Allocates: may (never leaves the router
 * changed when it fails).
 */
RTM_API int rtm_remove(rtm_router *r, unsigned methods, const char *pattern, size_t len,
                       rtm_diag *diag);

/** One captured parameter: the name is the router's, the value the caller's. */
typedef struct rtm_param {
    const char *name; /**< owned by the router; valid until the route is removed */
    size_t name_len;  /**< bytes in name (not NUL-terminated) */
    size_t offset;    /**< value = path + offset ... */
    size_t length;    /**< ... for length bytes; never copied */
} rtm_param;

typedef enum rtm_status {
    RTM_FOUND = 200,
    RTM_NOT_FOUND = 404,
    RTM_METHOD_NOT_ALLOWED = 405,
} rtm_status;

/** The answer of rtm_match(); caller-owned, usually on the stack. */
typedef struct rtm_result {
    int status;        /**< rtm_status, or a negative RTM_E* for misuse */
    uint32_t route_id; /**< 200: the winning route's id */
    void *udata;       /**< 200: the winning route's user pointer */
    unsigned allow;    /**< 405: method set (RTM_METHOD_BIT) of every route matching the path */
    bool tsr;          /**< 404: toggling the trailing '/' would give 200 */
    unsigned nparams;  /**< 200: parameters in pattern order */
    rtm_param params[RTM_MAX_PARAMS];
} rtm_result;

/**
 * Match a request. `method` is an rtm_method (RTM_METHOD_OTHER for tokens
 * outside the nine). The path is any bytes, not NUL-terminated, never
 * decoded, never copied.
 * @return res->status: 200, 404 or 405; RTM_EINVAL for NULL arguments.
 * Thread safety: any number of concurrent calls. Allocates: never. Locks:
 * never. Time: linear in the path length for a given table (each tree node
 * visited at most once).
 */
RTM_API int rtm_match(const rtm_router *r, rtm_method method, const char *path, size_t len,
                      rtm_result *res);

/** Memory and shape figures of a router. */
typedef struct rtm_stats {
    size_t routes;             /**< method bindings currently in the router */
    size_t nodes;              /**< algorithm's tree nodes (or entries) */
    size_t bytes;              /**< bytes allocated by the router right now */
    uint64_t reshapes;         /**< adaptive: subtrees re-encoded so far */
    const char *metric_source; /**< adaptive: where miss ratios come from, else "" */
    size_t hot_routes;         /**< adaptive: routes in the published hot-route index */
    const char *front;         /**< adaptive: what answers lookups: "index", "tree" or
                                    "radix" (the radix copy); else "" */
} rtm_stats;

/** Fill `out`. Thread safety: writer-side (not during add/remove). Allocates: no. */
RTM_API void rtm_get_stats(const rtm_router *r, rtm_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* ROUTEMATCH_H */
