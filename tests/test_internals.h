/* SPDX-License-Identifier: MIT */
/* Reaching each algorithm's test hooks through a public router: its
 * invariant walker (rtm__<algo>_check) and its counted lookup
 * (rtm__<algo>_match_counted, "each node visited at most once"). An
 * algorithm without a hook (the reference) simply has none; a new algorithm
 * adds its two lines in test_internals.c. */
#ifndef RTM_TESTS_TEST_INTERNALS_H
#define RTM_TESTS_TEST_INTERNALS_H

#include <stdbool.h>
#include <stddef.h>

#include "routematch.h"

/* Run the router's invariant walker. Returns true when it has none or all
 * invariants hold; else false with *why set. Writer-side. */
bool rt_invariants_hold(const rtm_router *r, const char **why);

/* The counted lookup with the facade's preconditions (path starts with '/',
 * len >= 1). Returns false when the algorithm has no counted lookup; else
 * fills res, *visits and *nodes (rtm_stats.nodes) and returns true. */
bool rt_match_counted(const rtm_router *r, rtm_method method, const char *path, size_t len,
                      rtm_result *res, size_t *visits, size_t *nodes);

/* During the adaptive algorithm's packed pass (rtm_test_packed_pass()):
 * re-encode every subtree of an adaptive router that is still in trie form
 * to the packed form, through the policy tick with injected figures. Packed
 * subtrees are left alone, so a second call changes nothing. In the hot
 * pass (rtm_test_hot_pass()), also publish a hot-route index of every
 * route it can hold when there is none (writers drop it) or a tick ran.
 * Any other router or pass: nothing. Writer-side (like rtm_add). Every helper that
 * answers requests calls it first; tests that call rtm_match() directly
 * call it after their last rtm_add/rtm_remove. */
void rt_settle(const rtm_router *r);

#define ASSERT_INVARIANTS(r)                                                                       \
    do {                                                                                           \
        const char *why_ = NULL;                                                                   \
        if (!rt_invariants_hold(r, &why_))                                                         \
            RTM_TEST_FAIL("invariant broken: %s", why_ ? why_ : "?");                              \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#endif
