/* SPDX-License-Identifier: MIT */
/* Error names and messages, generated from RTM_ERRNO_MAP, and the diagnostic
 * filler every module uses to report what went wrong and where. */
#include <stdarg.h>
#include <stdio.h>

#include "router_internal.h" /* rtm__diag_set */

const char *rtm_err_name(int err)
{
    switch (err) {
#define RTM__ERR_NAME_CASE(name, value, msg)                                                       \
    case value:                                                                                    \
        return #name;
        RTM_ERRNO_MAP(RTM__ERR_NAME_CASE)
#undef RTM__ERR_NAME_CASE
    default:
        return "EUNKNOWN";
    }
}

const char *rtm_strerror(int err)
{
    switch (err) {
#define RTM__ERR_MSG_CASE(name, value, msg)                                                        \
    case value:                                                                                    \
        return msg;
        RTM_ERRNO_MAP(RTM__ERR_MSG_CASE)
#undef RTM__ERR_MSG_CASE
    default:
        return "unknown error";
    }
}

int rtm__diag_set(rtm_diag *diag, int err, int reason, size_t offset, const char *fmt, ...)
{
    if (diag) {
        diag->err = err;
        diag->reason = reason;
        diag->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
        va_end(ap);
    }
    return err;
}
