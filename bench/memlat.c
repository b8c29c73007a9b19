/* SPDX-License-Identifier: MIT */
/* The pointer chase of memlat.h. The cycle is built with Sattolo's algorithm
 * (a uniformly random permutation with a single cycle), so the chase visits
 * every line of the buffer before repeating and hardware prefetchers find no
 * stride to follow. */
#include "memlat.h"

#include <stdlib.h>

#define LINE 64u

int memlat_setup(memlat *m, size_t bytes, uint64_t seed)
{
    size_t n = bytes / LINE;
    if (n < 2)
        n = 2;
    m->bytes = n * LINE;
    m->lines = aligned_alloc(LINE, m->bytes);
    uint32_t *perm = malloc(n * sizeof *perm);
    if (!m->lines || !perm) {
        free(m->lines);
        free(perm);
        m->lines = NULL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    uint64_t s = seed | 1;
    for (size_t i = n - 1; i > 0; i--) { /* Sattolo: j < i, never i itself */
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        size_t j = (size_t)(s % i);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    /* perm is one cycle: line i links to line perm[i]. */
    const size_t stride = LINE / sizeof(void *);
    for (size_t i = 0; i < n; i++)
        m->lines[i * stride] = &m->lines[(size_t)perm[i] * stride];
    free(perm);
    m->cursor = m->lines;
    return 0;
}

void *memlat_chase(memlat *m, uint64_t steps)
{
    void **p = m->cursor;
    for (uint64_t i = 0; i + 8 <= steps; i += 8) {
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
        p = (void **)*p;
    }
    for (uint64_t i = steps & ~(uint64_t)7; i < steps; i++)
        p = (void **)*p;
    m->cursor = p;
    return p;
}

void memlat_free(memlat *m)
{
    free(m->lines);
    m->lines = NULL;
    m->cursor = NULL;
}
