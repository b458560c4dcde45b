/* Joint capture × IR retrieval on long-term band spectra: every indexed capture at every
 * grid gain, through every indexed IR (and "no IR"), scored against a reference without
 * rendering, since a convolution multiplies band powers. */
#ifndef R2R_RETRIEVE_H
#define R2R_RETRIEVE_H

#include <stddef.h>

#include "r2r/error.h"
#include "r2r/ltas.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r2r_retrieval_db r2r_retrieval_db;

/* Loads every indexed capture and IR of the library at `root` from its catalog. */
r2r_status r2r_retrieval_open(const char *root, r2r_retrieval_db **out);
void r2r_retrieval_close(r2r_retrieval_db *db);

size_t r2r_retrieval_captures(const r2r_retrieval_db *db);
size_t r2r_retrieval_irs(const r2r_retrieval_db *db); /* not counting "no IR" */
const char *r2r_retrieval_capture_path(const r2r_retrieval_db *db, size_t i);
const char *r2r_retrieval_ir_path(const r2r_retrieval_db *db, size_t i); /* NULL for "no IR" (i == irs) */
double r2r_retrieval_gain_db(const r2r_retrieval_db *db, int g);

typedef struct {
    int capture; /* index */
    int gain;    /* grid index */
    int ir;      /* index, or r2r_retrieval_irs() for "no IR" */
    double distance_db; /* RMS band-shape difference (level removed), lower is better */
} r2r_combo;

#define R2R_RETRIEVAL_NDYN 5

/* Scores every combination against the reference's long-term spectrum (power per
 * band, r2r_ltas_compute) and, when `ref_feat` (its 155 raw features) is given, its
 * dynamics; returns the best `k` (sorted) in `out`; *n = count. */
r2r_status r2r_retrieval_rank(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                              const float *ref_feat, r2r_combo *out, size_t k, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
