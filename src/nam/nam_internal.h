/* Internal contract between the .nam loader and the per-architecture files:
 * each architecture builds itself from parsed config + weights and exposes a vtable. */
#ifndef R2R_NAM_INTERNAL_H
#define R2R_NAM_INTERNAL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "r2r/nam.h"
#include "nam/activations.h"

/* Frames per internal chunk: buffers are sized for it; longer calls are split. */
#define NAM_CHUNK 256

typedef struct {
    void (*clear)(void *impl);  /* state back to the model's initial state */
    void (*process)(void *impl, const float *in, float *out, size_t n); /* n ≤ NAM_CHUNK */
    void (*destroy)(void *impl);
} nam_arch_ops;

/* Cursor over the weights array: every take checks the count so a short file is
 * an error, never an overread. */
typedef struct {
    const float *w;
    size_t n, pos;
} nam_weights;

/* Takes k weights; NULL when fewer remain. */
const float *nam_take(nam_weights *w, size_t k);

/* Builders: on success fill *impl and *ops and the receptive field / prewarm in info.
 * `file` names the model in messages. `cfg` is the "config" object. */
r2r_status nam_wavenet_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                              r2r_nam_info *info, void **impl, const nam_arch_ops **ops);
/* The 0.6+ ("A2") WaveNet: bottlenecks, FiLM, groups, gating modes, heads, condition_dsp. */
r2r_status nam_wavenet_a2_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                                 r2r_nam_info *info, void **impl, const nam_arch_ops **ops);
/* True when a WaveNet config uses anything beyond the 0.5 layout. */
int nam_wavenet_is_a2(const cJSON *cfg);
r2r_status nam_lstm_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                           r2r_nam_info *info, void **impl, const nam_arch_ops **ops);
r2r_status nam_convnet_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                              r2r_nam_info *info, void **impl, const nam_arch_ops **ops);
r2r_status nam_linear_create(const cJSON *cfg, nam_weights *w, const char *file, int flags,
                             r2r_nam_info *info, void **impl, const nam_arch_ops **ops);

/* The "weights" array of a model object as floats (all finite). */
r2r_status nam_parse_weights(const cJSON *root, const char *file, float **out, size_t *n);

/* Config helpers: read an integer in [lo, hi] / a bool, with a clear error. */
r2r_status nam_cfg_int(const cJSON *obj, const char *key, long lo, long hi, int required,
                       long def, const char *file, const char *where, long *out);
r2r_status nam_cfg_bool(const cJSON *obj, const char *key, int required, int def,
                        const char *file, const char *where, int *out);
/* The "dilations" array of obj: 1..max integers in 1..65536 into dil[], their count in *n. */
r2r_status nam_cfg_dilations(const cJSON *obj, long max, const char *file, const char *where, long *dil, long *n);
/* An activation from a JSON value: a name or {"type": ..., parameters}. */
r2r_status nam_cfg_activation_value(const cJSON *v, const char *file, const char *where, int flags,
                                    nam_activation *out);
r2r_status nam_cfg_activation(const cJSON *obj, const char *key, const char *file,
                              const char *where, int flags, nam_activation *out);

#endif
