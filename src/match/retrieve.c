/* Spectral retrieval: predicted band spectrum of capture c at gain g through IR i is
 * Σ_probes LTAS_c,g × H_i (in dB: mean probe spectrum + IR response); the distance to
 * the reference is the RMS over 80 Hz-10 kHz bands of their dB difference after the
 * level offset is removed (loudness is matched later anyway). */
#include "r2r/retrieve.h"
#include "r2r/catalog.h"
#include "r2r/constants.h"
#include "r2r/library.h"
#include "library/analyze.h"
#include "r2r/dsp.h"
#include "r2r/ltas.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FMIN_SCORE R2R_RETRIEVAL_FMIN_HZ
/* The top of the scored bands (R2R_RETRIEVAL_FMAX_HZ). A driven amp's fizz above 10 kHz
 * tells captures apart, but a cabinet's roll-off trades against it: bench/rank_eval 1 2
 * (dev / held out), capture first, IR first / top-3: to 10 kHz 48.7 / 62.6 %, 98.9 /
 * 96.2 %, 100 / 100 %; to 12 kHz 50.2 / 63.1 %, 97.1 / 95.1 %, 99.6 / 97.9 %; to 14 kHz
 * 50.9 / 66.4 %, IR top-3 97.4 / 95.6 %. End to end from the reference alone the tone
 * did not follow: 12 kHz gave tone medians of 2.01 vs 2.29 dB (match_eval 2, dev) but
 * 2.34 vs 2.08 dB (match_eval 1) and 1.01 vs 1.05 dB held out (means 1.88 vs 1.81);
 * 14 kHz 2.44 and 1.19 dB (IR first 81 and 83 %). Left at 10 kHz. */
#define FMAX_SCORE R2R_RETRIEVAL_FMAX_HZ
/* Dimensions of the signature that a cabinet barely changes but an amp's compression
 * does: crest factor, onset mean/std, dynamic range, attack slope. Their z-distance
 * (library std units) is added to the spectral dB distance with weight 1 (1 σ ≈ 1 dB)
 * when the ranking is given the reference's features. They depend on the playing as
 * much as on the rig: r2r_match ranks without them (a performance is not the probes)
 * and uses them only against renders of the reference's own take. */
static const int dyn_dims[R2R_RETRIEVAL_NDYN] = {142, 144, 145, 146, 147};
#define DYN_WEIGHT 1.0

/* A capture that already holds a cabinet falls off by this much (dB) at 6-10 kHz
 * relative to 0.8-2.5 kHz, measured on its probe renders; amp heads and pedals stay
 * within about -10 dB there (their distortion even adds treble). */
#define CAB_ROLLOFF_DB (-18.0)
/* Ridge weight (per band, in dB² per dB² of EQ gain) of the prior on the EQ in the
 * distances: corrections of a few dB cost little, large ones more. With the distance as
 * the fit's whole cost (shape_distance) the ranking barely moved between 0.02 and 0.2
 * (bench/rank_eval: dev 41.8-42.5 % top-1, held out 59.7-63.6 %). */
#define EQ_RIDGE 0.05
/* The EQ the recipe takes from the reference alone (r2r_retrieval_eq_estimate) doubts the
 * difference this many times more than the distances do. What the probe mixture gets
 * wrong about the reference's guitar and playing is smooth across bands, so it lands on
 * the EQ's six bands far more than noise independent per band would, and an EQ fitted
 * to it moves the recipe away from the reference (bench/match_eval 2 from the reference
 * alone, tone median / mean: ×1 dev 2.58 / 2.85 dB, held out 1.18 / 1.84; ×4 2.43 / 2.64,
 * 1.20 / 1.82; ×10 2.34 / 2.64, 1.24 / 1.87). */
#define EQ_ESTIMATE_DOUBT 4.0
#define MIX_MAX_P R2R_MIX_MAX_PROBES

struct r2r_retrieval_db {
    size_t nc, ni, G;
    char **cpath, **ipath;
    r2r_capture_desc *desc;
    char **cname, **carch;
    char *probe_source;
    char *probe_fingerprint;
    float *cdb;  /* [nc][G][K] dB of the probe-mean band power */
    float *cft;  /* [nc][G][D] probe-mean raw features */
    float *cpl;  /* [nc][G][P][K] band power of each probe's render (NULL: probe sets differ) */
    size_t P;
    double dmu[R2R_RETRIEVAL_NDYN], dsd[R2R_RETRIEVAL_NDYN]; /* library stats of the dynamics dims */
    float *idb;  /* [ni + 1][K] dB of the IR band response; the last row is "no IR" (0 dB) */
    double gains[R2R_INDEX_N_GAINS];
    int band_lo, band_hi;
    double sw[R2R_LTAS_BANDS]; /* √weight per band of the source model's residual (source_weights) */
};

static float to_db(double p) { return (float)(10.0 * log10(p > 1e-20 ? p : 1e-20)); }

void r2r_retrieval_close(r2r_retrieval_db *db)
{
    if (!db) return;
    for (size_t i = 0; i < db->nc; i++) free(db->cpath[i]), free(db->cname[i]), free(db->carch[i]);
    free(db->cname);
    free(db->carch);
    free(db->desc);
    free(db->probe_source);
    free(db->probe_fingerprint);
    for (size_t i = 0; i < db->ni; i++) free(db->ipath[i]);
    free(db->cpath);
    free(db->ipath);
    free(db->cdb);
    free(db->cft);
    free(db->cpl);
    free(db->idb);
    free(db);
}

static int has_word(const char *hay, const char *const *words)
{
    char low[512];
    size_t n = 0;
    for (; hay && hay[n] && n + 1 < sizeof low; n++) low[n] = (char)tolower((unsigned char)hay[n]);
    low[n] = '\0';
    for (int i = 0; words[i]; i++) {
        const char *p = low;
        const size_t wl = strlen(words[i]);
        while ((p = strstr(p, words[i]))) {
            /* whole words only: "cab" in "-Cab-" or "w cab", not in "vocabulary" */
            const int left = p == low || !isalpha((unsigned char)p[-1]);
            const int right = !isalpha((unsigned char)p[wl]);
            if (left && right) return 1;
            p++;
        }
    }
    return 0;
}

