/* Deterministic synthetic guitar DI: an extended Karplus-Strong plucked string with
 * pick position, string damping and a pickup response; the built-in probes and riffs. */
#ifndef R2R_SYNTH_H
#define R2R_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One plucked note. Times in seconds, frequencies in Hz. */
typedef struct {
    double freq;       /* fundamental */
    double start;      /* onset time in the output */
    double duration;   /* until the string is damped (release of 30 ms) */
    double velocity;   /* 0..1: pick strength, also brightens the attack */
    double t60;        /* decay time of the fundamental while held */
    double brightness; /* 0..1: 1 = little string damping of the partials */
    double pick_pos;   /* pluck point as a fraction of the string (0.05..0.5) */
    int muted;         /* palm mute: short decay and strong damping */
} r2r_pluck;

/* The built-in DI probes: the seed's six, in its file-name order, then pieces in other
 * keys (the seed's are all in E), so that a mixture of probes can stand for a
 * performance's notes. */
typedef enum {
    R2R_PROBE_LOW_E_SUSTAIN,
    R2R_PROBE_A_NOTE_SUSTAIN,
    R2R_PROBE_HIGH_E_SUSTAIN,
    R2R_PROBE_POWER_CHORD,
    R2R_PROBE_PALM_MUTES,
    R2R_PROBE_OPEN_CHORD,
    R2R_PROBE_A_POWER_CHORD,
    R2R_PROBE_G_OPEN_CHORD,
    R2R_PROBE_D_POWER_CHORD,
    R2R_PROBE_LEAD_LINE,
    R2R_PROBE_COUNT
} r2r_probe_kind;

/* File stem the seed uses for a probe ("low_e_sustain", ...). */
const char *r2r_synth_probe_name(r2r_probe_kind kind);

/* Adds the notes into `out` (n samples at `sample_rate`, not cleared first).
 * `seed` makes the pick noise deterministic. */
r2r_status r2r_synth_render(const r2r_pluck *notes, size_t count, uint64_t seed, int sample_rate,
                            float *out, size_t n);

/* A built-in probe at `sample_rate`, peak-normalized to its seed level
 * (between -12 and -6 dBFS). *out is malloc'd. */
r2r_status r2r_synth_probe(r2r_probe_kind kind, int sample_rate, float **out, size_t *n);

/* A rock riff in E of about `seconds` (power chords, single notes, palm mutes),
 * varied by `seed`, peak at -9 dBFS. *out is malloc'd. */
r2r_status r2r_synth_riff(uint64_t seed, double seconds, int sample_rate, float **out, size_t *n);

/* A drum loop (kick on the beat, snare on 2 and 4, hi-hat eighths) of `seconds` at
 * `bpm`, for isolation tests; peak about 0.8. *out is malloc'd. */
r2r_status r2r_synth_drums(uint64_t seed, double seconds, double bpm, int sample_rate, float **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
