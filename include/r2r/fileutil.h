/* Small file helpers shared by the modules that persist state: nothing is ever left
 * half-written (temporary file beside the target, then rename). */
#ifndef R2R_FILEUTIL_H
#define R2R_FILEUTIL_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes `text` to `path` through `path.<pid>.tmp` and a rename. */
r2r_status r2r_write_text_atomic(const char *path, const char *text);

/* Reads a whole regular file (at most max_bytes) into a NUL-terminated malloc'd
 * buffer. Errors name the file: missing, not a regular file, empty, too large. */
r2r_status r2r_read_file(const char *path, size_t max_bytes, char **text, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
