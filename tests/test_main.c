/* SPDX-License-Identifier: MIT */
/* The test program: registers every RTM_TEST of test_list.h with CUnit and
 * runs them through CUnit's basic interface, so the output ends with its
 * standard summary. `--suite NAME` runs one suite (CMake makes one ctest per
 * suite), `--test NAME` narrows to one test, `--list` prints the suites.
 * Exit status: 0 when every test passed, 1 when any failed, 2 on usage or
 * registry errors. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "test_list.h" /* the prototypes */
#include "test_util.h" /* rtm_test_pass_names, rtm_test_reset */

#define RTM_TEST(suite, name) {#suite, #name, test_##suite##_##name},
typedef struct entry {
    const char *suite, *name;
    void (*fn)(void);
} entry;
static const entry tests[] = {
#include "test_list.h"
};
#undef RTM_TEST

static const size_t ntests = sizeof tests / sizeof tests[0];

static int usage(const char *argv0)
{
    fprintf(stderr, "usage: %s [--suite NAME [--test NAME]] | --list\n", argv0);
    return 2;
}

/* True when tests[i] is the first entry of its suite. */
static int first_of_suite(size_t i)
{
    for (size_t k = 0; k < i; k++) {
        if (strcmp(tests[k].suite, tests[i].suite) == 0)
            return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    const char *only_suite = NULL, *only_test = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < ntests; k++) {
                if (first_of_suite(k))
                    printf("%s\n", tests[k].suite);
            }
            return 0;
        } else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
            only_suite = argv[++i];
        } else if (strcmp(argv[i], "--test") == 0 && i + 1 < argc) {
            only_test = argv[++i];
        } else {
            return usage(argv[0]);
        }
    }
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    size_t registered = 0;
    for (size_t k = 0; k < ntests; k++) {
        if (only_suite && strcmp(tests[k].suite, only_suite) != 0)
            continue;
        if (only_test && strcmp(tests[k].name, only_test) != 0)
            continue;
        CU_pSuite s = CU_get_suite(tests[k].suite);
        if (!s)
            s = CU_add_suite_with_setup_and_teardown(tests[k].suite, NULL, NULL, rtm_test_reset,
                                                     NULL);
        if (!s || !CU_add_test(s, tests[k].name, tests[k].fn)) {
            fprintf(stderr, "CUnit registry error: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
        registered++;
    }
    if (registered == 0) {
        fprintf(stderr, "no test matches --suite %s --test %s\n", only_suite ? only_suite : "*",
                only_test ? only_test : "*");
        CU_cleanup_registry();
        return 2;
    }
    printf("algorithms under test: %s\n", rtm_test_pass_names());
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_ErrorCode rc = CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    CU_cleanup_registry();
    return (rc != CUE_SUCCESS || failed != 0) ? 1 : 0;
}
