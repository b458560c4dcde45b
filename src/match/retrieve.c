/* Spectral retrieval: predicted band spectrum of capture c at gain g through IR i is
 * Σ_probes LTAS_c,g × H_i (in dB: mean probe spectrum + IR response); the distance to
 * the reference is the RMS over 80 Hz-10 kHz bands of their dB difference after the
 * level offset is removed (loudness is matched later anyway). */
#include "r2r/retrieve.h"
#include "r2r/catalog.h"
#include "r2r/constants.h"
#include "r2r/library.h"
#include "library/analyze.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FMIN_SCORE 80.0
#define FMAX_SCORE 10000.0
/* Dimensions of the signature that a cabinet barely changes but an amp's compression
 * does: crest factor, onset mean/std, dynamic range, attack slope. Their z-distance
 * (library std units) is added to the spectral dB distance with weight 1 (1 σ ≈ 1 dB);
 * on all 35 dev captures (bench/match_eval 1) capture top-3 goes from 33 to 36 %. */
static const int dyn_dims[R2R_RETRIEVAL_NDYN] = {142, 144, 145, 146, 147};
#define DYN_WEIGHT 1.0

struct r2r_retrieval_db {
    size_t nc, ni, G;
    char **cpath, **ipath;
    float *cdb;  /* [nc][G][K] dB of the probe-mean band power */
    float *cft;  /* [nc][G][D] probe-mean raw features */
    double dmu[R2R_RETRIEVAL_NDYN], dsd[R2R_RETRIEVAL_NDYN]; /* library stats of the dynamics dims */
    float *idb;  /* [ni + 1][K] dB of the IR band response; the last row is "no IR" (0 dB) */
    double gains[R2R_INDEX_N_GAINS];
    int band_lo, band_hi;
};

static float to_db(double p) { return (float)(10.0 * log10(p > 1e-20 ? p : 1e-20)); }

void r2r_retrieval_close(r2r_retrieval_db *db)
{
    if (!db) return;
    for (size_t i = 0; i < db->nc; i++) free(db->cpath[i]);
    for (size_t i = 0; i < db->ni; i++) free(db->ipath[i]);
    free(db->cpath);
    free(db->ipath);
    free(db->cdb);
    free(db->cft);
    free(db->idb);
    free(db);
}

r2r_status r2r_retrieval_open(const char *root, r2r_retrieval_db **out)
{
    *out = NULL;
    char *dbp = r2r_library_state_path(root, "catalog.sqlite");
    r2r_catalog *cat = NULL;
    r2r_status s = dbp ? r2r_catalog_open(dbp, &cat) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(dbp);
    if (s != R2R_OK) return s;
    r2r_entry *caps = NULL, *irs = NULL;
    size_t nc = 0, ni = 0;
    s = r2r_catalog_list(cat, R2R_ENTRY_CAPTURE, 1, &caps, &nc);
    if (s == R2R_OK) s = r2r_catalog_list(cat, R2R_ENTRY_IR, 1, &irs, &ni);
    r2r_catalog_close(cat);
    r2r_retrieval_db *db = calloc(1, sizeof *db);
    const size_t G = R2R_INDEX_N_GAINS, K = R2R_LTAS_BANDS;
    if (s == R2R_OK && db) {
        db->G = G;
        const double g[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
        memcpy(db->gains, g, sizeof g);
        db->cpath = calloc(nc + 1, sizeof(char *));
        db->ipath = calloc(ni + 1, sizeof(char *));
        db->cdb = calloc((nc + 1) * G * K, sizeof(float));
        db->cft = calloc((nc + 1) * G * R2R_FEAT_DIM, sizeof(float));
        db->idb = calloc((ni + 1) * K, sizeof(float));
        if (!db->cpath || !db->ipath || !db->cdb || !db->idb || !db->cft)
            s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    } else if (s == R2R_OK) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; s == R2R_OK && i < nc; i++) {
        const r2r_entry *e = &caps[i];
        if (e->status != R2R_STATUS_INDEXED || e->data_size < sizeof(r2r_payload_header)) continue;
        const r2r_payload_header *h = e->data;
        if (h->magic != R2R_PAYLOAD_MAGIC || h->kind != 0 || h->n_gains != G || h->bands != K) continue;
        const size_t P = h->n_probes, D = h->dim;
        const float *ltas = (const float *)(h + 1) + G + G * P * D + G * D;
        memcpy(db->cft + db->nc * G * R2R_FEAT_DIM, (const float *)(h + 1) + G + G * P * D,
               G * D * sizeof(float));
        float *dst = db->cdb + db->nc * G * K;
        for (size_t gg = 0; gg < G; gg++)
            for (size_t k = 0; k < K; k++) {
                double acc = 0;
                for (size_t p = 0; p < P; p++) acc += ltas[(gg * P + p) * K + k];
                dst[gg * K + k] = to_db(acc / (double)P);
            }
        db->cpath[db->nc++] = strdup(e->path);
    }
    for (size_t i = 0; s == R2R_OK && i < ni; i++) {
        const r2r_entry *e = &irs[i];
        if (e->status != R2R_STATUS_INDEXED || e->data_size < sizeof(r2r_payload_header)) continue;
        const r2r_payload_header *h = e->data;
        if (h->magic != R2R_PAYLOAD_MAGIC || h->kind != 1 || h->bands != K) continue;
        const float *resp = (const float *)(h + 1) + h->dim;
        for (size_t k = 0; k < K; k++) db->idb[db->ni * K + k] = to_db(resp[k]);
        db->ipath[db->ni++] = strdup(e->path);
    }
    /* The "no IR" row stays at 0 dB (calloc). */
    if (s == R2R_OK) {
        db->band_lo = K, db->band_hi = 0;
        for (int k = 0; k < (int)K; k++) {
            double hz = r2r_ltas_band_hz(k);
            if (hz >= FMIN_SCORE && k < db->band_lo) db->band_lo = k;
            if (hz <= FMAX_SCORE) db->band_hi = k;
        }
        if (db->nc == 0) s = r2r_fail(R2R_ERR_INPUT, "library %s has no indexed captures (run 'r2r index build')", root);
        /* z-scales of the dynamics dimensions over every capture × gain row */
        const size_t rows = db->nc * G;
        for (int j = 0; s == R2R_OK && j < R2R_RETRIEVAL_NDYN; j++) {
            double mu = 0, var = 0;
            for (size_t r = 0; r < rows; r++) mu += db->cft[r * R2R_FEAT_DIM + dyn_dims[j]] / (double)rows;
            for (size_t r = 0; r < rows; r++) {
                double d = db->cft[r * R2R_FEAT_DIM + dyn_dims[j]] - mu;
                var += d * d / (double)rows;
            }
            db->dmu[j] = mu;
            db->dsd[j] = sqrt(var) > 1e-9 ? sqrt(var) : 1.0;
        }
    }
    r2r_entry_list_free(caps, nc);
    r2r_entry_list_free(irs, ni);
    if (s != R2R_OK) {
        r2r_retrieval_close(db);
        return s;
    }
    *out = db;
    return R2R_OK;
}

