/* What the index keeps per entry. A capture: every probe rendered at every grid gain,
 * its 155 raw features and long-term band spectrum. An IR: the probes through the IR
 * alone (the seed's IR signature) and the IR's band response for NAM × IR scoring. */
#include "analyze.h"
#include "r2r/dsp.h"
#include "r2r/features.h"
#include "r2r/amp.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Metadata of an entry that could not be opened: only the library's own. */
static char *library_metadata(const char *lib_meta)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *lib = lib_meta ? cJSON_Parse(lib_meta) : NULL;
    if (lib) cJSON_AddItemToObject(o, "library", lib);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void fail_entry(r2r_entry *e, const char *why)
{
    free(e->data);
    e->data = NULL;
    e->data_size = 0;
    e->status = R2R_STATUS_FAILED;
    free(e->error);
    e->error = strdup(why);
}

r2r_status r2r_analyze_capture(const char *abs_path, const char *meta_json,
                               const r2r_probe_set *probes, r2r_entry *e)
{
    const double gains[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
    r2r_amp *m = NULL;
    r2r_status s = r2r_amp_open(abs_path, &m);
    if (s != R2R_OK) {
        fail_entry(e, r2r_last_error());
        e->metadata_json = library_metadata(meta_json);
        return R2R_OK; /* recorded and skipped, never fatal to the build */
    }
    e->architecture = strdup(r2r_amp_architecture(m));
    e->sample_rate = r2r_amp_sample_rate(m);
    if (r2r_amp_name(m)) e->name = strdup(r2r_amp_name(m));
    e->metadata_json = r2r_amp_metadata_json(m, meta_json);

    const size_t G = R2R_INDEX_N_GAINS, P = probes->count, D = R2R_FEAT_DIM, K = R2R_LTAS_BANDS;
    const size_t floats = G + G * P * D + G * D + G * P * K;
    const size_t size = sizeof(r2r_payload_header) + floats * sizeof(float);
    unsigned char *blob = calloc(1, size);
    size_t maxlen = 0;
    for (size_t p = 0; p < P; p++) maxlen = probes->len[p] > maxlen ? probes->len[p] : maxlen;
    float *x = malloc(maxlen * sizeof(float)), *y = malloc(maxlen * sizeof(float));
    r2r_features *fx = NULL;
    if (!blob || !x || !y || (s = r2r_features_create(&fx)) != R2R_OK) {
        s = s != R2R_OK ? s : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto done;
    }
    r2r_payload_header *h = (r2r_payload_header *)blob;
    *h = (r2r_payload_header){R2R_PAYLOAD_MAGIC, 0, (uint32_t)G, (uint32_t)P, (uint32_t)D, (uint32_t)K};
    float *gp = (float *)(h + 1), *feat = gp + G, *mean = feat + G * P * D, *ltas = mean + G * D;
    for (size_t g = 0; g < G; g++) {
        gp[g] = (float)gains[g];
        const float lin = (float)pow(10.0, gains[g] / 20.0);
        for (size_t p = 0; p < P; p++) {
            const size_t n = probes->len[p];
            for (size_t i = 0; i < n; i++) x[i] = probes->audio[p][i] * lin;
            if ((s = r2r_amp_render(m, x, y, n)) != R2R_OK) goto done;
            for (size_t i = 0; i < n; i++)
                if (!isfinite(y[i])) {
                    fail_entry(e, "the capture produces non-finite output");
                    goto done;
                }
            float *fv = feat + (g * P + p) * D;
            if ((s = r2r_features_extract_raw(fx, y, n, fv)) != R2R_OK) goto done;
            for (size_t d = 0; d < D; d++) mean[g * D + d] += fv[d] / (float)P;
            if ((s = r2r_ltas_compute(y, n, ltas + (g * P + p) * K)) != R2R_OK) goto done;
        }
    }
    e->data = blob;
    e->data_size = size;
    e->status = R2R_STATUS_INDEXED;
    blob = NULL;
done:
    r2r_features_destroy(fx);
    free(blob);
    free(x);
    free(y);
    r2r_amp_free(m);
    return s;
}

r2r_status r2r_analyze_ir(const char *abs_path, const char *meta_json,
                          const r2r_probe_set *probes, r2r_entry *e)
{
    float *ir = NULL;
    size_t irn = 0;
    r2r_status s = r2r_ir_load(abs_path, &ir, &irn);
    e->architecture = strdup("IR");
    e->sample_rate = R2R_SAMPLE_RATE;
    e->metadata_json = library_metadata(meta_json);
    if (s != R2R_OK) {
        fail_entry(e, r2r_last_error());
        return R2R_OK;
    }
    const size_t P = probes->count, D = R2R_FEAT_DIM, K = R2R_LTAS_BANDS;
    const size_t size = sizeof(r2r_payload_header) + (D + K) * sizeof(float);
    unsigned char *blob = calloc(1, size);
    size_t maxlen = 0;
    for (size_t p = 0; p < P; p++) maxlen = probes->len[p] > maxlen ? probes->len[p] : maxlen;
    float *y = malloc(maxlen * sizeof(float));
    r2r_features *fx = NULL;
    if (!blob || !y || (s = r2r_features_create(&fx)) != R2R_OK) {
        s = s != R2R_OK ? s : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto done;
    }
    r2r_payload_header *h = (r2r_payload_header *)blob;
    *h = (r2r_payload_header){R2R_PAYLOAD_MAGIC, 1, 1, (uint32_t)P, (uint32_t)D, (uint32_t)K};
    float *feat = (float *)(h + 1), *resp = feat + D, fv[R2R_FEAT_DIM];
    for (size_t p = 0; p < P; p++) {
        if ((s = r2r_convolve(probes->audio[p], probes->len[p], ir, irn, y)) != R2R_OK) goto done;
        if ((s = r2r_features_extract_raw(fx, y, probes->len[p], fv)) != R2R_OK) goto done;
        for (size_t d = 0; d < D; d++) feat[d] += fv[d] / (float)P;
    }
    if ((s = r2r_ltas_ir_response(ir, irn, resp)) != R2R_OK) goto done;
    e->data = blob;
    e->data_size = size;
    e->status = R2R_STATUS_INDEXED;
    blob = NULL;
done:
    r2r_features_destroy(fx);
    free(blob);
    free(y);
    free(ir);
    return s;
}
