/* r2r_match: the whole pipeline from a reference recording to recipe files.
 *
 *   read (any format/rate/channels) → 48 kHz, stereo kept → isolation (dsp by default)
 *   → guitar-dominant segments → −18 LUFS → long-term band spectrum (and raw features,
 *     when a DI turns out to be the reference's own take)
 *   → every capture × gain × IR scored on spectra (the cost of the best level and mild
 *     EQ, the source a mixture of the probes, cabinet pairing rules, a weak gain prior)
 *     → the best few verified by rendering the probes through them at a refined gain →
 *     per flavor: the 6-band EQ fitted on spectra with the seed's loss (from the
 *     reference alone, to the EQ the source model attributes), best candidate per flavor →
 *     previews (probes or the user's DI) loudness-matched to the reference
 *     → recipe.json / recipe.md / eq_*.txt.
 *
 * Levels: every DI (probe or user's) is brought to a sample peak of R2R_DI_PEAK_DBFS
 * before the recipe's input gain, so a recipe's input gain means the same for any DI. */
#include "r2r/match.h"
#include "match/recipe.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "library/analyze.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/features.h"
#include "r2r/fileutil.h"
#include "r2r/isolate.h"
#include "r2r/library.h"
#include "r2r/ltas.h"
#include "r2r/amp.h"
#include "r2r/retrieve.h"

#define MAX_ANALYSE_S 360.0 /* longer references: the first six minutes are analysed */
#define MIN_REFERENCE_S 1.0
#define SEG_S 0.5           /* segment length for picking guitar-dominant parts */
#define SEG_KEEP_S (R2R_RANK_PART_S * R2R_RANK_MAX_PARTS) /* ... of which at least this much is kept */
#define MAX_M 16
#define DEFAULT_K 10
#define DEFAULT_M 5
#define GAIN_PENALTY_DIV 12.0 /* seed: gain moves cost |Δ|/12 (1 per grid span) */
#define EQ_FMIN 40.0
#define EQ_FMAX 14000.0
#define PREVIEW_MAX_LUFS (-16.0)
/* A mix with a bass or a kick drum (r2r_isolated's low_share) whose guitar could not be
 * told from them by its place in the stereo image (mono, or centred): the bands below
 * this are left out of the match — what the separation keeps there is the bass's as much
 * as the guitar's. bench/match_eval 2, R2R_EVAL_MIX=mono (capture first / top-3, recipe's
 * capture, IR first / top-3, tone median / mean): dev 12 / 34 %, 11 %, 46 / 72 %,
 * 7.37 / 7.75 dB → 16 / 36 %, 16 %, 49 / 78 %, 6.86 / 7.80 dB; held out 12 / 34 %, 10 %,
 * 64 / 83 %, 4.62 / 5.80 dB → 19 / 38 %, 21 %, 66 / 86 %, 3.94 / 5.51 dB. With the guitar
 * panned, the panning mask has taken most of the bass and the floor cost as much as it
 * gave (R2R_EVAL_MIX=centred: dev 38 → 42 % first, tone median 2.83 → 2.10 dB, but held
 * out 48 → 44 %, 1.18 → 1.30 dB). */
#define BASS_FLOOR_HZ 200.0
#define ISO_TRUST_MIN 0.25       /* bands an isolation keeps less of than this are left out */
#define ISO_TRUST_FROM_HZ 1000.0 /* ... above this frequency */
#define ISO_COLOUR_S 10.0        /* the isolation's colour is measured on this much of the probes */
/* ... and those where the separated guitar holds less than this share of the mix's power
 * (dB; see separated_top_hz). */
#define ISO_SHARE_MIN_DB (-20.0)
/* With another take as the DI, the captures the take ranking puts first this many are
 * rendered through their IRs and have their gains searched (its own take: 4, below).
 * Of the dev and held-out references (bench/match_eval R2R_EVAL_ONLY=take), the
 * balanced pick among 12 was the take ranking's 7th at most with the same guitar and
 * its 9th with another. 12 -> 8: capture top-1 / top-3, recipe's capture, tone median
 * dev 74 / 88 -> 74 / 86 %, 72 %, 0.78 dB; held out 86 / 98 -> 86 / 100 %, 78 %,
 * 0.73 dB; another guitar 42 / 64 -> 41 / 65 %, 40 -> 38 %, 3.38 -> 3.43 dB; a
 * reference 5.9 -> 4.4 s. */
#define DEFAULT_M_DI 8
#define VERIFY_DI_MAX_S 8.0   /* the DI excerpt the candidates are verified with */
#define MARGIN_CLOSE_DB 0.2   /* a runner-up capture this close makes the ranking's first uncertain */
/* When the user's DI is the reference's own performance (a re-amp: the DI and the amp
 * track of one take), each candidate's render is compared with the reference itself:
 * the coherence per band says how much of the reference a linear filter (any cabinet,
 * any EQ) of the render explains, so what is left, 1 - coherence, is the null test of
 * the amp alone. The DI is found in the reference by GCC-PHAT; a peak sharper than
 * ALIGN_MIN_SHARPNESS over the other lags means the same take (unrelated takes stay
 * near 5, see r2r_align). */
#define ALIGN_MIN_SHARPNESS 12.0
/* ... unless no capture nulls against it: the same part played again (a looped riff
 * lines up as sharply) leaves every null near 0 dB. The deepest prescreen null must
 * reach this (dB): measured on 1.5 s, a repeat of jazz_hop's phrase gave -0.5 dB (every
 * capture -0.2 to -0.5), the true take -8.5 dB alone and -2.8 dB in a mix of two
 * guitars and a bass. Then the DI is another take: its spectral path. */
#define ALIGN_NULL_MAX_DB -1.5
/* Welch frames of the coherence: 85 ms. A cabinet IR much longer than that (a 250 ms
 * one: measured) makes the true amp's null shallower, for every candidate alike. */
#define NULL_NFFT 4096
#define NULL_FMIN 60.0
#define NULL_FMAX 10000.0
#define NULL_FLOOR 1e-5          /* 1 - coherence floor: a -50 dB null */
#define NULL_SEARCH_S 4.0        /* the stretch the candidates' input gains are searched on */
/* The null's gain search (Brent's) stops with the bracket around its deepest null 4x
 * this wide or less, or after NULL_SEARCH_MAX renders after the first. Against the
 * golden-section search it replaced (11 renders, ±0.13 dB) and the prescreen at every
 * grid gain, bench/match_eval R2R_EVAL_ONLY=di (156 references): the same ranks and
 * picks, gains within 0.1 dB, 99 / 99 %, tone 0.11 / 0.35 dB both; 6.98 -> 3.58 s a
 * reference. */
#define NULL_GAIN_TOL_DB 0.075
#define NULL_SEARCH_MAX 12
#define NULL_DB_PER_LOSS 1.0     /* in the flavors' loss, 1 dB of a worse null costs 1 */
#define PEDAL_NULL_DB 3.0        /* a pedal alone must null this much deeper than any amp */
/* The stretch every capture plays first, at the grid gains PRESCREEN_STEPS either side
 * of its best from the probes: for the null test (the nearest walk on while their
 * deepest null is at an edge of what they played) and for another take's ranking. */
#define PRESCREEN_S 1.5
/* A library of 4 x SCREEN_MIN captures or more is screened first (both prescreens): every
 * capture plays its prescreen gains on the loudest SCREEN_S of the stretch, and the
 * nearest quarter of the library (r2r_match_options.screen) go on to the whole stretch.
 * Forced on the 39-capture dev library with 16 going on, bench/match_eval (-> README):
 * the own take's null test (R2R_EVAL_ONLY=di) the same on all 156 dev and 65 held-out
 * references (the true capture's screen null the deepest in 64 of the 65, 4th in one);
 * another take (take) held out the same on all 65, dev 2 of 80 changed (74 / 86 -> 75 /
 * 88 %), another guitar 1 of 80 (its gain; tone median 3.43 -> 3.47 dB). There the
 * screen saved little (match_bench own take 4.9 -> 4.8 s) and changed another take's
 * verified captures (verify 2.5 -> 2.9 s), hence the threshold. 312 captures (78 going
 * on): own take 14.5 -> 11.7 s, another take 16.5 -> 14.0 s, the same picks. */
#define SCREEN_S 0.5
#define SCREEN_MIN 16
/* Another take of the same guitar: dB of distance per dB of the level spreads' difference
 * (r2r_ltas_dynamics, r2r_retrieval_spread_distance) between the DI's render through a
 * candidate's chain (its IR included) and the reference. The same player's takes move
 * their level alike, band by band, and each amp's compression narrows that movement its
 * own way. bench/rank_eval (R2R_EVAL_ONLY=take, the ranking alone) with the spread
 * of the whole take: capture top-1 / top-3 dev 53.8 / 75.0 % -> 55.1 / 75.0 %, held
 * out 68.2 / 89.7 % -> 80.5 / 96.9 % at 0.5; 0.25: 56.4 / 76.3 %, 80.5 / 95.4 %; 1.0:
 * 55.1 / 73.7 %, 82.1 / 96.4 %. */
#define TAKE_SPREAD_WEIGHT 0.5 /* times r2r_retrieval_spread_trust of the nearest candidate's spread */
/* How many grid steps either side of a capture's best gain from the probes its prescreen
 * plays (another take's ranking sees only those; the null test's nearest walk on), and,
 * another take, either side of the take ranking's gain the gain search plays first (it
 * walks on while the least is at an edge).
 * Against every grid gain in both (bench/match_eval R2R_EVAL_ONLY=take: capture top-1 /
 * top-3, recipe's capture, IR top-3, tone median): dev (match_eval 2) 75 / 86 %, 72 %,
 * 100 %, 0.80 dB -> 74 / 88 %, 72 %, 100 %, 0.78 dB; held out (match_eval 3) 86 / 98 %,
 * 78 %, 100 %, 0.73 dB both; another guitar's take (R2R_EVAL_TAKE=other, dev) 41 / 62 %,
 * 39 %, 98 %, 3.54 dB -> 42 / 64 %, 40 %, 95 %, 3.38 dB; a reference 9.3 -> 5.9 s. The
 * search's start alone as the window (no walk) lost the parabola at most gains: the
 * short stretch's best is often a step off the whole take's (dev 72 / 86 %, 70 %). */
#define PRESCREEN_STEPS 1
#define TAKE_SEARCH_STEPS 1
#define DEFAULT_M_ALIGNED 4      /* then the nearest this many get the gain search */
#define SMOOTH_OCT (1.0 / 3.0) /* the EQ's target is smoothed: six bands cannot follow notes */
/* Knob recovery (LV2 presets): the leading KNOB_CANDIDATES LV2 candidates get their
 * tunable controls searched by rendering KNOB_SRC_S seconds of source (the DI's loudest
 * stretch or the start of every probe): one render per discrete choice, then at most
 * KNOB_BUDGET for the continuous controls. */
#define KNOB_MAX 32
#define KNOB_CANDIDATES 2
#define KNOB_BUDGET 60
#define KNOB_SRC_S 8.0
#define KNOB_DISCRETE_MAX 32 /* discrete controls with more choices than this stay as set */
#define KNOB_PENALTY 2.0
#define KNOB_DISCRETE_MARGIN_DB 0.25 /* another tube/tonestack model must beat the preset's by this */

typedef struct {
    int c, g, i;           /* capture, grid gain, IR (ni = none) */
    double gain_db;        /* refined input gain */
    double dist, dyn;      /* retrieval distance and its dynamics part */
    double verified_db;    /* after the true render */
    double fit_total;      /* the balanced flavor's loss after its EQ fit */
    double null_db;        /* aligned DI: mean 10·log10(1 - coherence) of the amp's render (NAN otherwise) */
    double null_pen;       /* ... and how much shallower than the deepest candidate's, in loss units */
    double ident;          /* from the reference alone: the ranking's distance of the verified spectrum */
    double spread_db;      /* another take: its level spread through the chain against the reference's (NAN: none) */
    double probe_db;       /* ... and the capture's least distance from the reference alone (NAN: none) */
    double take_sd[R2R_INDEX_N_GAINS], take_sp[R2R_INDEX_N_GAINS]; /* ... and in the gain search, at each grid
                                                                      gain: source distance, spread (dB) */
    double mixw[R2R_MIX_MAX_PROBES]; /* ... and the probes' shares in the source it assumed (mixn of them) */
    size_t mixn;
    float amp_ltas[R2R_LTAS_BANDS]; /* ... and the band power of the amp alone on that stretch */
    float pred[R2R_LTAS_BANDS]; /* rendered band power (linear) */
    int ok;
    int tuned;                  /* LV2: knobs recovered (knob_from: the preset's values) */
    double knob_from[KNOB_MAX], tune_from_db, tune_to_db;
    int tune_renders;
    double knob_pen;            /* how far the knobs moved from the preset, in loss units */
    int failed;                 /* a render failed: skipped, `why` says so */
    char why[200];
} candidate;

typedef struct {
    int cand;
    r2r_eq eq;
    r2r_eqfit_loss loss;
    double total, gain_penalty, output_gain_db;
} flavor_pick;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void warn(r2r_match_summary *s, const char *fmt, ...)
{
    size_t len = strlen(s->warnings);
    if (len + 2 >= sizeof s->warnings) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->warnings + len, sizeof s->warnings - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(s->warnings);
    if (len + 1 < sizeof s->warnings) s->warnings[len] = '\n', s->warnings[len + 1] = '\0';
}

static void report(const r2r_match_options *o, double f, const char *stage)
{
    if (o->progress) o->progress(f, stage, o->user);
}

/* The separation's progress, within the match's stage for it (0.05 to 0.25). */
static void isolate_progress(double fraction, void *user)
{
    report(user, 0.05 + 0.2 * fraction, "isolating the guitar");
}

static double band_db(double p) { return 10.0 * log10(p > 1e-20 ? p : 1e-20); }

/* Guitar-dominant parts: 0.5 s segments within 30 dB of the loudest, and, when a
 * residual (mix − guitar) exists, the more guitar-dominated half of them, but never
 * less than SEG_KEEP_S (all of a shorter reference): the ranking compares the reference
 * in parts of R2R_RANK_PART_S, and half of a short clip left it one part and half the
 * notes. bench/match_eval 2, band mix, dev (6 s references): the median rule put the
 * capture first in 29 % of the references, top-3 50 %, IR first 88 %; keeping all
 * 34 %, 55 %, 91 % (tone median 3.52 → 3.62 dB, mean 4.05 → 4.04). */
