/* SPDX-License-Identifier: MIT */
/* The adaptive algorithm's front: which encoding answers the lookups that
 * are not sampled. Responsible for the radix mirror's life (kept in step
 * with the tree by the writers' calls here) and for the policy's choice,
 * made from timed spans of lookups; the lookup side is
 * rtm__adaptive_match() and walk_sampled() in lookup.c.
 *
 * ---- Idea ----
 *
 * The hot index and the segment tree win where traffic is skewed over a
 * large table: few cache lines per lookup. Where a table's hot part is
 * small and its labels share long byte prefixes (Slack's 174 methods
 * under /api, "admin.conversations.*"), a path-compressed radix tree
 * compares fewer bytes and wins by up to a quarter. No cost model
 * predicted which on our tables (instruction counts did not: Slack's
 * index ran 18% more instructions and took 40% longer), so the policy
 * measures instead. The router keeps a second copy of the table, a radix
 * tree with the tree's records borrowed (mirror.h), and lets the cheaper
 * of the two answer:
 *
 *   - The lookups between two sampled ones (about K) are a span: the
 *     sampled lookup that ends one reads ad_clock_ticks() and adds the
 *     ticks since the one before, and the span's lookups, to the sums of
 *     the front that answered them (relaxed, lossy counters, as the
 *     sketches). A span is left out when it began on another router, under
 *     the other front, or took over AD_FRONT_OUTLIER ticks a lookup (the
 *     thread was away or did other work: 8 us at 2.5 GHz, some 25 times
 *     a lookup on the 42,000-route corpus). So a front's figure is its
 *     lookup rate as the application sees it, with what else the thread
 *     does between lookups added alike to both.
 *   - Each policy tick turns the period's sum into a mean. The incumbent
 *     answers; when its wait runs out a trial's period begins, shared out
 *     in AD_FRONT_SLICES slices: the other one answers the first, and the
 *     policy thread hands the lookups over at each slice's end
 *     (ad_front_slice), so the two take turns. The other one wins when its
 *     mean is lower by AD_FRONT_MARGIN than the incumbent's in the same
 *     period. Taken side by side, within tens of milliseconds, the two
 *     see the same neighbours; one period after another did not: on a
 *     shared machine whose lookup times drifted by half between periods,
 *     one github Zipf run in six let the mirror win a trial it loses by a
 *     tenth when quiet. When the incumbent's slices were too few to time
 *     (or under injected ticks without front_cost_held), the figure is its
 *     least mean since the last trial instead (a neighbour's load only
 *     ever adds time, so the least is the fairest figure). A trial
 *     costs half a period of the slower front, so the wait grows: a trial that
 *     loses doubles it, and one that loses by three margins or more
 *     quadruples it, to at least AD_FRONT_BACKOFF_CLEAR periods; a switch
 *     makes it 2, or AD_FRONT_BACKOFF_CLEAR when the winner won by three
 *     margins. At most AD_FRONT_BACKOFF_MAX periods, so a clear loser
 *     costs half a period in 64.
 *   - The first period, and the first after any add or remove, is not
 *     counted: the index it ran with was missing or outdated.
 *   - While the mirror answers, the exact-path map of its static shapes
 *     (exact.c) is asked first, when at least AD_EXACT_SHARE of the
 *     period's sampled wins were static routes (judge_exact).
 *
 * Under stable traffic the choice is made by the third tick (a measured
 * period, then a trial): 1.5 s at the default period.
 *
 * ---- Costs and limits ----
 *
 * The mirror shares the records, so it takes less than a radix router of
 * the table: 29-36% of the adaptive router's bytes before its hot index
 * (github 78 KB of 251 KB, a radix router 116 KB; the corpus 3.0 MB of
 * 8.3 MB, radix 4.2 MB). RTM_ADAPTIVE_NO_MIRROR goes without it. A
 * radix answer needs no epoch section: the mirror changes only under
 * writers, which run with lookups quiesced, and while unpublished. Built
 * route by route, its nodes lie between the records and the tree's nodes
 * (on Slack a third more L1 misses than a radix router's); so a writer
 * unpublishes it (the own encodings answer), and the tick that next lets
 * it answer first packs it (rtm__radix_pack: one block, preorder, each
 * leaf after its node), with no lookup able to reach it. The period after
 * a change is the own encodings', whatever the incumbent. Switching is one release
 * store (impl->front); both answers are the reference's, so a lookup that
 * sees either is right. A mirror that runs out of memory while it follows
 * an add or remove is given up for good (rebuilding it would need the
 * parsed patterns, which are not kept), and the own encodings answer. Timing one
 * lookup alone misleads: a first version timed the sampled lookup itself
 * and chose radix for Kubernetes under Zipf traffic, where the index has
 * 1.2 times its rate; a lookup's latency is not its share of a stream
 * (back-to-back lookups overlap their cache misses). Spans measure the
 * stream. */
