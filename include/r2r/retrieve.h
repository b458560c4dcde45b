/* Joint capture × IR retrieval on long-term band spectra: every indexed capture at every
 * grid gain, through every indexed IR (and "no IR"), scored against a reference without
 * rendering, since a convolution multiplies band powers. */
#ifndef R2R_RETRIEVE_H
#define R2R_RETRIEVE_H

#include <stddef.h>

#include "r2r/constants.h"
#include "r2r/error.h"
#include "r2r/ltas.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r2r_retrieval_db r2r_retrieval_db;

/* Loads every indexed capture and IR of the library at `root` from its catalog
 * (r2r_library_check_indexed first). */
r2r_status r2r_retrieval_open(const char *root, r2r_retrieval_db **out);
void r2r_retrieval_close(r2r_retrieval_db *db);

size_t r2r_retrieval_captures(const r2r_retrieval_db *db);
size_t r2r_retrieval_irs(const r2r_retrieval_db *db); /* not counting "no IR" */
const char *r2r_retrieval_capture_path(const r2r_retrieval_db *db, size_t i);
const char *r2r_retrieval_ir_path(const r2r_retrieval_db *db, size_t i); /* NULL for "no IR" (i == irs) */
double r2r_retrieval_gain_db(const r2r_retrieval_db *db, int g);

/* What the matcher knows about a capture beyond its spectra. */
typedef struct {
    const char *path, *name, *architecture;
    int has_cab;          /* the capture already contains a cabinet (full rig) */
    const char *cab_reason; /* "metadata", "name", "spectrum" or NULL */
    int is_pedal;         /* a pedal on its own (metadata or name) */
    double rolloff_db;    /* its probe transfer at 6-10 kHz relative to 0.8-2.5 kHz */
} r2r_capture_desc;

const r2r_capture_desc *r2r_retrieval_capture_desc(const r2r_retrieval_db *db, size_t i);
/* Full rig / pedal, from a capture's metadata (JSON or NULL: `gear_type` at its top, under
 * "nam", "lv2" or "library") or, when that says nothing, from the words of its name or
 * file name. Returns why it holds a cabinet ("metadata", "name") or NULL. */
const char *r2r_capture_kind(const char *metadata_json, const char *name, const char *path, int *has_cab,
                             int *is_pedal);

/* The probe set the index was built with: "builtin" or a folder (NULL if unknown). */
const char *r2r_retrieval_probe_source(const r2r_retrieval_db *db);
/* Fingerprint of the probe set the index was rendered with (NULL when unknown). */
const char *r2r_retrieval_probe_fingerprint(const r2r_retrieval_db *db);

typedef struct {
    int capture; /* index */
    int gain;    /* grid index */
    int ir;      /* index, or r2r_retrieval_irs() for "no IR" */
    double distance_db; /* RMS band-shape difference (level removed), lower is better */
    double dynamics;    /* the dynamics part of distance_db (0 without reference features) */
} r2r_combo;

#define R2R_RETRIEVAL_NDYN 5

/* Scores every combination against the reference's long-term spectrum (power per
 * band, r2r_ltas_compute) and, when `ref_feat` (its 155 raw features) is given, its
 * dynamics; returns the best `k` (sorted) in `out`; *n = count. */
r2r_status r2r_retrieval_rank(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                              const float *ref_feat, r2r_combo *out, size_t k, size_t *n);

typedef struct {
    double max_hz;   /* ignore bands above (a band-limited reference); 0 = default 10 kHz */
    int pair_rules;  /* a capture with a cabinet only with "no IR" */
    int eq_invariant; /* distance as the cost of the best level and mild 6-band EQ: what
                         they leave plus the ridge's price for the EQ */
    int source_mix;   /* with eq_invariant: the reference's source as a fitted mixture of the
                         probes (r2r_retrieval_mix_fit) rather than their even mean */
    double gain_prior_db; /* added to the distance at ±12 dB of input gain, quadratic in the
                             gain: among gains the spectra cannot tell apart, the capture's
                             own input level (0 dB) wins; 0 = none */
    const float *source_ltas; /* NULL, or the known source through every capture at every
                                 grid gain: band power [captures][grid gains][R2R_LTAS_BANDS]
                                 (e.g. the user's DI, another take of the same guitar), in
                                 place of the probe renders and their mixture; a (capture,
                                 gain) whose entry is not positive and finite is left out */
    const float *source_dyn; /* with source_ltas, or NULL: the level spreads
                                (r2r_ltas_dynamics) of the same renders [captures][grid
                                gains][R2R_DYNSIG_DIM], compared with ref_dyn (without
                                ref_feat: they take the dynamics term's place) */
    const float *ref_dyn;    /* the reference's level spread (R2R_DYNSIG_DIM) */
    double dyn_weight;       /* dB added per dB of their r2r_retrieval_spread_distance */
    size_t shortlist;        /* with source_mix: how many captures get their mixture fitted, those
                                whose best combination is nearest with the probes' even mixture;
                                the others keep that distance (never below the fitted one). 0 = a
                                quarter of the library, at least R2R_RANK_SHORTLIST_MIN */
} r2r_rank_options;

