/* SPDX-License-Identifier: MIT */
/* The entry points every fuzz target defines, and the build macros they honour.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput(). The same object is
 * linked either with libFuzzer (clang, -fsanitize=fuzzer; the binary is
 * fuzz_<name>) or with regression_driver.c (any compiler; the binary is
 * regress_<name>, which replays corpus files and is run by ctest).
 *
 * Build macros:
 * - FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: defined for every fuzz and
 *   regression build (the libFuzzer convention). Targets use it only to
 *   document that they may abort() on a finding.
 * - RTM_HAVE_ADAPTIVE: the adaptive algorithm is compiled in; fuzz_adaptive
 *   exists only then.
 * - FUZZ_VERBOSE (environment variable, not a macro): when set to 1, a target
 *   prints the program it decoded from the input (route table, operations,
 *   requests) before running it. Use it to turn a crasher into a readable
 *   reproducer: FUZZ_VERBOSE=1 ./regress_diff_match crash-file */
#ifndef RTM_FUZZ_FUZZ_H
#define RTM_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
