/* Neural Amp Modeler inference: load a .nam file (validated), reset with NAM core's
 * prewarm, and process audio block-size-independently (WaveNet, LSTM, ConvNet, Linear). */
#ifndef R2R_NAM_H
#define R2R_NAM_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r2r_nam r2r_nam;

/* What a .nam file says about itself. Strings are NULL when absent; numbers have a
 * has_* flag. */
typedef struct {
    const char *architecture; /* "WaveNet", "LSTM", "ConvNet", "Linear" */
    const char *version;      /* .nam format version, e.g. "0.5.4" */
    double sample_rate;       /* the model's rate; 48000 when the file has none */
    int has_sample_rate;      /* 0 when the file had no sample_rate field */
    long receptive_field;     /* samples of history the output depends on (LSTM: 0) */
    long prewarm_samples;     /* zeros fed on reset, as NAM core does */
    size_t weight_count;
    char summary[256];        /* e.g. "WaveNet 16ch k3 10 layers | 8ch k3 10 layers" */
    /* metadata */
    const char *name, *modeled_by, *gear_type, *gear_make, *gear_model, *tone_type, *date;
    double loudness, gain, input_level_dbu, output_level_dbu;
    int has_loudness, has_gain, has_input_level, has_output_level;
    const char *metadata_json; /* the whole "metadata" object as JSON text, or NULL */
    const char *training_json; /* metadata.training (or top-level "training"), or NULL */
    int submodels;             /* SlimmableContainer: number of submodels (0 otherwise) */
    int active_submodel;       /* the one that runs (default: the last, the full-size model) */
} r2r_nam_info;

enum {
    R2R_NAM_FAST_TANH = 1 << 0, /* NAM's rational fast tanh (changes outputs by up to ~2e-2) */
    R2R_NAM_BLOCK_MODE = 1 << 1, /* 0.6+ WaveNets: the operation-by-operation path everywhere;
                                    0.5 WaveNets: the generic kernel for every width (slower;
                                    for cross-checking the register kernels) */
};

/* Loads and validates a .nam file. Errors name the file and the problem;
 * .nam 0.5 to 0.7 (including the "A2" WaveNet options and SlimmableContainer); newer
 * versions give R2R_ERR_UNSUPPORTED. The model is reset (prewarmed). */
r2r_status r2r_nam_load(const char *path, int flags, r2r_nam **out);

/* Same from JSON text in memory; `name` is used in error messages. */
r2r_status r2r_nam_load_json(const char *text, size_t len, const char *name, int flags,
                             r2r_nam **out);

void r2r_nam_free(r2r_nam *m);

/* SlimmableContainer (.nam 0.7): submodel i's upper size bound and description. */
double r2r_nam_submodel_max(const r2r_nam *m, int i);
const r2r_nam_info *r2r_nam_submodel_info(const r2r_nam *m, int i);

/* NAM core's SetSlimmableSize(x), x in [0, 1]: runs the first submodel whose max_value
 * exceeds x (the last when none does), reset and prewarmed. No-op for other models. */
void r2r_nam_set_slimmable_size(r2r_nam *m, double x);

const r2r_nam_info *r2r_nam_get_info(const r2r_nam *m);

/* Clears the model state and runs the prewarm (zeros), like NAM core's Reset(). */
void r2r_nam_reset(r2r_nam *m);

/* Processes n samples at the model's own rate. Any n; output independent of how
 * the input is split into calls. `out` may equal `in`. No allocation. */
void r2r_nam_process(r2r_nam *m, const float *in, float *out, size_t n);

/* Renders 48 kHz audio through the model: resamples around it when the model's rate
 * differs, returns exactly n samples at 48 kHz. Resets first. */
r2r_status r2r_nam_render(r2r_nam *m, const float *in, float *out, size_t n);

#ifdef __cplusplus
}
#endif
#endif
