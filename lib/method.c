/* SPDX-License-Identifier: MIT */
/* Method tokens: the nine names of SPEC.md, case-sensitive, and the route
 * file's "*" / "ANY" for routes that serve every method. */
#include <string.h>

#include "routematch.h"

static const char *const method_names[RTM_METHOD_COUNT] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
};

rtm_method rtm_method_parse(const char *tok, size_t len)
{
    if (!tok)
        return RTM_METHOD_OTHER;
    for (int m = 0; m < RTM_METHOD_COUNT; m++) {
        if (strlen(method_names[m]) == len && memcmp(method_names[m], tok, len) == 0)
            return (rtm_method)m;
    }
    return RTM_METHOD_OTHER;
}

const char *rtm_method_name(rtm_method m)
{
    if (m == RTM_METHOD_OTHER)
        return "OTHER";
    if ((unsigned)m >= RTM_METHOD_COUNT)
        return NULL;
    return method_names[m];
}

unsigned rtm_method_set_parse(const char *tok, size_t len)
{
    if (!tok)
        return 0;
    if ((len == 1 && tok[0] == '*') || (len == 3 && memcmp(tok, "ANY", 3) == 0))
        return RTM_METHODS_ANY;
    rtm_method m = rtm_method_parse(tok, len);
    return m == RTM_METHOD_OTHER ? 0 : RTM_METHOD_BIT(m);
}