static r2r_status select_segments(const float *g, const float *mix, size_t n, float **out, size_t *outn)
{
    const size_t L = (size_t)(SEG_S * R2R_SAMPLE_RATE), ns = n / L;
    *out = NULL, *outn = 0;
    if (ns < 2) {
        *out = malloc(n * sizeof(float));
        if (!*out) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
        memcpy(*out, g, n * sizeof(float));
        *outn = n;
        return R2R_OK;
    }
    double *lev = malloc(ns * sizeof(double)), *ratio = malloc(ns * sizeof(double)), *sorted = malloc(ns * sizeof(double));
    float *dst = malloc(n * sizeof(float));
    if (!lev || !ratio || !sorted || !dst) {
        free(lev), free(ratio), free(sorted), free(dst);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    double top = -INFINITY;
    for (size_t s = 0; s < ns; s++) {
        double eg = 1e-20, er = 1e-20;
        for (size_t t = s * L; t < (s + 1) * L; t++) {
            eg += (double)g[t] * g[t];
            if (mix) {
                const double r = (double)mix[t] - g[t];
                er += r * r;
            }
        }
        lev[s] = 10 * log10(eg / L);
        ratio[s] = mix ? 10 * log10(eg / er) : 0.0;
        sorted[s] = ratio[s];
        if (lev[s] > top) top = lev[s];
    }
    /* median ratio (insertion sort: a few hundred segments at most) */
    for (size_t a = 1; a < ns; a++)
        for (size_t b = a; b > 0 && sorted[b - 1] > sorted[b]; b--) {
            double t = sorted[b];
            sorted[b] = sorted[b - 1], sorted[b - 1] = t;
        }
    const size_t want = (size_t)ceil(SEG_KEEP_S / SEG_S), keep = ns / 2 > want ? ns - ns / 2 : want;
    const double bar = keep >= ns ? -INFINITY : sorted[ns - keep]; /* the least ratio kept */
    size_t m = 0;
    for (int pass = 0; pass < 2 && m < 4 * L; pass++) {
        m = 0;
        for (size_t s = 0; s < ns; s++) {
            if (lev[s] < top - 30.0) continue;
            if (pass == 0 && mix && ratio[s] < bar) continue;
            memcpy(dst + m, g + s * L, L * sizeof(float));
            m += L;
        }
    }
    free(lev), free(ratio), free(sorted);
    if (m == 0) {
        memcpy(dst, g, n * sizeof(float));
        m = n;
    }
    *out = dst, *outn = m;
    return R2R_OK;
}

static char *join_path(const char *dir, const char *rel)
{
    if (!rel) return NULL;
    if (rel[0] == '/') return strdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

static const char *base_name(const char *p)
{
    const char *s = p ? strrchr(p, '/') : NULL;
    return s ? s + 1 : p;
}

static const char *bq_type_name(r2r_bq_type t)
{
    switch (t) {
    case R2R_BQ_LOWSHELF: return "lowshelf";
    case R2R_BQ_HIGHSHELF: return "highshelf";
    case R2R_BQ_HIGHPASS: return "highpass";
    case R2R_BQ_LOWPASS: return "lowpass";
    default: return "peaking";
    }
}

char *r2r_eq_apo_text(const r2r_eq *eq)
{
    double pre = 0;
    for (int b = 0; b < R2R_EQ_BANDS; b++)
        if (eq->band[b].gain_db > pre) pre = eq->band[b].gain_db;
    char *buf = malloc(1024);
    if (!buf) return NULL;
    int n = snprintf(buf, 1024, "Preamp: %.1f dB\n", -pre);
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        const r2r_eq_band *x = &eq->band[b];
        const char *t = x->type == R2R_BQ_LOWSHELF ? "LSC" : x->type == R2R_BQ_HIGHSHELF ? "HSC" : "PK";
        n += snprintf(buf + n, 1024 - (size_t)n, "Filter %d: ON %s Fc %.0f Hz Gain %.1f dB Q %.2f\n", b + 1, t,
                      x->freq_hz, x->gain_db, x->q);
    }
    return buf;
}

static cJSON *eq_json(const r2r_eq *eq)
{
    cJSON *o = cJSON_CreateObject(), *bands = cJSON_AddArrayToObject(o, "bands");
    for (int b = 0; b < R2R_EQ_BANDS; b++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "type", bq_type_name(eq->band[b].type));
        cJSON_AddNumberToObject(x, "freq_hz", round(eq->band[b].freq_hz * 10) / 10);
        cJSON_AddNumberToObject(x, "gain_db", round(eq->band[b].gain_db * 100) / 100);
        cJSON_AddNumberToObject(x, "q", round(eq->band[b].q * 1000) / 1000);
        cJSON_AddItemToArray(bands, x);
    }
    return o;
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Whether the output folder can be made or written, checked before any work: the
 * deepest part of `path` that exists must be a folder this process may write. Creates
 * nothing (a match that fails leaves no empty folder behind). */
static r2r_status out_dir_check(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    struct stat st;
    for (;;) {
        const char *at = tmp[0] ? tmp : ".";
        if (stat(at, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                return r2r_fail(R2R_ERR_IO, "%s: cannot create the output folder: %s is a file", path, at);
            if (access(at, W_OK | X_OK) != 0)
                return r2r_fail(R2R_ERR_IO, "%s: cannot create the output folder: %s: %s", path, at, strerror(errno));
            return R2R_OK;
        }
        char *slash = strrchr(tmp, '/');
        if (!slash) tmp[0] = '\0';          /* a relative path: the working folder */
        else if (slash == tmp) tmp[1] = '\0'; /* the root */
        else *slash = '\0';
    }
}

/* The DI that previews play: the user's (read, mono, 48 kHz) or the probes in a row. */
static r2r_status preview_di(const char *di_path, const r2r_probe_set *ps, float **out, size_t *n)
{
    if (di_path) {
        r2r_audio a;
        const r2r_status s = r2r_di_load(di_path, &a);
        if (s == R2R_OK) *out = a.data, *n = a.frames;
        return s;
    }
    const size_t gap = R2R_SAMPLE_RATE / 4;
    size_t total = 0;
    for (size_t p = 0; p < ps->count; p++) total += ps->len[p] + gap;
    float *x = calloc(total + 1, sizeof(float));
    if (!x) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    size_t at = 0;
    for (size_t p = 0; p < ps->count; p++) {
        memcpy(x + at, ps->audio[p], ps->len[p] * sizeof(float));
        at += ps->len[p] + gap;
    }
    *out = x, *n = total;
    return R2R_OK;
}

/* t smoothed along log frequency: a Gaussian of width_oct octaves (cut at 1.5 widths). */
static void smooth_log_freq(const double *hz, const double *t, size_t n, double width_oct, double *out)
{
    for (size_t i = 0; i < n; i++) {
        double acc = 0, wsum = 0;
        for (size_t j = 0; j < n; j++) {
            const double d = log2(hz[j] / hz[i]) / width_oct;
            if (fabs(d) > 1.5) continue;
            const double w = exp(-2.0 * d * d);
            acc += w * t[j], wsum += w;
        }
        out[i] = acc / wsum;
    }
}

/* The EQ's target with the user's DI (reference minus candidate, dB per band):
 * smoothed over SMOOTH_OCT, its level offset removed. */
static void shape_target(const double *hz, double *t, size_t n)
{
    double sm[R2R_LTAS_BANDS], mean = 0;
    if (n == 0 || n > R2R_LTAS_BANDS) return;
    smooth_log_freq(hz, t, n, SMOOTH_OCT, sm);
    for (size_t i = 0; i < n; i++) mean += sm[i] / (double)n;
    for (size_t i = 0; i < n; i++) t[i] = sm[i] - mean;
}

/* The EQ's target from the reference alone: the mild EQ the ranking's source model
 * attributes to reference minus candidate (r2r_retrieval_eq_estimate: the least-squares
 * EQ under the ranking's band weights and its prior on the EQ), as a response at hz,
 * level removed. What the probes cannot know — the reference's guitar, pickups and
 * playing — moves the long-term spectrum by 1.5-5 dB per band, as much as an EQ; the
 * raw difference (even smoothed, and shrunk by a 3 dB soft threshold, as before) made
 * the recipes sound further from the reference than with the EQ flat
 * (bench/match_eval, every 2nd capture: tone median 2.80 dB vs 2.33 flat; held out
 * 1.40 vs 1.34); this target: 2.58 and 1.23 dB. */
static void estimated_target(const r2r_retrieval_db *db, const float *pred, const float *ref, double top_hz,
                             const double *hz, double *t, size_t n)
{
    double gz[R2R_EQ_BANDS], mean = 0;
    r2r_eq est;
    r2r_eq_flat(&est);
    r2r_retrieval_eq_estimate(db, pred, ref, top_hz, gz);
    for (int j = 0; j < R2R_EQ_BANDS; j++) est.band[j].gain_db = gz[j];
    r2r_eq_response_db(&est, hz, n, R2R_SAMPLE_RATE, t);
    for (size_t i = 0; i < n; i++) mean += t[i] / (double)n;
    for (size_t i = 0; i < n; i++) t[i] -= mean;
}

/* The null test of a render against the time-aligned reference: mean over the bands
 * from NULL_FMIN to the top matched band of 10·log10(1 - coherence) (dB; lower is a
 * deeper null, the same amp at the same input gain reaches -15 to -30 dB whatever
 * the cabinet and EQ after it). */
static r2r_status null_db(const float *render, const float *ref, size_t n, double top_hz, double *out)
{
    float coh[R2R_LTAS_BANDS];
    r2r_status s = r2r_ltas_coherence(render, ref, n, NULL_NFFT, coh);
    if (s != R2R_OK) return s;
    const double hi = top_hz < NULL_FMAX ? top_hz : NULL_FMAX;
    double acc = 0;
    int nb = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        const double hz = r2r_ltas_band_hz(b);
        if (hz < NULL_FMIN || hz > hi) continue;
        const double rest = 1.0 - coh[b];
        acc += 10.0 * log10(rest > NULL_FLOOR ? rest : NULL_FLOOR);
        nb++;
    }
    *out = nb ? acc / nb : 0.0;
    return R2R_OK;
}

#define MATCH_THREADS 2 /* renders of candidates (null tests, gain search, verification): threads */

/* With the user's DI every capture of the library is played at each grid gain on a
 * short loud stretch before any spectral cut. Aligned DI: each is null-tested, so the
 * candidates are the captures nearest to a null (retrieval by spectrum misses a true
 * capture among look-alikes). Another take: the band power of each render is kept, and
 * the retrieval ranks with the DI's renders in place of the probes' (the guitar's own
 * colour and the player's touch, which the probes can only guess). */
typedef struct {
    const r2r_retrieval_db *db;
    const r2r_match_options *o; /* library, and progress (reported from the calling thread) */
    const char *what;           /* the progress message */
    pthread_t owner;
    const float *src, *ref; /* ref NULL: another take */
    size_t n;
    double top_hz;
    const unsigned char *play; /* [captures][grid gains]: the gains each capture plays */
    double *nulls;             /* aligned: [captures][grid gains] null (dB), left as it is where not played */
    float *ltas;  /* another take: [captures][grid gains][bands] power, NaN where it failed or was not played */
    double p0, p1; /* the progress it reports across the captures */
    size_t next;
    pthread_mutex_t lock;
} prescreen_job;

static void *prescreen_worker(void *arg)
{
    prescreen_job *j = arg;
    float *w = malloc(j->n * sizeof(float));
    const size_t NC = r2r_retrieval_captures(j->db), G = R2R_INDEX_N_GAINS;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        const size_t c = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (c >= NC) break;
        if (pthread_equal(pthread_self(), j->owner))
            report(j->o, j->p0 + (j->p1 - j->p0) * (double)c / (double)NC, j->what);
        const unsigned char *play = j->play + c * G;
        if (!memchr(play, 1, G)) continue;
        char *cp = join_path(j->o->library, r2r_retrieval_capture_path(j->db, c));
        r2r_amp *amp = NULL;
        if (!w || !cp || r2r_amp_open(cp, &amp) != R2R_OK) { /* judged, and reported, if it becomes a candidate */
            free(cp);
            continue;
        }
        free(cp);
        for (size_t g = 0; g < G; g++) {
            double v = INFINITY;
            if (!play[g]) continue;
            const r2r_status s = r2r_chain_render(amp, NULL, 0, r2r_retrieval_gain_db(j->db, (int)g), NULL, j->src,
                                                  j->n, w);
            if (!j->ref) {
                float *b = j->ltas + (c * G + g) * R2R_LTAS_BANDS;
                if (s != R2R_OK || r2r_ltas_compute(w, j->n, b) != R2R_OK)
                    for (int q = 0; q < R2R_LTAS_BANDS; q++) b[q] = NAN;
            } else
                j->nulls[c * G + g] = s == R2R_OK && null_db(w, j->ref, j->n, j->top_hz, &v) == R2R_OK ? v : INFINITY;
        }
        r2r_amp_free(amp);
    }
    free(w);
    return NULL;
}

/* fn(arg) on MATCH_THREADS threads (this one included), until each returns. */
static void run_threads(void *(*fn)(void *), void *arg)
{
    r2r_fftw_thread_safe();
    pthread_t th[MATCH_THREADS];
    int started = 0;
    for (int t = 1; t < MATCH_THREADS; t++)
        if (pthread_create(&th[started], NULL, fn, arg) == 0) started++;
    fn(arg);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
}

/* The gains each capture plays first: the grid gains within PRESCREEN_STEPS of its best
 * in the ranking from the reference alone (all, best first; the grid's middle for a
 * capture it does not list). [captures][grid gains], or NULL without memory. */
static unsigned char *prescreen_gains(const r2r_combo *all, size_t nall, size_t NC)
{
    const int G = R2R_INDEX_N_GAINS;
    int *near_g = malloc((NC + 1) * sizeof *near_g);
    unsigned char *play = malloc(NC * G + 1);
    if (!near_g || !play) {
        free(near_g), free(play);
        return NULL;
    }
    for (size_t c = 0; c < NC; c++) near_g[c] = G / 2;
    for (size_t r = nall; r-- > 0;) near_g[all[r].capture] = all[r].gain;
    for (size_t c = 0; c < NC; c++)
        for (int g = 0; g < G; g++) play[c * G + g] = abs(g - near_g[c]) <= PRESCREEN_STEPS;
    free(near_g);
    return play;
}

/* How many captures go on from the screen to the whole prescreen stretch (the option, else
 * a quarter of the library), at least least; 0 when the library is not screened: it has no
 * more than that, or (by default) a quarter of it is under SCREEN_MIN. */
static size_t screen_keep(const r2r_match_options *o, size_t NC, size_t least)
{
    size_t keep = o->screen > 0 ? (size_t)o->screen : NC / 4;
    if (o->screen <= 0 && keep < SCREEN_MIN) return 0;
    if (keep < least) keep = least;
    return NC > keep ? keep : 0;
}

/* The reference's own take: each capture's deepest null (dB; INFINITY when none renders,
 * or when the screen left it out) and its grid gain. Every capture plays prescreen_gains
 * (first on the screen's short stretch, when the library is screened: the deepest go on);
 * then the walk_m deepest whose least is at the edge of what they played play the next
 * grid gain out, until none is (as in di_search_capture: a probe ranking's gain can be a
 * step or two off). */