const char *r2r_capture_kind(const char *metadata_json, const char *name, const char *path, int *has_cab,
                             int *is_pedal)
{
    static const char *const cab_words[] = {"cab", "cabinet", "full rig", "fullrig", "with cab", "w cab",
                                            "amp+cab", "mic", "mic'd", "miked", "4x12", "2x12", "1x12", "212",
                                            "412", NULL};
    /* what pedals are called, and makers that build nothing else (not Boss or Ibanez:
     * they make amps too; not "OD1"/"OD2": an amp's overdrive channels) */
    static const char *const pedal_words[] = {
        "pedal", "overdrive", "boost", "booster", "fuzz", "screamer", "tubescreamer", "ts9", "ts-9", "ts808", "ts-808",
        "od808", "od-808", "sd1", "sd-1", "ds1", "ds-1", "bd-2", "blues driver", "hm-2", "hm2", "klon", "centaur",
        "muff", "rat", "tone bender", "zendrive", "timmy", "ocd", "mxr", "maxon", "ehx", "electro-harmonix",
        "fulltone", "wampler", "keeley", "jhs", "earthquaker", NULL};
    const char *gt = NULL, *reason = NULL;
    *has_cab = 0, *is_pedal = 0;
    cJSON *md = metadata_json ? cJSON_Parse(metadata_json) : NULL;
    /* gear_type: the preset's own, the .nam metadata's, then the library's metadata.json */
    static const char *const where[] = {NULL, "nam", "lv2", "library"};
    for (size_t w = 0; md && !gt && w < sizeof where / sizeof *where; w++) {
        const cJSON *src = where[w] ? cJSON_GetObjectItemCaseSensitive(md, where[w]) : md;
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(src, "gear_type");
        if (cJSON_IsString(g) && g->valuestring[0]) gt = g->valuestring;
    }
    if (gt && (strstr(gt, "cab") || !strcmp(gt, "full_rig"))) *has_cab = 1, reason = "metadata";
    if (gt && !strcmp(gt, "pedal")) *is_pedal = 1;
    const int said = gt != NULL;
    cJSON_Delete(md);
    const char *base = path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!said && (has_word(name, cab_words) || has_word(base, cab_words))) *has_cab = 1, reason = "name";
    if (!said && (has_word(name, pedal_words) || has_word(base, pedal_words))) *is_pedal = 1;
    return reason;
}

/* Cabinet detection from the renders: the capture's transfer (probe output over probe
 * input, gain 0 dB) in 6-10 kHz vs 0.8-2.5 kHz. */
static void spectral_cab_check(r2r_retrieval_db *db, const char *root)
{
    if (!db->probe_source) return;
    r2r_probe_set ps;
    char *dir = NULL;
    if (strcmp(db->probe_source, "builtin")) dir = strdup(db->probe_source);
    (void)root;
    if (r2r_probes_load(dir, &ps) != R2R_OK) {
        free(dir);
        return;
    }
    free(dir);
    const size_t K = R2R_LTAS_BANDS;
    double in[R2R_LTAS_BANDS] = {0};
    float b[R2R_LTAS_BANDS];
    for (size_t p = 0; p < ps.count; p++)
        if (r2r_ltas_compute(ps.audio[p], ps.len[p], b) == R2R_OK)
            for (size_t k = 0; k < K; k++) in[k] += b[k] / (double)ps.count;
    r2r_probes_free(&ps);
    int g0 = 0;
    for (size_t g = 0; g < db->G; g++)
        if (fabs(db->gains[g]) < fabs(db->gains[g0])) g0 = (int)g;
    for (size_t c = 0; c < db->nc; c++) {
        const float *cs = db->cdb + (c * db->G + (size_t)g0) * K;
        double hi = 0, lo = 0;
        int nh = 0, nlo = 0;
        for (size_t k = 0; k < K; k++) {
            const double hz = r2r_ltas_band_hz((int)k), t = cs[k] - to_db(in[k]);
            if (hz >= 6000 && hz <= 10000) hi += t, nh++;
            if (hz >= 800 && hz <= 2500) lo += t, nlo++;
        }
        r2r_capture_desc *d = &db->desc[c];
        d->rolloff_db = nh && nlo ? hi / nh - lo / nlo : NAN;
        if (!d->has_cab && d->rolloff_db < CAB_ROLLOFF_DB && !d->is_pedal) d->has_cab = 1, d->cab_reason = "spectrum";
    }
}

static r2r_status source_weights(r2r_retrieval_db *db);

