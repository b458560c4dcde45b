/* DSP blocks of the render chain: RBJ-cookbook biquads with analytic responses, the
 * seed's 6-band parametric EQ (+ optional HP/LP), partitioned FFT convolution for
 * cabinet IRs, and gain / loudness-matching helpers. */
#ifndef R2R_DSP_H
#define R2R_DSP_H

#include <stddef.h>

#include "r2r/constants.h"
#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- biquads ---- */
typedef enum { R2R_BQ_LOWSHELF, R2R_BQ_PEAKING, R2R_BQ_HIGHSHELF, R2R_BQ_HIGHPASS, R2R_BQ_LOWPASS } r2r_bq_type;

/* Normalized coefficients (a0 = 1) in double: low shelves at 80 Hz put poles within
 * 1e-2 of the unit circle, where float coefficients would move the response. */
typedef struct {
    double b0, b1, b2, a1, a2;
} r2r_biquad;

/* RBJ Audio-EQ-Cookbook design; shelves take Q as the cookbook's Q (not slope). */
r2r_biquad r2r_biquad_design(r2r_bq_type type, double freq_hz, double gain_db, double q, double sample_rate);

/* |H(e^{jω})| in dB at `freq_hz` (closed form in cos ω, cos 2ω). */
double r2r_biquad_response_db(const r2r_biquad *bq, double freq_hz, double sample_rate);

/* Transposed direct form II state (double: the state carries the low-frequency
 * precision the coefficients bought). */
typedef struct {
    double z1, z2;
} r2r_biquad_state;

void r2r_biquad_process(const r2r_biquad *bq, r2r_biquad_state *st, float *x, size_t n);

/* ---- the 6-band EQ ---- */
typedef struct {
    r2r_bq_type type; /* bands 0 and 5 are shelves, 1-4 peaking */
    double freq_hz, gain_db, q;
} r2r_eq_band;

typedef struct {
    r2r_eq_band band[R2R_EQ_BANDS];
    double highpass_hz; /* 0 = off; Butterworth (Q 1/√2) */
    double lowpass_hz;  /* 0 = off */
} r2r_eq;

/* Flat EQ: every band at the geometric centre of its range, 0 dB, Q 0.707. */
void r2r_eq_flat(r2r_eq *eq);
/* Clamps every parameter into its range (types fixed by band index). */
void r2r_eq_clamp(r2r_eq *eq);
/* R2R_OK when every value is finite and in range, else a message naming the band. */
r2r_status r2r_eq_validate(const r2r_eq *eq);
/* Total response in dB at each of n frequencies (sum of the sections' dB). */
void r2r_eq_response_db(const r2r_eq *eq, const double *freq_hz, size_t n, double sample_rate, double *out_db);

typedef struct {
    r2r_biquad bq[R2R_EQ_BANDS + 2];
    r2r_biquad_state st[R2R_EQ_BANDS + 2];
    int count;
} r2r_eq_runner;

void r2r_eq_runner_init(r2r_eq_runner *r, const r2r_eq *eq, double sample_rate);
void r2r_eq_runner_process(r2r_eq_runner *r, float *x, size_t n);

/* ---- STFT frames ---- */
/* dst[i] = x[start + i] · win[i] for i < len, zero where start + i falls outside 0..n-1
 * (a centred STFT's first and last frames). */
void r2r_frame_load(const float *x, size_t n, long start, const float *win, float *dst, size_t len);

/* ---- convolution ---- */
typedef struct r2r_convolver r2r_convolver;

/* Uniformly partitioned overlap-save convolution with a frequency-domain delay line.
 * `block` = partition size (power of two, 0 = chosen from the IR length). Streaming
 * output lags the input by `block` samples (r2r_convolver_latency). */
r2r_status r2r_convolver_create(const float *ir, size_t ir_len, size_t block, r2r_convolver **out);
void r2r_convolver_destroy(r2r_convolver *c);
size_t r2r_convolver_latency(const r2r_convolver *c);
void r2r_convolver_reset(r2r_convolver *c);
/* Any n, no allocation; `out` may equal `in`. */
void r2r_convolver_process(r2r_convolver *c, const float *in, float *out, size_t n);

/* Offline: y[t] = Σ_j ir[j] x[t−j] for t < n (same length as x, no latency). */
r2r_status r2r_convolve(const float *x, size_t n, const float *ir, size_t ir_len, float *y);

/* Loads a cabinet IR: mixed to mono (mean of channels), resampled to 48 kHz, trailing
 * silence below -90 dB of the peak trimmed, scaled to unit energy (Σ h² = 1, so a
 * white input keeps its power). Longer than R2R_IR_MAX_SECONDS is refused. */
r2r_status r2r_ir_load(const char *path, float **ir, size_t *len);

/* ---- alignment ---- */
/* Where x (a DI) is played inside y (a recording of the same performance, through any
 * amp and cabinet): the lag L with y[L + t] ≈ f(x[t]), to a few samples (48 kHz), and
 * how sharp the correlation peak is (peak over the RMS of all lags; unrelated signals
 * stay near 4-6, the same performance gives tens to hundreds). */
r2r_status r2r_align(const float *y, size_t ny, const float *x, size_t nx, long *lag, double *sharpness);

/* ---- gain ---- */
double r2r_db_to_lin(double db);
double r2r_lin_to_db(double lin); /* -inf for 0 */
void r2r_gain_apply(float *x, size_t n, double gain_db);
/* The loudest stretch of `seconds` in x (48 kHz; starts on 0.5 s steps): its start, and
 * its length in *len (all of x when shorter). */
size_t r2r_loudest_stretch(const float *x, size_t n, double seconds, size_t *len);
/* Scales x so its integrated loudness equals `target_lufs`; returns the gain (dB) in
 * *applied (0 for silence). */
r2r_status r2r_loudness_match(float *x, size_t n, double target_lufs, double *applied);

#ifdef __cplusplus
}
#endif
#endif
