/* Library statistics for the signature (z-score mean/std as JSON) and the query-side
 * normalization: z-score, then L2 so inner products are cosine similarities. */
#include "r2r/features.h"
#include "r2r/fileutil.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The original clamps std at 1e-6 to avoid dividing by zero. */
#define STD_FLOOR 1e-6

static r2r_status read_array(const cJSON *o, const char *key, double *dst, const char *path)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != R2R_FEATURES_DIM)
        return r2r_fail(R2R_ERR_INPUT, "%s: \"%s\" must be an array of %d numbers", path, key,
                        R2R_FEATURES_DIM);
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
            return r2r_fail(R2R_ERR_INPUT, "%s: \"%s\"[%d] is not a finite number", path, key, i);
        dst[i++] = e->valuedouble;
    }
    return R2R_OK;
}

r2r_status r2r_feature_stats_load(const char *path, r2r_feature_stats *st)
{
    char *text = NULL;
    size_t len = 0;
    r2r_status rs = r2r_read_file(path, 16u << 20, &text, &len);
    if (rs != R2R_OK) return rs;
    cJSON *o = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return r2r_fail(R2R_ERR_INPUT, "%s: not valid JSON statistics", path);
    }
    r2r_status s = read_array(o, "mean", st->mean, path);
    if (s == R2R_OK) s = read_array(o, "std", st->std, path);
    cJSON_Delete(o);
    return s;
}

r2r_status r2r_feature_stats_save(const char *path, const r2r_feature_stats *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "mean", cJSON_CreateDoubleArray(st->mean, R2R_FEATURES_DIM));
    cJSON_AddItemToObject(o, "std", cJSON_CreateDoubleArray(st->std, R2R_FEATURES_DIM));
    cJSON_AddNumberToObject(o, "feature_dim", R2R_FEATURES_DIM);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    r2r_status s = r2r_write_text_atomic(path, text);
    free(text);
    return s;
}

void r2r_features_normalize(const float raw[R2R_FEATURES_DIM], const r2r_feature_stats *stats,
                            float out[R2R_FEATURES_DIM])
{
    double v[R2R_FEATURES_DIM], norm = 0.0;
    for (int i = 0; i < R2R_FEATURES_DIM; i++) {
        v[i] = raw[i];
        if (stats) v[i] = (v[i] - stats->mean[i]) / fmax(stats->std[i], STD_FLOOR);
        norm += v[i] * v[i];
    }
    norm = sqrt(norm);
    for (int i = 0; i < R2R_FEATURES_DIM; i++) out[i] = norm > 0 ? (float)(v[i] / norm) : 0.0f;
}
