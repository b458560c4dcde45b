/* Per-entry analysis run by the index workers: what the index keeps for one capture
 * (features and band spectra per probe and gain) or one IR (features and band response). */
#ifndef R2R_ANALYZE_H
#define R2R_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "r2r/catalog.h"
#include "r2r/constants.h"
#include "r2r/error.h"
#include "r2r/ltas.h"

#define R2R_FEAT_DIM 155
#define R2R_PAYLOAD_MAGIC 0x31433252u /* "R2C1" little-endian */

typedef struct {
    size_t count;
    float **audio;      /* 48 kHz mono, peak at R2R_DI_PEAK_DBFS */
    size_t *len;
    char **names;
    char fingerprint[65]; /* hash of the samples, the gain grid and the payload layout */
    int builtin;
} r2r_probe_set;

/* Payload blob layout (all little-endian float32 after the header):
 *   header {magic, kind, n_gains, n_probes, dim, bands}
 *   capture: gains_db[n_gains], feat[n_gains][n_probes][dim], mean_feat[n_gains][dim],
 *            ltas[n_gains][n_probes][bands]
 *   IR:      feat[dim] (features of the probes through the IR alone), response[bands]  */
typedef struct {
    uint32_t magic, kind, n_gains, n_probes, dim, bands;
} r2r_payload_header;

r2r_status r2r_probes_load(const char *dir, r2r_probe_set *out);
void r2r_probes_free(r2r_probe_set *p);

/* Fills `e` (name, architecture, sample_rate, metadata_json; status INDEXED with its
 * data, or FAILED with error) for one capture / IR file. Returns R2R_OK when the
 * row is ready to store, whatever the entry's own outcome. */
r2r_status r2r_analyze_capture(const char *abs_path, const char *meta_json,
                               const r2r_probe_set *probes, r2r_entry *e);
r2r_status r2r_analyze_ir(const char *abs_path, const char *meta_json,
                          const r2r_probe_set *probes, r2r_entry *e);

#endif
