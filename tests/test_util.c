/* SPDX-License-Identifier: MIT */
/* The failure path of the assertions in test_util.h and the per-algorithm
 * runner's bookkeeping. A failure is recorded with CUnit (so it shows in the
 * summary and the exit status) and then jumps out: to the algorithm runner
 * when a pass is in progress, else through CUnit's own fatal-assert jump. */
#include "test_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

jmp_buf rtm_test_algo_jmp;

enum { PASS_IDLE, PASS_RUNNING, PASS_DONE };
static int pass_state = PASS_IDLE; /* runner state, see rtm_test_algo_enter */
static int pass_idx;               /* the running pass */
static const char *context_label;  /* extra label for messages, or NULL */

rtm_algorithm rtm_test_algo_of(int idx)
{
    return idx >= RTM_TEST_PACKED_PASS ? RTM_ALGO_ADAPTIVE : (rtm_algorithm)idx;
}

bool rtm_test_algo_enter(int idx)
{
    if (pass_state == PASS_DONE) {
        pass_state = PASS_IDLE;
        return false;
    }
    if (!rtm_algorithm_available(rtm_test_algo_of(idx)))
        return false;
    pass_state = PASS_RUNNING;
    pass_idx = idx;
    return true;
}

void rtm_test_algo_leave(void)
{
    pass_state = PASS_DONE;
    context_label = NULL;
}

bool rtm_test_packed_pass(void)
{
    return pass_state == PASS_RUNNING && pass_idx == RTM_TEST_PACKED_PASS;
}

bool rtm_test_hot_pass(void)
{
    return pass_state == PASS_RUNNING && pass_idx == RTM_TEST_HOT_PASS;
}

bool rtm_test_mirror_pass(void)
{
    return pass_state == PASS_RUNNING && pass_idx == RTM_TEST_MIRROR_PASS;
}

static const char *pass_name(int idx)
{
    if (idx == RTM_TEST_PACKED_PASS)
        return "adaptive/packed";
    if (idx == RTM_TEST_HOT_PASS)
        return "adaptive/hot";
    if (idx == RTM_TEST_MIRROR_PASS)
        return "adaptive/radix";
    return rtm_algorithm_name((rtm_algorithm)idx);
}

const char *rtm_test_pass_name(void)
{
    return pass_state == PASS_RUNNING ? pass_name(pass_idx) : NULL;
}

void rtm_test_reset(void)
{
    pass_state = PASS_IDLE;
    context_label = NULL;
}

void rtm_test_set_context(const char *ctx)
{
    context_label = ctx;
}

const char *rtm_test_pass_names(void)
{
    static char names[128];
    size_t n = 0;
    names[0] = '\0';
    for (int i = RTM_ALGO_REFERENCE; i < RTM_TEST_NPASSES; i++) {
        if (rtm_algorithm_available(rtm_test_algo_of(i)))
            n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? " " : "", pass_name(i));
    }
    return names;
}

void rtm_test_fail(const char *file, unsigned line, const char *fmt, ...)
{
    char msg[2048];
    int n = 0;
    if (pass_state == PASS_RUNNING || context_label) {
        n = snprintf(msg, sizeof msg, "[%s%s%s] ",
                     pass_state == PASS_RUNNING ? pass_name(pass_idx) : "",
                     pass_state == PASS_RUNNING && context_label ? ", " : "",
                     context_label ? context_label : "");
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    /* Also on stderr at once: CUnit prints failures only at the end. */
    fprintf(stderr, "%s:%u: %s\n", file, line, msg);
    if (pass_state == PASS_RUNNING) {
        CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_FALSE);
        longjmp(rtm_test_algo_jmp, 1);
    }
    context_label = NULL;
    CU_assertImplementation(CU_FALSE, line, msg, file, "", CU_TRUE);
    /* CUnit's fatal assertion does not return when a test is running. */
    abort();
}

bool rtm_test_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

const char *rtm_test_escape(const void *p, size_t n, char *out, size_t cap)
{
    const unsigned char *s = p;
    size_t k = 0;
    if (!p) {
        snprintf(out, cap, "(null)");
        return out;
    }
    for (size_t i = 0; i < n; i++) {
        if (k + 8 >= cap) {
            snprintf(out + k, cap - k, "...");
            return out;
        }
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
            out[k++] = (char)s[i];
        else
            k += (size_t)snprintf(out + k, cap - k, "\\x%02X", s[i]);
    }
    out[k] = '\0';
    return out;
}

void rtm_test_fail_mem(const char *file, unsigned line, const char *ea, const char *eb,
                       const void *a, size_t alen, const void *b, size_t blen)
{
    char x[640], y[640];
    rtm_test_escape(a, alen, x, sizeof x);
    rtm_test_escape(b, blen, y, sizeof y);
    rtm_test_fail(file, line, "%s == %s:\n    got  \"%s\" (%zu bytes)\n    want \"%s\" (%zu bytes)",
                  ea, eb, x, alen, y, blen);
}
