/* RBJ Audio-EQ-Cookbook biquads, their closed-form magnitude response, and the
 * 6-band EQ built from them (the optimizer evaluates responses, never renders). */
#include "r2r/dsp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

r2r_biquad r2r_biquad_design(r2r_bq_type type, double f, double gain_db, double q, double fs)
{
    const double A = pow(10.0, gain_db / 40.0), w0 = 2.0 * M_PI * f / fs;
    const double cw = cos(w0), sw = sin(w0), alpha = sw / (2.0 * q), sA = sqrt(A);
    double b0 = 1, b1 = 0, b2 = 0, a0 = 1, a1 = 0, a2 = 0;
    switch (type) {
    case R2R_BQ_LOWSHELF:
        b0 = A * ((A + 1) - (A - 1) * cw + 2 * sA * alpha);
        b1 = 2 * A * ((A - 1) - (A + 1) * cw);
        b2 = A * ((A + 1) - (A - 1) * cw - 2 * sA * alpha);
        a0 = (A + 1) + (A - 1) * cw + 2 * sA * alpha;
        a1 = -2 * ((A - 1) + (A + 1) * cw);
        a2 = (A + 1) + (A - 1) * cw - 2 * sA * alpha;
        break;
    case R2R_BQ_HIGHSHELF:
        b0 = A * ((A + 1) + (A - 1) * cw + 2 * sA * alpha);
        b1 = -2 * A * ((A - 1) + (A + 1) * cw);
        b2 = A * ((A + 1) + (A - 1) * cw - 2 * sA * alpha);
        a0 = (A + 1) - (A - 1) * cw + 2 * sA * alpha;
        a1 = 2 * ((A - 1) - (A + 1) * cw);
        a2 = (A + 1) - (A - 1) * cw - 2 * sA * alpha;
        break;
    case R2R_BQ_PEAKING:
        b0 = 1 + alpha * A;
        b1 = -2 * cw;
        b2 = 1 - alpha * A;
        a0 = 1 + alpha / A;
        a1 = -2 * cw;
        a2 = 1 - alpha / A;
        break;
    case R2R_BQ_HIGHPASS:
        b0 = (1 + cw) / 2;
        b1 = -(1 + cw);
        b2 = (1 + cw) / 2;
        a0 = 1 + alpha;
        a1 = -2 * cw;
        a2 = 1 - alpha;
        break;
    case R2R_BQ_LOWPASS:
        b0 = (1 - cw) / 2;
        b1 = 1 - cw;
        b2 = (1 - cw) / 2;
        a0 = 1 + alpha;
        a1 = -2 * cw;
        a2 = 1 - alpha;
        break;
    }
    r2r_biquad bq = {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    return bq;
}

/* |H|² in dB at the frequency whose cos(w) and cos(2w) are c1 and c2. */
static double response_db(const r2r_biquad *q, double c1, double c2)
{
    const double num = q->b0 * q->b0 + q->b1 * q->b1 + q->b2 * q->b2 +
                       2.0 * (q->b0 * q->b1 + q->b1 * q->b2) * c1 + 2.0 * q->b0 * q->b2 * c2;
    const double den = 1.0 + q->a1 * q->a1 + q->a2 * q->a2 + 2.0 * (q->a1 + q->a1 * q->a2) * c1 +
                       2.0 * q->a2 * c2;
    return 10.0 * log10(fmax(num, 1e-300) / fmax(den, 1e-300));
}

double r2r_biquad_response_db(const r2r_biquad *q, double f, double fs)
{
    const double w = 2.0 * M_PI * f / fs;
    return response_db(q, cos(w), cos(2.0 * w));
}

void r2r_biquad_process(const r2r_biquad *q, r2r_biquad_state *st, float *x, size_t n)
{
    double z1 = st->z1, z2 = st->z2;
    for (size_t i = 0; i < n; i++) {
        double in = x[i], y = q->b0 * in + z1;
        z1 = q->b1 * in - q->a1 * y + z2;
        z2 = q->b2 * in - q->a2 * y;
        x[i] = (float)y;
    }
    st->z1 = z1;
    st->z2 = z2;
}

static const double ranges[R2R_EQ_BANDS][2] = R2R_EQ_RANGES_HZ;

static r2r_bq_type band_type(int b)
{
    return b == 0 ? R2R_BQ_LOWSHELF : b == R2R_EQ_BANDS - 1 ? R2R_BQ_HIGHSHELF : R2R_BQ_PEAKING;
}

void r2r_eq_flat(r2r_eq *eq)
{
    memset(eq, 0, sizeof *eq);
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        eq->band[b].type = band_type(b);
        eq->band[b].freq_hz = sqrt(ranges[b][0] * ranges[b][1]);
        eq->band[b].gain_db = 0.0;
        eq->band[b].q = M_SQRT1_2;
    }
}

