/* SPDX-License-Identifier: MIT */
/* Consumer of an installed routematch: one route, one match, checked. */
#include <routematch.h>
#include <string.h>

int main(void)
{
    rtm_router *r;
    if (rtm_create(&r, RTM_ALGO_DEFAULT, NULL) != 0)
        return 1;
    const char *pattern = "/users/{id}", *path = "/users/42";
    rtm_result res;
    int ok = rtm_add(r, RTM_METHOD_BIT(RTM_GET), pattern, strlen(pattern), 7, NULL, NULL) == 0 &&
             rtm_match(r, RTM_GET, path, strlen(path), &res) == RTM_FOUND && res.route_id == 7 &&
             res.nparams == 1 && res.params[0].offset == 7 && res.params[0].length == 2;
    rtm_free(r);
    return ok ? 0 : 1;
}
