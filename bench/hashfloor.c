/* SPDX-License-Identifier: MIT */
/* Origin: the hash and the table below are taken from the project-provided
 * tool /work/shared/tools/hashfloor.c ("a floor for path lookup cost"),
 * turned from a program into functions so that routematch-bench measures the
 * floor in the same run and on the same request strings as the routers. The
 * hash function and the linear-probing lookup are unchanged. */
#include "hashfloor.h"

#include <stdlib.h>
#include <string.h>

uint64_t hashfloor_hash(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n, w;
    while (n >= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    w = 0;
    memcpy(&w, p, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 29);
}

int hashfloor_build(hashfloor *f, const wl_req *v, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    f->tab = calloc(cap, sizeof *f->tab);
    if (!f->tab)
        return -1;
    f->mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        hashfloor_key k = {v[i].path, v[i].len, hashfloor_hash(v[i].path, v[i].len)};
        size_t s = k.h & f->mask;
        while (f->tab[s].p && !(f->tab[s].n == k.n && !memcmp(f->tab[s].p, k.p, k.n)))
            s = (s + 1) & f->mask;
        f->tab[s] = k;
    }
    return 0;
}

int hashfloor_lookup(const hashfloor *f, const char *p, size_t n)
{
    uint64_t h = hashfloor_hash(p, n);
    size_t s = h & f->mask;
    while (f->tab[s].p) {
        if (f->tab[s].h == h && f->tab[s].n == n && !memcmp(f->tab[s].p, p, n))
            return 1;
        s = (s + 1) & f->mask;
    }
    return 0;
}

void hashfloor_free(hashfloor *f)
{
    free(f->tab);
    f->tab = NULL;
    f->mask = 0;
}