/* The gain prior r2r match ranks with from the reference alone. bench/match_eval,
 * every 2nd capture: the true capture's gain was chosen 7.8 dB too high in median
 * (|error|; 6.7 held out) without it, 4.6 (4.7) with it. */
#define R2R_RANK_GAIN_PRIOR_DB 0.2

/* The gain prior's price (dB) at an input gain of gain_db: prior_db at ±12 dB, growing
 * with the square of the gain (0 at the capture's own level). */
double r2r_retrieval_gain_prior(double prior_db, double gain_db);

r2r_status r2r_retrieval_rank_ex(const r2r_retrieval_db *db, const float ref_ltas[R2R_LTAS_BANDS],
                                 const float *ref_feat, const r2r_rank_options *opt, r2r_combo *out,
                                 size_t k, size_t *n);

/* The reference in parts: a performance changes what it plays (chords, single notes,
 * mutes) from one moment to the next, and one source mixture fitted to the whole of it
 * explains the right rig worse than a mixture per part does. r2r_retrieval_rank_parts
 * scores each combination on each part (its own mixture fitted; as rank_ex) and ranks
 * by the RMS of those distances (plus the gain prior and dynamics once). From the
 * reference alone, three parts of a 6 s excerpt against its whole (bench/rank_eval 1 2):
 * capture top-1 / top-3 dev 42.1 / 65.6 % → 48.7 / 72.5 %, held out 63.3 / 82.1 % →
 * 62.6 / 83.1 %. Parts of R2R_RANK_PART_S, at most R2R_RANK_MAX_PARTS (longer then). */
#define R2R_RANK_PART_S 2.0
#define R2R_RANK_MAX_PARTS 6
/* The mixture fit costs a dozen or more spectra per combination and part, so a library
 * larger than the shortlist is ranked in two passes: every combination with the probes'
 * even mixture (one spectrum: the fit's start, never nearer than the fit), then the
 * shortlist's captures (r2r_rank_options.shortlist: a quarter of the library, at least
 * this many) fitted. bench/match_eval from the reference alone, against every capture
 * fitted: with 16 of the dev library's 39, the same rank of the true capture, recipe and
 * tone on all 156 dev and 100 held-out references; with 12, on 155 and 98 (a true
 * capture 9th or 8th left the first ten, one went from 2nd to 1st). match_bench with 312
 * captures (R2R_BENCH_COPIES=8): default 5.22 -> 3.01 s, the same picks. */
#define R2R_RANK_SHORTLIST_MIN 16
r2r_status r2r_retrieval_rank_parts(const r2r_retrieval_db *db, const float *parts_ltas, size_t nparts,
                                    const float *ref_feat, const r2r_rank_options *opt, r2r_combo *out, size_t k,
                                    size_t *n);
/* How many parts `frames` samples (48 kHz) are cut into: 1..R2R_RANK_MAX_PARTS. */
size_t r2r_retrieval_part_count(size_t frames);
/* The band power of each part of x (parts_ltas: R2R_RANK_MAX_PARTS × R2R_LTAS_BANDS). */
r2r_status r2r_retrieval_part_ltas(const float *x, size_t frames, float *parts_ltas, size_t *nparts);

/* The ranking's distance with a known source (r2r_rank_options.source_ltas) for one
 * render of it through a whole chain (band power, IR included) against the reference's
 * parts: RMS over the parts, bands far under each spectrum's loudest one raised to a
 * common floor as the ranking does; NAN when too few bands are scored. */
double r2r_retrieval_source_distance(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                                     const float *parts_ltas, size_t nparts, double max_hz);

/* How far apart two performances' level spreads (r2r_ltas_dynamics) are: the RMS (dB)
 * of their differences over the bands both measured; NAN when none. */
