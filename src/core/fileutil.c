/* Atomic text-file writes (temporary file + rename) for JSON state such as
 * norm.json and index.json: a crash leaves the old file or the new one, never half. */
#include "r2r/fileutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

r2r_status r2r_read_file(const char *path, size_t max_bytes, char **text, size_t *len)
{
    *text = NULL, *len = 0;
    struct stat st;
    if (stat(path, &st) != 0) return r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode)) return r2r_fail(R2R_ERR_INPUT, "%s: not a regular file", path);
    if (st.st_size == 0) return r2r_fail(R2R_ERR_INPUT, "%s: empty file", path);
    if ((unsigned long long)st.st_size > max_bytes)
        return r2r_fail(R2R_ERR_INPUT, "%s: too large (%lld bytes; at most %zu)", path, (long long)st.st_size, max_bytes);
    FILE *f = fopen(path, "rb");
    if (!f) return r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
    const size_t n = (size_t)st.st_size;
    char *buf = malloc(n + 1);
    size_t got = buf ? fread(buf, 1, n, f) : 0;
    fclose(f);
    if (!buf) return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory", path);
    if (got != n) {
        free(buf);
        return r2r_fail(R2R_ERR_IO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf, *len = n;
    return R2R_OK;
}

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
