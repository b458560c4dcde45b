/* Audio file I/O (libsndfile), resampling (libsoxr) and loudness (libebur128).
 * Buffers are interleaved float32; r2r_audio owns its data. */
#ifndef R2R_AUDIO_H
#define R2R_AUDIO_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float *data;     /* interleaved frames × channels */
    size_t frames;
    int channels;
    int sample_rate;
} r2r_audio;

enum {
    R2R_READ_MONO = 1 << 0, /* mix all channels down to one (mean) */
};

/* Reads WAV/FLAC/OGG (MP3 when libsndfile has it). Refuses empty files, files
 * longer than R2R_MAX_AUDIO_SECONDS and non-audio files with a clear message. */
r2r_status r2r_audio_read(const char *path, int flags, r2r_audio *out);

/* Writes a float32 WAV atomically: a temporary file beside `path`, then rename. */
r2r_status r2r_audio_write_wav(const char *path, const float *data, size_t frames,
                               int channels, int sample_rate);

void r2r_audio_free(r2r_audio *a);

/* Mean of the channels into a new mono buffer (in place when already mono). */
r2r_status r2r_audio_to_mono(r2r_audio *a);

/* Resamples interleaved audio with soxr's very-high-quality setting. The output
 * is allocated (free()); its length is round(frames × out_rate / in_rate). */
r2r_status r2r_resample(const float *in, size_t frames, int channels, int in_rate,
                        int out_rate, float **out, size_t *out_frames);

/* Resamples `a` in place to `rate` (no-op when already there). */
r2r_status r2r_audio_resample(r2r_audio *a, int rate);

/* Integrated loudness (LUFS, ITU-R BS.1770-4 via libebur128). Silence gives -HUGE_VAL. */
r2r_status r2r_loudness_lufs(const float *data, size_t frames, int channels, int sample_rate,
                             double *lufs);

/* Scales to `target_lufs`, but never past a sample peak of `peak_ceiling_dbfs`.
 * `applied_db` (optional) receives the gain applied. Silence is left alone. */
r2r_status r2r_loudness_normalize(float *data, size_t frames, int channels, int sample_rate,
                                  double target_lufs, double peak_ceiling_dbfs,
                                  double *applied_db);

/* Sample peak (absolute maximum) of a buffer. */
float r2r_peak(const float *data, size_t n);

#ifdef __cplusplus
}
#endif
#endif
