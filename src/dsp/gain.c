/* Gain staging: dB conversions, applying a gain, finding a signal's loudest stretch,
 * and matching a buffer's integrated loudness to a target (the previews are
 * level-matched to the reference this way). */
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"

#include <math.h>

double r2r_db_to_lin(double db) { return pow(10.0, db / 20.0); }

double r2r_lin_to_db(double lin) { return lin > 0 ? 20.0 * log10(lin) : -INFINITY; }

void r2r_gain_apply(float *x, size_t n, double gain_db)
{
    const float g = (float)r2r_db_to_lin(gain_db);
    for (size_t i = 0; i < n; i++) x[i] *= g;
}

size_t r2r_loudest_stretch(const float *x, size_t n, double seconds, size_t *len)
{
    const size_t win = (size_t)(seconds * R2R_SAMPLE_RATE);
    size_t best = 0;
    *len = n < win ? n : win;
    if (n <= win) return 0;
    double acc = 0, top = -1;
    const size_t hop = R2R_SAMPLE_RATE / 2;
    for (size_t i = 0; i < win; i++) acc += (double)x[i] * x[i];
    for (size_t at = 0;; at += hop) { /* the window's energy slides on by a hop */
        if (acc > top) top = acc, best = at;
        if (at + hop + win > n) break;
        for (size_t i = at; i < at + hop; i++) acc -= (double)x[i] * x[i];
        for (size_t i = at + win; i < at + win + hop; i++) acc += (double)x[i] * x[i];
    }
    return best;
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