r2r_status r2r_retrieval_open(const char *root, r2r_retrieval_db **out)
{
    *out = NULL;
    r2r_status c = r2r_library_check_indexed(root);
    if (c != R2R_OK) return c;
    char *dbp = r2r_library_state_path(root, "catalog.sqlite");
    r2r_catalog *cat = NULL;
    r2r_status s = dbp ? r2r_catalog_open(dbp, &cat) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(dbp);
    if (s != R2R_OK) return s;
    r2r_entry *caps = NULL, *irs = NULL;
    size_t nc = 0, ni = 0;
    char *psrc = NULL, *pfp = NULL;
    s = r2r_catalog_list(cat, R2R_ENTRY_CAPTURE, 1, &caps, &nc);
    if (s == R2R_OK) s = r2r_catalog_list(cat, R2R_ENTRY_IR, 1, &irs, &ni);
    if (s == R2R_OK) s = r2r_catalog_get_setting(cat, "probe_source", &psrc);
    if (s == R2R_OK) s = r2r_catalog_get_setting(cat, "probe_fingerprint", &pfp);
    r2r_catalog_close(cat);
    r2r_retrieval_db *db = calloc(1, sizeof *db);
    if (db) db->probe_source = psrc, db->probe_fingerprint = pfp;
    else free(psrc), free(pfp);
    const size_t G = R2R_INDEX_N_GAINS, K = R2R_LTAS_BANDS;
    if (s == R2R_OK && db) {
        db->G = G;
        for (size_t k = 0; k < K; k++) db->sw[k] = 1.0;
        const double g[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
        memcpy(db->gains, g, sizeof g);
        db->cpath = calloc(nc + 1, sizeof(char *));
        db->ipath = calloc(ni + 1, sizeof(char *));
        db->cdb = calloc((nc + 1) * G * K, sizeof(float));
        db->cft = calloc((nc + 1) * G * R2R_FEAT_DIM, sizeof(float));
        db->idb = calloc((ni + 1) * K, sizeof(float));
        db->cname = calloc(nc + 1, sizeof(char *));
        db->carch = calloc(nc + 1, sizeof(char *));
        db->desc = calloc(nc + 1, sizeof *db->desc);
        if (!db->cpath || !db->ipath || !db->cdb || !db->idb || !db->cft || !db->cname || !db->carch || !db->desc)
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
        if (db->nc == 0 && P >= 2 && P <= MIX_MAX_P) {
            db->P = P;
            db->cpl = malloc((nc + 1) * G * P * K * sizeof(float));
        }
        if (db->cpl && P != db->P) free(db->cpl), db->cpl = NULL;
        if (db->cpl) memcpy(db->cpl + db->nc * G * P * K, ltas, G * P * K * sizeof(float));
        memcpy(db->cft + db->nc * G * R2R_FEAT_DIM, (const float *)(h + 1) + G + G * P * D,
               G * D * sizeof(float));
        float *dst = db->cdb + db->nc * G * K;
        for (size_t gg = 0; gg < G; gg++)
            for (size_t k = 0; k < K; k++) {
                double acc = 0;
                for (size_t p = 0; p < P; p++) acc += ltas[(gg * P + p) * K + k];
                dst[gg * K + k] = to_db(acc / (double)P);
            }
        db->cname[db->nc] = strdup(e->name ? e->name : e->path);
        db->carch[db->nc] = strdup(e->architecture ? e->architecture : "");
        r2r_capture_desc *d = &db->desc[db->nc];
        d->rolloff_db = NAN;
        d->cab_reason = r2r_capture_kind(e->metadata_json, e->name, e->path, &d->has_cab, &d->is_pedal);
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
        if (s == R2R_OK) spectral_cab_check(db, root);
        if (s == R2R_OK) s = source_weights(db);
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
const char *r2r_retrieval_probe_source(const r2r_retrieval_db *db) { return db->probe_source; }

const char *r2r_retrieval_probe_fingerprint(const r2r_retrieval_db *db) { return db->probe_fingerprint; }

const r2r_capture_desc *r2r_retrieval_capture_desc(const r2r_retrieval_db *db, size_t i)
{
    if (i >= db->nc) return NULL;
    r2r_capture_desc *d = &db->desc[i];
    d->path = db->cpath[i], d->name = db->cname[i], d->architecture = db->carch[i];
    return d;
}

void r2r_retrieval_set_min_hz(r2r_retrieval_db *db, double hz)
{
    int lo = db->band_lo;
    while (lo < db->band_hi && r2r_ltas_band_hz(lo) < hz) lo++;
    if (lo == db->band_lo || db->band_hi - lo < 8) return; /* nothing to leave out, or too little left */
    double mean = 0;
    for (int b = lo; b <= db->band_hi; b++) mean += db->sw[b] * db->sw[b] / (db->band_hi - lo + 1);
    for (int b = 0; mean > 0 && b < R2R_LTAS_BANDS; b++) db->sw[b] /= sqrt(mean);
    db->band_lo = lo;
}

double r2r_retrieval_band_weight(const r2r_retrieval_db *db, int b)
{
    return b >= 0 && b < R2R_LTAS_BANDS ? db->sw[b] * db->sw[b] : 0.0;
}

void r2r_retrieval_predict_db(const r2r_retrieval_db *db, int c, int g, int i, float out[R2R_LTAS_BANDS])
{
    const float *cs = db->cdb + ((size_t)c * db->G + (size_t)g) * R2R_LTAS_BANDS, *ir = db->idb + (size_t)i * R2R_LTAS_BANDS;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) out[b] = cs[b] + ir[b];
}

/* R = I − B(BᵀB + Λ)⁻¹Bᵀ over the scored bands, B = [1, unit-gain dB shapes of the six
 * EQ bands]: applied to a dB difference it leaves what a mild EQ and a level change
 * cannot correct. With band weights w (sw = √w, NULL: all 1) B's rows and the
 * difference are both scaled by √w, so R·(√w·d) is the weighted least-squares
 * residual. Its factors: B and Q = B(BᵀB + Λ)⁻¹ (nb × EQ_NB each; B stored row by row, Q
 * column by column), so R·d = d − Q(Bᵀd)
 * costs O(nb) per vector (R itself is never formed); Λ = ridge·nb on the six EQ gains
 * (not the level). The 7×7 inverse by Gauss-Jordan. Returns -1 when nb exceeds the
 * band count. */
enum { EQ_NB = R2R_EQ_BANDS + 1 };
static int eq_residual_factors(const int *bands, int nb, const double *sw, double ridge, double *B, double *Q)
{
    double hz[R2R_LTAS_BANDS], resp[R2R_LTAS_BANDS];
    if (nb > R2R_LTAS_BANDS) return -1;
    for (int i = 0; i < nb; i++) hz[i] = r2r_ltas_band_hz(bands[i]), B[i * EQ_NB] = 1.0;
    for (int j = 0; j < R2R_EQ_BANDS; j++) {
        r2r_eq eq;
        r2r_eq_flat(&eq);
        eq.band[j].gain_db = 1.0;
        r2r_eq_response_db(&eq, hz, (size_t)nb, R2R_SAMPLE_RATE, resp);
        for (int i = 0; i < nb; i++) B[i * EQ_NB + 1 + j] = resp[i];
    }
    for (int i = 0; sw && i < nb; i++) /* weighted least squares: rows scaled by √w */
        for (int a = 0; a < EQ_NB; a++) B[i * EQ_NB + a] *= sw[bands[i]];
    double A[EQ_NB][2 * EQ_NB];
    for (int a = 0; a < EQ_NB; a++)
        for (int b = 0; b < EQ_NB; b++) {
            double acc = 0;
            for (int i = 0; i < nb; i++) acc += B[i * EQ_NB + a] * B[i * EQ_NB + b];
            A[a][b] = acc + (a == b && a > 0 ? ridge * nb : 0.0);
            A[a][EQ_NB + b] = a == b;
        }
    for (int col = 0; col < EQ_NB; col++) {
        int piv = col;
        for (int r = col + 1; r < EQ_NB; r++)
            if (fabs(A[r][col]) > fabs(A[piv][col])) piv = r;
        for (int k = 0; k < 2 * EQ_NB; k++) {
            double t = A[col][k];
            A[col][k] = A[piv][k], A[piv][k] = t;
        }
        const double d = A[col][col];
        for (int k = 0; k < 2 * EQ_NB; k++) A[col][k] /= d;
        for (int r = 0; r < EQ_NB; r++)
            if (r != col) {
                const double f = A[r][col];
                for (int k = 0; k < 2 * EQ_NB; k++) A[r][k] -= f * A[col][k];
            }
    }
    for (int i = 0; i < nb; i++)
        for (int b = 0; b < EQ_NB; b++) {
            double acc = 0;
            for (int a = 0; a < EQ_NB; a++) acc += B[i * EQ_NB + a] * A[a][EQ_NB + b];
            Q[b * nb + i] = acc; /* column by column: R·d's last step runs across the bands */
        }
    return 0;
}

/* y = R·x through the factors (x and y may not alias). */
static void eq_residual_apply(const double *B, const double *Q, int nb, const double *x, double *y)
{
    double t[EQ_NB] = {0};
    for (int i = 0; i < nb; i++)
        for (int a = 0; a < EQ_NB; a++) t[a] += B[i * EQ_NB + a] * x[i];
    for (int i = 0; i < nb; i++) y[i] = 0;
    for (int a = 0; a < EQ_NB; a++)
        for (int i = 0; i < nb; i++) y[i] += Q[a * nb + i] * t[a];
    for (int i = 0; i < nb; i++) y[i] = x[i] - y[i];
}

/* Distance (dB) over the scored bands of d = ref − amp − ir. With R's factors B and Q
 * (made with the weights sw, or NULL): √(dᵀR·d / nb), the whole cost of the best level
 * and mild EQ — what they leave uncorrected plus the ridge's price for the EQ used
 * (dᵀR·d = |d − B·x|² + xᵀΛx at the fitted x), so a difference an EQ can fix costs
 * less than one it cannot, but not nothing; |R·d|² alone, which leaves the EQ free,
 * ranked the true capture first less often (bench/rank_eval, held out 56 → 64 %).
 * Without (NULL): the RMS with the level (mean) removed. d, r: scratch of nb. */
static double shape_distance(const float *ref, const float *amp, const float *ir, const int *bands, int nb,
                             const double *sw, const double *B, const double *Q, double *d, double *r)
{
    double mean = 0, sq = 0;
    for (int j = 0; j < nb; j++) {
        d[j] = (ref[bands[j]] - amp[bands[j]] - ir[bands[j]]) * (B && sw ? sw[bands[j]] : 1.0);
        mean += d[j];
        sq += d[j] * d[j];
    }
    if (!B) {
        mean /= nb;
        return sqrt(fmax(0.0, sq / nb - mean * mean));
    }
    eq_residual_apply(B, Q, nb, d, r);
    sq = 0;
    for (int a = 0; a < nb; a++) sq += d[a] * r[a];
    return sqrt(fmax(0.0, sq / nb));
}

/* The distance (shape_distance's) when the source is a mixture of the probes. A performance
 * is a sequence of notes, chords and mutes, so its long-term spectrum through a rig is
 * a weighted mean of the spectra of such pieces through it, weighted by their share of
 * the time. The probes are such pieces: their weights w_p = exp(u_p) are fitted to the
 * reference (Levenberg-Marquardt on the cost dᵀR·d), with a ridge of MIX_ETA per
 * squared neper pulling the log-weights toward their mean, so a mixture strays from
 * the even one only as far as the reference asks. This takes the choice of notes out of
 * the comparison of rigs; on the dev set it moved the right capture into the top 3 more
 * often (bench/match_eval). L: [P][K] band power of each probe through the capture. */
#define MIX_ETA 0.1
#define MIX_ITERS 8

typedef struct {
    const float *ref, *L, *ir;
    size_t P;
    const int *bands;
    int nb;
    const double *sw;    /* band weights the factors were made with (NULL: none) */
    const double *B, *Q; /* the factors of R (eq_residual_factors) */
} mix_problem;

/* Cost at log-weights u: dᵀR·d over the bands (shape_distance's cost) plus the ridge;
 * r = R·d and, when J and RJ are given, the Jacobian of d and R times it, one column of
 * nb per probe. */
static double mix_cost(const mix_problem *m, const double *u, double *r, double *J, double *RJ)
{
    const double c10 = 10.0 / log(10.0);
    double w[MIX_MAX_P], d[R2R_LTAS_BANDS] = {0}, S[R2R_LTAS_BANDS], ub = 0, cost = 0;
    for (size_t p = 0; p < m->P; p++) w[p] = exp(u[p]), ub += u[p] / (double)m->P;
    for (int j = 0; j < m->nb; j++) {
        double acc = 0;
        for (size_t p = 0; p < m->P; p++) acc += w[p] * m->L[p * R2R_LTAS_BANDS + m->bands[j]];
        S[j] = acc > 1e-30 ? acc : 1e-30;
        d[j] = (m->ref[m->bands[j]] - c10 * log(S[j]) - m->ir[m->bands[j]]) * (m->sw ? m->sw[m->bands[j]] : 1.0);
    }
    eq_residual_apply(m->B, m->Q, m->nb, d, r);
    for (int a = 0; a < m->nb; a++) cost += d[a] * r[a];
    cost /= m->nb;
    for (size_t p = 0; p < m->P; p++) cost += MIX_ETA * (u[p] - ub) * (u[p] - ub);
    if (!J || !RJ) return cost;
    double f[R2R_LTAS_BANDS]; /* ∂d_j/∂u_p = −f_j · w_p · L_pj */
    for (int j = 0; j < m->nb; j++) f[j] = c10 * (m->sw ? m->sw[m->bands[j]] : 1.0) / S[j];
    for (size_t p = 0; p < m->P; p++) {
        double *jp = J + p * R2R_LTAS_BANDS;
        for (int j = 0; j < m->nb; j++) jp[j] = -f[j] * w[p] * m->L[p * R2R_LTAS_BANDS + m->bands[j]];
        eq_residual_apply(m->B, m->Q, m->nb, jp, RJ + p * R2R_LTAS_BANDS);
    }
    return cost;
}

/* Solves the P×P system A x = y in place (Gauss-Jordan, partial pivoting); y becomes x. */
static void solve_small(double A[MIX_MAX_P][MIX_MAX_P], double *y, size_t P)
{
    for (size_t col = 0; col < P; col++) {
        size_t piv = col;
        for (size_t q = col + 1; q < P; q++)
            if (fabs(A[q][col]) > fabs(A[piv][col])) piv = q;
        for (size_t k = 0; k < P; k++) {
            const double t = A[col][k];
            A[col][k] = A[piv][k], A[piv][k] = t;
        }
        const double ty = y[col];
        y[col] = y[piv], y[piv] = ty;
        const double dv = A[col][col];
        if (fabs(dv) < 1e-12) continue;
        for (size_t k = 0; k < P; k++) A[col][k] /= dv;
        y[col] /= dv;
        for (size_t q = 0; q < P; q++)
            if (q != col && A[q][col] != 0.0) {
                const double f = A[q][col];
                for (size_t k = 0; k < P; k++) A[q][k] -= f * A[col][k];
                y[q] -= f * y[col];
            }
    }
}

/* The fitted distance (dB: √ of the mean dᵀR·d, the mixture ridge's cost included) and
 * the weights (summing to 1) in w; res (NULL: not wanted) gets the fit's residual R·d.
 * Levenberg-Marquardt with the Gauss-Newton matrix JᵀRJ (R is symmetric, 0 ≤ R ≤ I). */
static double mix_distance(const mix_problem *m, double *w, double *res)
{
    double u[MIX_MAX_P] = {0}, un[MIX_MAX_P], r[R2R_LTAS_BANDS], rn[R2R_LTAS_BANDS];
    double J[MIX_MAX_P * R2R_LTAS_BANDS], RJ[MIX_MAX_P * R2R_LTAS_BANDS], lambda = 1e-2;
    const size_t P = m->P;
    double cost = mix_cost(m, u, r, J, RJ);
    /* JᵀRJ / nb (symmetric: its upper half, mirrored) and Jᵀr / nb, made again only
     * when a step is taken (a refused step changes only λ) */
    double G[MIX_MAX_P][MIX_MAX_P], gr[MIX_MAX_P];
    int stale = 1;
    for (int it = 0; it < MIX_ITERS; it++) {
        double A[MIX_MAX_P][MIX_MAX_P], step[MIX_MAX_P], ub = 0;
        for (size_t p = 0; stale && p < P; p++) {
            for (size_t q = p; q < P; q++) {
                double acc = 0;
                for (int a = 0; a < m->nb; a++) acc += J[p * R2R_LTAS_BANDS + a] * RJ[q * R2R_LTAS_BANDS + a];
                G[p][q] = G[q][p] = acc / m->nb;
            }
            double g = 0;
            for (int a = 0; a < m->nb; a++) g += J[p * R2R_LTAS_BANDS + a] * r[a];
            gr[p] = g / m->nb;
        }
        stale = 0;
        for (size_t p = 0; p < P; p++) ub += u[p] / (double)P;
        for (size_t p = 0; p < P; p++) {
            for (size_t q = 0; q < P; q++) A[p][q] = G[p][q] + (p == q ? lambda + MIX_ETA : 0.0) - MIX_ETA / (double)P;
            step[p] = -(gr[p] + MIX_ETA * (u[p] - ub));
        }
        solve_small(A, step, P);
        for (size_t p = 0; p < P; p++) un[p] = u[p] + fmax(-2.0, fmin(2.0, step[p]));
        const double cn = mix_cost(m, un, rn, NULL, NULL);
        if (cn < cost) {
            memcpy(u, un, P * sizeof *u);
            cost = mix_cost(m, u, r, J, RJ);
            lambda = fmax(lambda * 0.3, 1e-6);
            stale = 1;
        } else {
            lambda *= 10.0;
        }
    }
    double ws = 0;
    for (size_t p = 0; p < P; p++) ws += exp(u[p]);
    for (size_t p = 0; p < P; p++) w[p] = exp(u[p]) / ws;
    if (res) memcpy(res, r, (size_t)m->nb * sizeof *r);
    return sqrt(fmax(cost, 0.0));
}

/* The scored bands: the index's band range up to max_hz (default FMAX_SCORE). */
static int score_bands(const r2r_retrieval_db *db, double max_hz, int *bands)
{
    const double top = max_hz > 0 && max_hz < FMAX_SCORE ? max_hz : FMAX_SCORE;
    int nb = 0;
    for (int b = db->band_lo; b <= db->band_hi; b++)
        if (r2r_ltas_band_hz(b) <= top) bands[nb++] = b;
    return nb;
}

/* Band weights of the source model. A performance is not exactly a mixture of the
 * probes: where the notes played shape the spectrum (the low and low-mid harmonics)
 * the mixture's residual is large whatever the rig, where the rig does (the top, after
 * distortion) it is small. How large, per band, is measured on the library itself:
 * each probe through each capture and gain, explained by the mixture of the other
 * probes (the ranking's fit, no weights), leaves a residual; the weight of a band is
 * the inverse of its mean square (at least a tenth of the mean, so no band dominates),
 * normalized to a mean of 1 over the scored bands. The distances then count each band
 * by how much it can tell rigs apart rather than performances (bench/match_eval).
 * At most SW_MAX_CAPTURES captures, spread over the library, are used. */
#define SW_MAX_CAPTURES 64
static r2r_status source_weights(r2r_retrieval_db *db)
{
    const size_t K = R2R_LTAS_BANDS, G = db->G, P = db->P;
    int bands[R2R_LTAS_BANDS];
    const int nb = score_bands(db, 0, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB];
    if (!db->cpl || P < 3 || nb < 8 || eq_residual_factors(bands, nb, NULL, EQ_RIDGE, B, Q) != 0) return R2R_OK; /* all 1 */
    float *others = malloc(P * K * sizeof(float));
    if (!others) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    double acc[R2R_LTAS_BANDS] = {0}, w[MIX_MAX_P], r[R2R_LTAS_BANDS];
    float one[R2R_LTAS_BANDS];
    size_t cnt = 0;
    const size_t step = db->nc / SW_MAX_CAPTURES + 1;
    for (size_t c = 0; c < db->nc; c += step)
        for (size_t g = 0; g < G; g++) {
            const float *pl = db->cpl + (c * G + g) * P * K;
            for (size_t p = 0; p < P; p++) {
                size_t q = 0;
                for (size_t o = 0; o < P; o++)
                    if (o != p) memcpy(others + q++ * K, pl + o * K, K * sizeof(float));
                for (size_t k = 0; k < K; k++) one[k] = to_db(pl[p * K + k]);
                const mix_problem m = {one, others, db->idb + db->ni * K, P - 1, bands, nb, NULL, B, Q};
                mix_distance(&m, w, r);
                for (int j = 0; j < nb; j++) acc[j] += r[j] * r[j];
                cnt++;
            }
        }
    free(others);
    double mean = 0, norm = 0;
    for (int j = 0; j < nb; j++) acc[j] /= (double)cnt, mean += acc[j] / nb;
    if (!(mean > 0)) return R2R_OK; /* the probes explain each other exactly: all 1 */
    for (int j = 0; j < nb; j++) acc[j] = 1.0 / fmax(acc[j], 0.1 * mean), norm += acc[j] / nb;
    for (int j = 0; j < nb; j++) db->sw[bands[j]] = sqrt(acc[j] / norm);
    return R2R_OK;
}

/* A known source's prediction (amp + IR, dB) with the bands more than SOURCE_FLOOR_DB
 * under its loudest scored band raised to that floor, in out (returned). A very dark
 * chain (a full rig, then a cabinet) puts its top octaves 80 dB and more under its
 * mids, where the band product of amp and IR and a real render part ways (the render's
 * spectrum meets its analysis floor, the product does not) and nothing is heard. */
#define SOURCE_FLOOR_DB 60.0
static const float *floored(const float *amp, const float *ir, const int *bands, int nb, float *out)
{
    float top = -INFINITY;
    for (int j = 0; j < nb; j++) top = fmaxf(top, amp[bands[j]] + ir[bands[j]]);
    for (int j = 0; j < nb; j++) out[bands[j]] = fmaxf(amp[bands[j]] + ir[bands[j]], top - (float)SOURCE_FLOOR_DB);
    return out;
}

int r2r_retrieval_best_ir(const r2r_retrieval_db *db, const float amp_ltas[R2R_LTAS_BANDS],
                          const float ref_ltas[R2R_LTAS_BANDS], double max_hz, int has_cab, double *dist_db)
{
    float ref[R2R_LTAS_BANDS], amp[R2R_LTAS_BANDS];
    for (int b = 0; b < R2R_LTAS_BANDS; b++) ref[b] = to_db(ref_ltas[b]), amp[b] = to_db(amp_ltas[b]);
    int bands[R2R_LTAS_BANDS], best = (int)db->ni;
    const int nb = score_bands(db, max_hz, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB], d[R2R_LTAS_BANDS], r[R2R_LTAS_BANDS], top = INFINITY;
    const int ok = nb >= 8 && eq_residual_factors(bands, nb, NULL, EQ_RIDGE, B, Q) == 0;
    for (size_t i = has_cab ? db->ni : 0; ok && i <= db->ni; i++) {
        const double v = shape_distance(ref, amp, db->idb + i * R2R_LTAS_BANDS, bands, nb, NULL, B, Q, d, r);
        if (v < top) top = v, best = (int)i;
    }
    if (dist_db) *dist_db = top;
    return best;
}

double r2r_retrieval_mix_fit(const r2r_retrieval_db *db, const float *probe_ltas, size_t P,
                             const float ref_ltas[R2R_LTAS_BANDS], double max_hz, double *w)
{
    float ref[R2R_LTAS_BANDS];
    for (int b = 0; b < R2R_LTAS_BANDS; b++) ref[b] = to_db(ref_ltas[b]);
    int bands[R2R_LTAS_BANDS];
    const int nb = score_bands(db, max_hz, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB];
    if (nb < 8 || P < 1 || P > MIX_MAX_P || eq_residual_factors(bands, nb, db->sw, EQ_RIDGE, B, Q) != 0) {
        for (size_t p = 0; p < P; p++) w[p] = 1.0 / (double)P; /* too few bands or probes: even */
        return NAN;
    }
    const mix_problem m = {ref, probe_ltas, db->idb + db->ni * R2R_LTAS_BANDS, P, bands, nb, db->sw, B, Q};
    return mix_distance(&m, w, NULL);
}

double r2r_retrieval_mix_fit_parts(const r2r_retrieval_db *db, const float *probe_ltas, size_t P,
                                   const float *parts_ltas, size_t nparts, double max_hz)
{
    double w[MIX_MAX_P], sq = 0;
    if (P < 2 || P > MIX_MAX_P || nparts < 1 || nparts > R2R_RANK_MAX_PARTS) return NAN;
    for (size_t p = 0; p < nparts; p++) {
        const double dp = r2r_retrieval_mix_fit(db, probe_ltas, P, parts_ltas + p * R2R_LTAS_BANDS, max_hz, w);
        if (!isfinite(dp)) return NAN;
        sq += dp * dp;
    }
    return sqrt(sq / (double)nparts);
}

double r2r_retrieval_shape_distance(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                                    const float ref_ltas[R2R_LTAS_BANDS], double max_hz)
{
    float ref[R2R_LTAS_BANDS], pred[R2R_LTAS_BANDS];
    for (int b = 0; b < R2R_LTAS_BANDS; b++) ref[b] = to_db(ref_ltas[b]), pred[b] = to_db(pred_ltas[b]);
    int bands[R2R_LTAS_BANDS];
    const int nb = score_bands(db, max_hz, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB], d[R2R_LTAS_BANDS], r[R2R_LTAS_BANDS];
    if (nb < 8 || eq_residual_factors(bands, nb, db->sw, EQ_RIDGE, B, Q) != 0) return NAN;
    return shape_distance(ref, pred, db->idb + db->ni * R2R_LTAS_BANDS, bands, nb, db->sw, B, Q, d, r);
}

double r2r_retrieval_source_distance(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                                     const float *parts_ltas, size_t nparts, double max_hz)
{
    float pred[R2R_LTAS_BANDS], ref[R2R_LTAS_BANDS];
    int bands[R2R_LTAS_BANDS];
    const int nb = score_bands(db, max_hz, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB], d[R2R_LTAS_BANDS], r[R2R_LTAS_BANDS], sq = 0;
    if (nb < 8 || nparts < 1 || eq_residual_factors(bands, nb, db->sw, EQ_RIDGE, B, Q) != 0) return NAN;
    const float *none = db->idb + db->ni * R2R_LTAS_BANDS;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) pred[b] = to_db(pred_ltas[b]);
    floored(pred, none, bands, nb, pred);
    for (size_t p = 0; p < nparts; p++) {
        for (int b = 0; b < R2R_LTAS_BANDS; b++) ref[b] = to_db(parts_ltas[p * R2R_LTAS_BANDS + b]);
        floored(ref, none, bands, nb, ref);
        const double dp = shape_distance(ref, pred, none, bands, nb, db->sw, B, Q, d, r);
        sq += dp * dp;
    }
    return sqrt(sq / (double)nparts);
}

int r2r_retrieval_eq_estimate(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                              const float ref_ltas[R2R_LTAS_BANDS], double max_hz, double gains_db[R2R_EQ_BANDS])
{
    int bands[R2R_LTAS_BANDS];
    const int nb = score_bands(db, max_hz, bands);
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB], x[EQ_NB] = {0};
    for (int j = 0; j < R2R_EQ_BANDS; j++) gains_db[j] = 0.0;
    if (nb < 8 || eq_residual_factors(bands, nb, db->sw, EQ_RIDGE * EQ_ESTIMATE_DOUBT, B, Q) != 0) return -1;
    for (int i = 0; i < nb; i++) {
        const double d = (to_db(ref_ltas[bands[i]]) - to_db(pred_ltas[bands[i]])) * db->sw[bands[i]];
        for (int a = 0; a < EQ_NB; a++) x[a] += Q[a * nb + i] * d;
    }
    for (int j = 0; j < R2R_EQ_BANDS; j++) gains_db[j] = x[1 + j];
    return 0;
}