#include "adaptive_internal.h" /* rtm__impl, ad_front, ad_mirror */

int ad_front_create(rtm__impl *impl)
{
    impl->fr = (ad_front){.backoff = 1, .fresh = true, .exact_on = true};
    if (impl->flags & RTM_ADAPTIVE_NO_MIRROR)
        return 0;
    int rc = ad_mirror_create(&impl->mirror, impl->a);
    if (rc == RTM_EUNSUPP) {
        impl->mirror = NULL;
        return 0;
    }
    return rc;
}

/* The exact-path map goes with the mirror's layout it points into; only
 * while no lookup can reach it (the mirror unpublished). */
static void drop_exact(rtm__impl *impl)
{
    atomic_store_explicit(&impl->exact, NULL, memory_order_relaxed);
    ad_exact_free(impl->a, impl->exact_map);
    impl->exact_map = NULL;
}

void ad_front_destroy(rtm__impl *impl)
{
    atomic_store_explicit(&impl->front, NULL, memory_order_relaxed);
    drop_exact(impl);
    ad_mirror_destroy(impl->mirror);
    impl->mirror = NULL;
}

/* Let `which` answer from now on. The mirror is packed first when it
 * changed since its last pack: no lookup can reach it then (it was
 * unpublished by the change, and writers run with lookups quiesced). A
 * pack that fails leaves it as it is, published all the same. */
static void publish(rtm__impl *impl, unsigned which)
{
    ad_front *f = &impl->fr;
    if (which == AD_FRONT_RADIX && impl->mirror && f->unpacked) {
        if (ad_mirror_pack(impl->mirror) == 0)
            f->packs++;
        f->unpacked = false;
        drop_exact(impl);
        if (!(impl->flags & RTM_ADAPTIVE_NO_EXACT) &&
            ad_exact_build(impl->a, impl->mirror, &impl->exact_map) != 0)
            impl->exact_map = NULL; /* out of memory: the mirror answers alone */
    }
    /* release: the map's contents before its address */
    atomic_store_explicit(&impl->exact, f->exact_on ? impl->exact_map : NULL, memory_order_release);
    atomic_store_explicit(&impl->front, which == AD_FRONT_RADIX ? impl->mirror : NULL,
                          memory_order_release);
}

/* The table changed: what was measured no longer holds. A trial stops,
 * and the own encodings answer until the next tick packs the mirror. */
static void start_over(rtm__impl *impl)
{
    ad_front *f = &impl->fr;
    f->cost[0] = f->cost[1] = 0;
    f->trial = false;
    f->wait = 0;
    f->backoff = 1;
    f->since_trial = 0;
    f->fresh = true;
    f->unpacked = impl->mirror != NULL;
    atomic_store_explicit(&impl->front, NULL, memory_order_release);
    drop_exact(impl);
}

static void give_up_mirror(rtm__impl *impl)
{
    impl->fr.incumbent = AD_FRONT_OWN;
    ad_front_destroy(impl);
}

void ad_front_bound(rtm__impl *impl, const rtm__pattern *p, rtm__route *const *routes, unsigned n)
{
    if (impl->mirror && ad_mirror_insert(impl->mirror, p, routes, n) != 0)
        give_up_mirror(impl);
    start_over(impl);
}

void ad_front_unbound(rtm__impl *impl, const rtm__pattern *p, unsigned methods)
{
    if (impl->mirror && ad_mirror_remove(impl->mirror, p, methods) != 0)
        give_up_mirror(impl);
    start_over(impl);
}

/* The period's spans under front `which`: clock ticks per lookup, or 0
 * when they hold too few lookups. The sums start over. */
