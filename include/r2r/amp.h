/* One library entry that turns a DI into an amp tone: a Neural Amp Modeler capture
 * (`.nam`) or an LV2 plugin preset (`LIB/lv2_presets/NAME.json`: a plugin URI and its
 * control values). The index, the matcher and `r2r render` use both the same way; an
 * LV2 preset also exposes the controls it lets the matcher tune (knob recovery).
 *
 * LV2 preset file:
 *   {"name": "Crunch", "uri": "http://guitarix.sourceforge.net/plugins/gx_amp#GUITARIX",
 *    "gear_type": "amp",                      optional: amp, pedal, amp_cab, full_rig
 *    "controls": {"PreGain": 0, "Drive": 0.45},  optional; the rest keep their defaults
 *    "tunable": ["Drive", "Treble"]}          optional; or {"Drive": [0.2, 0.8]} to narrow */
#ifndef R2R_AMP_H
#define R2R_AMP_H

#include <stddef.h>

#include "r2r/error.h"
#include "r2r/nam.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r2r_amp r2r_amp;

typedef enum { R2R_AMP_NAM = 0, R2R_AMP_LV2 = 1 } r2r_amp_kind;

/* A control the matcher may move, with its current value and its search range. */
typedef struct {
    const char *symbol, *name;
    double value, min, max;
    int integer; /* a discrete choice (tube, tonestack or cabinet model, a switch) */
} r2r_amp_knob;

/* A parsed preset file, before any plugin is loaded (so it can be checked alone). */
typedef struct {
    char *name, *uri, *gear_type; /* gear_type may be NULL */
    size_t n_controls;
    char **symbols;
    double *values;
    size_t n_tunable;
    char **tunable;
    double *tmin, *tmax; /* NaN: the plugin's own range */
} r2r_lv2_preset;

/* Parses preset JSON; `name` (the file) is used in errors and as the default name. */
r2r_status r2r_lv2_preset_parse(const char *text, size_t len, const char *name, r2r_lv2_preset *out);
void r2r_lv2_preset_free(r2r_lv2_preset *p);

/* Opens `path`: ".json" is an LV2 preset (the plugin is instantiated at 48 kHz and
 * every control checked against it), anything else a .nam capture. */
r2r_status r2r_amp_open(const char *path, r2r_amp **out);
void r2r_amp_free(r2r_amp *a);

r2r_amp_kind r2r_amp_kind_of(const r2r_amp *a);
const char *r2r_amp_name(const r2r_amp *a);         /* NULL when the file names none */
const char *r2r_amp_architecture(const r2r_amp *a); /* "WaveNet", ..., or "LV2" */
int r2r_amp_sample_rate(const r2r_amp *a);
const r2r_nam *r2r_amp_nam(const r2r_amp *a);       /* NULL for LV2 */
const char *r2r_amp_summary(const r2r_amp *a);      /* one line: layers, or plugin name */

/* Metadata for the catalog (malloc'd JSON): for a capture {"summary", "version",
 * "nam": {...}}, for a preset {"summary", "gear_type", "lv2": {"uri", "plugin",
 * "controls", "tunable"}}; `library_meta` (metadata.json entry) goes under "library". */
char *r2r_amp_metadata_json(const r2r_amp *a, const char *library_meta);

/* Renders 48 kHz audio (n samples in, n out) from a fresh state (an LV2 preset's output
 * includes its makeup gain). `out` may equal `in`. */
r2r_status r2r_amp_render(r2r_amp *a, const float *in, float *out, size_t n);

/* The tunable controls (none for a capture). */
size_t r2r_amp_knob_count(const r2r_amp *a);
const r2r_amp_knob *r2r_amp_knob_at(const r2r_amp *a, size_t i);
/* Sets tunable control i (clamped to its range; discrete ones rounded). */
r2r_status r2r_amp_set_knob(r2r_amp *a, size_t i, double value);

/* Sets any control of an LV2 preset by symbol (clamped to the plugin's range), e.g.
 * from a recipe; unknown symbol or a capture → R2R_ERR_INPUT. */
r2r_status r2r_amp_set_control(r2r_amp *a, const char *symbol, double value);

/* Every control of an LV2 preset with its current value, {"symbol": value, ...}
 * (malloc'd JSON); NULL for a capture. */
char *r2r_amp_controls_json(const r2r_amp *a);
/* The plugin URI and its name (NULL for a capture). */
const char *r2r_amp_lv2_uri(const r2r_amp *a);
const char *r2r_amp_lv2_plugin(const r2r_amp *a);
/* The fixed gain after the plugin that brings its output to a common level (measured
 * when the preset opens); recipes state it so a host can reproduce the level. */
double r2r_amp_lv2_makeup_db(const r2r_amp *a);

#ifdef __cplusplus
}
#endif
#endif
