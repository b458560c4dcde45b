/* Long-term average spectra on a mel-spaced band grid: what the matcher uses to score
 * capture × IR combinations without rendering (a convolution multiplies band powers). */
#ifndef R2R_LTAS_H
#define R2R_LTAS_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Band grid: R2R_LTAS_BANDS triangular mel bands from R2R_LTAS_FMIN to R2R_LTAS_FMAX Hz
 * at 48 kHz. Fine enough that a cabinet's response is smooth within a band. */
#define R2R_LTAS_BANDS 96
#define R2R_LTAS_FMIN 30.0
#define R2R_LTAS_FMAX 16000.0
/* Welch analysis: Hann window of R2R_LTAS_NFFT, hop of a quarter window. */
#define R2R_LTAS_NFFT 4096

/* Makes FFTW's planner safe to call from several threads (call once, early;
 * idempotent). Index builds and the server call it before starting workers. */
void r2r_fftw_thread_safe(void);

/* Centre frequency (Hz) of band `b`. */
double r2r_ltas_band_hz(int b);

/* Mean power per band of `x` (48 kHz mono): Welch average over all frames.
 * Silent input gives zeros. */
r2r_status r2r_ltas_compute(const float *x, size_t n, float out[R2R_LTAS_BANDS]);

/* Magnitude-squared coherence per band (0..1) of two time-aligned signals of n
 * samples: how much of y a linear filter of x explains, bin by bin (Welch frames of
 * nfft samples, a power of two >= 1024, hop a quarter), then averaged over each band.
 * A signal through any EQ or a cabinet shorter than the frame keeps 1; a different
 * distortion of the same source lowers it. */
r2r_status r2r_ltas_coherence(const float *x, const float *y, size_t n, size_t nfft, float out[R2R_LTAS_BANDS]);

/* Mean |dB| of the difference between the long-term band spectra of a and b (n
 * samples each, 48 kHz mono) over the bands centred in lo_hz..hi_hz, their mean
 * difference (the level) removed: how far apart two signals' colours are. NAN when
 * either cannot be analysed or no band lies in the range. */
double r2r_ltas_colour_error(const float *a, const float *b, size_t n, double lo_hz, double hi_hz);

/* Power gain per band of an impulse response (48 kHz): |H(f)|² averaged with the
 * same triangular weights. */
r2r_status r2r_ltas_ir_response(const float *ir, size_t n, float out[R2R_LTAS_BANDS]);

/* How a performance's level moves through a rig: per octave band (88 Hz to 11.3 kHz)
 * the standard deviation (dB) of the band's level over the frames within 45 dB of the
 * loudest (2048-sample frames every 512). A level change leaves it as it is; an amp's
 * compression narrows it, band by band; a cabinet or an EQ moves it where they tilt
 * within a band whose content moves from note to note (a few tenths of a dB for a
 * clean DI through a cabinet, a few dB for a distorted lead line), so compare whole
 * chains. The playing sets it too: compare only renders of the same player and guitar
 * (another take of theirs). An error and NaNs when fewer than 8 frames hold sound. */
#define R2R_DYNSIG_DIM 7
r2r_status r2r_ltas_dynamics(const float *x, size_t n, float out[R2R_DYNSIG_DIM]);

#ifdef __cplusplus
}
#endif
#endif