static r2r_status null_prescreen(const r2r_retrieval_db *db, const r2r_match_options *o, const float *src,
                                 const float *ref, size_t n, double top_hz, const r2r_combo *all, size_t nall,
                                 int walk_m, double *best, int *best_g)
{
    const size_t NC = r2r_retrieval_captures(db), G = R2R_INDEX_N_GAINS, keep = screen_keep(o, NC, 0);
    unsigned char *play = prescreen_gains(all, nall, NC), *seen = malloc(NC + 1);
    double *nulls = malloc((NC * G + 1) * sizeof *nulls);
    if (!play || !seen || !nulls) {
        free(play), free(seen), free(nulls);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    for (size_t q = 0; q < NC * G; q++) nulls[q] = NAN; /* not played */
    prescreen_job j = {db,  o,     "null-testing every capture with your DI", pthread_self(), src, ref, n, top_hz, play,
                       nulls, NULL, 0.38, 0.45, 0, PTHREAD_MUTEX_INITIALIZER};
    if (keep) {
        size_t sn;
        const size_t sat = r2r_loudest_stretch(src, n, SCREEN_S, &sn);
        j.src = src + sat, j.ref = ref + sat, j.n = sn, j.p1 = 0.43;
        run_threads(prescreen_worker, &j);
        for (size_t c = 0; c < NC; c++) {
            best[c] = INFINITY;
            for (size_t g = 0; g < G; g++)
                if (nulls[c * G + g] < best[c]) best[c] = nulls[c * G + g];
        }
        r2r_retrieval_least_k(best, NC, keep, seen);
        for (size_t q = 0; q < NC * G; q++) /* the others are not played again: INFINITY */
            nulls[q] = seen[q / G] || !play[q] ? NAN : INFINITY, play[q] = play[q] && seen[q / G];
        j.src = src, j.ref = ref, j.n = n, j.p0 = 0.43, j.p1 = 0.45;
    }
    for (int more = 1; more;) {
        j.next = 0;
        run_threads(prescreen_worker, &j);
        j.p0 = j.p1 = 0.45; /* the walks: a few captures */
        for (size_t q = 0; q < NC * G; q++) /* played, even if the model would not open: never again */
            if (play[q] && isnan(nulls[q])) nulls[q] = INFINITY;
        for (size_t c = 0; c < NC; c++) {
            best[c] = INFINITY, best_g[c] = 0;
            for (size_t g = 0; g < G; g++)
                if (nulls[c * G + g] < best[c]) best[c] = nulls[c * G + g], best_g[c] = (int)g;
        }
        memset(play, 0, NC * G);
        more = 0;
        r2r_retrieval_least_k(best, NC, walk_m > 0 ? (size_t)walk_m : 0, seen);
        for (size_t c = 0; c < NC; c++)
            for (int d = -1; seen[c] && d <= 1; d += 2) {
                const int h = best_g[c] + d;
                if (h >= 0 && h < (int)G && isnan(nulls[c * G + (size_t)h])) play[c * G + (size_t)h] = 1, more = 1;
            }
    }
    free(play), free(seen), free(nulls);
    return R2R_OK;
}

/* Another take: the probes' share of the ranking (r2r_retrieval_probe_share), 0 when the
 * take explains the reference best or is the reference's guitar (--di-guitar same). */
static double take_share(double take_least, double probe_least, int di_guitar)
{
    const double share = r2r_retrieval_probe_share(take_least, probe_least);
    return share <= R2R_PROBE_SHARE_FROM || di_guitar == R2R_DI_GUITAR_SAME ? 0.0 : share;
}

/* Another take: ltas [captures][grid gains][bands] of src through every capture at its
 * prescreen_gains (NaN at the others). A screened library (screen_keep) plays them on
 * the screen's short stretch first and is ranked with those renders as the source (opt,
 * parts: as r2r_retrieval_rank_parts), blended with the ranking from the reference alone
 * (probe_best) as r2r_match blends the whole stretch's; the nearest go on to the whole
 * stretch, the others are left out (NaN). */
static r2r_status take_prescreen(const r2r_retrieval_db *db, const r2r_match_options *o, const float *src, size_t n,
                                 const r2r_combo *all, size_t nall, const double *probe_best, const float *parts,
                                 size_t nparts, const r2r_rank_options *opt, float *ltas)
{
    /* the ranking has only the captures that went on: at least as many as its lists hold */
    const size_t NC = r2r_retrieval_captures(db), G = R2R_INDEX_N_GAINS;
    const size_t keep = screen_keep(o, NC, o->top_k > 0 ? (size_t)o->top_k : 0);
    unsigned char *play = prescreen_gains(all, nall, NC);
    if (!play) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    for (size_t q = 0; q < NC * G * R2R_LTAS_BANDS; q++) ltas[q] = NAN;
    prescreen_job j = {db,   o,    "playing your DI through every capture", pthread_self(), src, NULL, n, 0.0, play,
                       NULL, ltas, 0.38, 0.45, 0, PTHREAD_MUTEX_INITIALIZER};
    r2r_status s = R2R_OK;
    if (keep) { /* ranked as r2r_match ranks the whole stretch: the take's renders, the probes' share */
        size_t sn, nr = 0;
        const size_t sat = r2r_loudest_stretch(src, n, SCREEN_S, &sn), total = NC * G * (r2r_retrieval_irs(db) + 1);
        r2r_combo *r = malloc((total + 1) * sizeof *r);
        double *bestd = malloc((NC + 1) * sizeof *bestd);
        unsigned char *kept = malloc(NC + 1);
        r2r_rank_options ro = *opt;
        ro.source_ltas = ltas;
        j.src = src + sat, j.n = sn, j.p1 = 0.43;
        run_threads(prescreen_worker, &j);
        if (!r || !bestd || !kept) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        if (s == R2R_OK) s = r2r_retrieval_rank_parts(db, parts, nparts, NULL, &ro, r, total, &nr);
        if (s == R2R_OK && nr > 0) {
            const double share = take_share(r[0].distance_db, nall ? all[0].distance_db : NAN, o->di_guitar);
            if (share > 0.0) r2r_retrieval_blend(r, nr, probe_best, NC, share);
            r2r_retrieval_capture_best(r, nr, NC, bestd);
            r2r_retrieval_least_k(bestd, NC, keep, kept);
            for (size_t q = 0; q < NC * G; q++) play[q] = play[q] && kept[q / G];
            for (size_t q = 0; q < NC * G * R2R_LTAS_BANDS; q++) /* the others are left out of the ranking */
                if (!kept[q / (G * R2R_LTAS_BANDS)]) ltas[q] = NAN;
        }
        free(r), free(bestd), free(kept);
        j.src = src, j.n = n, j.p0 = 0.43, j.p1 = 0.45, j.next = 0;
    }
    if (s == R2R_OK) run_threads(prescreen_worker, &j);
    free(play);
    return s;
}

/* With the user's DI the input gain is searched again for every candidate. Another
 * take: the DI excerpt through the capture at index grid gains from the ranking's
 * down to the least (one render per capture and gain, shared by its IRs, convolved
 * with the candidate's IR; di_search_capture), scored by
 * the ranking's distance with the DI as the source (r2r_retrieval_source_distance: a
 * real convolution where the ranking multiplied band powers), and refined by a parabola
 * through the neighbours of the best. (The old score, the residual after 2/3-octave
 * smoothing, could not see the broad colour the DI makes known, and chose the top of
 * the grid for most candidates.)
 * The reference's own take (`aligned`): Brent's method, within one grid step of the
 * prescreen's best gain, for the deepest null (di_null_capture). Captures are shared out
 * between MATCH_THREADS workers (each candidate has its own model). */
/* The candidates and their chains, index k in every array: what the workers render. */
typedef struct {
    candidate *cand;
    int nc;
    r2r_amp **nams;
    float **irs;
    const size_t *irn;
} cand_chains;

typedef struct {
    cand_chains cc;
    const r2r_retrieval_db *db;
    const float *src;
    const float *aligned; /* the reference under src, or NULL */
    const float *parts;   /* another take: the reference's parts (the ranking's) */
    const float *ref_dyn; /* ... and the reference's level spread (r2r_ltas_dynamics), or NULL */
    size_t n, nparts;
    double top_hz;
    pthread_mutex_t lock;
    unsigned char claimed[MAX_M];
    r2r_status status;
} di_search;

/* Every candidate of the capture that candidate `first` belongs to. */
#define FOR_CAPTURE(j, first, k)                                                                                       \
    for (int k = (first); k < (j)->cc.nc; k++)                                                                            \
        if ((j)->cc.nams[k] && (j)->cc.cand[k].c == (j)->cc.cand[(first)].c)

/* Grid gain `best` (the least of score[], one per grid gain) moved to the vertex of the
 * parabola through it and its neighbours, by at most half a grid step. */
static double refined_gain(const r2r_retrieval_db *db, const double *score, int best)
{
    double gain = r2r_retrieval_gain_db(db, best);
    if (best > 0 && best + 1 < R2R_INDEX_N_GAINS && isfinite(score[best - 1]) && isfinite(score[best + 1])) {
        const double a2 = score[best - 1] - 2 * score[best] + score[best + 1];
        if (a2 > 1e-9) {
            double off = 0.5 * (score[best - 1] - score[best + 1]) / a2;
            off = off < -0.5 ? -0.5 : off > 0.5 ? 0.5 : off;
            gain += off * (r2r_retrieval_gain_db(db, best + 1) - r2r_retrieval_gain_db(db, best));
        }
    }
    return gain;
}

/* Another take: how far the level spread of a render (n samples) is from the
 * reference's (dB), NAN without one or when either cannot be measured; and what that
 * costs in the distances and the loss (nothing when not measured). */
static double spread_db(const float *render, size_t n, const float *ref_dyn)
{
    float mine[R2R_DYNSIG_DIM];
    if (!ref_dyn || r2r_ltas_dynamics(render, n, mine) != R2R_OK) return NAN;
    return r2r_retrieval_spread_distance(mine, ref_dyn);
}
static double spread_cost(double weight, double db) { return isfinite(db) ? weight * db : 0.0; }

/* Another take: capture `first` at grid gain g, judged with each of its candidates' IRs
 * (take_sd, take_sp); 0 when the model cannot take that gain. */
static int take_gain(di_search *j, int first, int g, float *w, float *cap, r2r_status *s)
{
    if (r2r_chain_render(j->cc.nams[first], NULL, 0, r2r_retrieval_gain_db(j->db, g), NULL, j->src, j->n, cap) !=
        R2R_OK)
        return 0;
    FOR_CAPTURE(j, first, k)
    {
        candidate *cd = &j->cc.cand[k];
        if (j->cc.irs[k]) *s = r2r_convolve(cap, j->n, j->cc.irs[k], j->cc.irn[k], w);
        else memcpy(w, cap, j->n * sizeof(float));
        float b[R2R_LTAS_BANDS];
        if (*s == R2R_OK) *s = r2r_ltas_compute(w, j->n, b);
        if (*s != R2R_OK) return 0;
        cd->take_sd[g] = r2r_retrieval_source_distance(j->db, b, j->parts, j->nparts, j->top_hz);
        cd->take_sp[g] = spread_db(w, j->n, j->ref_dyn);
    }
    return 1;
}

/* Another take: a candidate's score at grid gain g, its source distance plus its spread
 * at `weight` (the search climbs at TAKE_SPREAD_WEIGHT: the pick's weight is known only
 * after every capture's search). */
static double take_score(const candidate *cd, int g, double weight)
{
    return cd->take_sd[g] + spread_cost(weight, cd->take_sp[g]);
}

/* Another take: the take ranking's grid gain and its neighbours are played first (that
 * ranking judged a short stretch), then the search walks on down the grid while the
 * least is at an edge, so the least found has both neighbours (the parabola refines it)
 * unless it is the grid's end. A model that takes none of those gains plays the whole grid. */
static r2r_status di_search_capture(di_search *j, int first, float *w, float *cap)
{
    const int G = R2R_INDEX_N_GAINS;
    r2r_status s = R2R_OK;
    candidate *c0 = &j->cc.cand[first];
    FOR_CAPTURE(j, first, k) /* INFINITY: not played, or the model cannot take it */
    {
        for (int g = 0; g < G; g++) j->cc.cand[k].take_sd[g] = INFINITY, j->cc.cand[k].take_sp[g] = NAN;
    }
    int done[R2R_INDEX_N_GAINS] = {0}, any = 0;
    char why[sizeof c0->why] = "";
    const int g0 = c0->g >= 0 && c0->g < G ? c0->g : G / 2;
    int lo = g0 - TAKE_SEARCH_STEPS < 0 ? 0 : g0 - TAKE_SEARCH_STEPS;
    int hi = g0 + TAKE_SEARCH_STEPS >= G ? G - 1 : g0 + TAKE_SEARCH_STEPS;
    for (;;) {
        for (int g = lo; g <= hi && s == R2R_OK; g++)
            if (!done[g]) {
                done[g] = 1;
                const int ok = take_gain(j, first, g, w, cap, &s);
                if (!ok && !why[0]) snprintf(why, sizeof why, "%s", r2r_last_error());
                any |= ok;
            }
        if (s != R2R_OK) return s;
        if (!any) { /* none near: the whole grid, once */
            if (lo == 0 && hi == G - 1) break;
            lo = 0, hi = G - 1;
            continue;
        }
        int best = -1;
        for (int g = lo; g <= hi; g++)
            if (isfinite(c0->take_sd[g]) &&
                (best < 0 || take_score(c0, g, TAKE_SPREAD_WEIGHT) < take_score(c0, best, TAKE_SPREAD_WEIGHT)))
                best = g;
        if (best == lo && lo > 0) lo--;
        else if (best == hi && hi < G - 1) hi++;
        else break;
    }
    if (!any) { /* skipped with its reason, never the whole match */
        FOR_CAPTURE(j, first, k)
        {
            j->cc.cand[k].failed = 1;
            memcpy(j->cc.cand[k].why, why, sizeof why);
        }
    }
    return s;
}

/* Another take, after every candidate's search: each candidate's grid gain with the
 * least source distance plus the spread's cost, refined by a parabola through its
 * neighbours. */
static void take_pick_gain(candidate *cd, const r2r_retrieval_db *db, double weight)
{
    const int G = R2R_INDEX_N_GAINS;
    double score[R2R_INDEX_N_GAINS];
    int best = -1;
    for (int g = 0; g < G; g++) { /* INFINITY: not rendered */
        score[g] = take_score(cd, g, weight);
        if (cd->take_sd[g] != INFINITY && (best < 0 || score[g] < score[best])) best = g;
    }
    if (best < 0) {
        cd->failed = 1;
        snprintf(cd->why, sizeof cd->why, "no input gain could be searched with your DI");
        return;
    }
    cd->g = best;
    cd->gain_db = refined_gain(db, score, best);
}

/* The deepest null found so far in a gain search, and the amp's band power there
 * (its spectrum on the same stretch picks the IR later). */
typedef struct {
    double null_db, gain_db;
    float amp[R2R_LTAS_BANDS];
} null_best;

/* The null of capture `first` at gain_db (dB), or INFINITY when the model cannot take
 * it; a new deepest one updates *b from the same render. */
static double null_at(di_search *j, int first, double gain_db, float *w, null_best *b)
{
    double v;
    if (r2r_chain_render(j->cc.nams[first], NULL, 0, gain_db, NULL, j->src, j->n, w) != R2R_OK ||
        null_db(w, j->aligned, j->n, j->top_hz, &v) != R2R_OK)
        return INFINITY;
    if (v < b->null_db && r2r_ltas_compute(w, j->n, b->amp) == R2R_OK) b->null_db = v, b->gain_db = gain_db;
    return v;
}

/* Aligned DI: Brent's search of the capture's input gain for the deepest null, within
 * one grid step either side of the prescreen's best grid gain (inside the grid), from
 * that gain: the vertex of the parabola through the three best gains so far where it
 * lies inside the bracket and the steps shrink, a golden section of the larger side
 * where not, until the bracket reaches no further than 2 NULL_GAIN_TOL_DB beyond the
 * best on either side. */
static r2r_status di_null_capture(di_search *j, int first, float *w)
{
    const candidate *c0 = &j->cc.cand[first];
    const int G = R2R_INDEX_N_GAINS, g = c0->g;
    const double here = r2r_retrieval_gain_db(j->db, g);
    /* the bracket: the neighbouring grid gains, never outside the grid's range */
    double a = r2r_retrieval_gain_db(j->db, g > 0 ? g - 1 : 0);
    double b = r2r_retrieval_gain_db(j->db, g + 1 < G ? g + 1 : G - 1);
    const double gold = (3.0 - sqrt(5.0)) / 2.0, tol = NULL_GAIN_TOL_DB;
    null_best best = {INFINITY, here, {0}};
    /* x the best gain so far, x2 the second, x3 the third, f their nulls; step the last
     * step, prev the one before it */
    double x = here, x2 = here, x3 = here, fx = null_at(j, first, here, w, &best), f2 = fx, f3 = fx;
    double step = 0, prev = 0;
    for (int it = 0; it < NULL_SEARCH_MAX && fabs(x - (a + b) / 2) > 2 * tol - (b - a) / 2; it++) {
        const double mid = (a + b) / 2;
        int parabola = 0;
        if (fabs(prev) > tol) { /* the vertex of the parabola through x, x2, x3: x + p / q */
            const double r = (x - x2) * (fx - f3), q0 = (x - x3) * (fx - f2);
            double p = (x - x3) * q0 - (x - x2) * r, q = 2 * (q0 - r);
            if (q > 0) p = -p;
            else q = -q;
            /* taken only inside the bracket, and under half the step before last */
            if (isfinite(p) && fabs(p) < fabs(0.5 * q * prev) && p > q * (a - x) && p < q * (b - x)) {
                prev = step, step = p / q, parabola = 1;
                if (x + step - a < 2 * tol || b - (x + step) < 2 * tol) step = mid > x ? tol : -tol;
            }
        }
        if (!parabola) prev = x >= mid ? a - x : b - x, step = gold * prev;
        const double u = fabs(step) >= tol ? x + step : x + (step > 0 ? tol : -tol);
        const double fu = null_at(j, first, u, w, &best);
        if (fu <= fx) {
            if (u >= x) a = x;
            else b = x;
            x3 = x2, f3 = f2, x2 = x, f2 = fx, x = u, fx = fu;
        } else {
            if (u < x) a = u;
            else b = u;
            if (fu <= f2 || x2 == x) x3 = x2, f3 = f2, x2 = u, f2 = fu;
            else if (fu <= f3 || x3 == x || x3 == x2) x3 = u, f3 = fu;
        }
    }
    FOR_CAPTURE(j, first, k)
    {
        candidate *cd = &j->cc.cand[k];
        if (!isfinite(best.null_db)) {
            cd->failed = 1;
            snprintf(cd->why, sizeof cd->why, "no input gain near %+.0f dB renders", here);
        }
        cd->gain_db = best.gain_db, cd->null_db = best.null_db;
        memcpy(cd->amp_ltas, best.amp, sizeof best.amp);
    }
    return R2R_OK;
}

static void *di_search_worker(void *arg)
{
    di_search *j = arg;
    float *w = malloc(j->n * sizeof(float));
    /* the capture's render, shared by its IRs (not for the null test) */
    float *cap = j->aligned ? NULL : malloc(j->n * sizeof(float));
    r2r_status s = !w || (!cap && !j->aligned) ? r2r_fail(R2R_ERR_NOMEM, "out of memory") : R2R_OK;
    for (;;) {
        int first = -1;
        pthread_mutex_lock(&j->lock);
        if (s != R2R_OK && j->status == R2R_OK) j->status = s;
        if (j->status == R2R_OK)
            for (int k = 0; k < j->cc.nc && first < 0; k++)
                if (j->cc.nams[k] && !j->claimed[k]) first = k;
        FOR_CAPTURE(j, first < 0 ? j->cc.nc : first, k) j->claimed[k] = 1;
        pthread_mutex_unlock(&j->lock);
        if (first < 0) break;
        s = j->aligned ? di_null_capture(j, first, w) : di_search_capture(j, first, w, cap);
    }
    free(w), free(cap);
    return NULL;
}

static r2r_status di_gain_search(const cand_chains *cc, const r2r_retrieval_db *db, const float *src,
                                 const float *aligned, size_t n, const float *parts, size_t nparts,
                                 const float *ref_dyn, double top_hz, double *spread_weight, double *least_db)
{
    di_search j;
    memset(&j, 0, sizeof j);
    j.cc = *cc, j.db = db;
    j.src = src, j.aligned = aligned, j.n = n, j.parts = parts, j.nparts = nparts, j.ref_dyn = ref_dyn;
    j.top_hz = top_hz;
    j.status = R2R_OK;
    pthread_mutex_init(&j.lock, NULL);
    run_threads(di_search_worker, &j);
    pthread_mutex_destroy(&j.lock);
    /* Another take: how much the spread counts, from the nearest spread of all the
     * candidates' chains at every grid gain; then each candidate's gain. */
    double least = INFINITY;
    for (int k = 0; !aligned && k < cc->nc; k++)
        for (int g = 0; cc->nams[k] && !cc->cand[k].failed && g < R2R_INDEX_N_GAINS; g++)
            if (cc->cand[k].take_sp[g] < least) least = cc->cand[k].take_sp[g];
    *spread_weight = TAKE_SPREAD_WEIGHT * r2r_retrieval_spread_trust(least), *least_db = least;
    for (int k = 0; !aligned && j.status == R2R_OK && k < cc->nc; k++)
        if (cc->nams[k] && !cc->cand[k].failed) take_pick_gain(&cc->cand[k], db, *spread_weight);
    return j.status;
}

/* The sources through a chain: band power averaged over the sources, and the raw
 * features averaged likewise (as the index keeps them). */
static r2r_status measure_chain(r2r_amp *m, const float *ir, size_t irn, double gain_db, const float *const *src,
                                const size_t *len, size_t ns, r2r_features *fx, float *buf, float *ltas, float *feat,
                                float *each)
{
    double acc[R2R_LTAS_BANDS] = {0}, facc[R2R_FEATURES_DIM] = {0};
    r2r_status s = R2R_OK;
    for (size_t p = 0; p < ns && s == R2R_OK; p++) {
        float b[R2R_LTAS_BANDS], f[R2R_FEATURES_DIM];
        s = r2r_chain_render(m, ir, irn, gain_db, NULL, src[p], len[p], buf);
        if (s == R2R_OK) s = r2r_ltas_compute(buf, len[p], b);
        if (s == R2R_OK && each) memcpy(each + p * R2R_LTAS_BANDS, b, sizeof b);
        if (s == R2R_OK && feat) s = r2r_features_extract_raw(fx, buf, len[p], f);
        for (int q = 0; s == R2R_OK && q < R2R_LTAS_BANDS; q++) acc[q] += b[q] / (double)ns;
        for (int q = 0; s == R2R_OK && feat && q < R2R_FEATURES_DIM; q++) facc[q] += f[q] / (double)ns;
    }
    for (int q = 0; s == R2R_OK && q < R2R_LTAS_BANDS; q++) ltas[q] = (float)acc[q];
    for (int q = 0; s == R2R_OK && feat && q < R2R_FEATURES_DIM; q++) feat[q] = (float)facc[q];
    return s;
}

/* The probes' verified spectra as the mixture that best explains the reference (the
 * ranking's source model, r2r_retrieval_mix_fit): cd->pred = Σ w_p · each_p, the
 * shares w kept in cd->mixw for the recipe. */
static void mix_pred(const r2r_retrieval_db *db, const float *each, size_t ns, const float *ref_ltas, double top_hz,
                     candidate *cd)
{
    double *w = cd->mixw;
    cd->mixn = 0;
    if (ns < 2 || ns > R2R_MIX_MAX_PROBES || !isfinite(r2r_retrieval_mix_fit(db, each, ns, ref_ltas, top_hz, w))) return;
    cd->mixn = ns;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        double acc = 0;
        for (size_t p = 0; p < ns; p++) acc += w[p] * each[p * R2R_LTAS_BANDS + b];
        cd->pred[b] = (float)acc;
    }
}

