/* SPDX-License-Identifier: MIT */
/* Assertions for fuzz targets: a failed check prints where and why, then
 * aborts, which libFuzzer reports as a crash and the regression driver as a
 * failed ctest. Unlike assert(), these are never compiled out. */
#ifndef RTM_FUZZ_FUZZ_HELPERS_H
#define RTM_FUZZ_FUZZ_HELPERS_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT_MSG(cond, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define FUZZ_ASSERT(cond) FUZZ_ASSERT_MSG(cond, "%s", "")

#endif
