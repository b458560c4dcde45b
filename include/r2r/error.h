/* Status codes and the thread-local last-error message shared by every libr2r module.
 * The library never prints or exits: a failing call returns a status and leaves a message. */
#ifndef R2R_ERROR_H
#define R2R_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    R2R_OK = 0,
    R2R_ERR_INPUT = 1,       /* bad input: corrupt file, wrong format, invalid value */
    R2R_ERR_UNSUPPORTED = 2, /* valid input we do not handle (yet), e.g. an unknown architecture */
    R2R_ERR_IO = 3,          /* file system errors */
    R2R_ERR_NOMEM = 4,
    R2R_ERR_INTERNAL = 5
} r2r_status;

/* Message of the last failure on this thread ("" if none). Valid until the next failing call. */
const char *r2r_last_error(void);

/* Sets the message (printf-style) and returns `status`, so callers can `return r2r_fail(...)`. */
r2r_status r2r_fail(r2r_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void r2r_clear_error(void);

/* Short name of a status ("bad input", "unsupported", ...). */
const char *r2r_status_name(r2r_status status);

#ifdef __cplusplus
}
#endif
#endif