static int cmp_combo(const void *a, const void *b)
{
    double x = ((const r2r_combo *)a)->distance_db, y = ((const r2r_combo *)b)->distance_db;
    return (x > y) - (x < y);
}

r2r_status r2r_retrieval_rank(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                              const float *ref_feat, r2r_combo *out, size_t k, size_t *n)
{
    r2r_rank_options o = {0};
    return r2r_retrieval_rank_ex(db, ref_ltas, ref_feat, &o, out, k, n);
}

double r2r_retrieval_dynamics_distance(const r2r_retrieval_db *db, const float *a, const float *b)
{
    double z = 0;
    if (!a || !b) return 0.0;
    for (int j = 0; j < R2R_RETRIEVAL_NDYN; j++) {
        const double d = (a[dyn_dims[j]] - b[dyn_dims[j]]) / db->dsd[j];
        z += d * d;
    }
    return sqrt(z / R2R_RETRIEVAL_NDYN);
}

r2r_status r2r_retrieval_rank_ex(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                                 const float *ref_feat, const r2r_rank_options *opt, r2r_combo *out,
                                 size_t k, size_t *n)
{
    return r2r_retrieval_rank_parts(db, ref_ltas, 1, ref_feat, opt, out, k, n);
}

size_t r2r_retrieval_part_count(size_t frames)
{
    const size_t n = (size_t)((double)frames / (R2R_RANK_PART_S * R2R_SAMPLE_RATE));
    return n < 1 ? 1 : n > R2R_RANK_MAX_PARTS ? R2R_RANK_MAX_PARTS : n;
}

