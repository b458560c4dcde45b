/* Atomic text-file writes (temporary file + rename) for JSON state such as
 * norm.json and index.json: a crash leaves the old file or the new one, never half. */
#include "r2r/fileutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

r2r_status r2r_write_text_atomic(const char *path, const char *text)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    snprintf(tmp, n, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fputs(text, f) >= 0;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return r2r_fail(R2R_ERR_IO, "%s: cannot write", path);
    }
    free(tmp);
    return R2R_OK;
}