size_t r2r_retrieval_captures(const r2r_retrieval_db *db) { return db->nc; }
size_t r2r_retrieval_irs(const r2r_retrieval_db *db) { return db->ni; }
const char *r2r_retrieval_capture_path(const r2r_retrieval_db *db, size_t i) { return i < db->nc ? db->cpath[i] : NULL; }
const char *r2r_retrieval_ir_path(const r2r_retrieval_db *db, size_t i) { return i < db->ni ? db->ipath[i] : NULL; }
double r2r_retrieval_gain_db(const r2r_retrieval_db *db, int g) { return g >= 0 && g < (int)db->G ? db->gains[g] : 0.0; }

static int cmp_combo(const void *a, const void *b)
{
    double x = ((const r2r_combo *)a)->distance_db, y = ((const r2r_combo *)b)->distance_db;
    return (x > y) - (x < y);
}

r2r_status r2r_retrieval_rank(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                              const float *ref_feat, r2r_combo *out, size_t k, size_t *n)
{
    const size_t K = R2R_LTAS_BANDS, total = db->nc * db->G * (db->ni + 1);
    r2r_combo *all = malloc(total * sizeof *all);
    if (!all) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    float ref[R2R_LTAS_BANDS];
    for (size_t b = 0; b < K; b++) ref[b] = to_db(ref_ltas[b]);
    const int lo = db->band_lo, hi = db->band_hi, nb = hi - lo + 1;
    /* The dynamics term depends on capture and gain only. */
    double *dyn = calloc(db->nc * db->G, sizeof(double));
    if (!dyn) {
        free(all);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    for (size_t r = 0; ref_feat && r < db->nc * db->G; r++) {
        double z = 0;
        for (int j = 0; j < R2R_RETRIEVAL_NDYN; j++) {
            double d = (ref_feat[dyn_dims[j]] - db->cft[r * R2R_FEAT_DIM + dyn_dims[j]]) / db->dsd[j];
            z += d * d;
        }
        dyn[r] = sqrt(z / R2R_RETRIEVAL_NDYN);
    }
    size_t m = 0;
    for (size_t c = 0; c < db->nc; c++)
        for (size_t g = 0; g < db->G; g++) {
            const float *cs = db->cdb + (c * db->G + g) * K;
            for (size_t i = 0; i <= db->ni; i++) {
                const float *ir = db->idb + i * K;
                double mean = 0, sq = 0;
                for (int b = lo; b <= hi; b++) {
                    double d = ref[b] - cs[b] - ir[b];
                    mean += d;
                    sq += d * d;
                }
                mean /= nb;
                double dist = sqrt(fmax(0.0, sq / nb - mean * mean));
                if (ref_feat) dist += DYN_WEIGHT * dyn[c * db->G + g];
                all[m++] = (r2r_combo){(int)c, (int)g, (int)i, dist};
            }
        }
    free(dyn);
    qsort(all, m, sizeof *all, cmp_combo);
    *n = m < k ? m : k;
    memcpy(out, all, *n * sizeof *all);
    free(all);
    return R2R_OK;
}
