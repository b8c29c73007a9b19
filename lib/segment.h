/* SPDX-License-Identifier: MIT */
/* Segment-level rules shared by every algorithm: the ranking order between
 * two canonical segments and the matching of a "mixed" segment (params with
 * static text) against one path segment. */
#ifndef RTM_LIB_SEGMENT_H
#define RTM_LIB_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>

/* Rank two canonical segments (kinds from rtm__seg_kind, text in shape form:
 * "users", "{}.json", "{}", "{*}"). Returns < 0 when a wins over b, > 0 when b
 * wins, 0 when they are the same segment. SPEC order: static > mixed > param
 * > catch-all; between two mixed segments: more static bytes, then fewer
 * params, then longer leading static text, then the static pieces compared
 * one by one from the left (memcmp, a proper prefix is smaller, smaller
 * wins). Two different static segments are ordered by memcmp (never both
 * match one path segment, so any fixed order is correct). */
int rtm__seg_rank(unsigned akind, const char *a, size_t alen, unsigned bkind, const char *b,
                  size_t blen);

/* Match the mixed canonical segment `shape` (e.g. "{}...{}") against the path
 * segment s[0..n), which holds no '/'. Each param takes one or more bytes and
 * is greedy from the left, exactly as a regex with ([^/]+) per param. On a
 * match returns true and writes, for param i of the segment, caps[2i] =
 * offset within s and caps[2i+1] = length. One right-to-left scan, no
 * backtracking inside the segment, no allocation. */
bool rtm__mixed_match(const char *shape, size_t shape_len, const char *s, size_t n, size_t *caps);

#endif