r2r_status r2r_retrieval_part_ltas(const float *x, size_t frames, float *parts_ltas, size_t *nparts)
{
    const size_t np = r2r_retrieval_part_count(frames), len = frames / np;
    *nparts = 0;
    for (size_t p = 0; p < np; p++) {
        const r2r_status s = r2r_ltas_compute(x + p * len, len, parts_ltas + p * R2R_LTAS_BANDS);
        if (s != R2R_OK) return s;
    }
    *nparts = np;
    return R2R_OK;
}

double r2r_retrieval_spread_distance(const float a[R2R_DYNSIG_DIM], const float b[R2R_DYNSIG_DIM])
{
    double acc = 0;
    int nd = 0;
    for (int d = 0; a && b && d < R2R_DYNSIG_DIM; d++)
        if (isfinite(a[d]) && isfinite(b[d])) acc += (double)(a[d] - b[d]) * (a[d] - b[d]), nd++;
    return nd ? sqrt(acc / nd) : NAN;
}

double r2r_retrieval_spread_trust(double least_db)
{
    if (!isfinite(least_db)) return 0.0;
    const double f = (R2R_SPREAD_NONE_DB - least_db) / (R2R_SPREAD_NONE_DB - R2R_SPREAD_FULL_DB);
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

void r2r_retrieval_capture_best(const r2r_combo *all, size_t n, size_t nc, double *best)
{
    for (size_t c = 0; c < nc; c++) best[c] = NAN;
    for (size_t r = 0; r < n; r++)
        if (all[r].capture >= 0 && (size_t)all[r].capture < nc && !(best[all[r].capture] <= all[r].distance_db))
            best[all[r].capture] = all[r].distance_db;
}

void r2r_retrieval_least_k(const double *d, size_t nc, size_t k, unsigned char *pick)
{
    memset(pick, 0, nc);
    for (size_t u = 0; u < k; u++) {
        size_t c = nc;
        for (size_t e = 0; e < nc; e++)
            if (!pick[e] && isfinite(d[e]) && (c == nc || d[e] < d[c])) c = e;
        if (c == nc) break;
        pick[c] = 1;
    }
}

double r2r_retrieval_gain_prior(double prior_db, double gain_db)
{
    return prior_db * (gain_db / 12.0) * (gain_db / 12.0);
}

double r2r_retrieval_probe_share(double take_least_db, double probe_least_db)
{
    if (!isfinite(take_least_db)) return 1.0;
    if (!isfinite(probe_least_db)) return 0.0;
    const double t = pow(fmax(take_least_db, 0.0), R2R_PROBE_SHARE_POWER);
    const double p = pow(fmax(probe_least_db, 0.0), R2R_PROBE_SHARE_POWER);
    return t + p > 0 ? t / (t + p) : 0.5;
}

void r2r_retrieval_blend(r2r_combo *all, size_t n, const double *probe_best, size_t nc, double share)
{
    for (size_t r = 0; r < n; r++) {
        const int c = all[r].capture;
        if (c >= 0 && (size_t)c < nc && isfinite(probe_best[c]))
            all[r].distance_db = (1.0 - share) * all[r].distance_db + share * probe_best[c];
    }
    qsort(all, n, sizeof *all, cmp_combo);
}

/* One ranking shared by RANK_THREADS workers: each takes the next capture and writes
 * its combinations at that capture's own offset, so the list (and its order after the
 * sort) does not depend on which thread scored what. */
#define RANK_THREADS 2
typedef struct {
    const r2r_retrieval_db *db;
    const r2r_rank_options *opt;
    const float (*ref)[R2R_LTAS_BANDS];
    size_t nparts;
    const int *bands;
    int nb, eqinv, mix;
    const double *B, *Q, *dyn;
    const float *src; /* [nc][G][K] dB of the known source's renders (NULL: the probes) */
    const size_t *offset; /* [nc]: where capture c's combinations start in all */
    int even;                  /* the probes' mixture left even, not fitted (the first pass) */
    const unsigned char *only; /* NULL, or [nc]: the captures scored (the others left as they are) */
    r2r_combo *all;
    size_t next;
    pthread_mutex_t lock;
} rank_job;

static void *rank_worker(void *arg)
{
    rank_job *j = arg;
    const r2r_retrieval_db *db = j->db;
    const r2r_rank_options *opt = j->opt;
    const size_t K = R2R_LTAS_BANDS;
    double d[R2R_LTAS_BANDS], rr[R2R_LTAS_BANDS], wmix[MIX_MAX_P];
    const double u0[MIX_MAX_P] = {0};
    float pf[R2R_LTAS_BANDS];
    for (;;) {
        pthread_mutex_lock(&j->lock);
        const size_t c = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (c >= db->nc) break;
        if (j->only && !j->only[c]) continue;
        const int cab = opt && opt->pair_rules && db->desc[c].has_cab;
        size_t m = j->offset[c];
        for (size_t g = 0; g < db->G; g++) {
            const float *cs = (j->src ? j->src : db->cdb) + (c * db->G + g) * K;
            const int left_out = j->src && !isfinite(cs[0]); /* that render failed */
            const double gp = opt ? r2r_retrieval_gain_prior(opt->gain_prior_db, db->gains[g]) : 0.0;
            for (size_t i = cab ? db->ni : 0; i <= db->ni; i++) {
                double sq = 0; /* each part's distance, its own source mixture fitted */
                for (size_t p = 0; !left_out && p < j->nparts; p++) {
                    const mix_problem mp = {j->ref[p], j->mix ? db->cpl + (c * db->G + g) * db->P * K : NULL,
                                            db->idb + i * K, db->P, j->bands, j->nb, db->sw, j->B, j->Q};
                    const double dp = j->mix ? (j->even ? sqrt(fmax(0.0, mix_cost(&mp, u0, rr, NULL, NULL)))
                                                        : mix_distance(&mp, wmix, NULL))
                                      : j->src ? shape_distance(j->ref[p], floored(cs, db->idb + i * K, j->bands, j->nb, pf),
                                                                db->idb + db->ni * K, j->bands, j->nb, db->sw,
                                                                j->eqinv ? j->B : NULL, j->Q, d, rr)
                                               : shape_distance(j->ref[p], cs, db->idb + i * K, j->bands, j->nb, db->sw,
                                                                j->eqinv ? j->B : NULL, j->Q, d, rr);
                    sq += dp * dp;
                }
                const double dist = left_out ? INFINITY : sqrt(sq / (double)j->nparts);
                const double dy = j->dyn ? DYN_WEIGHT * j->dyn[c * db->G + g] : 0.0;
                j->all[m++] = (r2r_combo){(int)c, (int)g, (int)i, dist + dy + gp, dy};
            }
        }
    }
    return NULL;
}

/* rank_worker on RANK_THREADS threads (this one included), until every capture is scored. */
static void rank_run(rank_job *j)
{
    pthread_t th[RANK_THREADS - 1];
    int started = 0;
    for (int t = 0; t < RANK_THREADS - 1 && j->db->nc > 1; t++)
        if (pthread_create(&th[started], NULL, rank_worker, j) == 0) started++;
    rank_worker(j);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
}

r2r_status r2r_retrieval_rank_parts(const r2r_retrieval_db *db, const float *parts_ltas, size_t nparts,
                                    const float *ref_feat, const r2r_rank_options *opt, r2r_combo *out, size_t k,
                                    size_t *n)
{
    const size_t K = R2R_LTAS_BANDS, total = db->nc * db->G * (db->ni + 1);
    if (nparts < 1 || nparts > R2R_RANK_MAX_PARTS)
        return r2r_fail(R2R_ERR_INPUT, "%zu parts to rank (1..%d)", nparts, R2R_RANK_MAX_PARTS);
    float ref[R2R_RANK_MAX_PARTS][R2R_LTAS_BANDS];
    for (size_t p = 0; p < nparts; p++)
        for (size_t b = 0; b < K; b++) ref[p][b] = to_db(parts_ltas[p * K + b]);
    int bands[R2R_LTAS_BANDS];
    const double top = opt && opt->max_hz > 0 && opt->max_hz < FMAX_SCORE ? opt->max_hz : FMAX_SCORE;
    const int nb = score_bands(db, top, bands);
    if (nb < 8) return r2r_fail(R2R_ERR_INPUT, "reference has too little bandwidth to match (below %.0f Hz)", top);
    for (size_t p = 0; opt && opt->source_ltas && p < nparts; p++) /* as the known source's predictions */
        floored(ref[p], db->idb + db->ni * K, bands, nb, ref[p]);
    r2r_combo *all = malloc(total * sizeof *all);
    /* the known source's level spreads, in place of the index's dynamics */
    const int spread = !ref_feat && opt && opt->source_ltas && opt->source_dyn && opt->ref_dyn && opt->dyn_weight > 0;
    double *dyn = ref_feat || spread ? calloc(db->nc * db->G, sizeof(double)) : NULL;
    size_t *offset = malloc((db->nc + 1) * sizeof *offset);
    if (!all || ((ref_feat || spread) && !dyn) || !offset) {
        free(all), free(dyn), free(offset);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    double B[R2R_LTAS_BANDS * EQ_NB], Q[R2R_LTAS_BANDS * EQ_NB];
    const int eqinv = opt && opt->eq_invariant && eq_residual_factors(bands, nb, db->sw, EQ_RIDGE, B, Q) == 0;
    const int mix = eqinv && db->cpl && opt->source_mix && !opt->source_ltas;
    /* A known source: its renders in dB, a failed one marked NaN (ranked after all). */
    float *src = NULL;
    if (opt && opt->source_ltas) {
        if (!(src = malloc(db->nc * db->G * K * sizeof *src))) {
            free(all), free(dyn), free(offset);
            return r2r_fail(R2R_ERR_NOMEM, "out of memory");
        }
        for (size_t r = 0; r < db->nc * db->G; r++) {
            int ok = 1;
            for (size_t b = 0; b < K; b++) ok &= opt->source_ltas[r * K + b] > 0 && isfinite(opt->source_ltas[r * K + b]);
            for (size_t b = 0; b < K; b++) src[r * K + b] = ok ? to_db(opt->source_ltas[r * K + b]) : NAN;
        }
    }
    /* The dynamics term depends on capture and gain only. */
    for (size_t r = 0; ref_feat && r < db->nc * db->G; r++)
        dyn[r] = r2r_retrieval_dynamics_distance(db, ref_feat, db->cft + r * R2R_FEAT_DIM);
    for (size_t r = 0; spread && r < db->nc * db->G; r++) { /* unmeasured: no term */
        const double v = r2r_retrieval_spread_distance(opt->source_dyn + r * R2R_DYNSIG_DIM, opt->ref_dyn);
        dyn[r] = isfinite(v) ? opt->dyn_weight * v : 0.0;
    }
    offset[0] = 0;
    for (size_t c = 0; c < db->nc; c++) /* a capture with its cabinet: "no IR" only */
        offset[c + 1] = offset[c] + db->G * (opt && opt->pair_rules && db->desc[c].has_cab ? 1 : db->ni + 1);
    /* A library larger than the shortlist: first every combination with the probes' even
     * mixture, then the shortlist's captures (least first there) with their mixtures fitted. */
    const size_t shortlist = opt && opt->shortlist > 0             ? opt->shortlist
                             : db->nc / 4 > R2R_RANK_SHORTLIST_MIN ? db->nc / 4
                                                                   : R2R_RANK_SHORTLIST_MIN;
    unsigned char *only = mix && db->nc > shortlist ? calloc(db->nc, 1) : NULL;
    double *best = only ? malloc(db->nc * sizeof *best) : NULL;
    rank_job j = {db,  opt, (const float(*)[R2R_LTAS_BANDS])ref, nparts, bands, nb, eqinv, mix, B, Q, dyn, src, offset,
                  best != NULL, NULL, all, 0, PTHREAD_MUTEX_INITIALIZER};
    rank_run(&j);
    if (best) {
        r2r_retrieval_capture_best(all, offset[db->nc], db->nc, best);
        r2r_retrieval_least_k(best, db->nc, shortlist, only);
        j.even = 0, j.only = only, j.next = 0;
        rank_run(&j);
    }
    pthread_mutex_destroy(&j.lock);
    size_t m = offset[db->nc];
    free(dyn), free(offset), free(src), free(only), free(best);
    qsort(all, m, sizeof *all, cmp_combo);
    while (m > 0 && !isfinite(all[m - 1].distance_db)) m--; /* the known source's failed renders */
    *n = m < k ? m : k;
    memcpy(out, all, *n * sizeof *all);
    free(all);
    return R2R_OK;
}
