/* Guitar isolation from a mix: backends none / mock / dsp / command, each returning a
 * mono guitar estimate and a confidence in 0..1 from the target/residual energy ratio. */
#ifndef R2R_ISOLATE_H
#define R2R_ISOLATE_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    R2R_ISO_NONE = 0, /* already an isolated guitar: passed through (mixed to mono) */
    R2R_ISO_MOCK,     /* the seed's 80 Hz-5 kHz band-pass; for tests only */
    R2R_ISO_DSP,      /* median-filter HPSS, stereo panning mask, bass/cymbal suppression */
    R2R_ISO_COMMAND   /* an external separator run from RTR_ISOLATION_COMMAND */
} r2r_iso_backend;

typedef struct {
    float *guitar;      /* mono, same length and rate as the input */
    size_t frames;
    double confidence;  /* E_target / (E_target + E_residual) */
    double stereo_width; /* side/mid energy of the input (0 for mono; dsp only) */
    double low_share;    /* share of the input's energy below 50 Hz (dsp only) */
    int panned;          /* the guitars sat off-centre and the panning mask took the centre (dsp) */
} r2r_isolated;

/* From this low_share on the input holds a bass or a kick drum: a band, not a guitar. */
#define R2R_ISO_BAND_LOW_SHARE 0.01

/* Parses "none" / "mock" / "dsp" / "command"; returns -1 when unknown. */
int r2r_iso_backend_parse(const char *name);
const char *r2r_iso_backend_name(r2r_iso_backend b);

/* Isolates the guitar from interleaved `in` (frames × channels, 1 or 2 channels
 * used; more are mixed to stereo first) at `sample_rate`. */
r2r_status r2r_isolate(const float *in, size_t frames, int channels, int sample_rate,
                       r2r_iso_backend backend, r2r_isolated *out);

/* The same, telling `progress` (when not NULL) how far the dsp backend has come, from 0
 * to 1, about fifty times over the input. */
typedef void (*r2r_iso_progress_fn)(double fraction, void *user);
r2r_status r2r_isolate_progress(const float *in, size_t frames, int channels, int sample_rate,
                                r2r_iso_backend backend, r2r_iso_progress_fn progress, void *user,
                                r2r_isolated *out);

void r2r_isolated_free(r2r_isolated *iso);

/* Whether a dsp isolation says its input is a guitar on its own (matched untouched by
 * default): its confidence is high (0.6 for mono or dual mono, 0.8 for true stereo) and
 * under 1 % of its energy lies below 50 Hz, where a bass and a kick drum sit and a
 * guitar has no notes. */
int r2r_isolated_alone(const r2r_isolated *iso);

/* Scale-invariant SDR (dB) of `est` against `ref`, as in Le Roux et al. 2019. */
double r2r_si_sdr(const float *est, const float *ref, size_t n);

#ifdef __cplusplus
}
#endif
#endif
