/* SPDX-License-Identifier: MIT */
/* The reference matcher: the oracle every other algorithm is tested against. */
#ifndef RTM_ALGORITHMS_REFERENCE_H
#define RTM_ALGORITHMS_REFERENCE_H

#include "router_internal.h" /* rtm__algo_ops, rtm__impl */

extern const rtm__algo_ops rtm__reference_ops;

int rtm__reference_match(const rtm__impl *impl, unsigned method, const char *path, size_t len,
                         unsigned flags, rtm_result *res);

#endif
