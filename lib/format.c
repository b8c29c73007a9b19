/* SPDX-License-Identifier: MIT */
/* Formatting of one `match` output line: "200 LINE name=value ...",
 * "405 allow=GET,PUT", "404" or "404 tsr". Values escape every byte
 * outside '!'..'~' and every '%' as %XX (upper-case hex). */
#include "format.h"

#include <stdio.h>

typedef struct sink {
    char *buf;
    size_t cap, len;
} sink;

static void put(sink *s, char c)
{
    if (s->len + 1 < s->cap)
        s->buf[s->len] = c;
    s->len++;
}

static void put_str(sink *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(s, p[i]);
}

static void put_escaped(sink *s, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < '!' || c > '~' || c == '%') {
            put(s, '%');
            put(s, hex[c >> 4]);
            put(s, hex[c & 15]);
        } else {
            put(s, (char)c);
        }
    }
}

size_t rtm__format_result(const rtm_result *res, const char *path, char *buf, size_t cap)
{
    sink s = {buf, cap, 0};
    char num[32];
    if (res->status == RTM_FOUND) {
        int n = snprintf(num, sizeof num, "200 %u", (unsigned)res->route_id);
        put_str(&s, num, (size_t)n);
        for (unsigned i = 0; i < res->nparams; i++) {
            const rtm_param *p = &res->params[i];
            put(&s, ' ');
            put_str(&s, p->name, p->name_len);
            put(&s, '=');
            put_escaped(&s, path + p->offset, p->length);
        }
    } else if (res->status == RTM_METHOD_NOT_ALLOWED) {
        put_str(&s, "405 allow=", 10);
        const char *sep = "";
        for (int m = 0; m < RTM_METHOD_COUNT; m++) {
            if (res->allow & RTM_METHOD_BIT(m)) {
                const char *name = rtm_method_name((rtm_method)m);
                put_str(&s, sep, *sep ? 1 : 0);
                while (*name)
                    put(&s, *name++);
                sep = ",";
            }
        }
    } else if (res->status == RTM_NOT_FOUND) {
        put_str(&s, res->tsr ? "404 tsr" : "404", res->tsr ? 7 : 3);
    } else {
        int n = snprintf(num, sizeof num, "error %d", res->status);
        put_str(&s, num, (size_t)n);
    }
    if (cap > 0)
        buf[s.len < cap ? s.len : cap - 1] = '\0';
    return s.len;
}
