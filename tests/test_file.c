/* SPDX-License-Identifier: MIT */
/* File access for the suites (see test_file.h). Uses the C library's
 * allocator: nothing here runs inside a measured or failing-allocator
 * section. */
#include "test_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rt_spec_file(const char *name, const char *ext, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s.%s", RTM_SPEC_DIR, name, ext);
    return buf;
}

const char *rt_routes_file(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/routes/%s.routes", RTM_DATA_DIR, name);
    return buf;
}

bool rt_file_exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

char *rt_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1u << 16, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n + 1 >= cap) {
            char *g = realloc(b, cap *= 2);
            if (!g) {
                free(b);
                b = NULL;
                break;
            }
            b = g;
        }
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (!b || bad) {
        free(b);
        return NULL;
    }
    b[n] = '\0';
    *size = n;
    return b;
}

bool rt_lines_read(rt_lines *l, const char *path)
{
    memset(l, 0, sizeof *l);
    l->buf = rt_read_file(path, &l->size);
    if (!l->buf)
        return false;
    size_t cap = 0;
    for (size_t pos = 0; pos < l->size;) {
        const char *nl = memchr(l->buf + pos, '\n', l->size - pos);
        size_t end = nl ? (size_t)(nl - l->buf) : l->size;
        if (l->n == cap) {
            cap = cap ? cap * 2 : 256;
            l->at = realloc(l->at, cap * sizeof *l->at);
            l->len = realloc(l->len, cap * sizeof *l->len);
            if (!l->at || !l->len)
                abort();
        }
        l->at[l->n] = l->buf + pos;
        l->len[l->n] = end - pos;
        l->n++;
        pos = end + 1;
    }
    return true;
}

void rt_lines_free(rt_lines *l)
{
    free(l->buf);
    free(l->at);
    free(l->len);
    memset(l, 0, sizeof *l);
}

void rt_request_split(const char *line, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len)
{
    size_t i = 0;
    while (i < len && line[i] != ' ' && line[i] != '\t')
        i++;
    *method = line;
    *method_len = i;
    *path = line + (i < len ? i + 1 : len);
    *path_len = i < len ? len - i - 1 : 0;
}
