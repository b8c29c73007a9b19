/* SPDX-License-Identifier: MIT */
/* The golden case list and the rejected-line report check of test_cases.h. */
#include "test_cases.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "test_file.h"
#include "test_util.h"

const rt_case rt_cases[] = {
    {"spec-example", true}, {"tricky", true},  {"github", false},
    {"kubernetes", false},  {"stripe", false}, {"azure-webapps", false},
    {"twilio", false},      {"slack", false},  {"spotify", false},
};
const size_t rt_ncases = sizeof rt_cases / sizeof rt_cases[0];

const char *rt_case_routes(const rt_case *c, char *buf, size_t cap)
{
    return c->in_spec_dir ? rt_spec_file(c->name, "routes", buf, cap)
                          : rt_routes_file(c->name, buf, cap);
}

bool rt_report_parse(const char *line, size_t len, long *lineno, long *detail)
{
    size_t i = 0, msg = 0;
    *lineno = -1;
    for (; i < len; i++) {
        if (line[i] != ':')
            continue;
        size_t j = i + 1;
        long v = 0;
        while (j < len && isdigit((unsigned char)line[j]))
            v = v * 10 + (line[j++] - '0');
        if (j > i + 1 && j < len && line[j] == ':') {
            *lineno = v;
            msg = j + 1;
            break;
        }
    }
    if (*lineno < 0)
        return false;
    *detail = -1;
    for (size_t k = len; k > msg;) {
        if (isdigit((unsigned char)line[k - 1])) {
            size_t e = k;
            while (k > msg && isdigit((unsigned char)line[k - 1]))
                k--;
            long v = 0;
            for (size_t d = k; d < e; d++)
                v = v * 10 + (line[d] - '0');
            *detail = v;
            break;
        }
        k--;
    }
    return true;
}

void rt_check_report(const rt_case *c, const char *report, size_t size, const char *prefix)
{
    char errpath[1024];
    rt_lines want;
    bool have = rt_lines_read(&want, rt_spec_file(c->name, "err", errpath, sizeof errpath));
    size_t k = 0;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(report + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - report) : size;
        const char *line = report + pos;
        size_t len = end - pos;
        pos = end + 1;
        char esc[512];
        rtm_test_escape(line, len, esc, sizeof esc);
        if (len < strlen(prefix) || memcmp(line, prefix, strlen(prefix)) != 0)
            RTM_TEST_FAIL("report line \"%s\" does not start with \"%s\"", esc, prefix);
        long got_line, got_detail, want_line, want_detail;
        if (!rt_report_parse(line, len, &got_line, &got_detail))
            RTM_TEST_FAIL("report line \"%s\" has no :LINE:", esc);
        if (!have || k >= want.n)
            RTM_TEST_FAIL("unexpected rejection: %s", esc);
        if (!rt_report_parse(want.at[k], want.len[k], &want_line, &want_detail))
            RTM_TEST_FAIL("%s line %zu is not FILE:LINE: message", errpath, k + 1);
        if (got_line != want_line || got_detail != want_detail)
            RTM_TEST_FAIL("rejection \"%s\": want line %ld naming %ld (%.*s)", esc, want_line,
                          want_detail, (int)want.len[k], want.at[k]);
        k++;
    }
    if (have && k != want.n)
        RTM_TEST_FAIL("%zu rejections reported, %s lists %zu", k, errpath, want.n);
    if (have)
        rt_lines_free(&want);
}
