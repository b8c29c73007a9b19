/* SPDX-License-Identifier: MIT */
/* The golden cases shared by the tables suite (API) and the golden suite
 * (CLI): which tables there are, where their files live, and how a report of
 * rejected route lines ("FILE:LINE: message") is checked against NAME.err
 * (line numbers, and the offset or conflicting line each message names). */
#ifndef RTM_TESTS_TEST_CASES_H
#define RTM_TESTS_TEST_CASES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rt_case {
    const char *name; /* NAME of NAME.req / NAME.out */
    bool in_spec_dir; /* NAME.routes is in tests/spec (else data/routes) */
} rt_case;

extern const rt_case rt_cases[];
extern const size_t rt_ncases;

/* The routes file of a case. */
const char *rt_case_routes(const rt_case *c, char *buf, size_t cap);

/* Parse "FILE:LINE: message": LINE, and the last decimal number in the
 * message (-1 when none). Returns false when the line has no ":LINE:". */
bool rt_report_parse(const char *line, size_t len, long *lineno, long *detail);

/* Assert that `report` (the rejected-line messages of loading the case's
 * table, one per line) names exactly the lines of NAME.err, in order, each
 * with the same offset or conflicting line; with no NAME.err it must be
 * empty. `prefix` is what each line must start with (the FILE part). */
void rt_check_report(const rt_case *c, const char *report, size_t size, const char *prefix);

#endif
