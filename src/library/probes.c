/* The DI probe set an index is built with: the user's recordings from a folder
 * (any rate, resampled, mixed to mono) or the built-in synthesized set. */
#include "analyze.h"
#include "r2r/audio.h"
#include "r2r/synth.h"

#include <dirent.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bump when the payload layout or the analysis changes: old indexes then rebuild. */
#define ANALYSIS_VERSION "r2r-analysis-1"
#define MAX_PROBES 32

void r2r_probes_free(r2r_probe_set *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->count; i++) {
        free(p->audio[i]);
        free(p->names[i]);
    }
    free(p->audio);
    free(p->len);
    free(p->names);
    memset(p, 0, sizeof *p);
}

static void level(float *x, size_t n)
{
    float peak = r2r_peak(x, n);
    if (peak <= 0.0f) return;
    float g = (float)(pow(10.0, R2R_DI_PEAK_DBFS / 20.0) / peak);
    for (size_t i = 0; i < n; i++) x[i] *= g;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void fingerprint(r2r_probe_set *p)
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, sizeof ANALYSIS_VERSION, (const uint8_t *)ANALYSIS_VERSION);
    const double gains[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
    sha256_update(&ctx, sizeof gains, (const uint8_t *)gains);
    for (size_t i = 0; i < p->count; i++)
        sha256_update(&ctx, p->len[i] * sizeof(float), (const uint8_t *)p->audio[i]);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(p->fingerprint + 2 * i, 3, "%02x", d[i]);
}

r2r_status r2r_probes_load(const char *dir, r2r_probe_set *out)
{
    memset(out, 0, sizeof *out);
    out->audio = calloc(MAX_PROBES, sizeof *out->audio);
    out->len = calloc(MAX_PROBES, sizeof *out->len);
    out->names = calloc(MAX_PROBES, sizeof *out->names);
    if (!out->audio || !out->len || !out->names) {
        r2r_probes_free(out);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    if (!dir) {
        out->builtin = 1;
        for (int k = 0; k < R2R_PROBE_COUNT; k++) {
            r2r_status s = r2r_synth_probe((r2r_probe_kind)k, R2R_SAMPLE_RATE, &out->audio[k],
                                           &out->len[k]);
            if (s != R2R_OK) {
                r2r_probes_free(out);
                return s;
            }
            level(out->audio[k], out->len[k]);
            out->names[k] = strdup(r2r_synth_probe_name((r2r_probe_kind)k));
            out->count++;
        }
        fingerprint(out);
        return R2R_OK;
    }
    DIR *d = opendir(dir);
    if (!d) return r2r_fail(R2R_ERR_IO, "probes folder %s: cannot open", dir);
    char *files[MAX_PROBES];
    size_t nf = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && nf < MAX_PROBES) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcasecmp(de->d_name + l - 4, ".wav")) continue;
        files[nf++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(files, nf, sizeof *files, cmp_str);
    r2r_status s = R2R_OK;
    for (size_t i = 0; i < nf; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        r2r_audio a = {0};
        if (s == R2R_OK) s = r2r_audio_read(path, R2R_READ_MONO, &a);
        if (s == R2R_OK) s = r2r_audio_resample(&a, R2R_SAMPLE_RATE);
        if (s == R2R_OK && r2r_peak(a.data, a.frames) < 1e-4f)
            s = r2r_fail(R2R_ERR_INPUT, "probe %s is silent", path);
        if (s == R2R_OK) {
            level(a.data, a.frames);
            out->audio[out->count] = a.data;
            out->len[out->count] = a.frames;
            out->names[out->count] = files[i];
            out->count++;
            files[i] = NULL;
        } else if (a.data) {
            r2r_audio_free(&a);
        }
        free(files[i]);
    }
    if (s == R2R_OK && out->count == 0)
        s = r2r_fail(R2R_ERR_INPUT, "probes folder %s has no WAV files", dir);
    if (s != R2R_OK) {
        r2r_probes_free(out);
        return s;
    }
    fingerprint(out);
    return R2R_OK;
}
