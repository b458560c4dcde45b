/* The matcher end to end: reference → preprocess → isolate → segment → features and
 * long-term spectrum → joint capture × gain × IR retrieval → verification by true
 * render → gain + 6-band EQ per flavor on spectra → previews → recipe files. And the
 * way back: a recipe re-rendered with any DI. */
#ifndef R2R_MATCH_H
#define R2R_MATCH_H

#include <stddef.h>

#include "r2r/eqfit.h"
#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress: fraction 0..1 of the whole match and the stage's name. */
typedef void (*r2r_match_progress_fn)(double fraction, const char *stage, void *user);

/* What the DI given with --di is, when it is not the reference's own take (that one is
 * recognised by alignment and null-tested, whatever this says). */
typedef enum {
    R2R_DI_GUITAR_AUTO = 0, /* measured: the take ranks the captures, leaning on the probes when
                               they explain the reference better (another guitar, other pickups) */
    R2R_DI_GUITAR_SAME,     /* the reference's own guitar, another take: the take alone ranks */
    R2R_DI_GUITAR_OTHER     /* another guitar: the rig is matched from the reference alone (the
                               probes), the DI plays the previews */
} r2r_di_guitar;

/* "auto", "same", "other" → r2r_di_guitar; -1 for anything else. */
int r2r_di_guitar_parse(const char *name);
const char *r2r_di_guitar_name(int g);

typedef struct {
    const char *library;   /* LIB root, indexed (r2r index build) */
    const char *out_dir;   /* created if missing; recipe files go here */
    const char *di_path;   /* optional: previews play this DI instead of the probes */
    int di_guitar;         /* r2r_di_guitar: what di_path is (0: auto) */
    int isolation;         /* r2r_iso_backend, or -1 for the default (dsp) */
    r2r_optimizer optimizer;
    int top_k;             /* length of the ranked retrieval lists (default 10) */
    int top_m;             /* combinations verified by a true render (default 5) */
    int screen;            /* with a DI, how many captures go on from the short screen to the whole
                              prescreen (0: a quarter of a library of 64 captures or more, smaller
                              ones are not screened; another take's, never fewer than top_k) */
    unsigned seed;
    r2r_match_progress_fn progress;
    void *user;
} r2r_match_options;

/* What the CLI prints; everything else is in the recipe files. */
typedef struct {
    struct {
        char capture[256], ir[256];
        double input_gain_db, output_gain_db, spectral_db, total;
        char knobs[512]; /* LV2 presets: "Symbol value, ..." of the tunable controls */
    } flavor[R2R_FLAVOR_COUNT];
    char backend[16];
    double confidence;   /* isolation confidence 0..1 */
    double duration_s;   /* reference duration analysed */
    int di_aligned;      /* --di was the reference's own take: candidates null-tested against it */
    double null_db;      /* then: the balanced rig's null depth (dB, lower is deeper) */
    double margin_db;    /* from the reference alone: the ranking's runner-up capture fits this much
                            worse than the first (dB; NAN with --di or a single capture) */
    char warnings[2048]; /* newline-separated, empty when none */
    double seconds;
} r2r_match_summary;

/* Matches `reference` against the library; writes recipe.json, recipe.md,
 * eq_<flavor>.txt, preview_<flavor>.wav and reference_isolated.wav into out_dir. */
r2r_status r2r_match(const char *reference, const r2r_match_options *opt, r2r_match_summary *summary);

/* Re-renders one flavor of a recipe with `di` (any rate/channels/level: brought to
 * the probes' level convention first) into `out` (48 kHz float32 WAV). */
r2r_status r2r_recipe_render(const char *recipe_json_path, const char *flavor, const char *di,
                             const char *out);

/* Equalizer APO / AutoEQ "ParametricEQ" text for an EQ (malloc'd). */
char *r2r_eq_apo_text(const r2r_eq *eq);

#ifdef __cplusplus
}
#endif
#endif
