/* SPDX-License-Identifier: MIT */
/* The `*.routes` table format (SPEC.md "Route table files"): reading a file
 * (plain or gzip), splitting it into route lines, and adding them to a
 * router while reporting each bad line as `FILE:LINE: message`. Used by the
 * CLI, the tests, the benchmarks and the fuzzers. */
#ifndef RTM_LIB_ROUTES_FILE_H
#define RTM_LIB_ROUTES_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "routematch.h"

typedef struct rtm__table_line {
    uint32_t line;      /* 1-based line number in the file: the route's id */
    unsigned methods;   /* method set; 0 when the token is not a method */
    const char *method; /* the method token (into the table's buffer) */
    size_t method_len;
    const char *pattern; /* the pattern bytes (into the table's buffer) */
    size_t pattern_len;  /* 0 when the line has no pattern */
} rtm__table_line;

typedef struct rtm__table {
    char *buf;              /* the whole file, owned */
    size_t size;            /* bytes in buf */
    rtm__table_line *lines; /* route lines, in file order, owned */
    size_t n;               /* entries in lines */
} rtm__table;

/* Read `path` (gzip-compressed or plain) and split it. Returns 0, or
 * RTM_EIO / RTM_ENOMEM with a message in err. */
int rtm__table_read(rtm__table *t, const char *path, char *err, size_t errlen);

/* Split an in-memory table; takes ownership of buf (malloc'ed, size bytes). */
int rtm__table_parse(rtm__table *t, char *buf, size_t size);

void rtm__table_free(rtm__table *t);

/* Add every route line to `r` with its line number as route id and udata
 * NULL, in the order given by `order` (indices into t->lines; NULL for file
 * order). Each rejected line is reported on `errs` (may be NULL) as
 * `name:LINE: message`. Returns the number of rejected lines. */
size_t rtm__table_add(rtm_router *r, const rtm__table *t, const size_t *order, const char *name,
                      FILE *errs);

/* Read a whole stream or file into a malloc'ed buffer (for request files). */
int rtm__read_all(FILE *f, char **buf, size_t *size);

#endif