/* Verification: each candidate's chain plays the sources (the probes, or the user's DI)
 * and its spectrum becomes cd->pred (from the reference alone, as the probes' fitted
 * mixture); the candidates are shared out to MATCH_THREADS workers, each with its own
 * buffers. A failed candidate is marked (cd->failed, cd->why) and reported by the caller. */
typedef struct {
    cand_chains cc;
    const r2r_retrieval_db *db;
    const r2r_match_options *o; /* progress, reported from the calling thread */
    pthread_t owner;
    const float *const *src;
    const size_t *len;
    size_t ns, maxlen;
    const float *take_feat; /* the reference's features when the DI is its own take */
    const float *ref_ltas;  /* for the mixture (NULL with a DI: the source is known) */
    const float *parts;     /* ... and the reference's parts, for cd->ident */
    const float *ref_dyn;   /* another take: the reference's level spread, for cd->dyn ... */
    double spread_weight;   /* ... and its weight */
    size_t nparts;
    double top_hz;
    int next, done;
    pthread_mutex_t lock;
} verify_job;

/* One candidate through the chain amp → ir at its gain: cd->pred (from the reference
 * alone, the probes' fitted mixture) and, with the user's own take, cd->dyn. */
static r2r_status verify_chain(const verify_job *j, r2r_amp *amp, const float *ir, size_t irn, candidate *cd,
                               r2r_features *fx, float *buf, float *each)
{
    float vf[R2R_FEATURES_DIM];
    const r2r_status s = measure_chain(amp, ir, irn, cd->gain_db, j->src, j->len, j->ns, fx, buf, cd->pred,
                                       j->take_feat ? vf : NULL, each);
    if (s != R2R_OK) return s;
    /* with the user's own take, the true chain's dynamics replace the index's */
    if (j->take_feat) cd->dyn = r2r_retrieval_dynamics_distance(j->db, j->take_feat, vf);
    /* with another take, how its level spread through the chain matches the reference's */
    if (j->ref_dyn && j->ns == 1)
        cd->spread_db = spread_db(buf, j->len[0], j->ref_dyn), cd->dyn = spread_cost(j->spread_weight, cd->spread_db);
    if (j->ref_ltas) mix_pred(j->db, each, j->ns, j->ref_ltas, j->top_hz, cd);
    /* the ranking's distance of the verified chain, over the reference's parts */
    cd->ident = j->ref_ltas ? r2r_retrieval_mix_fit_parts(j->db, each, j->ns, j->parts, j->nparts, j->top_hz) : NAN;
    return R2R_OK;
}

static void *verify_worker(void *arg)
{
    verify_job *j = arg;
    float *buf = malloc(j->maxlen * sizeof(float)), *each = malloc((j->ns + 1) * R2R_LTAS_BANDS * sizeof(float));
    r2r_features *fx = NULL;
    const int ready = buf && each && (!j->take_feat || r2r_features_create(&fx) == R2R_OK);
    for (;;) {
        pthread_mutex_lock(&j->lock);
        const int k = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (k >= j->cc.nc) break;
        candidate *cd = &j->cc.cand[k];
        if (!j->cc.nams[k] || cd->failed) continue;
        if (!ready)
            cd->failed = 1, snprintf(cd->why, sizeof cd->why, "out of memory");
        else if (verify_chain(j, j->cc.nams[k], j->cc.irs[k], j->cc.irn[k], cd, fx, buf, each) != R2R_OK)
            cd->failed = 1, snprintf(cd->why, sizeof cd->why, "%s", r2r_last_error());
        if (cd->failed) continue;
        cd->ok = 1;
        pthread_mutex_lock(&j->lock);
        const int done = ++j->done;
        pthread_mutex_unlock(&j->lock);
        if (pthread_equal(pthread_self(), j->owner))
            report(j->o, 0.45 + 0.2 * done / j->cc.nc, "verifying the best candidates");
    }
    if (fx) r2r_features_destroy(fx);
    free(buf), free(each);
    return NULL;
}

/* How far a rendered tone is from the reference before any EQ: RMS (dB) of the
 * 1/3-octave smoothed difference with its level removed. */
static double shape_db(const float *ref, const float *pred, double top_hz)
{
    double hz[R2R_LTAS_BANDS], t[R2R_LTAS_BANDS], sq = 0;
    size_t n = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        const double f = r2r_ltas_band_hz(b);
        if (f < EQ_FMIN || f > top_hz) continue;
        hz[n] = f, t[n++] = band_db(ref[b]) - band_db(pred[b]);
    }
    if (n == 0) return 0.0;
    shape_target(hz, t, n); /* the EQ target's smoothing and level removal */
    for (size_t i = 0; i < n; i++) sq += t[i] * t[i];
    return sqrt(sq / (double)n);
}

/* Knob recovery for LV2 candidates, scored by the shape distance before EQ plus the
 * dynamics distance, so the amp's own controls take as much of the tone as they can
 * and the EQ only what they cannot. The input gain stays as verified. */
typedef struct {
    candidate *cd;
    r2r_amp *amp;
    const float *ir;
    size_t irn;
    const r2r_retrieval_db *db;
    const float *const *src;
    const size_t *len;
    size_t ns;
    const float *ref_ltas, *ref_feat;
    double top_hz;
    r2r_status status;
    char why[200]; /* the failure, from the job's thread */
} knob_job;

static r2r_status knob_eval(knob_job *j, r2r_features *fx, float *buf, double *score)
{
    float b[R2R_LTAS_BANDS], f[R2R_FEATURES_DIM];
    r2r_status s = measure_chain(j->amp, j->ir, j->irn, j->cd->gain_db, j->src, j->len, j->ns, fx, buf, b,
                                 j->ref_feat ? f : NULL, NULL);
    j->cd->tune_renders++;
    if (s == R2R_OK) *score = shape_db(j->ref_ltas, b, j->top_hz) + r2r_retrieval_dynamics_distance(j->db, j->ref_feat, f);
    else if (s != R2R_ERR_NOMEM) *score = INFINITY, s = R2R_OK; /* a setting the plugin cannot take */
    if (s != R2R_OK) snprintf(j->why, sizeof j->why, "%s", r2r_last_error());
    return s;
}

/* Coordinate descent on the continuous knobs from steps of `frac` of their ranges,
 * halved when no move helps, until the steps are fine or `budget` renders are spent. */
static r2r_status knob_descend(knob_job *j, r2r_features *fx, float *buf, size_t nk, double frac, int budget,
                               double *best)
{
    double step[KNOB_MAX], sc = 0;
    const int start = j->cd->tune_renders;
    r2r_status s = R2R_OK;
    for (size_t i = 0; i < nk; i++) {
        const r2r_amp_knob *k = r2r_amp_knob_at(j->amp, i);
        step[i] = k->integer ? 0.0 : frac * (k->max - k->min);
    }
    while (s == R2R_OK && j->cd->tune_renders - start < budget) {
        int moved = 0, live = 0;
        for (size_t i = 0; s == R2R_OK && i < nk && j->cd->tune_renders - start < budget; i++) {
            const r2r_amp_knob *k = r2r_amp_knob_at(j->amp, i);
            if (k->integer || step[i] < 0.02 * (k->max - k->min)) continue;
            live = 1;
            const double at = k->value;
            for (int dir = -1; dir <= 1 && s == R2R_OK; dir += 2) {
                const double v = fmin(k->max, fmax(k->min, at + dir * step[i]));
                if (v == at) continue;
                if ((s = r2r_amp_set_knob(j->amp, i, v)) == R2R_OK) s = knob_eval(j, fx, buf, &sc);
                if (s == R2R_OK && sc < *best - 1e-4) {
                    *best = sc, moved = 1;
                    break;
                }
                if (s == R2R_OK) s = r2r_amp_set_knob(j->amp, i, at);
            }
        }
        if (!live) break;
        if (!moved)
            for (size_t i = 0; i < nk; i++) step[i] *= 0.5;
    }
    return s;
}

/* Knob recovery for one candidate: the continuous knobs first, then each discrete
 * control's other choices (up to KNOB_DISCRETE_MAX), taken only when clearly better
 * (a preset's tube or tonestack model is a deliberate choice), then the continuous
 * knobs again, finer, when a choice changed. */
static void *knob_search(void *arg)
{
    knob_job *j = arg;
    candidate *cd = j->cd;
    size_t maxlen = 0;
    for (size_t p = 0; p < j->ns; p++) maxlen = j->len[p] > maxlen ? j->len[p] : maxlen;
    float *buf = malloc(maxlen * sizeof(float));
    r2r_features *fx = NULL;
    r2r_status s = buf ? r2r_features_create(&fx) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    const size_t nk = r2r_amp_knob_count(j->amp) < KNOB_MAX ? r2r_amp_knob_count(j->amp) : KNOB_MAX;
    double best = INFINITY, sc = 0;
    for (size_t i = 0; i < nk; i++) cd->knob_from[i] = r2r_amp_knob_at(j->amp, i)->value;
    if (s == R2R_OK) s = knob_eval(j, fx, buf, &best);
    cd->tune_from_db = best;
    if (s == R2R_OK) s = knob_descend(j, fx, buf, nk, 0.25, KNOB_BUDGET, &best);
    int changed = 0;
    for (size_t i = 0; s == R2R_OK && i < nk; i++) {
        const r2r_amp_knob *k = r2r_amp_knob_at(j->amp, i);
        if (!k->integer || k->max - k->min + 1 > KNOB_DISCRETE_MAX) continue;
        const double was = k->value;
        double keep = was, bar = best - KNOB_DISCRETE_MARGIN_DB;
        for (double v = k->min; s == R2R_OK && v <= k->max; v += 1.0) {
            if (v == was) continue;
            if ((s = r2r_amp_set_knob(j->amp, i, v)) == R2R_OK) s = knob_eval(j, fx, buf, &sc);
            if (s == R2R_OK && sc < bar) bar = sc, keep = v;
        }
        if (s == R2R_OK) s = r2r_amp_set_knob(j->amp, i, keep);
        if (keep != was) best = bar, changed = 1;
    }
    if (s == R2R_OK && changed) s = knob_descend(j, fx, buf, nk, 0.125, KNOB_BUDGET / 2, &best);
    cd->tune_to_db = best;
    cd->tuned = s == R2R_OK;
    /* Like the seed's gain penalty (a grid span costs 1): a knob moved across its whole
     * range costs KNOB_PENALTY, averaged over the tunable knobs, so a preset that needs
     * little turning wins over one that had to become another amp. */
    double moved = 0;
    for (size_t i = 0; i < nk; i++) {
        const r2r_amp_knob *k = r2r_amp_knob_at(j->amp, i);
        moved += k->integer ? (k->value != cd->knob_from[i]) : fabs(k->value - cd->knob_from[i]) / (k->max - k->min);
    }
    cd->knob_pen = nk ? KNOB_PENALTY * moved / (double)nk : 0.0;
    j->status = s;
    if (fx) r2r_features_destroy(fx);
    free(buf);
    return NULL;
}

