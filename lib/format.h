/* SPDX-License-Identifier: MIT */
/* The `match` command's output line for one result (SPEC.md "The
 * command-line match output"), shared by the CLI and the golden tests. */
#ifndef RTM_LIB_FORMAT_H
#define RTM_LIB_FORMAT_H

#include <stddef.h>

#include "routematch.h"

/* Write the line for `res` (a result for `path`), without a newline, into
 * buf (cap bytes, NUL-terminated when cap > 0). Returns the line's length;
 * when that is >= cap the line was cut: call again with a bigger buffer. */
size_t rtm__format_result(const rtm_result *res, const char *path, char *buf, size_t cap);

#endif
