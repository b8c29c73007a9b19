/* SPDX-License-Identifier: MIT */
/* The lookup-cost floor: one hash of the request bytes and one probe of an
 * open-addressed table holding exactly the request strings (no routing, no
 * parameters). Every algorithm's ns per lookup is reported as a multiple of
 * this floor, measured in the same run on the same request strings. */
#ifndef RTM_BENCH_HASHFLOOR_H
#define RTM_BENCH_HASHFLOOR_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h" /* wl_req */

typedef struct hashfloor_key {
    const char *p; /* the string (borrowed) */
    size_t n;      /* its length */
    uint64_t h;    /* its hash */
} hashfloor_key;

typedef struct hashfloor {
    hashfloor_key *tab; /* power-of-two table, p == NULL is empty */
    size_t mask;        /* slots - 1 */
} hashfloor;

uint64_t hashfloor_hash(const char *p, size_t n);
/* Build the table over the paths of requests v[0, n) (duplicates are
 * stored once). Returns 0 or -1 when out of memory. The paths must outlive
 * the table. */
int hashfloor_build(hashfloor *f, const wl_req *v, size_t n);
/* 1 when (p, n) is in the table, else 0. */
int hashfloor_lookup(const hashfloor *f, const char *p, size_t n);
void hashfloor_free(hashfloor *f);

#endif