double r2r_retrieval_spread_distance(const float a[R2R_DYNSIG_DIM], const float b[R2R_DYNSIG_DIM]);

/* How much a spread distance can be trusted (0..1) when even the nearest of the candidate
 * chains' spreads is least_db away from the reference's. A take played unlike the
 * reference (other dynamics, other parts) moves its level its own way through any chain,
 * and the spread then points at the wrong amp: 1 up to R2R_SPREAD_FULL_DB, falling
 * linearly to 0 at R2R_SPREAD_NONE_DB (and 0 for NAN or infinity: nothing measured).
 * bench/rank_eval (take mode), the nearest over all captures × gains, per DI p10 / median
 * / p90: dev power 0.13 / 0.34 / 0.48 dB, metalcore 0.28 / 0.48 / 0.65, lunar 0.14 / 0.34
 * / 0.57, jazz_hop (its take played unlike its first 7 s) 0.74 / 1.07 / 1.64; the five
 * held-out DIs 0.20-0.45 / 0.29-0.80 / 0.57-1.04. Capture top-1 / top-3 with the spread at
 * 0.5 dB per dB: dev 55.1 / 75.0 % -> 58.3 / 77.6 % with this trust, held out 80.5 / 96.9
 * % -> 81.0 / 96.9 %. */
#define R2R_SPREAD_FULL_DB 0.6
#define R2R_SPREAD_NONE_DB 1.6
double r2r_retrieval_spread_trust(double least_db);

/* Each capture's least distance in a ranking of n combinations, into best[nc] (NAN for a
 * capture the ranking does not hold). */
void r2r_retrieval_capture_best(const r2r_combo *all, size_t n, size_t nc, double *best);
/* pick[c] = 1 for the k captures of least finite d[c] (of nc; fewer when fewer are finite),
 * 0 for the others: a shortlist from r2r_retrieval_capture_best, say. */
void r2r_retrieval_least_k(const double *d, size_t nc, size_t k, unsigned char *pick);

/* With the user's DI as another take, the share of the ranking left to the probes (0..1):
 * take_least_db and probe_least_db are the least distances of the ranking with the DI's
 * renders as the source and of the ranking from the reference alone, and the share is
 * t⁴ / (t⁴ + p⁴) (½ when they are equal; NAN or no DI ranking: 1, no probe ranking: 0).
 * A take of the reference's own guitar explains it about as well as the probes' mixture
 * does, or better; a take of another guitar (the usual case when the reference is
 * somebody else's record) brings its own colour into every render and explains it worse,
 * and alone it ranks far worse than the probes. r2r match blends the two rankings by this
 * share when it is over R2R_PROBE_SHARE_FROM, and keeps the take alone otherwise (a
 * blend below it helped the ranking alone, but cost the verified pick on takes of the
 * same guitar: bench/match_eval take dev 75 / 89 % -> 72 / 85 %). bench/rank_eval
 * (R2R_EVAL_ONLY=take, R2R_EVAL_TAKE=same|other, the spreads included), capture top-1 /
 * top-3, dev / held out: the take alone 58.3 / 77.6 %, 81.0 / 96.9 % (same guitar) and
 * 21.8 / 44.9 %, 48.2 / 63.1 % (another guitar); the probes alone 47.4 / 73.1 %, 62.1 /
 * 79.5 %; blended as r2r match does 62.2 / 82.1 %, 83.1 / 96.9 % and 44.2 / 67.3 %, 59.5 /
 * 75.9 %. The share's p10 / median / p90 on dev: 0.20 / 0.43 / 0.64 (same guitar), 0.37 /
 * 0.70 / 0.85 (another). */
#define R2R_PROBE_SHARE_POWER 4.0
#define R2R_PROBE_SHARE_FROM 0.5
double r2r_retrieval_probe_share(double take_least_db, double probe_least_db);

/* Blends a ranking (n combinations, sorted) with the probes' view: each distance becomes
 * (1 - share)·d + share·probe_best[capture] (probe_best from r2r_retrieval_capture_best
 * of the ranking from the reference alone; a capture it lacks keeps d), sorted again. */
void r2r_retrieval_blend(r2r_combo *all, size_t n, const double *probe_best, size_t nc, double share);

/* Distance of two raw feature vectors on the dynamics dimensions (RMS of their
 * differences in library standard deviations; the retrieval's dynamics term); 0 when
 * either is NULL (nothing comparable). These dimensions depend on the performance as
 * much as on the rig: compare only renders of the same playing. */
