/* Thread-local error message storage behind r2r_last_error().
 * Each thread (index workers, server jobs) keeps its own message. */
#include "r2r/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char g_error[1024];

const char *r2r_last_error(void) { return g_error; }

void r2r_clear_error(void) { g_error[0] = '\0'; }

r2r_status r2r_fail(r2r_status status, const char *fmt, ...)
{
    /* through a local buffer: callers may pass r2r_last_error() itself as an argument */
    char msg[sizeof g_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(g_error, msg, sizeof msg);
    return status;
}

const char *r2r_status_name(r2r_status status)
{
    switch (status) {
    case R2R_OK: return "ok";
    case R2R_ERR_INPUT: return "bad input";
    case R2R_ERR_UNSUPPORTED: return "unsupported";
    case R2R_ERR_IO: return "I/O error";
    case R2R_ERR_NOMEM: return "out of memory";
    case R2R_ERR_INTERNAL: return "internal error";
    }
    return "unknown";
}
