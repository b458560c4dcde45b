/* Content hashes for the catalog (SHA-256 through nettle), so a rename or an
 * untouched file is recognised without re-rendering. */
#include "r2r/catalog.h"

#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

r2r_status r2r_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f) return r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sha256_update(&ctx, n, buf);
    int err = ferror(f);
    fclose(f);
    if (err) return r2r_fail(R2R_ERR_IO, "%s: read error", path);
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    static const char hexd[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        hex[2 * i] = hexd[digest[i] >> 4];
        hex[2 * i + 1] = hexd[digest[i] & 15];
    }
    hex[64] = '\0';
    return R2R_OK;
}