/* What an isolation backend does to a guitar alone (band power ratio, isolated over
 * original): the probes through the leading combination, isolated as the reference
 * was. The harmonic/percussive mask takes pick attacks and the fizz of a driven amp
 * with the drums, which would otherwise pull the match toward darker rigs. */
static r2r_status isolation_colour(const r2r_retrieval_db *db, const char *library, const r2r_probe_set *ps,
                                   const r2r_combo *x, r2r_iso_backend be, float col[R2R_LTAS_BANDS])
{
    r2r_amp *m = NULL;
    float *ir = NULL, *row = NULL, *y = NULL;
    size_t irn = 0, n = 0;
    r2r_isolated iso = {0};
    r2r_status s = preview_di(NULL, ps, &row, &n);
    if (n > (size_t)(ISO_COLOUR_S * R2R_SAMPLE_RATE)) n = (size_t)(ISO_COLOUR_S * R2R_SAMPLE_RATE); /* time */
    char *cp = s == R2R_OK ? join_path(library, r2r_retrieval_capture_path(db, (size_t)x->capture)) : NULL;
    if (s == R2R_OK) s = cp ? r2r_amp_open(cp, &m) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(cp);
    if (s == R2R_OK && x->ir < (int)r2r_retrieval_irs(db)) {
        char *ip = join_path(library, r2r_retrieval_ir_path(db, (size_t)x->ir));
        s = ip ? r2r_ir_load(ip, &ir, &irn) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(ip);
    }
    if (s == R2R_OK) s = (y = malloc(n * sizeof(float))) ? R2R_OK : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    if (s == R2R_OK) s = r2r_chain_render(m, ir, irn, r2r_retrieval_gain_db(db, x->gain), NULL, row, n, y);
    if (s == R2R_OK) s = r2r_isolate(y, n, 1, R2R_SAMPLE_RATE, be, &iso);
    float a[R2R_LTAS_BANDS], b[R2R_LTAS_BANDS];
    if (s == R2R_OK) s = r2r_ltas_compute(y, n, a);
    if (s == R2R_OK) s = r2r_ltas_compute(iso.guitar, iso.frames, b);
    for (int k = 0; s == R2R_OK && k < R2R_LTAS_BANDS; k++) {
        const double r = (b[k] + 1e-20) / (a[k] + 1e-20);
        col[k] = (float)(r < 0.01 ? 0.01 : r > 1.0 ? 1.0 : r); /* a mask only removes */
    }
    r2r_isolated_free(&iso);
    r2r_amp_free(m);
    free(ir), free(row), free(y);
    return s;
}

/* The top of what a separated reference tells about the guitar: the first band above
 * ISO_TRUST_FROM_HZ where the separated guitar holds less than ISO_SHARE_MIN_DB of the
 * mix's power (0: none). A separation lets a share of the other instruments through
 * (the dsp backend about -30 dB of the mix at 6-9 kHz, where cymbals fill it); where the
 * guitar itself is that quiet, as above a cabinet's roll-off, the separated track is
 * that residue, 10-40 dB above the true guitar, and pulled the match toward bright rigs
 * (bench/match_eval 2, band mix, dev / held out: the capture first in 18 / 30 % of the
 * references without the cut, 29 / 37 % with it; IR first 78 / 80 → 88 / 90 %; tone
 * median 4.40 / 2.02 → 3.52 / 1.56 dB; on dev a floor of -15 or -18 dB did about as
 * well). The bass leaks below ~150 Hz too (about -10 dB of the mix there), but leaving
 * out the low bands where the share fell under -6 dB did worse (dev 24 %, tone 3.73 dB),
 * so they stay. */
static r2r_status separated_top_hz(const float *mix, size_t n, const float *guitar, size_t gn, double *top_hz)
{
    float lm[R2R_LTAS_BANDS], lg[R2R_LTAS_BANDS];
    *top_hz = 0;
    r2r_status s = r2r_ltas_compute(mix, n, lm);
    if (s == R2R_OK) s = r2r_ltas_compute(guitar, gn, lg);
    const double floor = pow(10.0, ISO_SHARE_MIN_DB / 10.0);
    for (int b = 0; s == R2R_OK && b < R2R_LTAS_BANDS; b++) {
        const double hz = r2r_ltas_band_hz(b);
        if (hz > ISO_TRUST_FROM_HZ && lg[b] < floor * lm[b]) {
            *top_hz = hz;
            break;
        }
    }
    return s;
}

/* Lowers the top of the matched bands (*max_hz, 0: not limited yet) to hz; 1 when it did. */
static int lower_top(double *max_hz, double hz)
{
    if (*max_hz > 0 && hz >= *max_hz) return 0;
    *max_hz = hz;
    return 1;
}

static double to_score(double dist_db) { return round(1000.0 / (1.0 + dist_db / 3.0)) / 1000.0; }

static const char *const DI_GUITAR_NAMES[] = {"auto", "same", "other"};

int r2r_di_guitar_parse(const char *name)
{
    for (int g = 0; name && g < (int)(sizeof DI_GUITAR_NAMES / sizeof *DI_GUITAR_NAMES); g++)
        if (!strcmp(name, DI_GUITAR_NAMES[g])) return g;
    return -1;
}

const char *r2r_di_guitar_name(int g)
{
    return g >= 0 && g < (int)(sizeof DI_GUITAR_NAMES / sizeof *DI_GUITAR_NAMES) ? DI_GUITAR_NAMES[g] : "?";
}

