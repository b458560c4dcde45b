/* Extended Karplus-Strong string (Jaffe & Smith): noise excitation with pick-position
 * comb, tuned loop with damping filter and allpass fine tuning, pickup comb and resonance. */
#include "r2r/synth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Loop-length cap: the lowest note we synthesize is far above 10 Hz at 192 kHz. */
#define MAX_LOOP 20000
/* Electric-guitar pickup: a bridge-ish position and the resonance that the coil's
 * inductance forms with cable capacitance (typically 2.5-5 kHz, Q 1-3). */
#define PICKUP_POS 0.18
#define PICKUP_RES_HZ 2800.0
#define PICKUP_RES_Q 1.4
/* Tone pot and cable load roll the top end off further above the resonance. */
#define PICKUP_TONE_HZ 3000.0
/* Noise floor of the synthetic DI (linear RMS, about -96 dBFS like a good interface). */
#define DI_NOISE_RMS 1.6e-5
/* Release when a note is stopped: the string is damped by the hand in ~30 ms. */
#define RELEASE_S 0.03

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(splitmix(s) >> 11) * 0x1.0p-53 * 2.0 - 1.0; }

/* Renders one string into `acc` (adds). Works in double so the output does not
 * depend on the compiler's float contraction choices more than necessary. */
static void render_string(const r2r_pluck *p, uint64_t *rng, int sr, float *acc, size_t n)
{
    size_t start = (size_t)llround(p->start * sr);
    if (start >= n || p->freq <= 0) return;
    double muted = p->muted ? 1.0 : 0.0;
    /* Loop filter: one-zero lowpass (1-S) + S z^-1; S = 0.5 damps most. */
    double S = 0.5 - 0.25 * fmin(fmax(p->brightness, 0.0), 1.0);
    if (p->muted) S = 0.5;
    double period = (double)sr / p->freq;
    /* The line holds L+1 samples; the lowpass adds S samples of delay at low frequencies. */
    double P = period - S - 1.0;
    if (P < 2.2) P = 2.2;
    if (P > MAX_LOOP - 2) P = MAX_LOOP - 2;
    int L = (int)floor(P - 0.1);
    double d = P - L; /* allpass fractional delay in [0.1, 1.1) */
    double C = (1.0 - d) / (1.0 + d);
    double t60 = p->muted ? 0.12 : fmax(p->t60, 0.05);
    double rho = pow(0.001, 1.0 / (p->freq * t60));

    double *line = calloc((size_t)L + 1, sizeof(double));
    double *exc = calloc((size_t)L, sizeof(double));
    if (!line || !exc) {
        free(line);
        free(exc);
        return;
    }
    /* Excitation: the string's shape when the pick lets go, a triangle with its apex
     * at the pick point (its harmonics fall as 1/k² and the modes with a node there
     * are missing), plus a little pick noise; softer picking rounds the corner. */
    double vel = fmin(fmax(p->velocity, 0.05), 1.0);
    int pk = (int)llround(fmin(fmax(p->pick_pos, 0.03), 0.5) * L);
    if (pk < 1) pk = 1;
    double a = 0.75 - 0.45 * vel + 0.15 * muted; /* one-pole smoothing of the shape */
    double lp = 0.0;
    for (int i = 0; i < L; i++) {
        double tri = i < pk ? (double)i / pk : (double)(L - i) / (L - pk);
        lp = (1.0 - a) * (tri + 0.05 * uniform(rng)) + a * lp;
        exc[i] = lp;
    }
    double mean = 0.0;
    for (int i = 0; i < L; i++) mean += exc[i];
    mean /= L;
    for (int i = 0; i < L; i++) exc[i] = (exc[i] - mean) * vel;

    size_t hold = (size_t)llround(p->duration * sr);
    size_t rel = (size_t)llround(RELEASE_S * sr);
    size_t total = hold + rel;
    if (start + total > n) total = n - start;
    double rho_rel = pow(0.001, 1.0 / (p->freq * RELEASE_S));
    int w = 0;
    double prev = 0.0, ap_x1 = 0.0, ap_y1 = 0.0;
    /* Pickup position comb: the pickup sees the string minus its reflection, a
     * delay of PICKUP_POS of a period, which notches the harmonics it sits on. */
    int D = (int)llround(PICKUP_POS * L);
    if (D < 1) D = 1;
    for (size_t t = 0; t < total; t++) {
        double v = line[w]; /* written L+1 samples ago, i.e. a full loop */
        double g = t < hold ? rho : rho_rel;
        double f = g * ((1.0 - S) * v + S * prev);
        prev = v;
        double ap = C * f + ap_x1 - C * ap_y1;
        ap_x1 = f;
        ap_y1 = ap;
        double y = ap + (t < (size_t)L ? exc[t] : 0.0);
        line[w] = y;
        int r = w - D < 0 ? w - D + L + 1 : w - D;
        w = w == L ? 0 : w + 1;
        acc[start + t] += (float)(y - 0.6 * line[r]);
    }
    free(line);
    free(exc);
}

/* Pickup electrics: a magnetic pickup senses string velocity (a first difference of
 * the displacement the loop computes), then the resonant lowpass of coil and cable,
 * the tone pot's roll-off and a DC blocker. */
static void pickup(float *x, size_t n, int sr)
{
    double w0 = 2.0 * M_PI * PICKUP_RES_HZ / sr, alpha = sin(w0) / (2.0 * PICKUP_RES_Q);
    double cw = cos(w0), a0 = 1.0 + alpha;
    double b0 = (1.0 - cw) / 2.0 / a0, b1 = (1.0 - cw) / a0, b2 = b0;
    double a1 = -2.0 * cw / a0, a2 = (1.0 - alpha) / a0;
    double s1 = 0.0, s2 = 0.0, dc_x = 0.0, dc_y = 0.0, tone = 0.0;
    const double kt = 1.0 - exp(-2.0 * M_PI * PICKUP_TONE_HZ / sr);
    double prev_x = 0.0;
    for (size_t i = 0; i < n; i++) {
        double c = (x[i] - prev_x) * 8.0; /* velocity; the gain keeps levels comparable */
        prev_x = x[i];
        double y = b0 * c + s1; /* transposed direct form II */
        s1 = b1 * c - a1 * y + s2;
        s2 = b2 * c - a2 * y;
        tone += kt * (y - tone);
        double o = tone - dc_x + 0.9995 * dc_y;
        dc_x = tone;
        dc_y = o;
        x[i] = (float)o;
    }
}

r2r_status r2r_synth_render(const r2r_pluck *notes, size_t count, uint64_t seed, int sample_rate,
                            float *out, size_t n)
{
    if (sample_rate < 8000 || sample_rate > 192000)
        return r2r_fail(R2R_ERR_INPUT, "synth: sample rate %d out of range", sample_rate);
    uint64_t rng = seed ^ 0x5EEDF00Dull;
    float *dry = calloc(n ? n : 1, sizeof(float));
    if (!dry) return r2r_fail(R2R_ERR_NOMEM, "synth: out of memory");
    for (size_t i = 0; i < count; i++) render_string(&notes[i], &rng, sample_rate, dry, n);
    pickup(dry, n, sample_rate);
    /* A real DI carries the interface's noise floor; without it the spectrum above
     * the strings' partials would be digital silence, which no recording has. */
    for (size_t i = 0; i < n; i++) out[i] += dry[i] + (float)(DI_NOISE_RMS * 1.7320508 * uniform(&rng));
    free(dry);
    return R2R_OK;
}