static double period_mean(rtm__impl *impl, unsigned which)
{
    uint64_t ticks = atomic_exchange_explicit(&impl->front_ticks[which], 0, memory_order_relaxed);
    uint64_t n = atomic_exchange_explicit(&impl->front_n[which], 0, memory_order_relaxed);
    return n >= AD_FRONT_MIN_LOOKUPS ? (double)ticks / (double)n : 0;
}

/* Whether the exact-path map is asked: when at least AD_EXACT_SHARE of
 * the period's sampled lookups that found a route found a static one (an
 * injected share when the tick is injected; too few wins: as before). */
static void judge_exact(rtm__impl *impl, const rtm__adaptive_metrics *inj)
{
    uint32_t n = atomic_exchange_explicit(&impl->wins, 0, memory_order_relaxed);
    uint32_t k = atomic_exchange_explicit(&impl->static_wins, 0, memory_order_relaxed);
    if (inj && inj->static_share > 0)
        impl->fr.exact_on = inj->static_share >= AD_EXACT_SHARE;
    else if (!inj && n >= AD_EXACT_MIN_WINS)
        impl->fr.exact_on = k >= AD_EXACT_SHARE * n;
}

void ad_front_tick(rtm__impl *impl, const rtm__adaptive_metrics *inj)
{
    ad_front *f = &impl->fr;
    if (inj && !(inj->front_cost > 0))
        return; /* an injected tick about something else */
    double mean[2] = {period_mean(impl, AD_FRONT_OWN), period_mean(impl, AD_FRONT_RADIX)};
    judge_exact(impl, inj);
    if (!impl->mirror)
        return;
    unsigned on = f->trial ? 1u - f->incumbent : f->incumbent; /* answered the period */
    double c = inj ? inj->front_cost : mean[on];
    if (!inj && (f->fresh || c == 0)) {
        f->fresh = false;
        publish(impl, on);
        return; /* not counted; a trial runs on */
    }
    f->fresh = false;
    /* The incumbent keeps its least cost since the last trial: the noise
     * of a shared machine only ever adds time. */
    bool first = f->trial || f->since_trial == 0;
    f->cost[on] = first || c < f->cost[on] ? c : f->cost[on];
    f->since_trial = f->trial ? 0 : f->since_trial + 1;
    if (f->trial) {
        /* The incumbent's mean over its slices of the trial's period, when
         * they were timed: measured beside the challenger's, under the
         * same neighbours; else its least since the last trial. */
        double paired = inj ? inj->front_cost_held : mean[f->incumbent];
        double held = paired > 0 ? paired : f->cost[f->incumbent];
        /* clear: the two differ by three margins or more */
        bool clear = c < held * (1 - 3 * AD_FRONT_MARGIN) || c > held * (1 + 3 * AD_FRONT_MARGIN);
        f->trial = false;
        if (c < held * (1 - AD_FRONT_MARGIN)) {
            f->incumbent = (uint8_t)on;
            f->switches++;
            f->backoff = clear ? AD_FRONT_BACKOFF_CLEAR : 2;
        } else {
            uint32_t b = f->backoff * (clear ? 4 : 2);
            b = clear && b < AD_FRONT_BACKOFF_CLEAR ? AD_FRONT_BACKOFF_CLEAR : b;
            f->backoff = b < AD_FRONT_BACKOFF_MAX ? b : AD_FRONT_BACKOFF_MAX;
        }
        f->wait = f->backoff;
    } else {
        if (f->wait > 0)
            f->wait--;
        f->trial = f->wait == 0; /* the incumbent has had its `backoff` periods */
    }
    publish(impl, f->trial ? 1u - f->incumbent : f->incumbent);
}

void ad_front_slice(rtm__impl *impl)
{
    if (!impl->fr.trial || !impl->mirror)
        return;
    bool radix = atomic_load_explicit(&impl->front, memory_order_relaxed) != NULL;
    publish(impl, radix ? AD_FRONT_OWN : AD_FRONT_RADIX);
}

bool rtm__adaptive_has_mirror(const rtm__impl *impl)
{
    return impl->mirror != NULL;
}

const char *ad_front_name(const rtm__impl *impl)
{
    if (atomic_load_explicit(&impl->front, memory_order_relaxed))
        return "radix";
    return atomic_load_explicit(&impl->hot, memory_order_relaxed) ? "index" : "tree";
}
