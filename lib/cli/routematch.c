/* SPDX-License-Identifier: MIT */
/* The `routematch` command: `match` answers request lines against a route
 * table in the exact output format of SPEC.md, `check` reports every route
 * line the SPEC rejects. Argument handling and I/O only; all matching is the
 * library's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"      /* rtm__format_result */
#include "routes_file.h" /* rtm__table_*, rtm__read_all */
#include "routematch.h"

static const char usage[] =
    "usage: routematch match [--algorithm NAME] ROUTES [REQUESTS]\n"
    "       routematch check ROUTES\n"
    "       routematch --help | --version\n"
    "\n"
    "match   answer each request line (METHOD, one space or tab, PATH) of REQUESTS\n"
    "        (standard input when omitted) with one line: '200 LINE name=value...',\n"
    "        '405 allow=M1,M2' or '404' / '404 tsr'. Rejected routes are reported on\n"
    "        standard error as FILE:LINE: message and left out.\n"
    "check   report every rejected route line; exit status 1 if there is any.\n"
    "ROUTES  a *.routes file, plain or gzip-compressed.\n"
    "NAME    reference, trie, radix, adaptive or default.\n";

/* Report a usage problem: `what` and the argument it concerns. */
static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "routematch: %s%s%s%s\nTry 'routematch --help'.\n", what, arg ? " '" : "",
            arg ? arg : "", arg ? "'" : "");
    return 2;
}

/* Build a router of `algo` from the table file; reports rejected lines. */
static int load(const char *routes, rtm_algorithm algo, rtm_router **out, size_t *nlines,
                size_t *rejected)
{
    rtm__table t;
    char err[512];
    if (rtm__table_read(&t, routes, err, sizeof err) != 0) {
        fprintf(stderr, "routematch: %s\n", err);
        return 1;
    }
    rtm_config cfg = {0};
    int rc = rtm_create(out, algo, &cfg);
    if (rc != 0) {
        fprintf(stderr, "routematch: cannot create a '%s' router: %s\n", rtm_algorithm_name(algo),
                rtm_strerror(rc));
        rtm__table_free(&t);
        return 1;
    }
    *rejected = rtm__table_add(*out, &t, NULL, routes, stderr);
    *nlines = t.n;
    rtm__table_free(&t);
    return 0;
}

static int answer_requests(const rtm_router *r, const char *buf, size_t size)
{
    size_t cap = 4096;
    char *line = malloc(cap);
    if (!line)
        return 1;
    rtm_result res;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(buf + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - buf) : size;
        size_t next = nl ? end + 1 : size;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        size_t i = pos;
        while (i < end && buf[i] != ' ' && buf[i] != '\t')
            i++;
        rtm_method m = rtm_method_parse(buf + pos, i - pos);
        const char *path = i < end ? buf + i + 1 : buf + end;
        size_t plen = i < end ? end - i - 1 : 0;
        rtm_match(r, m, path, plen, &res);
        size_t n = rtm__format_result(&res, path, line, cap);
        if (n >= cap) {
            free(line);
            cap = n + 1;
            if (!(line = malloc(cap)))
                return 1;
            rtm__format_result(&res, path, line, cap);
        }
        fwrite(line, 1, n, stdout);
        fputc('\n', stdout);
        pos = next;
    }
    free(line);
    return 0;
}

static int cmd_match(int argc, char **argv)
{
    rtm_algorithm algo = RTM_ALGO_DEFAULT;
    int i = 0;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *name = NULL;
        if (strcmp(argv[i], "--algorithm") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strncmp(argv[i], "--algorithm=", 12) == 0)
            name = argv[i] + 12;
        else
            return usage_error("unknown option", argv[i]);
        if (rtm_algorithm_from_name(name, &algo) != 0)
            return usage_error("unknown algorithm", name);
        if (!rtm_algorithm_available(algo))
            return usage_error("algorithm not compiled into this build:", name);
    }
    if (argc - i < 1 || argc - i > 2)
        return usage_error("match needs ROUTES and optionally REQUESTS", NULL);
    FILE *in = stdin;
    if (argc - i == 2 && !(in = fopen(argv[i + 1], "rb"))) {
        perror(argv[i + 1]);
        return 1;
    }
    char *buf;
    size_t size;
    int rc = rtm__read_all(in, &buf, &size);
    if (in != stdin)
        fclose(in);
    if (rc != 0) {
        fprintf(stderr, "routematch: cannot read requests: %s\n", rtm_strerror(rc));
        return 1;
    }
    rtm_router *r;
    size_t nlines, rejected;
    if (load(argv[i], algo, &r, &nlines, &rejected) != 0) {
        free(buf);
        return 1;
    }
    rc = answer_requests(r, buf, size);
    free(buf);
    rtm_free(r);
    return rc || fflush(stdout) != 0;
}

static int cmd_check(int argc, char **argv)
{
    if (argc != 1)
        return usage_error("check needs exactly one ROUTES file", NULL);
    rtm_router *r;
    size_t nlines, rejected;
    if (load(argv[0], RTM_ALGO_DEFAULT, &r, &nlines, &rejected) != 0)
        return 1;
    rtm_free(r);
    printf("%s: %zu routes, %zu accepted, %zu rejected\n", argv[0], nlines, nlines - rejected,
           rejected);
    return rejected ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing command", NULL);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        printf("This build's default algorithm: %s.\n",
               rtm_algorithm_name(rtm_algorithm_default()));
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("routematch %d.%d.%d\n", RTM_VERSION_MAJOR, RTM_VERSION_MINOR, RTM_VERSION_PATCH);
        return 0;
    }
    if (strcmp(argv[1], "match") == 0)
        return cmd_match(argc - 2, argv + 2);
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    return usage_error("unknown command", argv[1]);
}
