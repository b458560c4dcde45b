/* Offline hosting of LV2 plugins (guitarix amps and pedals) through lilv: the features
 * they require (urid:map, worker:schedule, bounded block length), atom ports fed with
 * valid empty sequences, mono audio in/out at 48 kHz in blocks. */
#ifndef R2R_LV2_H
#define R2R_LV2_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r2r_lv2 r2r_lv2;

typedef struct {
    const char *symbol;
    const char *name;
    float min, max, def;
    int integer;     /* lv2:integer or enumeration: a discrete choice */
} r2r_lv2_control;

/* Instantiates plugin `uri`. Fails with a clear message when lilv, the plugin or a
 * required feature is missing. Controls start at their defaults. */
r2r_status r2r_lv2_open(const char *uri, int sample_rate, r2r_lv2 **out);
void r2r_lv2_close(r2r_lv2 *p);

const char *r2r_lv2_name(const r2r_lv2 *p);
size_t r2r_lv2_control_count(const r2r_lv2 *p);
const r2r_lv2_control *r2r_lv2_control_at(const r2r_lv2 *p, size_t i);

/* The control with this symbol, or NULL. */
const r2r_lv2_control *r2r_lv2_control_find(const r2r_lv2 *p, const char *symbol);

/* Sets a control by symbol (clamped to its range); unknown symbol → R2R_ERR_INPUT. */
r2r_status r2r_lv2_set(r2r_lv2 *p, const char *symbol, float value);

/* Current value of a control by symbol; unknown symbol → R2R_ERR_INPUT. */
r2r_status r2r_lv2_get(const r2r_lv2 *p, const char *symbol, float *value);

/* Deactivates and re-activates the instance: state back to silence. */
r2r_status r2r_lv2_reset(r2r_lv2 *p);

/* Processes `n` samples of mono audio (the first audio input; extra inputs get the
 * same signal) into `out` (the first audio output). Any n; in place is allowed. */
r2r_status r2r_lv2_process(r2r_lv2 *p, const float *in, float *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
