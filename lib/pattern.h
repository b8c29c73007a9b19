/* SPDX-License-Identifier: MIT */
/* The pattern parser and validator (SPEC.md "Patterns"), written once for
 * every algorithm so that all of them accept and reject exactly the same
 * patterns with the same reasons and offsets.
 *
 * A parsed pattern is kept in canonical form, its *shape*: the pattern with
 * every parameter name removed. `{id}` and `:id` become `{}`, `{*path}` and
 * `*path` become `{*}`, static text is kept byte for byte:
 *
 *     /repos/{owner}/{repo}/compare/{base}...{head}
 *     /repos/{}/{}/compare/{}...{}                     <- shape
 *
 * Two routes conflict when they share a method and their shapes are equal.
 * The shape is split into segments (the bytes between '/'), each with a kind
 * (static, mixed = params with static text, param, catch-all). The pattern
 * "/" has one empty static segment; "/users/" has "users" and "". */
#ifndef RTM_LIB_PATTERN_H
#define RTM_LIB_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"      /* rtm__alloc */
#include "routematch.h" /* rtm_diag, RTM_MAX_PARAMS */

/* Segment kinds, in rank order: a lower kind wins (SPEC "Which route wins"). */
typedef enum rtm__seg_kind {
    RTM__SEG_STATIC = 0,   /* exact bytes (possibly empty: the trailing slash) */
    RTM__SEG_MIXED = 1,    /* params with static text: "v{}", "{}.{}" */
    RTM__SEG_PARAM = 2,    /* "{}": one or more non-'/' bytes */
    RTM__SEG_CATCHALL = 3, /* "{*}": the rest of the path, one or more bytes */
} rtm__seg_kind;

typedef struct rtm__seg {
    uint8_t kind;        /* rtm__seg_kind */
    uint8_t nparams;     /* parameters in this segment (catch-all counts 1) */
    uint8_t first_param; /* index of its first parameter in the route */
    uint32_t off;        /* segment's canonical bytes start at shape + off */
    uint32_t len;        /* ... and are len bytes long (no '/') */
} rtm__seg;

/* Inline room in rtm__pattern, so that parsing a typical pattern allocates
 * nothing: one shorter than RTM__PATTERN_INLINE_SHAPE bytes keeps its shape
 * inline, and its segments too while they are at most
 * RTM__PATTERN_INLINE_SEGS (every route of the tables in data/routes fits).
 * Longer patterns get their shape and segments from the allocator. */
#define RTM__PATTERN_INLINE_SHAPE 256
#define RTM__PATTERN_INLINE_SEGS  32

/* A parsed pattern may point into itself (shape_buf, seg_buf): pass it by
 * pointer, never copy one by value. */
typedef struct rtm__pattern {
    char *shape;                       /* canonical form, starts with '/', owned */
    size_t shape_len;                  /* bytes in shape */
    size_t shape_cap;                  /* bytes allocated for shape; 0: shape_buf or none */
    rtm__seg *segs;                    /* segments of the shape, owned */
    uint32_t nsegs;                    /* at least 1 */
    uint32_t segs_cap;                 /* entries allocated for segs; 0: seg_buf or none */
    uint8_t nparams;                   /* total parameters, at most RTM_MAX_PARAMS */
    uint8_t name_len[RTM_MAX_PARAMS];  /* each parameter name's length */
    uint32_t name_off[RTM_MAX_PARAMS]; /* ... and offset in the original text */
    const char *text;                  /* the original pattern (borrowed, for the names) */
    rtm__seg seg_buf[RTM__PATTERN_INLINE_SEGS]; /* segs of a small pattern */
    char shape_buf[RTM__PATTERN_INLINE_SHAPE];  /* shape of a small pattern */
} rtm__pattern;

/* Parse and validate `len` bytes of `text`. On success returns 0 and fills
 * `out`, which must later go to rtm__pattern_release(). On failure returns
 * RTM_EPATTERN / RTM_ELIMIT / RTM_ENOMEM, fills `diag` (may be NULL) with the
 * reason and byte offset, and owns nothing. `text` must outlive `out`. */
int rtm__pattern_parse(rtm__alloc *a, const char *text, size_t len, rtm__pattern *out,
                       rtm_diag *diag);

/* Free what rtm__pattern_parse() allocated. Accepts a zeroed pattern. */
void rtm__pattern_release(rtm__alloc *a, rtm__pattern *p);

/* The message of an rtm_pattern_error reason ("empty segment"). */
const char *rtm__pattern_reason_message(int reason);

#endif