static double clampd(double v, double lo, double hi)
{
    if (!(v == v)) return lo; /* NaN → the bottom of the range */
    return v < lo ? lo : v > hi ? hi : v;
}

void r2r_eq_clamp(r2r_eq *eq)
{
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        r2r_eq_band *x = &eq->band[b];
        x->type = band_type(b);
        x->freq_hz = clampd(x->freq_hz, ranges[b][0], ranges[b][1]);
        x->gain_db = clampd(x->gain_db, -R2R_EQ_GAIN_MAX_DB, R2R_EQ_GAIN_MAX_DB);
        x->q = clampd(x->q, R2R_EQ_Q_MIN, R2R_EQ_Q_MAX);
    }
    eq->highpass_hz = eq->highpass_hz > 0 ? clampd(eq->highpass_hz, 10.0, 1000.0) : 0.0;
    eq->lowpass_hz = eq->lowpass_hz > 0 ? clampd(eq->lowpass_hz, 1000.0, 22000.0) : 0.0;
}

r2r_status r2r_eq_validate(const r2r_eq *eq)
{
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        const r2r_eq_band *x = &eq->band[b];
        if (x->type != band_type(b))
            return r2r_fail(R2R_ERR_INPUT, "EQ band %d: wrong filter type", b + 1);
        if (!(x->freq_hz >= ranges[b][0] && x->freq_hz <= ranges[b][1]))
            return r2r_fail(R2R_ERR_INPUT, "EQ band %d: frequency %g Hz outside %g-%g Hz", b + 1,
                            x->freq_hz, ranges[b][0], ranges[b][1]);
        if (!(fabs(x->gain_db) <= R2R_EQ_GAIN_MAX_DB))
            return r2r_fail(R2R_ERR_INPUT, "EQ band %d: gain %g dB outside ±%g dB", b + 1, x->gain_db,
                            R2R_EQ_GAIN_MAX_DB);
        if (!(x->q >= R2R_EQ_Q_MIN && x->q <= R2R_EQ_Q_MAX))
            return r2r_fail(R2R_ERR_INPUT, "EQ band %d: Q %g outside %g-%g", b + 1, x->q, R2R_EQ_Q_MIN,
                            R2R_EQ_Q_MAX);
    }
    if (!(eq->highpass_hz >= 0 && eq->highpass_hz <= 1000.0))
        return r2r_fail(R2R_ERR_INPUT, "EQ high-pass %g Hz outside 0-1000 Hz", eq->highpass_hz);
    if (!(eq->lowpass_hz >= 0 && eq->lowpass_hz <= 22000.0))
        return r2r_fail(R2R_ERR_INPUT, "EQ low-pass %g Hz outside 0-22000 Hz", eq->lowpass_hz);
    return R2R_OK;
}

void r2r_eq_runner_init(r2r_eq_runner *r, const r2r_eq *eq, double fs)
{
    memset(r, 0, sizeof *r);
    if (eq->highpass_hz > 0)
        r->bq[r->count++] = r2r_biquad_design(R2R_BQ_HIGHPASS, eq->highpass_hz, 0, M_SQRT1_2, fs);
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        const r2r_eq_band *x = &eq->band[b];
        if (x->gain_db == 0.0) continue; /* a 0 dB section is the identity */
        r->bq[r->count++] = r2r_biquad_design(x->type, x->freq_hz, x->gain_db, x->q, fs);
    }
    if (eq->lowpass_hz > 0)
        r->bq[r->count++] = r2r_biquad_design(R2R_BQ_LOWPASS, eq->lowpass_hz, 0, M_SQRT1_2, fs);
}

void r2r_eq_runner_process(r2r_eq_runner *r, float *x, size_t n)
{
    for (int i = 0; i < r->count; i++) r2r_biquad_process(&r->bq[i], &r->st[i], x, n);
}

void r2r_eq_response_db(const r2r_eq *eq, const double *f, size_t n, double fs, double *out)
{
    r2r_eq_runner r;
    r2r_eq_runner_init(&r, eq, fs);
    for (size_t i = 0; i < n; i++) { /* the cosines once per frequency, for every section */
        const double w = 2.0 * M_PI * f[i] / fs, c1 = cos(w), c2 = cos(2.0 * w);
        double s = 0.0;
        for (int k = 0; k < r.count; k++) s += response_db(&r.bq[k], c1, c2);
        out[i] = s;
    }
}
