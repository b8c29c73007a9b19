/* SPDX-License-Identifier: MIT */
/* The adaptive policy's traffic statistics: the per-subtree next-token
 * sketch (AD_SKETCH buckets of counts indexed by the xxHash of the edge a
 * sampled lookup takes out of the subtree root) and its normalised Shannon
 * entropy. Not responsible for sampling decisions (lookup.c) or for what
 * the figures trigger (reshape.c).
 *
 * A fixed-size sketch keeps the sampled path free of allocation and of any
 * per-token state: two tokens whose hashes share a bucket count as one, so
 * the entropy is that of the bucketed distribution. With d distinct tokens
 * in 32 buckets the expected number of collisions is about d^2/64, small for
 * the fan-outs where the rule matters (a concentrated, low-entropy subtree
 * has few hot tokens). Counters are relaxed atomics written with a load and
 * a store (no locked instruction): concurrent sampled lookups may lose an
 * increment, which only adds noise to a statistic. */
#include "adaptive_internal.h" /* ad_sub, XXH3_64bits (inline xxHash) */

#include <string.h>

uint64_t ad_token_hash(const char *label, size_t len)
{
    return XXH3_64bits(label, len);
}

/* log2(x) for x >= 1 without libm: exponent from the bits, mantissa m in
 * [1, 2) by the atanh series ln m = 2 (t + t^3/3 + ... + t^11/11), t =
 * (m - 1) / (m + 1) <= 1/3; absolute error below 1e-7. */
static double ad_log2(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int e = (int)((bits >> 52) & 0x7FF) - 1023;
    bits = (bits & ~(0x7FFull << 52)) | (1023ull << 52);
    double m;
    memcpy(&m, &bits, sizeof m);
    double t = (m - 1.0) / (m + 1.0), t2 = t * t;
    double s =
        t * (1.0 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7 + t2 * (1.0 / 9 + t2 / 11)))));
    return (double)e + 2.0 * s * 1.4426950408889634; /* 1 / ln 2 */
}

double ad_entropy(const uint32_t *counts, size_t n)
{
    double total = 0;
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i]) {
            total += counts[i];
            distinct++;
        }
    }
    if (distinct <= 1)
        return 0.0;
    /* H = log2(N) - (1/N) sum c log2 c */
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i])
            acc += (double)counts[i] * ad_log2((double)counts[i]);
    }
    double h = ad_log2(total) - acc / total;
    double norm = h / ad_log2((double)distinct);
    if (norm < 0)
        norm = 0;
    if (norm > 1)
        norm = 1;
    return norm;
}

void ad_sub_window(ad_sub *s)
{
    uint32_t lookups = atomic_load_explicit(&s->lookups, memory_order_relaxed);
    uint32_t misses = atomic_load_explicit(&s->misses, memory_order_relaxed);
    /* A window too small to judge stays open: its counters carry over. */
    unsigned shift = lookups >= RTM__ADAPTIVE_MIN_SAMPLES;
    uint32_t c[AD_SKETCH];
    for (unsigned i = 0; i < AD_SKETCH; i++) {
        c[i] = atomic_load_explicit(&s->sketch[i], memory_order_relaxed);
        atomic_store_explicit(&s->sketch[i], c[i] >> shift, memory_order_relaxed);
    }
    atomic_store_explicit(&s->lookups, lookups >> shift, memory_order_relaxed);
    atomic_store_explicit(&s->misses, misses >> shift, memory_order_relaxed);
    s->entropy = ad_entropy(c, AD_SKETCH);
    s->miss_ratio = lookups ? (double)misses / (double)lookups : 0.0;
    s->samples = lookups;
}
