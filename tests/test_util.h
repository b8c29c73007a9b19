/* SPDX-License-Identifier: MIT */
/* Typed, message-printing assertions on top of CUnit, and the per-algorithm
 * runner. Every assertion prints both values (and the algorithm under test)
 * when it fails, then abandons the current unit of work: inside
 * FOR_EACH_ALGORITHM only that algorithm's pass (the next algorithm still
 * runs), elsewhere the whole CUnit test. Not responsible for building routers
 * or reading files (test_router.h, test_file.h). */
#ifndef RTM_TESTS_TEST_UTIL_H
#define RTM_TESTS_TEST_UTIL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "routematch.h" /* rtm_algorithm, rtm_err_name */

/* Define a test listed in test_list.h as RTM_TEST(suite, name). */
#define TEST(suite, name) void test_##suite##_##name(void)

/* ---- Failure reporting ---- */

/* Record a failure at file:line with a printf-style message (prefixed with
 * the algorithm under test) and leave the current unit of work. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4), noreturn))
#endif
void rtm_test_fail(const char *file, unsigned line, const char *fmt, ...);

/* Escape n bytes for a message: printable ASCII as is, the rest as \xNN;
 * long inputs are cut with "...". Returns out (cap bytes). */
const char *rtm_test_escape(const void *p, size_t n, char *out, size_t cap);

#define RTM_TEST_FAIL(...) rtm_test_fail(__FILE__, __LINE__, __VA_ARGS__)
/* Count a passed check in CUnit's summary ("asserts" row). */
#define RTM_TEST_PASS() CU_assertImplementation(CU_TRUE, __LINE__, "", __FILE__, "", CU_FALSE)

/* ---- Typed assertions ---- */

