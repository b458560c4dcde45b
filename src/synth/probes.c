/* The built-in DI probe set (the seed's six probes) and demo riffs, played on the
 * synthetic string of pluck.c with deterministic seeds and the seed's peak levels. */
#include "r2r/synth.h"

#include <math.h>
#include <stdlib.h>

/* Standard-tuning pitches (Hz), A4 = 440. */
#define E2 82.407
#define A2 110.000
#define B2 123.471
#define D3 146.832
#define E3 164.814
#define Gs3 207.652
#define G3 195.998
#define B3 246.942
#define E4 329.628
#define E5 659.255
/* other keys: semitones from A4 */
#define NOTE(semis) (440.0 * pow(2.0, (semis) / 12.0))

static const char *const probe_names[R2R_PROBE_COUNT] = {
    "low_e_sustain", "a_note_sustain", "high_e_sustain",
    "power_chord",   "palm_mutes",     "open_chord",
    "A5_power_chord", "G_open_chord",  "D5_power_chord", "lead_line",
};

/* Peak levels inside the seed's recording window (-12 to -6 dBFS): sustained single
 * notes sit lower, chords and aggressive picking higher, as with a real DI. */
static const double probe_peak_db[R2R_PROBE_COUNT] = {-9.0, -9.0, -10.0, -6.5, -7.5, -7.0, -6.5, -7.0, -6.5, -9.0};
/* Lengths: the seed records 3-4 s per probe, but the index renders every probe at five
 * gains through every capture (15 s of probes, 75 s of audio per capture). 1.25-1.5 s
 * holds the attack, the bloom and enough sustain for stable statistics; palm mutes get
 * eight eighths, the lead line sixteen notes. */
static const double probe_seconds[R2R_PROBE_COUNT] = {1.5, 1.5, 1.25, 1.5, 2.0, 1.5, 1.25, 1.25, 1.25, 2.0};

const char *r2r_synth_probe_name(r2r_probe_kind kind)
{
    return (unsigned)kind < R2R_PROBE_COUNT ? probe_names[kind] : "unknown";
}

static r2r_pluck note(double f, double start, double dur, double vel)
{
    r2r_pluck p = {f, start, dur, vel, 4.0, 0.6, 0.13, 0};
    /* Higher strings decay faster and are plucked relatively further from the bridge. */
    p.t60 = 6.0 * pow(82.0 / f, 0.45);
    return p;
}

static size_t strum(r2r_pluck *out, const double *freqs, size_t k, double start, double dur,
                    double vel, double spread)
{
    for (size_t i = 0; i < k; i++) out[i] = note(freqs[i], start + spread * (double)i, dur, vel);
    return k;
}

/* The probes' cable: a pickup loaded by a long cable and an amp's input rolls off
 * well below its unloaded resonance. Without it the synthetic string is far brighter
 * than real DIs: over 100 Hz-8 kHz the probes' long-term mel spectrum sat 12.3 dB
 * (mean |dB|, level-aligned at 200 Hz-1 kHz) from the mean of the four DIs in
 * shared/data/di, with it 4.5 dB, inside the DIs' own spread (4.9 dB). A Butterworth
 * second order; the corner is the measured optimum, which is flat from 1 to 1.5 kHz. */
#define PROBE_CABLE_HZ 1200.0

static void cable_lowpass(float *x, size_t n, int sr)
{
    const double w0 = 2.0 * M_PI * PROBE_CABLE_HZ / sr, alpha = sin(w0) / (2.0 * M_SQRT1_2);
    const double cw = cos(w0), a0 = 1.0 + alpha;
    const double b0 = (1.0 - cw) / 2.0 / a0, b1 = (1.0 - cw) / a0, b2 = b0;
    const double a1 = -2.0 * cw / a0, a2 = (1.0 - alpha) / a0;
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double v = x[i], y = b0 * v + s1;
        s1 = b1 * v - a1 * y + s2;
        s2 = b2 * v - a2 * y;
        x[i] = (float)y;
    }
}

static r2r_status finish(r2r_pluck *notes, size_t count, uint64_t seed, int sr, double seconds,
                         double peak_db, int cable, float **out, size_t *n)
{
    size_t len = (size_t)llround(seconds * sr);
    float *buf = calloc(len, sizeof(float));
    if (!buf) return r2r_fail(R2R_ERR_NOMEM, "synth: out of memory");
    r2r_status s = r2r_synth_render(notes, count, seed, sr, buf, len);
    if (s != R2R_OK) {
        free(buf);
        return s;
    }
    if (cable) cable_lowpass(buf, len, sr);
    float p = 0.0f;
    for (size_t i = 0; i < len; i++) p = fmaxf(p, fabsf(buf[i]));
    if (p > 0.0f) {
        float g = (float)(pow(10.0, peak_db / 20.0) / p);
        for (size_t i = 0; i < len; i++) buf[i] *= g;
    }
    *out = buf;
    *n = len;
    return R2R_OK;
}

