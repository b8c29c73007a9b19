/* SPDX-License-Identifier: MIT */
/* The golden cases through the command-line program, as a user runs it:
 * `routematch match --algorithm A ROUTES NAME.req` must print NAME.out byte
 * for byte, exit 0, and report on standard error exactly the route lines of
 * NAME.err as `ROUTES:LINE: message`. The program's path comes from the
 * build (RTM_CLI_PATH, the routematch_cli target). */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_cases.h"
#include "test_file.h"
#include "test_list.h"
#include "test_util.h"

extern char **environ;

#ifndef RTM_CLI_PATH
#define RTM_CLI_PATH ""
#endif

/* A temporary file for one stream of the child; unlinked at once. */
static int temp_fd(void)
{
    char name[] = "/tmp/rtm-golden-XXXXXX";
    int fd = mkstemp(name);
    ASSERT_TRUE(fd >= 0);
    unlink(name);
    return fd;
}

static char *slurp_fd(int fd, size_t *size)
{
    size_t cap = 1u << 16, n = 0;
    char *b = malloc(cap);
    ASSERT_NOT_NULL(b);
    ASSERT_EQ_INT(lseek(fd, 0, SEEK_SET), 0);
    for (;;) {
        if (n == cap) {
            b = realloc(b, cap *= 2);
            ASSERT_NOT_NULL(b);
        }
        ssize_t got = read(fd, b + n, cap - n);
        ASSERT_TRUE(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *size = n;
    return b;
}

/* Run argv with stdout and stderr captured; returns the exit status. */
static int run(char *const argv[], char **out, size_t *out_size, char **err, size_t *err_size)
{
    int ofd = temp_fd(), efd = temp_fd();
    posix_spawn_file_actions_t fa;
    ASSERT_EQ_INT(posix_spawn_file_actions_init(&fa), 0);
    ASSERT_EQ_INT(posix_spawn_file_actions_adddup2(&fa, ofd, 1), 0);
    ASSERT_EQ_INT(posix_spawn_file_actions_adddup2(&fa, efd, 2), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        RTM_TEST_FAIL("cannot run %s: %s", argv[0], strerror(rc));
    int status;
    ASSERT_EQ_INT(waitpid(pid, &status, 0), pid);
    *out = slurp_fd(ofd, out_size);
    *err = slurp_fd(efd, err_size);
    close(ofd);
    close(efd);
    if (!WIFEXITED(status))
        RTM_TEST_FAIL("%s died (status 0x%x)", argv[0], (unsigned)status);
    return WEXITSTATUS(status);
}

/* Compare whole outputs; on a difference, name the first differing line. */
static void check_output(const char *got, size_t gn, const char *want, size_t wn)
{
    if (gn == wn && memcmp(got, want, gn) == 0)
        return;
    size_t i = 0, line = 1, start = 0;
    while (i < gn && i < wn && got[i] == want[i]) {
        if (got[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    const char *ge = memchr(got + start, '\n', gn - start);
    const char *we = memchr(want + start, '\n', wn - start);
    int gl = (int)(ge ? (size_t)(ge - got) - start : gn - start);
    int wl = (int)(we ? (size_t)(we - want) - start : wn - start);
    RTM_TEST_FAIL("stdout differs from .out at line %zu (%zu vs %zu bytes):\n    got  %.*s\n"
                  "    want %.*s",
                  line, gn, wn, gl, got + start, wl, want + start);
}

/* Every compiled algorithm on one case. */
static void golden_case(const rt_case *c)
{
    char routes[1024], req[1024], outp[1024];
    rt_case_routes(c, routes, sizeof routes);
    rt_spec_file(c->name, "req", req, sizeof req);
    size_t want_size;
    char *want = rt_read_file(rt_spec_file(c->name, "out", outp, sizeof outp), &want_size);
    if (!want)
        RTM_TEST_FAIL("cannot read %s", outp);
    FOR_EACH_ALGORITHM(a)
    {
        rtm_test_set_context(c->name);
        char *argv[] = {RTM_CLI_PATH, "match", "--algorithm", (char *)rtm_algorithm_name(a),
                        routes,       req,     NULL};
        char *out, *err;
        size_t out_size, err_size;
        int status = run(argv, &out, &out_size, &err, &err_size);
        if (status != 0)
            RTM_TEST_FAIL("exit status %d; stderr: %.*s", status, (int)err_size, err);
        check_output(out, out_size, want, want_size);
        char prefix[1100];
        snprintf(prefix, sizeof prefix, "%s:", routes);
        rt_check_report(c, err, err_size, prefix);
        free(out);
        free(err);
    }
    free(want);
}

TEST(golden, cli_prints_out_files)
{
    if (RTM_CLI_PATH[0] == '\0')
        RTM_TEST_FAIL("RTM_CLI_PATH not set: the build has no routematch_cli target");
    for (size_t i = 0; i < rt_ncases; i++)
        golden_case(&rt_cases[i]);
}

/* Requests on standard input, and the build's default algorithm. */
TEST(golden, cli_reads_stdin_with_default_algorithm)
{
    if (RTM_CLI_PATH[0] == '\0')
        RTM_TEST_FAIL("RTM_CLI_PATH not set: the build has no routematch_cli target");
    char routes[1024], req[1024], outp[1024];
    rt_spec_file("spec-example", "routes", routes, sizeof routes);
    rt_spec_file("spec-example", "req", req, sizeof req);
    size_t want_size;
    char *want = rt_read_file(rt_spec_file("spec-example", "out", outp, sizeof outp), &want_size);
    ASSERT_NOT_NULL(want);
    int in = open(req, O_RDONLY);
    ASSERT_TRUE(in >= 0);
    int saved = dup(0);
    ASSERT_TRUE(saved >= 0);
    ASSERT_EQ_INT(dup2(in, 0), 0);
    char *argv[] = {RTM_CLI_PATH, "match", routes, NULL};
    char *out, *err;
    size_t out_size, err_size;
    int status = run(argv, &out, &out_size, &err, &err_size);
    dup2(saved, 0);
    close(saved);
    close(in);
    ASSERT_EQ_INT(status, 0);
    check_output(out, out_size, want, want_size);
    ASSERT_EQ_UINT(err_size, 0);
    free(out);
    free(err);
    free(want);
}
