/* SPDX-License-Identifier: MIT */
/* Reading and loading `*.routes` tables (see routes_file.h). The loader
 * never stops at a bad line: it reports it and goes on, so nothing else in
 * the table is lost. */
#include "routes_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int rtm__read_all(FILE *f, char **buf, size_t *size)
{
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b)
        return RTM_ENOMEM;
    for (;;) {
        if (n == cap) {
            char *g = realloc(b, cap *= 2);
            if (!g) {
                free(b);
                return RTM_ENOMEM;
            }
            b = g;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(b);
        return RTM_EIO;
    }
    *buf = b;
    *size = n;
    return 0;
}

static int read_gz(const char *path, char **buf, size_t *size)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return RTM_EIO;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    int rc = b ? 0 : RTM_ENOMEM;
    while (rc == 0) {
        if (n == cap) {
            char *g = realloc(b, cap *= 2);
            if (!g) {
                rc = RTM_ENOMEM;
                break;
            }
            b = g;
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int got = gzread(gz, b + n, (unsigned)want);
        if (got < 0)
            rc = RTM_EIO;
        else if (got == 0)
            break;
        else
            n += (size_t)got;
    }
    gzclose(gz);
    if (rc != 0) {
        free(b);
        return rc;
    }
    *buf = b;
    *size = n;
    return 0;
}

int rtm__table_read(rtm__table *t, const char *path, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return RTM_EIO;
    }
    fclose(probe);
    char *buf;
    size_t size;
    int rc = read_gz(path, &buf, &size); /* zlib reads plain files as they are */
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, rc == RTM_ENOMEM ? "out of memory" : "read error");
        return rc;
    }
    rc = rtm__table_parse(t, buf, size);
    if (rc != 0)
        snprintf(err, errlen, "%s: out of memory", path);
    return rc;
}

int rtm__table_parse(rtm__table *t, char *buf, size_t size)
{
    memset(t, 0, sizeof *t);
    t->buf = buf;
    t->size = size;
    size_t cap = 0;
    uint32_t lineno = 0;
    for (size_t pos = 0; pos < size;) {
        const char *nl = memchr(buf + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - buf) : size, next = nl ? end + 1 : size;
        lineno++;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        size_t i = pos;
        while (i < end && is_blank(buf[i]))
            i++;
        if (i == end || buf[i] == '#') {
            pos = next;
            continue;
        }
        rtm__table_line ln = {.line = lineno, .method = buf + i};
        while (i < end && !is_blank(buf[i]))
            i++;
        ln.method_len = (size_t)(buf + i - ln.method);
        while (i < end && is_blank(buf[i]))
            i++;
        ln.pattern = buf + i;
        ln.pattern_len = end - i;
        ln.methods = rtm_method_set_parse(ln.method, ln.method_len);
        if (t->n == cap) {
            cap = cap ? cap * 2 : 256;
            rtm__table_line *g = realloc(t->lines, cap * sizeof *g);
            if (!g) {
                rtm__table_free(t);
                return RTM_ENOMEM;
            }
            t->lines = g;
        }
        t->lines[t->n++] = ln;
        pos = next;
    }
    return 0;
}

void rtm__table_free(rtm__table *t)
{
    free(t->buf);
    free(t->lines);
    memset(t, 0, sizeof *t);
}

size_t rtm__table_add(rtm_router *r, const rtm__table *t, const size_t *order, const char *name,
                      FILE *errs)
{
    size_t rejected = 0;
    for (size_t k = 0; k < t->n; k++) {
        const rtm__table_line *ln = &t->lines[order ? order[k] : k];
        rtm_diag d;
        int rc;
        if (ln->methods == 0) {
            rc = RTM_EMETHOD;
            snprintf(d.msg, sizeof d.msg, "unknown method '%.*s'", (int)ln->method_len, ln->method);
        } else if (ln->pattern_len == 0) {
            rc = RTM_EPATTERN;
            snprintf(d.msg, sizeof d.msg, "missing pattern");
        } else {
            rc = rtm_add(r, ln->methods, ln->pattern, ln->pattern_len, ln->line, NULL, &d);
            if (rc == RTM_ECONFLICT)
                snprintf(d.msg, sizeof d.msg, "conflicts with route at line %u",
                         (unsigned)d.other_route_id);
        }
        if (rc != 0) {
            rejected++;
            if (errs)
                fprintf(errs, "%s:%u: %s\n", name, (unsigned)ln->line, d.msg);
        }
    }
    return rejected;
}
