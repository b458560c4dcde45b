/* The embedded default library (guitarix LV2 presets from clean to high gain, a full
 * stack with its own cabinet, a pedal, beside Debian's guitarix cabinet IRs) and the
 * secret rigs hidden in it: shared by `r2r demo`, its test and bench/knob_eval. */
#ifndef R2R_DEMO_H
#define R2R_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define R2R_DEMO_IR_DIR "/usr/share/gx_head/sounds/amps"
#define R2R_DEMO_MAX_IRS 64
#define R2R_DEMO_SECRET_POOL 4 /* secrets are drawn from the first presets (GxAmplifier-X) */
#define R2R_DEMO_MOVED 3       /* knobs a secret moves: Bass, Middle, Treble */

size_t r2r_demo_preset_count(void);
const char *r2r_demo_preset_name(size_t i); /* as the recipe names it */
const char *r2r_demo_preset_uri(size_t i);  /* the plugin */
/* The value preset i gives control `symbol` (NAN when it leaves it at the default). */
double r2r_demo_preset_control(size_t i, const char *symbol);
extern const char *const r2r_demo_moved_knobs[R2R_DEMO_MOVED];

/* The guitarix IR file names, sorted (malloc'd array of malloc'd strings); 0 when
 * guitarix-common is missing. */
size_t r2r_demo_irs(char ***names);
void r2r_demo_irs_free(char **names, size_t n);

/* Writes LIB/lv2_presets (the first n_presets) and LIB/cab_irs (links to irs[0..n_irs)). */
r2r_status r2r_demo_library_write(const char *lib, size_t n_presets, char *const *irs, size_t n_irs);

typedef struct {
    size_t preset, ir;
    double knob[R2R_DEMO_MOVED];
    double eq_hz[2], eq_db[2]; /* a mild EQ after the cabinet (0 dB when drawn without) */
} r2r_demo_secret;

/* Draws a secret rig from `seed`: a preset of the pool, its tone knobs moved anywhere
 * in 0.1-0.9, an IR, and (with_eq) two peaking bands of ±1-2.5 dB. */
void r2r_demo_secret_draw(uint64_t seed, size_t n_presets, size_t n_irs, int with_eq, r2r_demo_secret *out);

/* The DI (at the DI level convention) through the secret rig, loudness-normalized. */
r2r_status r2r_demo_secret_render(const char *lib, const r2r_demo_secret *sr, const char *ir_name, const float *di,
                                  size_t n, float *ref);

#ifdef __cplusplus
}
#endif
#endif