r2r_status r2r_synth_probe(r2r_probe_kind kind, int sample_rate, float **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if ((unsigned)kind >= R2R_PROBE_COUNT)
        return r2r_fail(R2R_ERR_INPUT, "synth: unknown probe %d", (int)kind);
    r2r_pluck notes[32];
    size_t c = 0;
    double len = probe_seconds[kind];
    switch (kind) {
    case R2R_PROBE_LOW_E_SUSTAIN: notes[c++] = note(E2, 0.05, len, 0.7); break;
    case R2R_PROBE_A_NOTE_SUSTAIN: notes[c++] = note(A2, 0.05, len, 0.7); break;
    case R2R_PROBE_HIGH_E_SUSTAIN: notes[c++] = note(E5, 0.05, len, 0.75); break;
    case R2R_PROBE_POWER_CHORD: {
        const double f[] = {E2, B2, E3};
        c += strum(notes, f, 3, 0.05, len, 1.0, 0.006);
        break;
    }
    case R2R_PROBE_PALM_MUTES:
        /* Eighth notes at 120 BPM on the low E, palm muted, slight accent on the beat. */
        for (int i = 0; i < 8; i++) {
            notes[c] = note(E2, 0.05 + 0.25 * i, 0.22, i % 2 ? 0.75 : 0.95);
            notes[c].muted = 1;
            c++;
        }
        break;
    case R2R_PROBE_OPEN_CHORD: {
        const double f[] = {E2, B2, E3, Gs3, B3, E4};
        c += strum(notes, f, 6, 0.05, len, 0.85, 0.012);
        break;
    }
    case R2R_PROBE_A_POWER_CHORD: {
        const double f[] = {A2, E3, A2 * 2};
        c += strum(notes, f, 3, 0.05, len, 1.0, 0.006);
        break;
    }
    case R2R_PROBE_G_OPEN_CHORD: {
        const double f[] = {G3 / 2, B2, D3, G3, B3, G3 * 2};
        c += strum(notes, f, 6, 0.05, len, 0.85, 0.012);
        break;
    }
    case R2R_PROBE_D_POWER_CHORD: {
        const double f[] = {D3, A2 * 2, D3 * 2};
        c += strum(notes, f, 3, 0.05, len, 1.0, 0.006);
        break;
    }
    case R2R_PROBE_LEAD_LINE: {
        /* sixteenths up and down the neck on the pitch classes the chords leave out */
        const int semis[] = {-27, -25, -20, -16, -13, -8, -4, -1, 1, 3, 6, 8, 3, -1, -8, -16};
        for (int i = 0; i < 16; i++) notes[c++] = note(NOTE(semis[i]), 0.05 + 0.12 * i, 0.13, i % 4 ? 0.7 : 0.85);
        break;
    }
    default: break;
    }
    return finish(notes, c, 0x9B0BE5ull + (uint64_t)kind, sample_rate, len, probe_peak_db[kind], 1,
                  out, n);
}

r2r_status r2r_synth_riff(uint64_t seed, double seconds, int sample_rate, float **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!(seconds > 0.5 && seconds < 600.0))
        return r2r_fail(R2R_ERR_INPUT, "synth: riff length %.2f s out of range", seconds);
    /* Bars of 2 s at 120 BPM: a power-chord hit, palm-muted chugs, a short lick.
     * The seed picks the chord roots and the lick, so riffs differ but stay idiomatic. */
    static const double roots[][3] = {{E2, B2, E3}, {G3 / 2, D3, G3}, {A2, E3 / 1.0, A2 * 2},
                                      {D3 / 2 * 1.0, A2, D3}};
    static const double lick[] = {E3, G3, A2 * 2, B3, D3 * 2, E4};
    uint64_t s = seed * 0x2545F4914F6CDD1Dull + 1;
    size_t cap = (size_t)(seconds * 12) + 16;
    r2r_pluck *notes = malloc(cap * sizeof *notes);
    if (!notes) return r2r_fail(R2R_ERR_NOMEM, "synth: out of memory");
    size_t c = 0;
    for (double bar = 0.0; bar + 0.5 < seconds && c + 12 < cap; bar += 2.0) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        const double *ch = roots[s % 4];
        c += strum(notes + c, ch, 3, bar + 0.02, 0.7, 0.95, 0.005);
        for (int i = 0; i < 4; i++) {
            notes[c] = note(ch[0], bar + 0.75 + 0.125 * i, 0.11, 0.8);
            notes[c++].muted = 1;
        }
        for (int i = 0; i < 3; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            notes[c++] = note(lick[s % 6], bar + 1.25 + 0.25 * i, 0.24, 0.7 + 0.1 * (i == 2));
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < c; i++)
        if (notes[i].start < seconds) notes[used++] = notes[i];
    r2r_status st = finish(notes, used, seed, sample_rate, seconds, -9.0, 0, out, n);
    free(notes);
    return st;
}
