/* SPDX-License-Identifier: MIT */
/* What the benchmark feeds the routers: a pool of real routes (read with the
 * project's table loader, filtered to the routes the SPEC accepts, grown past
 * its size by repeating it under distinct static prefixes) and streams of
 * requests, either read from a file of SPEC request lines or generated from
 * the routes' patterns with realistic parameter values, in a shuffled order
 * (uniform) or drawn from a Zipf law, always from a fixed seed. Not
 * responsible for any timing. */
#ifndef RTM_BENCH_WORKLOAD_H
#define RTM_BENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "routematch.h"  /* rtm_router, rtm_method */
#include "routes_file.h" /* rtm__table */

/* ---- The route pool ---- */

typedef struct wl_route {
    const char *pat;  /* pattern bytes, into one of the pool's tables */
    uint32_t len;     /* pattern length */
    uint16_t methods; /* method set (RTM_METHOD_BIT / RTM_METHODS_ANY) */
    uint16_t table;   /* index of the file it comes from */
    uint32_t line;    /* its line in that file */
} wl_route;

typedef struct wl_pool {
    rtm__table *tables; /* the files as loaded, owned */
    char **names;       /* their paths, owned */
    size_t ntables;
    wl_route *base;  /* accepted routes of every table, in file order, owned */
    size_t nbase;    /* base routes: the pool before growing */
    size_t rejected; /* lines left out: malformed, conflicting, bad method */
} wl_pool;

/* Load the tables (plain or gzip), in order, into one pool. Every route line
 * is checked by adding it to a scratch router of `check_algo`; a line the
 * SPEC rejects (malformed, conflicting with an earlier line of the pool,
 * unknown method) is reported on `log` (may be NULL) as `FILE:LINE: message`
 * and left out. Returns 0, or -1 with a message in err. */
int wl_pool_load(wl_pool *p, const char *const *files, size_t nfiles, rtm_algorithm check_algo,
                 FILE *log, char *err, size_t errlen);
void wl_pool_free(wl_pool *p);

/* Route i of the grown pool: base route i % nbase, under the static prefix
 * "/t<k>" where k = i / nbase (no prefix for k = 0). Writes the pattern into
 * buf (cap bytes) and returns its length, or 0 when it does not fit. */
size_t wl_pool_pattern(const wl_pool *p, size_t i, char *buf, size_t cap);
static inline unsigned wl_pool_methods(const wl_pool *p, size_t i)
{
    return p->base[i % p->nbase].methods;
}

/* Add routes [0, n) of the grown pool to `r` (route id = index). Stops early
 * when `deadline` (CLOCK_MONOTONIC seconds, 0 = none) passes. Returns the
 * number of routes tried; *rejected counts the rtm_add failures. */
size_t wl_pool_build(const wl_pool *p, rtm_router *r, size_t n, double deadline, size_t *rejected);

/* ---- Request streams ---- */

typedef struct wl_req {
    const char *path; /* into the stream's buffer */
    uint32_t len;     /* path bytes */
    uint32_t method;  /* rtm_method */
} wl_req;

typedef struct wl_requests {
    wl_req *v;              /* requests in stream order, owned */
    size_t n;               /* requests */
    char *buf;              /* every path, contiguous in stream order, owned */
    size_t bytes;           /* bytes in buf */
    size_t distinct_routes; /* routes the stream was generated from (0: read) */
} wl_requests;

/* Generate a stream over routes [0, nroutes) of the grown pool. Uniform
 * (zipf_s == 0): max(nroutes, min_len) requests, route j % nroutes for the
 * j-th, then shuffled. Zipf (zipf_s > 0): max(nroutes, min_len) draws where
 * the route of popularity rank k (ranks are a seeded permutation) has
 * probability proportional to k^-zipf_s. Parameter values come from the
 * parameter names (ids are digits, names are words, versions are dotted,
 * catch-alls span several segments) and a generator seeded by `seed`, the
 * route and the draw, so route i gets the same requests at every size.
 * Returns 0 or -1 when out of memory. */
int wl_requests_generate(wl_requests *out, const wl_pool *p, size_t nroutes, size_t min_len,
                         double zipf_s, uint64_t seed);

/* Read SPEC request lines (METHOD, one space or tab, then the path up to
 * the line end; "\r\n" accepted) from a plain or gzip file. Returns 0, or -1
 * with a message in err. */
int wl_requests_read(wl_requests *out, const char *path, char *err, size_t errlen);

void wl_requests_free(wl_requests *r);

/* The adaptive algorithm's policy period when rtm_config leaves it 0
 * (routematch.h: adaptive_period_ms, default 500): what the benchmarks'
 * warm-ups count in. */
#define WL_POLICY_PERIOD_S 0.5

/* Seconds on CLOCK_MONOTONIC. */
double wl_now(void);
/* CPU seconds of the calling thread (CLOCK_THREAD_CPUTIME_ID). */
double wl_cpu_now(void);

#endif
