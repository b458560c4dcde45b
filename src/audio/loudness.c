/* Integrated loudness via libebur128 and normalization to a target with a peak ceiling.
 * The ceiling wins over the target: a guitar track is never clipped to reach -18 LUFS. */
#include "r2r/audio.h"

#include <ebur128.h>
#include <math.h>

r2r_status r2r_loudness_lufs(const float *data, size_t frames, int channels, int sample_rate,
                             double *lufs)
{
    if (channels <= 0 || sample_rate <= 0)
        return r2r_fail(R2R_ERR_INPUT, "loudness: invalid channels or sample rate");
    ebur128_state *st = ebur128_init((unsigned)channels, (unsigned long)sample_rate, EBUR128_MODE_I);
    if (!st) return r2r_fail(R2R_ERR_NOMEM, "loudness: cannot create libebur128 state");
    /* Feed in chunks: libebur128 takes size_t frames but chunking keeps its
     * internal buffers small. */
    const size_t chunk = 1 << 16;
    for (size_t i = 0; i < frames; i += chunk) {
        size_t n = frames - i < chunk ? frames - i : chunk;
        if (ebur128_add_frames_float(st, data + i * (size_t)channels, n) != EBUR128_SUCCESS) {
            ebur128_destroy(&st);
            return r2r_fail(R2R_ERR_INTERNAL, "loudness: libebur128 rejected the audio");
        }
    }
    double v = 0.0;
    int rc = ebur128_loudness_global(st, &v);
    ebur128_destroy(&st);
    if (rc != EBUR128_SUCCESS) return r2r_fail(R2R_ERR_INTERNAL, "loudness: measurement failed");
    *lufs = v;
    return R2R_OK;
}

r2r_status r2r_loudness_normalize(float *data, size_t frames, int channels, int sample_rate,
                                  double target_lufs, double peak_ceiling_dbfs,
                                  double *applied_db)
{
    double lufs;
    r2r_status s = r2r_loudness_lufs(data, frames, channels, sample_rate, &lufs);
    if (s != R2R_OK) return s;
    if (applied_db) *applied_db = 0.0;
    size_t n = frames * (size_t)channels;
    float peak = r2r_peak(data, n);
    if (!isfinite(lufs) || peak <= 0.0f) return R2R_OK; /* silence: nothing to scale */
    double gain_db = target_lufs - lufs;
    double peak_db = 20.0 * log10(peak);
    if (peak_db + gain_db > peak_ceiling_dbfs) gain_db = peak_ceiling_dbfs - peak_db;
    float g = (float)pow(10.0, gain_db / 20.0);
    for (size_t i = 0; i < n; i++) data[i] *= g;
    if (applied_db) *applied_db = gain_db;
    return R2R_OK;
}
