/* Small file helpers shared by the modules that persist state: nothing is ever left
 * half-written (temporary file beside the target, then rename). */
#ifndef R2R_FILEUTIL_H
#define R2R_FILEUTIL_H

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes `text` to `path` through `path.<pid>.tmp` and a rename. */
r2r_status r2r_write_text_atomic(const char *path, const char *text);

#ifdef __cplusplus
}
#endif
#endif
