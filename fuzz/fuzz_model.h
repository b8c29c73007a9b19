/* SPDX-License-Identifier: MIT */
/* A second, independent statement of SPEC.md's matching rules, used by the
 * differential fuzzer to check the reference matcher itself.
 *
 * The model keeps a flat list of method bindings and answers a request by
 * brute force: every binding is tried against the path, mixed segments are
 * split by a dynamic program over (parameter, position) that yields exactly
 * the captures of the SPEC's regular expression (([^/]+) per param, greedy
 * from the left), candidates are ranked by the SPEC's rules written out again
 * here, and the trailing-slash hint is computed by matching the toggled path.
 * It shares with the library only the pattern parser (which fuzz_pattern
 * checks on its own) and nothing of segment.c, route.c or any algorithm.
 *
 * It allocates freely and is slow (bindings x path length per request); it
 * is meant for tables of a few dozen routes and paths of a few hundred
 * bytes. */
#ifndef RTM_FUZZ_FUZZ_MODEL_H
#define RTM_FUZZ_FUZZ_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "routematch.h"

typedef struct fuzz_model fuzz_model;

fuzz_model *fuzz_model_new(void);
void fuzz_model_free(fuzz_model *m);

/* What rtm_add / rtm_remove must return on a router holding the same
 * bindings; applies the change when it succeeds. `diag` receives err,
 * reason, offset and other_route_id as the library must fill them. */
int fuzz_model_add(fuzz_model *m, unsigned methods, const char *pattern, size_t len, uint32_t id,
                   void *udata, rtm_diag *diag);
int fuzz_model_remove(fuzz_model *m, unsigned methods, const char *pattern, size_t len,
                      rtm_diag *diag);

/* Method bindings held (rtm_stats.routes). */
size_t fuzz_model_count(const fuzz_model *m);
/* Binding i (0 <= i < count): its method slot (0..8, 9 for ANY), id and
 * pattern text as added. The order is unspecified. */
void fuzz_model_binding(const fuzz_model *m, size_t i, unsigned *slot, uint32_t *id,
                        const char **text, size_t *len);

/* The result rtm_match must give (every field rtm_match sets). Parameter
 * names point into the model. */
void fuzz_model_match(const fuzz_model *m, unsigned method, const char *path, size_t len,
                      rtm_result *res);

/* Compare two results field by field (names by content). Returns NULL when
 * equal, else a short description of the first difference. */
const char *fuzz_result_diff(const rtm_result *a, const rtm_result *b);
/* Print a result for a human (params as NAME=VALUE using `path`). */
void fuzz_print_result(const char *label, const rtm_result *r, const char *path);

/* Check a 200 result against its route's pattern without any matcher:
 * substituting the captured values for the params of `pattern` must give
 * back `path` byte for byte, every value must be non-empty, and only a
 * catch-all value may hold '/'. Returns NULL or what is wrong. */
const char *fuzz_check_captures(const char *pattern, size_t plen, const char *path, size_t len,
                                const rtm_result *res);

#endif
