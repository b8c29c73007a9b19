/* SPDX-License-Identifier: MIT */
/* Test data files: where they are (RTM_SPEC_DIR, RTM_DATA_DIR, set by
 * tests/CMakeLists.txt), reading them whole, and splitting them into lines
 * and request lines (SPEC.md: METHOD, one space or tab, then the path: the
 * rest of the line without its line end). */
#ifndef RTM_TESTS_TEST_FILE_H
#define RTM_TESTS_TEST_FILE_H

#include <stdbool.h>
#include <stddef.h>

#ifndef RTM_SPEC_DIR
#error "RTM_SPEC_DIR must be set by the build (tests/spec)"
#endif
#ifndef RTM_DATA_DIR
#error "RTM_DATA_DIR must be set by the build (data/)"
#endif

/* "DIR/NAME.EXT" into buf (PATH_MAX-ish cap); returns buf. */
const char *rt_spec_file(const char *name, const char *ext, char *buf, size_t cap);
const char *rt_routes_file(const char *name, char *buf, size_t cap);

/* Read a whole file (malloc'ed, NUL-terminated after size bytes). Returns
 * NULL when it cannot be read. */
char *rt_read_file(const char *path, size_t *size);
bool rt_file_exists(const char *path);

/* A file split at '\n' (no line ends kept; a last line without '\n' counts). */
typedef struct rt_lines {
    char *buf;       /* the file, owned */
    size_t size;     /* bytes in buf */
    const char **at; /* start of each line */
    size_t *len;     /* length of each line */
    size_t n;        /* lines */
} rt_lines;

/* Returns false when the file cannot be read. */
bool rt_lines_read(rt_lines *l, const char *path);
void rt_lines_free(rt_lines *l);

/* Split a request line into method token and path. */
void rt_request_split(const char *line, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len);

#endif