r2r_status r2r_match(const char *reference, const r2r_match_options *opt_in, r2r_match_summary *sum)
{
    const double t_start = now_s();
    r2r_match_options o = *opt_in;
    if (o.top_k <= 0) o.top_k = DEFAULT_K;
    /* With the user's DI, candidates are verified and their gains searched on it; with
     * the probes that ranks no better than the index (bench/match_eval: capture top-3
     * 25 % against 39 %), so the probes only check the spectra there. A DI of another
     * guitar (--di-guitar other) takes no part in the match: its colour would be read
     * as the rig's (bench/match_eval, another guitar's take, dev / held out: capture
     * top-1 / top-3 29 / 50 % by it alone, 41 / 62 and 57 / 72 % leaning on the probes,
     * 49 / 72 and 62 / 83 % from the reference alone); it plays the previews. */
    if (o.di_guitar < R2R_DI_GUITAR_AUTO || o.di_guitar > R2R_DI_GUITAR_OTHER)
        return r2r_fail(R2R_ERR_INPUT, "unknown DI kind %d (auto, same or other)", o.di_guitar);
    const int searched = o.di_path != NULL && o.di_guitar != R2R_DI_GUITAR_OTHER;
    if (o.top_m <= 0) o.top_m = searched ? DEFAULT_M_DI : DEFAULT_M;
    if (o.top_m > MAX_M) o.top_m = MAX_M;
    const int auto_iso = o.isolation < 0;
    if (o.isolation < 0) o.isolation = R2R_ISO_DSP;
    memset(sum, 0, sizeof *sum);
    if (!o.library) return r2r_fail(R2R_ERR_INPUT, "no library given (--library LIB)");
    if (!o.out_dir) return r2r_fail(R2R_ERR_INPUT, "no output folder given (--out DIR)");
    double tm[8] = {0};
    r2r_status s;
    r2r_audio a = {0};
    r2r_isolated iso = {0};
    r2r_retrieval_db *db = NULL;
    r2r_probe_set ps = {0};
    float *mono = NULL, *seg = NULL, *di = NULL, *prev = NULL, *chain = NULL, *ybuf = NULL, *each = NULL;
    double *probe_best = NULL; /* another take: each capture's least distance from the reference alone */
    r2r_combo *all = NULL;
    double *nul = NULL; /* the reference's own take: each capture's prescreen null (dB) ... */
    int *nul_g = NULL;  /* ... at this grid gain */
    r2r_features *fx = NULL;
    r2r_amp *nams[MAX_M] = {0};
    float *irs[MAX_M] = {0};
    size_t irn[MAX_M] = {0};
    candidate cand[MAX_M];
    flavor_pick pick[R2R_FLAVOR_COUNT];
    int nc = 0;
    cJSON *root = NULL;
    size_t seg_n = 0, di_n = 0;
    double t0 = now_s();

    /* ---- 1. read and preprocess ---- */
    report(&o, 0.0, "reading the reference");
    /* a library that is not there or not indexed is said before any work */
    if ((s = r2r_library_check_indexed(o.library)) != R2R_OK) goto out;
    if ((s = out_dir_check(o.out_dir)) != R2R_OK) goto out;
    if ((s = r2r_audio_read(reference, 0, &a)) != R2R_OK) goto out;
    const int in_rate = a.sample_rate, in_ch = a.channels;
    const double in_dur = (double)a.frames / a.sample_rate;
    if (in_dur < MIN_REFERENCE_S) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: too short (%.2f s; at least %.0f s of guitar needed)", reference, in_dur,
                     MIN_REFERENCE_S);
        goto out;
    }
    if (in_dur > MAX_ANALYSE_S) {
        warn(sum, "the reference is %.0f s long; only the first %.0f s are analysed", in_dur, MAX_ANALYSE_S);
        a.frames = (size_t)(MAX_ANALYSE_S * a.sample_rate);
    }
    double max_hz = 0, min_hz = 0; /* the matched bands' top and bottom (0: the defaults) */
    if (in_rate < 32000) {
        max_hz = 0.45 * in_rate;
        warn(sum, "the reference is sampled at %d Hz: nothing above %.0f Hz to match, so the treble of the "
                  "recipe is a guess", in_rate, max_hz);
    }
    {
        /* Clipping: many samples at a full scale of 1 (a float file may exceed 1: not clipped). */
        size_t clipped = 0, total = a.frames * (size_t)a.channels;
        const float pk = r2r_peak(a.data, total);
        for (size_t i = 0; pk <= 1.0001f && i < total; i++) clipped += fabsf(a.data[i]) >= 0.999f * pk && pk >= 0.99f;
        if (clipped > total / 1000 + 8)
            warn(sum, "the reference is clipped (%.2f %% of samples at full scale): its distortion is part of "
                      "what gets matched", 100.0 * clipped / total);
    }
    if (a.channels > 2) {
        /* more than stereo: fold to stereo (odd channels left, even right) */
        float *st = malloc(a.frames * 2 * sizeof(float));
        if (!st) {
            s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t f = 0; f < a.frames; f++) {
            double l = 0, r = 0;
            for (int c = 0; c < a.channels; c++) *(c % 2 ? &r : &l) += a.data[f * a.channels + c];
            st[2 * f] = (float)(l / ((a.channels + 1) / 2)), st[2 * f + 1] = (float)(r / (a.channels / 2));
        }
        free(a.data);
        a.data = st, a.channels = 2;
    }
    if ((s = r2r_audio_resample(&a, R2R_SAMPLE_RATE)) != R2R_OK) goto out;
    sum->duration_s = (double)a.frames / R2R_SAMPLE_RATE;
    tm[0] = now_s() - t0;

    /* ---- 2. isolation ---- */
    t0 = now_s();
    report(&o, 0.05, "isolating the guitar");
    if ((s = r2r_isolate_progress(a.data, a.frames, a.channels, R2R_SAMPLE_RATE, (r2r_iso_backend)o.isolation,
                                  isolate_progress, &o, &iso)) != R2R_OK)
        goto out;
    sum->confidence = iso.confidence;
    if (auto_iso && r2r_isolated_alone(&iso)) {
        /* Separation only colours a track that is guitar already (the harmonic mask
         * takes pick attacks and the top octaves with the drums): keep it as it is. */
        r2r_isolated_free(&iso);
        if ((s = r2r_isolate(a.data, a.frames, a.channels, R2R_SAMPLE_RATE, R2R_ISO_NONE, &iso)) != R2R_OK) goto out;
        o.isolation = R2R_ISO_NONE;
        warn(sum, "the reference looks like an isolated guitar (isolation confidence %.2f): matched as it is, "
                  "without separation ('--isolation dsp' forces it)", sum->confidence);
    }
    snprintf(sum->backend, sizeof sum->backend, "%s", r2r_iso_backend_name((r2r_iso_backend)o.isolation));
    if (o.isolation == R2R_ISO_MOCK)
        warn(sum, "isolation backend 'mock' is a plain band-pass meant for tests; use 'dsp' or 'command'");
    mono = malloc(a.frames * sizeof(float));
    if (!mono) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t f = 0; f < a.frames; f++) {
        double acc = 0;
        for (int c = 0; c < a.channels; c++) acc += a.data[f * a.channels + c];
        mono[f] = (float)(acc / a.channels);
    }
    double ref_lufs = -HUGE_VAL;
    r2r_loudness_lufs(iso.guitar, iso.frames, 1, R2R_SAMPLE_RATE, &ref_lufs);
    if (!(ref_lufs > -70.0)) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: silent (no guitar to match%s)", reference,
                     o.isolation == R2R_ISO_NONE ? "" : " after isolation");
        goto out;
    }
    if (o.isolation == R2R_ISO_DSP && r2r_isolated_alone(&iso))
        warn(sum, "this looks like an isolated guitar already (isolation confidence %.2f); "
                  "'--isolation none' would keep it untouched", iso.confidence);
    if (o.isolation != R2R_ISO_NONE) {
        double top = 0;
        if ((s = separated_top_hz(mono, a.frames, iso.guitar, iso.frames, &top)) != R2R_OK) goto out;
        if (top > 0 && lower_top(&max_hz, top))
            warn(sum, "the separated guitar is under 1 %% of the mix above %.0f Hz (the rest is other "
                      "instruments): those bands are not matched and the recipe's treble there is a guess", top);
        if (iso.low_share >= R2R_ISO_BAND_LOW_SHARE && !iso.panned) {
            min_hz = BASS_FLOOR_HZ;
            warn(sum, "a bass or a kick drum is in the mix (%.1f %% of its energy below 50 Hz): the bands below "
                      "%.0f Hz are theirs more than the guitar's, so they are not matched and the recipe's low "
                      "end is a guess", 100.0 * iso.low_share, min_hz);
        }
    }
    tm[1] = now_s() - t0;

    /* ---- 3. segments, level, features, spectrum ---- */
    t0 = now_s();
    report(&o, 0.25, "analysing the reference");
    if ((s = select_segments(iso.guitar, o.isolation == R2R_ISO_NONE ? NULL : mono, iso.frames, &seg, &seg_n)) !=
        R2R_OK)
        goto out;
    r2r_loudness_normalize(seg, seg_n, 1, R2R_SAMPLE_RATE, R2R_TARGET_LUFS, 0.0, NULL);
    float ref_ltas[R2R_LTAS_BANDS], ref_feat[R2R_FEATURES_DIM], parts[R2R_RANK_MAX_PARTS * R2R_LTAS_BANDS];
    size_t nparts = 0; /* the ranking's parts of the reference (r2r_retrieval_rank_parts) */
    if ((s = r2r_ltas_compute(seg, seg_n, ref_ltas)) != R2R_OK) goto out;
    if ((s = r2r_retrieval_part_ltas(seg, seg_n, parts, &nparts)) != R2R_OK) goto out;
    if ((s = r2r_features_create(&fx)) != R2R_OK) goto out;
    tm[2] = now_s() - t0;

    /* ---- 4. retrieval over every capture × gain × IR ---- */
    t0 = now_s();
    report(&o, 0.35, "scoring capture x IR combinations");
    if ((s = r2r_retrieval_open(o.library, &db)) != R2R_OK) goto out;
    if (min_hz > 0) r2r_retrieval_set_min_hz(db, min_hz);
    /* the probes the index was rendered with: verification and the isolation's colour use them */
    const char *psrc = r2r_retrieval_probe_source(db);
    if ((s = r2r_probes_load(psrc && strcmp(psrc, "builtin") ? psrc : NULL, &ps)) != R2R_OK) goto out;
    const char *pfp = r2r_retrieval_probe_fingerprint(db);
    if (pfp && strcmp(pfp, ps.fingerprint)) {
        s = r2r_fail(R2R_ERR_INPUT, "the index of %s was built with other probes (an older r2r, or the probe "
                                    "folder changed): run 'r2r index build %s' again", o.library, o.library);
        goto out;
    }
    const size_t NC = r2r_retrieval_captures(db), NI = r2r_retrieval_irs(db);
    const size_t total = NC * (size_t)R2R_INDEX_N_GAINS * (NI + 1);
    all = malloc(total * sizeof *all);
    if (!all) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t nall = 0;
    /* Without a DI the gain is judged from spectra alone, and a denser performance than
     * the probes looks like more gain: a weak prior keeps the capture's own input level
     * where the spectra barely differ (with a DI, the gain is searched on it). */
    r2r_rank_options ro = {.max_hz = max_hz, .pair_rules = 1, .eq_invariant = 1, .source_mix = 1,
                           .gain_prior_db = searched ? 0.0 : R2R_RANK_GAIN_PRIOR_DB};
    /* Without the dynamics term: the index's dynamics are the probes' (single plucks
     * ringing out, mutes, silences), a performance's are not, so the term only measured
     * how unlike a real performance the probes are, and favoured the most compressed
     * rigs and the top of the gain grid (bench/match_eval 1, from the reference alone:
     * capture top-1 23 → 35 %, top-3 40 → 53 %; on every 2nd capture a weight of 0.3
     * instead of 0 gave 32 % instead of 36 %). It is used where the render plays the
     * reference's own take (take_feat below). */
    if ((s = r2r_retrieval_rank_parts(db, parts, nparts, NULL, &ro, all, total, &nall)) != R2R_OK) goto out;
    if ((o.isolation == R2R_ISO_DSP || o.isolation == R2R_ISO_MOCK) && nall > 0) {
        /* compare like with like: the reference without its isolation's colour, ranked again */
        float col[R2R_LTAS_BANDS];
        if ((s = isolation_colour(db, o.library, &ps, &all[0], (r2r_iso_backend)o.isolation, col)) != R2R_OK) goto out;
        /* Where the isolation keeps less than a quarter of the guitar's power, what is
         * left is mostly other instruments' residue: those bands (the top octaves) are
         * not matched, like the missing top of a low-rate file; below, the colour is undone. */
        for (int b = 0; b < R2R_LTAS_BANDS; b++) {
            const double hz = r2r_ltas_band_hz(b);
            if (hz > ISO_TRUST_FROM_HZ && col[b] < ISO_TRUST_MIN) {
                if (lower_top(&max_hz, hz))
                    warn(sum, "the separation keeps little of the guitar above %.0f Hz: the recipe's treble "
                              "there is a guess (an isolated guitar track, with --isolation none, matches it all)", hz);
                break;
            }
            ref_ltas[b] /= col[b];
            for (size_t p = 0; p < nparts; p++) parts[p * R2R_LTAS_BANDS + b] /= col[b];
        }
        ro.max_hz = max_hz;
        if ((s = r2r_retrieval_rank_parts(db, parts, nparts, NULL, &ro, all, total, &nall)) != R2R_OK) goto out;
    }
    if (NI == 0) warn(sum, "the library has no cabinet IRs (LIB/cab_irs): only captures with a cabinet fit well");
    /* How sure the ranking is: the runner-up capture's distance above the first's. From
     * the reference alone the probes stand in for the playing, and a margin of a tenth of
     * a dB is within what another performance moves the distances: bench/rank_eval
     * (dev / held out, the reference in parts) found the first capture right in 28 / 49 %
     * of the references whose runner-up came within MARGIN_CLOSE_DB, in 83 / 92 % beyond
     * it, 96 / 99 % beyond 0.4 dB. With a DI the candidates are judged on its renders instead. */
    sum->margin_db = NAN;
    for (size_t r = 1; !searched && r < nall; r++)
        if (all[r].capture != all[0].capture) {
            sum->margin_db = all[r].distance_db - all[0].distance_db;
            if (sum->margin_db < MARGIN_CLOSE_DB)
                warn(sum, "from the reference alone %s and %s fit within %.2f dB of each other: the capture is "
                          "uncertain; compare the first three of retrieval.captures, or give a DI of this take (--di)",
                     r2r_retrieval_capture_desc(db, (size_t)all[0].capture)->name,
                     r2r_retrieval_capture_desc(db, (size_t)all[r].capture)->name, sum->margin_db);
            break;
        }
    /* The sources the candidates are verified with: the user's DI when given (its
     * loudest stretch, up to VERIFY_DI_MAX_S), else the probes. */
    if ((s = preview_di(o.di_path, &ps, &di, &di_n)) != R2R_OK) goto out;
    const float *vsrc[R2R_MIX_MAX_PROBES];
    size_t vlen[R2R_MIX_MAX_PROBES], nv = 0, dlen = 0;
    const float *dsrc = o.di_path ? di + r2r_loudest_stretch(di, di_n, VERIFY_DI_MAX_S, &dlen) : NULL;
    if (searched) vsrc[0] = dsrc, vlen[0] = dlen, nv = 1;
    else
        for (size_t p = 0; p < ps.count && p < R2R_MIX_MAX_PROBES; p++) vsrc[nv] = ps.audio[p], vlen[nv++] = ps.len[p];
    const float *aligned = NULL; /* the reference under the DI window when the DI is its own take */
    if (dsrc) {
        report(&o, 0.37, "looking for your DI's take in the reference");
        long lag = 0;
        double sharp = 0;
        const float *under = NULL; /* the reference under the DI's window, when the DI lines up */
        size_t from = 0, to = 0;
        if (dlen >= 2 * R2R_SAMPLE_RATE && r2r_align(mono, a.frames, dsrc, dlen, &lag, &sharp) == R2R_OK &&
            sharp >= ALIGN_MIN_SHARPNESS) {
            /* the part of the window that lies inside the reference; the null test reads the
             * reference as it is (other instruments only lower every null alike, while a
             * separation's masks would distort the guitar itself) */
            from = lag < 0 ? (size_t)(-lag) : 0;
            to = (long)a.frames - lag < (long)dlen ? (size_t)((long)a.frames - lag) : dlen;
            if (to > from && to - from >= 2 * R2R_SAMPLE_RATE) under = mono + (lag + (long)from);
        }
        if (under && !searched)
            warn(sum, "your DI lines up with the reference (its own take?), but --di-guitar other keeps it "
                      "out of the match; with --di-guitar auto it would be null-tested against it");
        else if (under) { /* every capture null-tested on a short loud stretch; it is this take if one nulls */
            nul = malloc((NC + 1) * sizeof *nul), nul_g = malloc((NC + 1) * sizeof *nul_g);
            if (!nul || !nul_g) {
                s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
                goto out;
            }
            report(&o, 0.38, "null-testing every capture with your DI");
            size_t pw;
            const size_t at = r2r_loudest_stretch(dsrc + from, to - from, PRESCREEN_S, &pw);
            if ((s = null_prescreen(db, &o, dsrc + from + at, under + at, pw, max_hz > 0 ? max_hz : EQ_FMAX, all, nall,
                                    2 * (opt_in->top_m > 0 ? o.top_m : DEFAULT_M_ALIGNED), nul, nul_g)) != R2R_OK)
                goto out;
            double deepest = INFINITY;
            for (size_t e = 0; e < NC; e++)
                if (isfinite(nul[e]) && nul[e] < deepest) deepest = nul[e];
            if (deepest <= ALIGN_NULL_MAX_DB) {
                vsrc[0] = dsrc + from, vlen[0] = to - from;
                aligned = under, sum->di_aligned = 1;
                if (opt_in->top_m <= 0) o.top_m = DEFAULT_M_ALIGNED;
            } else {
                warn(sum, "your DI lines up with the reference, but no capture nulls against it (deepest %.1f dB): "
                          "the same part played again, not this take; candidates are compared by their spectra "
                          "through it",
                     deepest);
                free(nul), free(nul_g);
                nul = NULL, nul_g = NULL;
            }
        } else if (searched)
            warn(sum, "your DI is not the reference's own take (no alignment found): candidates are compared by "
                      "their spectra through it, not by a null test");
    }
    float ref_dyn[R2R_DYNSIG_DIM];
    const float *take_dyn = NULL; /* another take: the reference's level spread */
    double spread_w = 0, spread_least = NAN; /* ... its weight, from the nearest candidate's spread */
    double probe_share = NAN; /* ... the probes' share of the ranking (r2r_retrieval_probe_share) */
    if (searched && !aligned) { /* the retrieval again, with the DI's renders as the source */
        if (r2r_ltas_dynamics(seg, seg_n, ref_dyn) == R2R_OK) take_dyn = ref_dyn;
        size_t tw;
        const size_t at = r2r_loudest_stretch(vsrc[0], vlen[0], PRESCREEN_S, &tw);
        float *tl = malloc(NC * R2R_INDEX_N_GAINS * R2R_LTAS_BANDS * sizeof *tl);
        probe_best = malloc((NC + 1) * sizeof *probe_best);
        if (!tl || !probe_best) {
            free(tl);
            s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
            goto out;
        }
        /* the ranking from the reference alone is kept: a take of another guitar explains
         * the reference worse than the probes do, and the probes then rank better */
        r2r_retrieval_capture_best(all, nall, NC, probe_best);
        const double probe_least = nall ? all[0].distance_db : NAN;
        /* each capture plays at the grid gains near its best from the probes */
        s = take_prescreen(db, &o, vsrc[0] + at, tw, all, nall, probe_best, parts, nparts, &ro, tl);
        ro.source_ltas = tl;
        if (s == R2R_OK) s = r2r_retrieval_rank_parts(db, parts, nparts, NULL, &ro, all, total, &nall);
        ro.source_ltas = NULL;
        free(tl);
        if (s == R2R_OK && nall == 0) s = r2r_fail(R2R_ERR_INPUT, "no capture in %s could play your DI", o.library);
        if (s != R2R_OK) goto out;
        const double take_least = all[0].distance_db;
        probe_share = take_share(take_least, probe_least, o.di_guitar);
        if (probe_share > 0.0) {
            r2r_retrieval_blend(all, nall, probe_best, NC, probe_share);
            warn(sum, "your DI through the nearest rig explains the reference less well than the probes do (%.2f "
                      "against %.2f dB): another guitar, or other pickups? The ranking leans on the probes (%.0f %%)",
                 take_least, probe_least, 100.0 * probe_share);
        }
    }
    /* the reference's dynamics, compared only with renders of its own take */
    const float *take_feat = NULL;
    if (aligned) {
        if ((s = r2r_features_extract_raw(fx, seg, seg_n, ref_feat)) != R2R_OK) goto out;
        take_feat = ref_feat;
    }
    int any_amp = 0;
    for (size_t c = 0; c < NC; c++) any_amp |= !r2r_retrieval_capture_desc(db, c)->is_pedal;
    /* Candidates: distinct (capture, IR) pairs, in retrieval order, or (aligned DI) each
     * capture's best-ranked IR, the captures nearest to a null on a short stretch first.
     * Pedal-only captures only when the library has nothing else, or when the null test
     * judges them (then a pedal must null PEDAL_NULL_DB deeper than every amp), or (another
     * take) verified and scored like every capture: played with the player's DI through
     * its chain, a pedal that fits the reference better than every amp is the rig, unless
     * the probes lead the ranking (their share over ½). From
     * the reference alone the recipe picks an amp (the probes cannot tell a pedal into a
     * cabinet from an amp), and its list keeps the pedals. */
    size_t *order = malloc((nall + 1) * sizeof *order), norder = 0;
    unsigned char *taken = aligned ? calloc(NC + 1, 1) : NULL;
    if (!order || (aligned && !taken)) {
        free(order), free(taken);
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (aligned) {
        for (size_t u = 0; u < NC && norder < (size_t)o.top_m; u++) {
            size_t c = NC;
            for (size_t e = 0; e < NC; e++)
                if (!taken[e] && isfinite(nul[e]) && (c == NC || nul[e] < nul[c])) c = e;
            if (c == NC) break;
            taken[c] = 1;
            for (size_t r = 0; r < nall; r++)
                if ((size_t)all[r].capture == c) {
                    order[norder++] = r;
                    break;
                }
        }
    } else
        for (size_t r = 0; r < nall; r++) order[norder++] = r;
    for (size_t u = 0; u < norder && nc < o.top_m; u++) {
        const r2r_combo *x = &all[order[u]];
        if (any_amp && !searched && r2r_retrieval_capture_desc(db, (size_t)x->capture)->is_pedal) continue;
        int dup = 0; /* with the DI: one candidate per capture (its best IR), for recall */
        for (int k = 0; k < nc; k++) dup |= cand[k].c == x->capture && (searched || cand[k].i == x->ir);
        if (dup) continue;
        candidate *cd = &cand[nc++];
        memset(cd, 0, sizeof *cd);
        cd->c = x->capture, cd->g = x->gain, cd->i = x->ir, cd->dist = x->distance_db, cd->dyn = x->dynamics;
        cd->null_db = NAN, cd->spread_db = NAN;
        cd->probe_db = probe_best ? probe_best[x->capture] : NAN;
        if (aligned) { /* the null's grid gain; searched finely later */
            cd->g = nul_g[x->capture], cd->null_db = nul[x->capture];
            cd->gain_db = r2r_retrieval_gain_db(db, cd->g);
            continue;
        }
        /* Gain refinement: a parabola through the distances at the neighbouring grid gains. */
        double dg[R2R_INDEX_N_GAINS];
        for (int g = 0; g < R2R_INDEX_N_GAINS; g++) dg[g] = NAN;
        for (size_t q = 0; q < nall; q++)
            if (all[q].capture == x->capture && all[q].ir == x->ir) dg[all[q].gain] = all[q].distance_db;
        cd->gain_db = refined_gain(db, dg, x->gain);
    }
    free(order), free(taken);
    if (nc == 0) {
        s = r2r_fail(R2R_ERR_INPUT, "no capture in %s could be scored", o.library);
        goto out;
    }
    tm[3] = now_s() - t0;

    /* ---- 5. verification by true render of the probes ---- */
    t0 = now_s();
    report(&o, 0.45, "verifying the best candidates");
    size_t maxp = 0;
    for (size_t p = 0; p < nv; p++) maxp = vlen[p] > maxp ? vlen[p] : maxp;
    ybuf = malloc(maxp * sizeof(float)), each = malloc((nv + 1) * R2R_LTAS_BANDS * sizeof(float));
    if (!ybuf || !each) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int k = 0; k < nc; k++) {
        candidate *cd = &cand[k];
        char *cp = join_path(o.library, r2r_retrieval_capture_path(db, (size_t)cd->c));
        s = cp ? r2r_amp_open(cp, &nams[k]) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(cp);
        if (s == R2R_OK && cd->i < (int)NI) {
            char *ip = join_path(o.library, r2r_retrieval_ir_path(db, (size_t)cd->i));
            s = ip ? r2r_ir_load(ip, &irs[k], &irn[k]) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
            free(ip);
        }
        if (s != R2R_OK) { /* a file changed since indexing: skip it, say so */
            warn(sum, "skipped a candidate: %s", r2r_last_error());
            s = R2R_OK;
            r2r_amp_free(nams[k]);
            nams[k] = NULL;
            continue;
        }
    }
    const double top_hz = max_hz > 0 && max_hz < EQ_FMAX ? max_hz : EQ_FMAX; /* the bands matched */
    if (searched) {
        report(&o, 0.47, "searching input gains with your DI");
        size_t at = 0, len = vlen[0];
        if (aligned) { /* the null is searched on a shorter loud stretch */
            at = r2r_loudest_stretch(vsrc[0], vlen[0], NULL_SEARCH_S, &len);
        }
        const cand_chains cc = {cand, nc, nams, irs, irn};
        if ((s = di_gain_search(&cc, db, vsrc[0] + at, aligned ? aligned + at : NULL, len, parts, nparts, take_dyn,
                                top_hz, &spread_w, &spread_least)) != R2R_OK)
            goto out;
        if (take_dyn && isfinite(spread_least) && spread_w < TAKE_SPREAD_WEIGHT)
            warn(sum, "your DI's level moves unlike the reference's even through the nearest rig (%.2f dB apart per "
                      "octave band): played differently? How the level moves counts %s",
                 spread_least, spread_w > 0 ? "less" : "not at all");
        /* Aligned: the cabinet IR too is chosen on that stretch, the amp's spectrum against
         * the reference's under it (the same notes: no guess about the source left). Not
         * for an LV2 preset with knobs: its spectrum at the preset's settings is not yet
         * the amp's (knob recovery comes later), and the IR would absorb the difference
         * (knob_eval: IR found 83 % → 50 % when it did). */
        float ref_win[R2R_LTAS_BANDS];
        if (aligned && (s = r2r_ltas_compute(aligned + at, len, ref_win)) != R2R_OK) goto out;
        for (int k = 0; aligned && k < nc; k++) {
            candidate *cd = &cand[k];
            if (!nams[k] || cd->failed || r2r_amp_knob_count(nams[k]) > 0) continue;
            const int ir = r2r_retrieval_best_ir(db, cd->amp_ltas, ref_win, top_hz,
                                                 r2r_retrieval_capture_desc(db, (size_t)cd->c)->has_cab, NULL);
            if (ir == cd->i) continue;
            free(irs[k]);
            irs[k] = NULL, irn[k] = 0, cd->i = ir;
            if (ir < (int)NI) {
                char *ip = join_path(o.library, r2r_retrieval_ir_path(db, (size_t)ir));
                s = ip ? r2r_ir_load(ip, &irs[k], &irn[k]) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
                free(ip);
                if (s != R2R_OK) { /* the file changed since indexing */
                    cd->failed = 1;
                    snprintf(cd->why, sizeof cd->why, "%s", r2r_last_error());
                    s = R2R_OK;
                }
            }
        }
    }
    verify_job vj = {{cand, nc, nams, irs, irn}, db, &o, pthread_self(), vsrc, vlen, nv, maxp, take_feat,
                     searched ? NULL : ref_ltas, parts, take_dyn, spread_w, nparts, top_hz, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    run_threads(verify_worker, &vj);
    for (int k = 0; k < nc; k++) /* reported and skipped */
        if (nams[k] && cand[k].failed)
            warn(sum, "skipped %s: %s", r2r_retrieval_capture_desc(db, (size_t)cand[k].c)->name, cand[k].why);
    /* Knob recovery: the leading LV2 candidates with tunable controls, one thread each. */
    knob_job jobs[KNOB_CANDIDATES];
    int nj = 0;
    const float *ksrc[R2R_MIX_MAX_PROBES];
    size_t klen[R2R_MIX_MAX_PROBES];
    for (size_t p = 0; p < nv; p++) {
        const size_t cap = (size_t)(KNOB_SRC_S * R2R_SAMPLE_RATE / (double)nv);
        ksrc[p] = vsrc[p], klen[p] = vlen[p] < cap ? vlen[p] : cap;
    }
    /* the candidates the search starts best from, by its own measure; with the take's
     * own DI, the deepest nulls (the null penalty decides the pick) */
    double kscore[MAX_M];
    for (int k = 0; k < nc; k++)
        kscore[k] = !cand[k].ok || r2r_amp_knob_count(nams[k]) == 0 ? INFINITY
                    : aligned                                        ? cand[k].null_db
                                                                     : shape_db(ref_ltas, cand[k].pred, top_hz) + cand[k].dyn;
    while (s == R2R_OK && nj < KNOB_CANDIDATES) {
        int k = -1;
        for (int q = 0; q < nc; q++)
            if (isfinite(kscore[q]) && (k < 0 || kscore[q] < kscore[k])) k = q;
        if (k < 0) break;
        kscore[k] = INFINITY;
        jobs[nj++] = (knob_job){&cand[k], nams[k], irs[k], irn[k], db, ksrc, klen, nv, ref_ltas, take_feat, top_hz, R2R_OK, ""};
    }
    if (nj > 0) {
        report(&o, 0.66, "recovering the amp's knobs");
        r2r_fftw_thread_safe();
        pthread_t th[KNOB_CANDIDATES];
        int started[KNOB_CANDIDATES] = {0};
        for (int q = 1; q < nj; q++) started[q] = pthread_create(&th[q], NULL, knob_search, &jobs[q]) == 0;
        knob_search(&jobs[0]);
        for (int q = 1; q < nj; q++) {
            if (started[q]) pthread_join(th[q], NULL);
            else knob_search(&jobs[q]);
        }
        for (int q = 0; q < nj; q++) {
            candidate *cd = jobs[q].cd;
            r2r_status ks = jobs[q].status;
            if (ks != R2R_OK) r2r_fail(ks, "%s", jobs[q].why);
            if (ks == R2R_OK) ks = verify_chain(&vj, jobs[q].amp, jobs[q].ir, jobs[q].irn, cd, fx, ybuf, each);
            if (ks == R2R_OK) continue;
            if (ks == R2R_ERR_NOMEM) {
                s = ks;
                break;
            }
            /* a knob setting the plugin cannot take: the candidate is dropped, said so */
            cd->ok = 0, cd->tuned = 0;
            warn(sum, "skipped %s: %s", r2r_retrieval_capture_desc(db, (size_t)cd->c)->name, r2r_last_error());
        }
    }
    if (s != R2R_OK) goto out;
    tm[4] = now_s() - t0;

    /* ---- 6. gain + EQ per flavor on spectra ---- */
    t0 = now_s();
    report(&o, 0.7, "fitting gain and EQ for three flavors");
    double fz[R2R_LTAS_BANDS], target[R2R_LTAS_BANDS];
    for (int f = 0; f < R2R_FLAVOR_COUNT; f++) pick[f].cand = -1, pick[f].total = INFINITY;
    double deepest = INFINITY; /* aligned DI: the deepest null of the candidates */
    for (int k = 0; aligned && k < nc; k++)
        if (cand[k].ok && cand[k].null_db < deepest) deepest = cand[k].null_db;
    for (int k = 0; k < nc; k++) {
        candidate *cd = &cand[k];
        if (!cd->ok) continue;
        const int pedal_rig = any_amp && r2r_retrieval_capture_desc(db, (size_t)cd->c)->is_pedal;
        cd->null_pen = isfinite(deepest) && isfinite(cd->null_db)
                           ? (cd->null_db - deepest + (pedal_rig ? PEDAL_NULL_DB : 0.0)) / NULL_DB_PER_LOSS
                           : 0.0;
        size_t nb = 0;
        double mean = 0, sq = 0;
        for (int b = 0; b < R2R_LTAS_BANDS; b++) {
            const double hz = r2r_ltas_band_hz(b);
            if (hz < EQ_FMIN || hz > top_hz) continue;
            fz[nb] = hz;
            target[nb] = band_db(ref_ltas[b]) - band_db(cd->pred[b]);
            mean += target[nb], sq += target[nb] * target[nb];
            nb++;
        }
        mean /= (double)nb;
        cd->verified_db = sqrt(fmax(0.0, sq / (double)nb - mean * mean));
        if (searched) shape_target(fz, target, nb);
        else estimated_target(db, cd->pred, ref_ltas, top_hz, fz, target, nb);
        /* The gain's penalty: with the DI, the seed's on leaving the grid, unless the null
         * test measured the gain; from the reference alone, the ranking's prior toward
         * the capture's own level, so the pick weighs gains as the ranking did. */
        const double gpen = !searched ? r2r_retrieval_gain_prior(R2R_RANK_GAIN_PRIOR_DB, cd->gain_db)
                            : aligned ? 0.0
                                      : fabs(cd->gain_db - r2r_retrieval_gain_db(db, cd->g)) / GAIN_PENALTY_DIV;
        /* From the reference alone, what the EQ fit leaves tells rigs apart poorly (its
         * target is what the source model gives the EQ): the ranking's distance of the
         * verified spectrum (the EQ's price included; RMS over the reference's parts, as
         * verify_chain measured it) joins the loss, so the pick agrees with the retrieval
         * (bench/match_eval: the recipe's capture was the true one in 13 % of the
         * references without it, 23 % with it). */
        if (aligned) cd->ident = 0.0;
        else if (searched) cd->ident = r2r_retrieval_source_distance(db, cd->pred, parts, nparts, top_hz);
        else if (!isfinite(cd->ident)) cd->ident = r2r_retrieval_shape_distance(db, cd->pred, ref_ltas, top_hz);
        if (!isfinite(cd->ident)) cd->ident = 0.0;
        for (int f = 0; f < R2R_FLAVOR_COUNT; f++) {
            r2r_eq eq;
            r2r_eqfit_loss L;
            if ((s = r2r_eq_fit(fz, target, nb, (r2r_flavor)f, o.optimizer, o.seed + (unsigned)k, &eq, &L)) != R2R_OK)
                goto out;
            /* another take: its identity (source distance, spread) and the probes' view, by their shares */
            const double who = isfinite(cd->probe_db) ? (1.0 - probe_share) * (cd->ident + cd->dyn) +
                                                            probe_share * cd->probe_db
                                                      : cd->ident + cd->dyn;
            const double tot = L.total + who + gpen + cd->knob_pen + cd->null_pen;
            if (f == R2R_FLAVOR_BALANCED) cd->fit_total = tot;
            /* a pedal is the rig only where the DI judges it (the probes cannot tell a pedal
             * into a cabinet from an amp) */
            if (tot < pick[f].total && !(pedal_rig && (!searched || probe_share > R2R_PROBE_SHARE_FROM))) {
                pick[f].cand = k, pick[f].eq = eq, pick[f].loss = L, pick[f].total = tot;
                pick[f].gain_penalty = gpen;
            }
        }
    }
    if (pick[0].cand < 0) {
        s = r2r_fail(R2R_ERR_INPUT, "no candidate could be rendered (library files changed? re-run r2r index build)");
        goto out;
    }
    tm[5] = now_s() - t0;

    /* ---- 7. previews and files ---- */
    t0 = now_s();
    report(&o, 0.85, "rendering previews");
    if (mkdir_p(o.out_dir) != 0) {
        s = r2r_fail(R2R_ERR_IO, "%s: cannot create the output folder: %s", o.out_dir, strerror(errno));
        goto out;
    }
    char path[4600];
    /* Listening level for the A/B files: the reference's loudness, but no hotter than
     * PREVIEW_MAX_LUFS so previews of a loud master do not clip. */
    const double listen_lufs = ref_lufs < PREVIEW_MAX_LUFS ? ref_lufs : PREVIEW_MAX_LUFS;
    r2r_gain_apply(iso.guitar, iso.frames, listen_lufs - ref_lufs);
    snprintf(path, sizeof path, "%s/reference_isolated.wav", o.out_dir);
    if ((s = r2r_audio_write_wav(path, iso.guitar, iso.frames, 1, R2R_SAMPLE_RATE)) != R2R_OK) goto out;
    prev = malloc(di_n * sizeof(float));
    chain = malloc(di_n * sizeof(float));
    if (!prev || !chain) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (int f = 0, chained = -1; f < R2R_FLAVOR_COUNT; f++) {
        const int k = pick[f].cand;
        /* flavors that share a candidate share its render; only their EQs differ */
        if (k != chained && (s = r2r_chain_render(nams[k], irs[k], irn[k], cand[k].gain_db, NULL, di, di_n, chain)) != R2R_OK)
            goto out;
        chained = k;
        memcpy(prev, chain, di_n * sizeof(float));
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, &pick[f].eq, R2R_SAMPLE_RATE);
        r2r_eq_runner_process(&run, prev, di_n);
        /* output_gain_db brings the chain to the reference's loudness; the preview files
         * sit at the listening level, like reference_isolated.wav. */
        double applied = 0;
        r2r_loudness_match(prev, di_n, listen_lufs, &applied);
        pick[f].output_gain_db = applied + (ref_lufs - listen_lufs);
        snprintf(path, sizeof path, "%s/preview_%s.wav", o.out_dir, r2r_flavor_name((r2r_flavor)f));
        if ((s = r2r_audio_write_wav(path, prev, di_n, 1, R2R_SAMPLE_RATE)) != R2R_OK) goto out;
        char *txt = r2r_eq_apo_text(&pick[f].eq);
        snprintf(path, sizeof path, "%s/eq_%s.txt", o.out_dir, r2r_flavor_name((r2r_flavor)f));
        s = txt ? r2r_write_text_atomic(path, txt) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(txt);
        if (s != R2R_OK) goto out;
        report(&o, 0.85 + 0.1 * (f + 1) / R2R_FLAVOR_COUNT, "rendering previews");
    }
    tm[6] = now_s() - t0;

    /* ---- recipe.json ---- */
    root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON *rf = cJSON_AddObjectToObject(root, "reference");
    cJSON_AddStringToObject(rf, "path", reference);
    cJSON_AddNumberToObject(rf, "duration_s", round(in_dur * 1000) / 1000);
    cJSON_AddNumberToObject(rf, "analysed_s", round((double)seg_n / R2R_SAMPLE_RATE * 100) / 100);
    cJSON_AddNumberToObject(rf, "lufs", round(ref_lufs * 100) / 100);
    cJSON_AddNumberToObject(rf, "sample_rate", in_rate);
    cJSON_AddNumberToObject(rf, "channels", in_ch);
    cJSON *is = cJSON_AddObjectToObject(rf, "isolation");
    cJSON_AddStringToObject(is, "backend", sum->backend);
    cJSON_AddNumberToObject(is, "confidence", round(iso.confidence * 1000) / 1000);
    cJSON_AddStringToObject(rf, "isolated", "reference_isolated.wav");
    if (o.di_path) { /* the player's DI and what it did: own_take (null test), take (ranking, gains), previews */
        cJSON *dj = cJSON_AddObjectToObject(root, "di");
        cJSON_AddStringToObject(dj, "path", o.di_path);
        cJSON_AddStringToObject(dj, "guitar", r2r_di_guitar_name(o.di_guitar));
        cJSON_AddStringToObject(dj, "role", aligned ? "own_take" : searched ? "take" : "previews");
    }
    {
        const double mh[2] = {min_hz > 0 ? min_hz : R2R_RETRIEVAL_FMIN_HZ,
                              max_hz > 0 && max_hz < R2R_RETRIEVAL_FMAX_HZ ? round(max_hz) : R2R_RETRIEVAL_FMAX_HZ};
        cJSON_AddItemToObject(rf, "matched_hz", cJSON_CreateDoubleArray(mh, 2));
    }
    cJSON_AddNumberToObject(rf, "preview_lufs", round(listen_lufs * 100) / 100);
    cJSON *lv = cJSON_AddObjectToObject(root, "levels");
    cJSON_AddNumberToObject(lv, "di_peak_dbfs", R2R_DI_PEAK_DBFS);
    cJSON_AddStringToObject(lv, "convention",
                            "input_gain_db applies to a DI whose sample peak is at di_peak_dbfs; r2r render "
                            "brings any DI there first. output_gain_db brings the probe previews to the "
                            "reference's loudness; the preview files and reference_isolated.wav play at reference.preview_lufs.");
    cJSON_AddStringToObject(lv, "library", o.library);
    /* ranked retrieval lists */
    cJSON *rt = cJSON_AddObjectToObject(root, "retrieval");
    if (isfinite(sum->margin_db)) cJSON_AddNumberToObject(rt, "margin_db", round(sum->margin_db * 1000) / 1000);
    else cJSON_AddNullToObject(rt, "margin_db");
    if (isfinite(probe_share)) cJSON_AddNumberToObject(rt, "probe_share", round(probe_share * 1000) / 1000);
    cJSON *rc = cJSON_AddArrayToObject(rt, "captures"), *ri = cJSON_AddArrayToObject(rt, "irs");
    {
        unsigned char *seen_c = calloc(NC + 1, 1), *seen_i = calloc(NI + 2, 1);
        int nrc = 0, nri = 0;
        const int want = o.top_k;
        /* With the user's DI, the verified combinations lead, best balanced loss first
         * (a render of the real source outranks the spectral estimate; renders of the
         * probes tell no more than the index, measured by bench/match_eval), then the
         * rest in retrieval order; "score"
         * follows the order (never rising), "distance_db" is the spectral estimate. */
        double last_cs = 1.0, last_is = 1.0;
        int vorder[MAX_M], nvo = 0;
        for (int k = 0; searched && k < nc; k++) /* probe renders rank no better than the index */
            if (cand[k].ok) vorder[nvo++] = k;
        for (int i = 1; i < nvo; i++)
            for (int j = i; j > 0 && cand[vorder[j]].fit_total < cand[vorder[j - 1]].fit_total; j--) {
                const int t = vorder[j];
                vorder[j] = vorder[j - 1], vorder[j - 1] = t;
            }
        r2r_combo *lead = malloc(((size_t)nvo + nall + 1) * sizeof *lead);
        size_t nlead = 0;
        for (int i = 0; lead && i < nvo; i++) {
            const candidate *cd = &cand[vorder[i]];
            r2r_combo *x = &lead[nlead++];
            memset(x, 0, sizeof *x);
            x->capture = cd->c, x->gain = cd->g, x->ir = cd->i, x->distance_db = cd->dist;
        }
        if (lead) memcpy(lead + nlead, all, nall * sizeof *all), nlead += nall;
        for (size_t r = 0; lead && seen_c && seen_i && r < nlead && (nrc < want || nri < want); r++) {
            const r2r_combo *x = &lead[r];
            if (nrc < want && !seen_c[x->capture]) {
                seen_c[x->capture] = 1, nrc++;
                const r2r_capture_desc *d = r2r_retrieval_capture_desc(db, (size_t)x->capture);
                cJSON *e = cJSON_CreateObject();
                char *ap = join_path(o.library, d->path);
                cJSON_AddStringToObject(e, "path", ap ? ap : d->path);
                free(ap);
                cJSON_AddStringToObject(e, "name", d->name);
                last_cs = fmin(last_cs, to_score(x->distance_db));
                cJSON_AddNumberToObject(e, "score", last_cs);
                cJSON_AddNumberToObject(e, "distance_db", round(x->distance_db * 100) / 100);
                cJSON_AddNumberToObject(e, "best_gain_db", r2r_retrieval_gain_db(db, x->gain));
                cJSON_AddBoolToObject(e, "has_cab", d->has_cab);
                cJSON_AddBoolToObject(e, "pedal", d->is_pedal);
                cJSON_AddBoolToObject(e, "verified", r < (size_t)nvo);
                cJSON_AddItemToArray(rc, e);
            }
            if (nri < want && !seen_i[x->ir]) {
                seen_i[x->ir] = 1, nri++;
                cJSON *e = cJSON_CreateObject();
                if (x->ir < (int)NI) {
                    char *ap = join_path(o.library, r2r_retrieval_ir_path(db, (size_t)x->ir));
                    cJSON_AddStringToObject(e, "path", ap ? ap : "");
                    cJSON_AddStringToObject(e, "name", base_name(r2r_retrieval_ir_path(db, (size_t)x->ir)));
                    free(ap);
                } else {
                    cJSON_AddNullToObject(e, "path");
                    cJSON_AddStringToObject(e, "name", "no IR");
                }
                last_is = fmin(last_is, to_score(x->distance_db));
                cJSON_AddNumberToObject(e, "score", last_is);
                cJSON_AddNumberToObject(e, "distance_db", round(x->distance_db * 100) / 100);
                cJSON_AddBoolToObject(e, "verified", r < (size_t)nvo);
                cJSON_AddItemToArray(ri, e);
            }
        }
        free(seen_c), free(seen_i), free(lead);
    }
    cJSON *cs = cJSON_AddArrayToObject(root, "candidates");
    for (int f = 0; f < R2R_FLAVOR_COUNT; f++) {
        const int k = pick[f].cand;
        const candidate *cd = &cand[k];
        const r2r_capture_desc *d = r2r_retrieval_capture_desc(db, (size_t)cd->c);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "flavor", r2r_flavor_name((r2r_flavor)f));
        cJSON *cap = cJSON_AddObjectToObject(e, "capture");
        char *ap = join_path(o.library, d->path);
        cJSON_AddStringToObject(cap, "path", ap ? ap : d->path);
        free(ap);
        cJSON_AddStringToObject(cap, "name", d->name);
        cJSON_AddStringToObject(cap, "architecture", d->architecture);
        cJSON_AddBoolToObject(cap, "has_cab", d->has_cab);
        if (d->cab_reason) cJSON_AddStringToObject(cap, "cab_detected_from", d->cab_reason);
        cJSON_AddBoolToObject(cap, "pedal", d->is_pedal);
        sum->flavor[f].knobs[0] = '\0';
        if (r2r_amp_kind_of(nams[k]) == R2R_AMP_LV2) {
            /* What to load in an LV2 host: the plugin and every control, knobs as recovered. */
            cJSON *lv = cJSON_AddObjectToObject(cap, "lv2");
            cJSON_AddStringToObject(lv, "uri", r2r_amp_lv2_uri(nams[k]));
            cJSON_AddStringToObject(lv, "plugin", r2r_amp_lv2_plugin(nams[k]));
            cJSON_AddNumberToObject(lv, "makeup_db", round(r2r_amp_lv2_makeup_db(nams[k]) * 100) / 100);
            char *cj = r2r_amp_controls_json(nams[k]);
            cJSON *ctl = cj ? cJSON_Parse(cj) : NULL;
            free(cj);
            cJSON_AddItemToObject(lv, "controls", ctl ? ctl : cJSON_CreateObject());
            cJSON *kn = cJSON_AddArrayToObject(lv, "knobs");
            size_t used = 0;
            for (size_t i = 0; i < r2r_amp_knob_count(nams[k]) && i < KNOB_MAX; i++) {
                const r2r_amp_knob *kb = r2r_amp_knob_at(nams[k], i);
                cJSON *x = cJSON_CreateObject();
                cJSON_AddStringToObject(x, "symbol", kb->symbol);
                cJSON_AddStringToObject(x, "name", kb->name);
                cJSON_AddNumberToObject(x, "preset", round((cd->tuned ? cd->knob_from[i] : kb->value) * 1e4) / 1e4);
                cJSON_AddNumberToObject(x, "value", round(kb->value * 1e4) / 1e4);
                cJSON_AddNumberToObject(x, "min", kb->min);
                cJSON_AddNumberToObject(x, "max", kb->max);
                cJSON_AddItemToArray(kn, x);
                const int w = snprintf(sum->flavor[f].knobs + used, sizeof sum->flavor[f].knobs - used, "%s%s %.3g",
                                       used ? ", " : "", kb->symbol, kb->value);
                if (w > 0 && used + (size_t)w < sizeof sum->flavor[f].knobs) used += (size_t)w;
            }
            cJSON_AddBoolToObject(lv, "knobs_recovered", cd->tuned);
            if (cd->tuned) {
                cJSON_AddNumberToObject(lv, "shape_db_preset", round(cd->tune_from_db * 1000) / 1000);
                cJSON_AddNumberToObject(lv, "shape_db_recovered", round(cd->tune_to_db * 1000) / 1000);
                cJSON_AddNumberToObject(lv, "renders", cd->tune_renders);
            }
        }
        if (cd->i < (int)NI) {
            cJSON *ir = cJSON_AddObjectToObject(e, "ir");
            char *ip = join_path(o.library, r2r_retrieval_ir_path(db, (size_t)cd->i));
            cJSON_AddStringToObject(ir, "path", ip ? ip : "");
            free(ip);
            cJSON_AddStringToObject(ir, "name", base_name(r2r_retrieval_ir_path(db, (size_t)cd->i)));
        } else
            cJSON_AddNullToObject(e, "ir");
        cJSON_AddNumberToObject(e, "input_gain_db", round(cd->gain_db * 100) / 100);
        cJSON_AddNumberToObject(e, "output_gain_db", round(pick[f].output_gain_db * 100) / 100);
        cJSON_AddItemToObject(e, "eq", eq_json(&pick[f].eq));
        cJSON *L = cJSON_AddObjectToObject(e, "loss");
        cJSON_AddNumberToObject(L, "spectral_db", round(pick[f].loss.spectral_db * 1000) / 1000);
        cJSON_AddNumberToObject(L, "dynamics", round(cd->dyn * 1000) / 1000);
        cJSON_AddNumberToObject(L, "eq_penalty", round(pick[f].loss.eq_penalty * 1000) / 1000);
        cJSON_AddNumberToObject(L, "gain_penalty", round(pick[f].gain_penalty * 1000) / 1000);
        cJSON_AddNumberToObject(L, "knob_penalty", round(cd->knob_pen * 1000) / 1000);
        if (!aligned) cJSON_AddNumberToObject(L, "identity_db", round(cd->ident * 1000) / 1000);
        if (isfinite(cd->spread_db)) {
            cJSON_AddNumberToObject(L, "level_spread_db", round(cd->spread_db * 1000) / 1000);
            cJSON_AddNumberToObject(L, "level_spread_weight", round(spread_w * 1000) / 1000);
        }
        if (isfinite(cd->probe_db)) {
            cJSON_AddNumberToObject(L, "probe_db", round(cd->probe_db * 1000) / 1000);
            cJSON_AddNumberToObject(L, "probe_share", round(probe_share * 1000) / 1000);
        }
        if (!searched && cd->mixn > 0) { /* what the match assumed was played: the probes' shares */
            cJSON *sm = cJSON_AddObjectToObject(e, "source_mix");
            for (size_t p = 0; p < cd->mixn && p < ps.count; p++)
                cJSON_AddNumberToObject(sm, ps.names[p], round(cd->mixw[p] * 1000) / 1000);
        }
        if (aligned) {
            cJSON_AddNumberToObject(L, "null_db", round(cd->null_db * 100) / 100);
            cJSON_AddNumberToObject(L, "null_penalty", round(cd->null_pen * 1000) / 1000);
        }
        cJSON_AddNumberToObject(L, "flavor", round(pick[f].loss.flavor * 1000) / 1000);
        cJSON_AddNumberToObject(L, "total", round(pick[f].total * 1000) / 1000);
        cJSON_AddNumberToObject(L, "before_eq_db", round(cd->verified_db * 1000) / 1000);
        cJSON_AddNumberToObject(L, "retrieval_db", round(cd->dist * 1000) / 1000);
        char name[64];
        snprintf(name, sizeof name, "preview_%s.wav", r2r_flavor_name((r2r_flavor)f));
        cJSON_AddStringToObject(e, "preview", name);
        snprintf(name, sizeof name, "eq_%s.txt", r2r_flavor_name((r2r_flavor)f));
        cJSON_AddStringToObject(e, "eq_preset", name);
        cJSON *notes = cJSON_AddArrayToObject(e, "notes");
        if (cd->i >= (int)NI && d->has_cab)
            cJSON_AddItemToArray(notes, cJSON_CreateString("no cabinet IR needed: this capture already includes the cabinet"));
        else if (cd->i >= (int)NI)
            cJSON_AddItemToArray(notes, cJSON_CreateString("no cabinet IR: the capture alone matched best"));
        if (cd->tuned)
            cJSON_AddItemToArray(notes, cJSON_CreateString("LV2 preset: the amp's own knobs were tuned to the reference "
                                                           "(lv2.knobs: preset value → recovered value); load the "
                                                           "plugin with lv2.controls"));
        if (d->is_pedal && !any_amp)
            cJSON_AddItemToArray(notes, cJSON_CreateString("this is a pedal capture: the library has no amp "
                                                           "captures, so it stands in for a whole rig"));
        else if (d->is_pedal && aligned)
            cJSON_AddItemToArray(notes, cJSON_CreateString("this is a pedal capture: played with your DI it nulls "
                                                           "against the reference deeper than every amp capture of "
                                                           "the library, so it stands in for the whole rig"));
        else if (d->is_pedal)
            cJSON_AddItemToArray(notes, cJSON_CreateString("this is a pedal capture: your DI through it and the "
                                                           "cabinet fits the reference better than through every amp "
                                                           "capture of the library, so it stands in for the whole rig"));
        cJSON_AddItemToArray(cs, e);
        snprintf(sum->flavor[f].capture, sizeof sum->flavor[f].capture, "%s", d->name);
        snprintf(sum->flavor[f].ir, sizeof sum->flavor[f].ir, "%s",
                 cd->i < (int)NI ? base_name(r2r_retrieval_ir_path(db, (size_t)cd->i)) : "no IR");
        sum->flavor[f].input_gain_db = cd->gain_db;
        sum->flavor[f].output_gain_db = pick[f].output_gain_db;
        sum->flavor[f].spectral_db = pick[f].loss.spectral_db;
        sum->flavor[f].total = pick[f].total;
        if (f == R2R_FLAVOR_BALANCED) sum->null_db = aligned ? cd->null_db : NAN;
    }
    if (sum->warnings[0]) {
        cJSON *w = cJSON_AddArrayToObject(root, "warnings");
        char tmp[sizeof sum->warnings];
        snprintf(tmp, sizeof tmp, "%s", sum->warnings);
        for (char *line = strtok(tmp, "\n"); line; line = strtok(NULL, "\n"))
            cJSON_AddItemToArray(w, cJSON_CreateString(line));
    }
    cJSON *ts = cJSON_AddObjectToObject(root, "timings_s");
    const char *tn[7] = {"read", "isolate", "analyse", "retrieve", "verify", "optimize", "previews"};
    for (int i = 0; i < 7; i++) cJSON_AddNumberToObject(ts, tn[i], round(tm[i] * 1000) / 1000);
    cJSON_AddNumberToObject(ts, "total", round((now_s() - t_start) * 1000) / 1000);
    {
        char *text = cJSON_Print(root);
        snprintf(path, sizeof path, "%s/recipe.json", o.out_dir);
        s = text ? r2r_write_text_atomic(path, text) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(text);
        if (s != R2R_OK) goto out;
        char *md = r2r_recipe_markdown(root);
        snprintf(path, sizeof path, "%s/recipe.md", o.out_dir);
        s = md ? r2r_write_text_atomic(path, md) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(md);
        if (s != R2R_OK) goto out;
    }
    report(&o, 1.0, "done");
    sum->seconds = now_s() - t_start;
out:
    cJSON_Delete(root);
    for (int k = 0; k < MAX_M; k++) {
        r2r_amp_free(nams[k]);
        free(irs[k]);
    }
    free(all), free(mono), free(seg), free(di), free(prev), free(chain), free(ybuf), free(each), free(probe_best);
    r2r_probes_free(&ps);
    if (fx) r2r_features_destroy(fx);
    free(nul), free(nul_g);
    r2r_retrieval_close(db);
    r2r_isolated_free(&iso);
    r2r_audio_free(&a);
    return s;
}
