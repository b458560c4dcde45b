/* The 155-dimension acoustic signature of the original Reference-to-Rig engine
 * (librosa 0.11 / pyloudnorm 0.2 conventions), z-score statistics and L2 normalization. */
#ifndef R2R_FEATURES_H
#define R2R_FEATURES_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define R2R_FEATURES_DIM 155

typedef struct r2r_features r2r_features;

/* An extractor for 48 kHz audio: FFT plans and filterbanks made once, buffers grow
 * with the longest input seen. One extractor per thread. */
r2r_status r2r_features_create(r2r_features **out);
void r2r_features_destroy(r2r_features *st);

/* Raw (un-normalized) features of mono 48 kHz float samples, as the original's
 * extract_raw computes them. n = 0 is allowed (treated as 2048 zeros). */
r2r_status r2r_features_extract_raw(r2r_features *st, const float *x, size_t n,
                                    float out[R2R_FEATURES_DIM]);

/* Name of dimension i ("mel_mean_00", ..., "level_centroid_slope"). */
const char *r2r_features_name(int i);

/* z-score statistics of a library. */
typedef struct {
    double mean[R2R_FEATURES_DIM];
    double std[R2R_FEATURES_DIM];
} r2r_feature_stats;

/* Reads {"mean": [155], "std": [155]} (extra keys ignored). */
r2r_status r2r_feature_stats_load(const char *path, r2r_feature_stats *st);
r2r_status r2r_feature_stats_save(const char *path, const r2r_feature_stats *st);

/* (raw - mean) / std with `stats` (skipped when NULL; std below 1e-6 counts as 1e-6,
 * as the original clamps it), then L2 normalization (a zero vector stays zero). */
void r2r_features_normalize(const float raw[R2R_FEATURES_DIM], const r2r_feature_stats *stats,
                            float out[R2R_FEATURES_DIM]);

#ifdef __cplusplus
}
#endif
#endif
