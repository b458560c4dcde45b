/* A synthetic drum kit for isolation tests and benchmarks: kick on every beat, snare
 * on 2 and 4, closed hi-hat on eighths, at a tempo; sine-sweep kick, noise snare with
 * a tonal body, high-passed noise hats. Deterministic for a seed. */
#include "r2r/synth.h"

#include <math.h>
#include <stdlib.h>

static double rnd(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return (double)(*s >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

r2r_status r2r_synth_drums(uint64_t seed, double seconds, double bpm, int sample_rate, float **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!(seconds > 0.1 && seconds < 600.0) || !(bpm >= 40.0 && bpm <= 300.0) || sample_rate < 8000 ||
        sample_rate > 192000)
        return r2r_fail(R2R_ERR_INPUT, "synth: drums of %.2f s at %.0f BPM, %d Hz out of range", seconds, bpm,
                        sample_rate);
    const size_t len = (size_t)llround(seconds * sample_rate);
    float *x = calloc(len, sizeof(float));
    if (!x) return r2r_fail(R2R_ERR_NOMEM, "synth: out of memory");
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    const double beat = 60.0 / bpm, sr = sample_rate;
    const double hp = exp(-2.0 * M_PI * 6000.0 / sr); /* hats: noise minus its low-passed self */
    double lp = 0.0, kick_ph = 0.0;
    for (size_t i = 0; i < len; i++) {
        const double t = (double)i / sr;
        const double tb = fmod(t, beat), te = fmod(t, beat / 2.0);
        const int bar_beat = (int)(t / beat) % 4;
        kick_ph += 2.0 * M_PI * (48.0 + 90.0 * exp(-tb * 35.0)) / sr;
        if (tb < 1.0 / sr) kick_ph = 0.0;
        const double kick = 0.7 * sin(kick_ph) * exp(-tb * 11.0);
        const double nz = rnd(&s);
        double snare = 0.0;
        if (bar_beat % 2 == 1 && tb < 0.25)
            snare = (0.35 * nz + 0.2 * sin(2.0 * M_PI * 190.0 * tb)) * exp(-tb * 22.0);
        lp = (1.0 - hp) * nz + hp * lp;
        const double hat = 0.12 * (nz - lp) * exp(-te * 55.0);
        x[i] = (float)(kick + snare + hat);
    }
    *out = x;
    *n = len;
    return R2R_OK;
}
