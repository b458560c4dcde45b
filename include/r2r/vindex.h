/* Vector index files: FAISS IndexFlatIP (inner product on L2-normalized vectors =
 * cosine similarity) written with FAISS's own writer, so Python's faiss.read_index opens them. */
#ifndef R2R_VINDEX_H
#define R2R_VINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes `n` vectors of `dim` floats (row-major) as an IndexFlatIP at `path`,
 * through a temporary file and a rename. Ids are the row numbers. */
r2r_status r2r_vindex_write(const char *path, int dim, size_t n, const float *vectors);

/* Reads the index at `path` and returns its best `k` rows for `query` (dim floats):
 * ids best first and their inner products. *found = min(k, n). */
r2r_status r2r_vindex_search(const char *path, const float *query, int dim, int k, int64_t *ids,
                             float *scores, int *found);

/* Number of vectors and dimension of the index at `path`. */
r2r_status r2r_vindex_info(const char *path, size_t *n, int *dim);

#ifdef __cplusplus
}
#endif
#endif