#define ASSERT_TRUE(c)                                                                             \
    do {                                                                                           \
        if (!(c))                                                                                  \
            RTM_TEST_FAIL("expected true: %s", #c);                                                \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#define ASSERT_FALSE(c)                                                                            \
    do {                                                                                           \
        if (c)                                                                                     \
            RTM_TEST_FAIL("expected false: %s", #c);                                               \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#define RTM_TEST_CMP_INT(a, op, b)                                                                 \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (!(a_ op b_))                                                                           \
            RTM_TEST_FAIL("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);                          \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#define RTM_TEST_CMP_UINT(a, op, b)                                                                \
    do {                                                                                           \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);             \
        if (!(a_ op b_))                                                                           \
            RTM_TEST_FAIL("%s %s %s: %llu vs %llu (0x%llx vs 0x%llx)", #a, #op, #b, a_, b_, a_,    \
                          b_);                                                                     \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#define ASSERT_EQ_INT(a, b)  RTM_TEST_CMP_INT(a, ==, b)
#define ASSERT_NE_INT(a, b)  RTM_TEST_CMP_INT(a, !=, b)
#define ASSERT_LT_INT(a, b)  RTM_TEST_CMP_INT(a, <, b)
#define ASSERT_LE_INT(a, b)  RTM_TEST_CMP_INT(a, <=, b)
#define ASSERT_GT_INT(a, b)  RTM_TEST_CMP_INT(a, >, b)
#define ASSERT_EQ_UINT(a, b) RTM_TEST_CMP_UINT(a, ==, b)
#define ASSERT_NE_UINT(a, b) RTM_TEST_CMP_UINT(a, !=, b)
#define ASSERT_LE_UINT(a, b) RTM_TEST_CMP_UINT(a, <=, b)
#define ASSERT_GT_UINT(a, b) RTM_TEST_CMP_UINT(a, >, b)

#define ASSERT_EQ_PTR(a, b)                                                                        \
    do {                                                                                           \
        const void *a_ = (const void *)(a), *b_ = (const void *)(b);                               \
        if (a_ != b_)                                                                              \
            RTM_TEST_FAIL("%s == %s: %p vs %p", #a, #b, a_, b_);                                   \
        RTM_TEST_PASS();                                                                           \
    } while (0)

#define ASSERT_NULL(a)     ASSERT_EQ_PTR(a, NULL)
#define ASSERT_NOT_NULL(a) ASSERT_TRUE((a) != NULL)

/* Both strings NUL-terminated; NULL is only equal to NULL. */
#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!rtm_test_str_eq(a_, b_))                                                              \
            rtm_test_fail_mem(__FILE__, __LINE__, #a, #b, a_, a_ ? strlen(a_) : 0, b_,             \
                              b_ ? strlen(b_) : 0);                                                \
        RTM_TEST_PASS();                                                                           \
    } while (0)

/* Byte ranges; lengths must be equal too. */
#define ASSERT_MEM_EQ(a, alen, b, blen)                                                            \
    do {                                                                                           \
        const void *a_ = (a), *b_ = (b);                                                           \
        size_t al_ = (alen), bl_ = (blen);                                                         \
        if (al_ != bl_ || (al_ && memcmp(a_, b_, al_) != 0))                                       \
            rtm_test_fail_mem(__FILE__, __LINE__, #a, #b, a_, al_, b_, bl_);                       \
        RTM_TEST_PASS();                                                                           \
    } while (0)

/* An rtm_* call returning 0 or a negative RTM_E* code. */
#define ASSERT_OK(expr) ASSERT_ERR(expr, 0)
#define ASSERT_ERR(expr, want)                                                                     \
    do {                                                                                           \
        int got_ = (expr), want_ = (want);                                                         \
        if (got_ != want_)                                                                         \
            RTM_TEST_FAIL("%s: returned %s (%d), expected %s (%d)", #expr, rtm_err_name(got_),     \
                          got_, want_ ? rtm_err_name(want_) : "0", want_);                         \
        RTM_TEST_PASS();                                                                           \
    } while (0)

bool rtm_test_str_eq(const char *a, const char *b);
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void rtm_test_fail_mem(const char *file, unsigned line, const char *ea, const char *eb,
                       const void *a, size_t alen, const void *b, size_t blen);

/* ---- Per-algorithm runner ---- */

/* The passes of FOR_EACH_ALGORITHM: one per compiled algorithm (indexes
 * RTM_ALGO_REFERENCE .. RTM_ALGO_ADAPTIVE), plus three more of the adaptive
 * algorithm, so that each of its encodings meets every behavioural case:
 * RTM_TEST_PACKED_PASS re-encodes every subtree to its packed form before
 * each answer (rt_settle), RTM_TEST_HOT_PASS does that and also publishes
 * a hot-route index of every route it can hold, and RTM_TEST_MIRROR_PASS
 * lets the radix mirror answer (its front, front.c). */
#define RTM_TEST_PACKED_PASS RTM_ALGO_COUNT
#define RTM_TEST_HOT_PASS    (RTM_ALGO_COUNT + 1)
#define RTM_TEST_MIRROR_PASS (RTM_ALGO_COUNT + 2)
#define RTM_TEST_NPASSES     (RTM_ALGO_COUNT + 3)

/* Where a failure in a pass jumps to. */
extern jmp_buf rtm_test_algo_jmp;
/* The algorithm of pass `idx`. */
rtm_algorithm rtm_test_algo_of(int idx);
/* The runner's loop condition: true once per pass whose algorithm is
 * compiled in (the pass starts), then false; false at once otherwise. */
bool rtm_test_algo_enter(int idx);
/* End the pass started by rtm_test_algo_enter(). */
void rtm_test_algo_leave(void);
/* True during the packed pass of the adaptive algorithm. */
bool rtm_test_packed_pass(void);
/* True during the hot-index pass of the adaptive algorithm. */
bool rtm_test_hot_pass(void);
/* True during the mirror pass of the adaptive algorithm. */
bool rtm_test_mirror_pass(void);
/* The running pass's name ("trie", "adaptive/packed", "adaptive/hot"), or NULL. */
const char *rtm_test_pass_name(void);
/* Set an extra context label printed in failure messages ("table github"),
 * or NULL to clear it. The string must outlive its use. */
void rtm_test_set_context(const char *ctx);
/* Forget any pass and context (called before every test, so that a test
 * that left a pass early cannot affect the next one). */
void rtm_test_reset(void);

/* Run the statement (usually a block) once per pass, reference included,
 * with `a` naming the algorithm. A failed assertion ends that pass only.
 * Locals the block changes must be declared inside it; leave a pass with
 * `continue`, never with `break` or `return`. */
#define FOR_EACH_ALGORITHM(a)                                                                      \
    for (volatile int a##_idx_ = RTM_ALGO_REFERENCE; a##_idx_ < RTM_TEST_NPASSES; a##_idx_++)      \
        for (rtm_algorithm a = rtm_test_algo_of(a##_idx_); rtm_test_algo_enter(a##_idx_);          \
             rtm_test_algo_leave())                                                                \
            if (setjmp(rtm_test_algo_jmp) == 0)

/* The names of the passes that run in this build, space-separated. */
const char *rtm_test_pass_names(void);

#include <string.h> /* memcmp, strlen for the macros above */

#endif