double r2r_retrieval_dynamics_distance(const r2r_retrieval_db *db, const float *a, const float *b);

/* The IR (index, or irs() for "no IR") that best turns a known amp spectrum into the
 * reference's (both band power of the same stretch, e.g. the user's DI through the amp
 * and the reference under it), by the ranking's EQ-invariant distance over the bands
 * up to max_hz (0: default); has_cab: "no IR" only. *dist_db: that distance. */
int r2r_retrieval_best_ir(const r2r_retrieval_db *db, const float amp_ltas[R2R_LTAS_BANDS],
                          const float ref_ltas[R2R_LTAS_BANDS], double max_hz, int has_cab, double *dist_db);

/* Most probes a source mixture is fitted over (the index keeps every probe's spectrum
 * when there are 2..R2R_MIX_MAX_PROBES of them). */
#define R2R_MIX_MAX_PROBES 64

/* The source as a mixture of the probes: the weights w[P] (summing to 1) of the probes'
 * band powers probe_ltas[P][R2R_LTAS_BANDS] (each probe through one chain) whose
 * weighted mean best matches the reference by the ranking's EQ-invariant distance over
 * the bands up to max_hz (0: default); returns that distance (dB, the prior's cost on
 * uneven weights included), NAN with even weights when it cannot be fitted. */
double r2r_retrieval_mix_fit(const r2r_retrieval_db *db, const float *probe_ltas, size_t P,
                             const float ref_ltas[R2R_LTAS_BANDS], double max_hz, double *w);
/* r2r_retrieval_rank_parts's distance for given probe spectra (e.g. verified renders):
 * the RMS over the nparts parts (parts_ltas[nparts][R2R_LTAS_BANDS]) of
 * r2r_retrieval_mix_fit, each part with its own mixture; NAN when a part cannot be fitted
 * (P outside 2..R2R_MIX_MAX_PROBES, nparts outside 1..R2R_RANK_MAX_PARTS). */
double r2r_retrieval_mix_fit_parts(const r2r_retrieval_db *db, const float *probe_ltas, size_t P,
                                   const float *parts_ltas, size_t nparts, double max_hz);
/* The ranking's EQ-invariant distance (dB) of a predicted band spectrum from the
 * reference's, over the bands up to max_hz (0: default). */
double r2r_retrieval_shape_distance(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                                    const float ref_ltas[R2R_LTAS_BANDS], double max_hz);
/* The mild EQ the source model attributes to the difference of a predicted band
 * spectrum from the reference's: the six EQ bands' gains (dB) of the weighted least-
 * squares fit of r2r_retrieval_shape_distance, with a prior on the EQ four times
 * stronger (the source model's errors are smooth, and an EQ would take them for the
 * reference's). Returns 0, or -1 (gains 0) with too few bands. */
int r2r_retrieval_eq_estimate(const r2r_retrieval_db *db, const float pred_ltas[R2R_LTAS_BANDS],
                              const float ref_ltas[R2R_LTAS_BANDS], double max_hz, double gains_db[R2R_EQ_BANDS]);
/* The weight of LTAS band b in the distances that model the source as a mixture of
 * the probes (the ranking, r2r_retrieval_mix_fit, r2r_retrieval_shape_distance): the
 * inverse of how much the probes' mixture misses there, measured on the library's own
 * probe renders, with a mean of 1 over the scored bands; 1 everywhere when the index
 * has fewer than three probes. Comparisons of a known source (r2r_retrieval_best_ir)
 * are unweighted. */
double r2r_retrieval_band_weight(const r2r_retrieval_db *db, int b);
/* Leaves the bands below hz out of every distance from now on (a reference whose low
 * end belongs to other instruments), the band weights renormalized to a mean of 1 over
 * the bands left; nothing changes when fewer than eight bands would be left. Call it
 * before the distances are used. */
void r2r_retrieval_set_min_hz(r2r_retrieval_db *db, double hz);
/* The scored bands (Hz). */
#define R2R_RETRIEVAL_FMIN_HZ 80.0
#define R2R_RETRIEVAL_FMAX_HZ 10000.0
/* Predicted band power (dB) of capture c at grid gain g through IR i (i == irs: none). */
void r2r_retrieval_predict_db(const r2r_retrieval_db *db, int c, int g, int i, float out[R2R_LTAS_BANDS]);

#ifdef __cplusplus
}
#endif
#endif
