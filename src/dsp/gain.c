/* Gain staging: dB conversions, applying a gain, and matching a buffer's integrated
 * loudness to a target (the previews are level-matched to the reference this way). */
#include "r2r/audio.h"
#include "r2r/dsp.h"

#include <math.h>

double r2r_db_to_lin(double db) { return pow(10.0, db / 20.0); }

double r2r_lin_to_db(double lin) { return lin > 0 ? 20.0 * log10(lin) : -INFINITY; }

void r2r_gain_apply(float *x, size_t n, double gain_db)
{
    const float g = (float)r2r_db_to_lin(gain_db);
    for (size_t i = 0; i < n; i++) x[i] *= g;
}

r2r_status r2r_loudness_match(float *x, size_t n, double target_lufs, double *applied)
{
    double lufs;
    r2r_status s = r2r_loudness_lufs(x, n, 1, R2R_SAMPLE_RATE, &lufs);
    if (s != R2R_OK) return s;
    double g = isfinite(lufs) && isfinite(target_lufs) ? target_lufs - lufs : 0.0;
    if (g != 0.0) r2r_gain_apply(x, n, g);
    if (applied) *applied = g;
    return R2R_OK;
}
