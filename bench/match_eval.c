/* The matcher's headline numbers (DESIGN.md evaluation protocol): a DI excerpt that is
 * not a probe → capture X at a random input gain → cabinet IR Y (none for a capture
 * that holds its cabinet) → a mild random EQ = reference. `r2r match` (isolation none)
 * ranks captures and IRs; the DI is re-rendered through the balanced recipe and compared
 * with the reference (mean |dB| of loudness-aligned long-term mel spectra).
 * The same references go through the seed's method as the baseline: cosine similarity
 * of 155-dim z-scored features against NAM-only probe renders (unity gain) and against
 * the features of each raw impulse response, no joint scoring.
 *
 * usage: match_eval [STRIDE] — every STRIDE-th capture of the dev library (default 1);
 * R2R_EVAL_ONLY=di runs the --di row alone (the reference's own take), R2R_EVAL_ONLY=take the
 * --di row with another take of the same guitar (the same DI file from BENCH_TAKE_FROM_S on: other
 * notes, the same instrument and player; with R2R_EVAL_TAKE=other the next DI's take: another guitar
 * and player, as when the reference is somebody else's record), R2R_EVAL_ONLY=ref the rows from the reference
 * alone, R2R_EVAL_ONLY=mix the band-mix row (R2R_EVAL_MIX=centred, the default: bass and drums
 * centred; room: as a stereo recording; mono: the guitar centred too, a mono file; alone: the
 * guitar alone, dsp isolation forced); R2R_EVAL_DIS and R2R_EVAL_CABS replace the DIs and
 * cabinets (held-out runs); R2R_EVAL_DI_GUITAR=auto|same|other sets r2r match's --di-guitar. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "benchutil.h"
#include "library/analyze.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/eqfit.h"
#include "r2r/features.h"
#include "r2r/isolate.h"
#include "r2r/library.h"
#include "r2r/ltas.h"
#include "r2r/match.h"
#include "r2r/nam.h"
#include "r2r/synth.h"
#include "r2r/vindex.h"

#define EXCERPT_S 6.0
#define MAX_CAPS 256

/* The protocol's DIs and cabinets (benchutil). */
static bench_protocol proto;
static int di_guitar; /* r2r_di_guitar of the --di rows (R2R_EVAL_DI_GUITAR) */

/* Another take of the same guitar for R2R_EVAL_ONLY=take (bench_protocol_take), written
 * to path (r2r match brings any DI to its level itself). */
static int write_take(const char *di, const char *path)
{
    float *x;
    size_t n;
    if (bench_protocol_take(di, &x, &n) != 0) return -1;
    const int rc = r2r_audio_write_wav(path, x, n, 1, R2R_SAMPLE_RATE) == R2R_OK ? 0 : -1;
    free(x);
    return rc;
}

/* Mean |dB| between loudness-aligned long-term mel spectra (bands 40 Hz-16 kHz). */
static double tone_distance(float *y, const float *ref, size_t n)
{
    double lr, ly;
    r2r_loudness_lufs(ref, n, 1, R2R_SAMPLE_RATE, &lr);
    r2r_loudness_lufs(y, n, 1, R2R_SAMPLE_RATE, &ly);
    if (!isfinite(lr) || !isfinite(ly)) return NAN;
    r2r_gain_apply(y, n, lr - ly);
    float a[R2R_LTAS_BANDS], b[R2R_LTAS_BANDS];
    r2r_ltas_compute(y, n, a);
    r2r_ltas_compute(ref, n, b);
    double acc = 0;
    int nb = 0;
    for (int k = 0; k < R2R_LTAS_BANDS; k++) {
        if (r2r_ltas_band_hz(k) < 40.0) continue;
        acc += fabs(10 * log10(a[k] + 1e-20) - 10 * log10(b[k] + 1e-20));
        nb++;
    }
    return acc / nb;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Chain: DI (at the DI level) × gain → capture → IR → EQ. */
static void chain(r2r_nam *m, const float *ir, size_t irn, double gdb, const r2r_eq *eq, const float *x, size_t n,
                  float *y)
{
    float *t = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) t[i] = x[i] * (float)r2r_db_to_lin(gdb);
    r2r_nam_render(m, t, t, n);
    if (ir) r2r_convolve(t, n, ir, irn, y);
    else memcpy(y, t, n * sizeof(float));
    free(t);
    if (eq) {
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, eq, R2R_SAMPLE_RATE);
        r2r_eq_runner_process(&run, y, n);
    }
}

/* Balanced EQ fitted, as the matcher does, on the spectra of the probes played through
 * capture m at gdb → ir against the reference's spectrum. */
static void fit_on_probes(r2r_nam *m, const float *ir, size_t irn, double gdb, const r2r_probe_set *ps,
                          const float *ref, size_t n, r2r_eq *eq)
{
    double acc[R2R_LTAS_BANDS] = {0};
    for (size_t pr = 0; pr < ps->count; pr++) {
        float *py = malloc(ps->len[pr] * sizeof(float)), bb[R2R_LTAS_BANDS];
        chain(m, ir, irn, gdb, NULL, ps->audio[pr], ps->len[pr], py);
        r2r_ltas_compute(py, ps->len[pr], bb);
        for (int b = 0; b < R2R_LTAS_BANDS; b++) acc[b] += bb[b];
        free(py);
    }
    float rl[R2R_LTAS_BANDS];
    r2r_ltas_compute(ref, n, rl);
    double fz[R2R_LTAS_BANDS], tg[R2R_LTAS_BANDS];
    size_t nb = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        const double hz = r2r_ltas_band_hz(b);
        if (hz < 40 || hz > 14000) continue;
        fz[nb] = hz, tg[nb] = 10 * log10(rl[b] + 1e-20) - 10 * log10(acc[b] / ps->count + 1e-20);
        nb++;
    }
    r2r_eqfit_loss L;
    r2r_eq_fit(fz, tg, nb, R2R_FLAVOR_BALANCED, R2R_OPT_COORD, 1, eq, &L);
}

/* One `r2r match` of refp (isolation none; with the DI when di is given): the ranks of
 * the true capture and IR in the recipe's retrieval lists, the tone distance of the DI
 * through the balanced recipe, and the same with the recipe's EQ left flat. */
typedef struct {
    int crank, irank;
    double tone, tone_flat, seconds;
    char top[96];  /* the capture ranked first */
    char pick[96]; /* the balanced recipe's capture */
    double pick_gain;
    double top_hz; /* the top of the bands the match compared (reference.matched_hz) */
    double share;  /* retrieval.probe_share (another take), else NAN */
} match_result;

static int eval_match(const char *lib, const char *work, const char *refp, int isolation, const char *di,
                      const char *dip, const char *cap, int truth_ir, const char *cab, const float *z, size_t n,
                      match_result *mr)
{
    char outd[256], recp[300], renp[256];
    snprintf(outd, sizeof outd, "%s/out", work);
    snprintf(recp, sizeof recp, "%s/recipe.json", outd);
    snprintf(renp, sizeof renp, "%s/render.wav", work);
    r2r_match_options o = {0};
    o.library = lib, o.out_dir = outd, o.isolation = isolation, o.di_path = di, o.di_guitar = di_guitar;
    r2r_match_summary sum;
    double tm = bench_now();
    if (r2r_match(refp, &o, &sum) != R2R_OK) {
        fprintf(stderr, "match_eval: %s\n", r2r_last_error());
        return -1;
    }
    mr->seconds = bench_now() - tm;
    cJSON *r = bench_read_json(recp);
    if (!r) return -1;
    int k = 0;
    const cJSON *e;
    mr->crank = mr->irank = -1;
    mr->top[0] = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "captures"))
    {
        const char *ep = cJSON_GetObjectItem(e, "path")->valuestring;
        if (mr->crank < 0 && strstr(ep, cap)) mr->crank = k;
        if (k == 0) snprintf(mr->top, sizeof mr->top, "%s", strrchr(ep, '/') ? strrchr(ep, '/') + 1 : ep);
        k++;
    }
    mr->pick[0] = 0, mr->pick_gain = NAN;
    const cJSON *mh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reference"), "matched_hz");
    mr->top_hz = cJSON_GetArraySize(mh) == 2 ? cJSON_GetArrayItem(mh, 1)->valuedouble : NAN;
    const cJSON *sh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "probe_share");
    mr->share = cJSON_IsNumber(sh) ? sh->valuedouble : NAN;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r, "candidates"))
    {
        if (strcmp(cJSON_GetObjectItem(e, "flavor")->valuestring, "balanced")) continue;
        const char *ep = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "capture"), "path")->valuestring;
        snprintf(mr->pick, sizeof mr->pick, "%s", strrchr(ep, '/') ? strrchr(ep, '/') + 1 : ep);
        mr->pick_gain = cJSON_GetObjectItem(e, "input_gain_db")->valuedouble;
    }
    k = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "irs"))
    {
        const cJSON *pp = cJSON_GetObjectItem(e, "path");
        const int is_none = cJSON_IsNull(pp);
        if (mr->irank < 0 && ((truth_ir < 0 && is_none) || (truth_ir >= 0 && !is_none && strstr(pp->valuestring, cab))))
            mr->irank = k;
        k++;
    }
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) { /* the same recipe with its EQ flat */
            const cJSON *cd;
            cJSON_ArrayForEach(cd, cJSON_GetObjectItem(r, "candidates"))
            {
                const cJSON *bd;
                cJSON_ArrayForEach(bd, cJSON_GetObjectItem(cJSON_GetObjectItem(cd, "eq"), "bands"))
                    cJSON_SetNumberValue(cJSON_GetObjectItem(bd, "gain_db"), 0.0);
            }
            char *flat = cJSON_Print(r);
            FILE *ff = fopen(recp, "wb");
            if (ff) fputs(flat, ff), fclose(ff);
            free(flat);
        }
        double t = NAN;
        r2r_audio ya;
        if (r2r_recipe_render(recp, "balanced", dip, renp) == R2R_OK && r2r_audio_read(renp, 0, &ya) == R2R_OK) {
            if (ya.frames >= n) t = tone_distance(ya.data, z, n);
            r2r_audio_free(&ya);
        }
        *(pass ? &mr->tone_flat : &mr->tone) = t;
    }
    cJSON_Delete(r);
    return 0;
}

typedef struct {
    int c1, c3, i1, i3, n;
    int rig1, nrig; /* the balanced recipe's capture is the true one (matcher rows) */
    double tone[1024];
} tally;

/* pick: the recipe's balanced capture is the true one (1) or not (0); -1: not a recipe */
static void add_rank(tally *t, int crank, int irank, double tone, int pick)
{
    if (pick >= 0) t->rig1 += pick, t->nrig++;
    t->c1 += crank == 0, t->c3 += crank >= 0 && crank < 3;
    t->i1 += irank == 0, t->i3 += irank >= 0 && irank < 3;
    if (t->n < 1024) t->tone[t->n] = tone;
    t->n++;
}

static int picked(const match_result *m, const char *cap)
{
    return m->pick[0] && strstr(cap, m->pick) != NULL;
}

static void print_tally(const char *name, tally *t)
{
    double med = NAN, mean = 0;
    int m = t->n < 1024 ? t->n : 1024, k = 0;
    double *v = malloc((size_t)m * sizeof(double));
    for (int i = 0; i < m; i++)
        if (isfinite(t->tone[i])) v[k++] = t->tone[i], mean += t->tone[i];
    if (k) {
        qsort(v, (size_t)k, sizeof(double), cmp_double);
        med = v[k / 2];
        mean /= k;
    }
    free(v);
    char rig[16] = "    -  ";
    if (t->nrig) snprintf(rig, sizeof rig, "%5.0f %%", 100.0 * t->rig1 / t->nrig);
    printf("  %-34s %5.0f %%  %5.0f %%  %s   %5.0f %%  %5.0f %%   %6.2f dB  %6.2f dB\n", name, 100.0 * t->c1 / t->n,
           100.0 * t->c3 / t->n, rig, 100.0 * t->i1 / t->n, 100.0 * t->i3 / t->n, med, mean);
}

int main(int argc, char **argv)
{
    const char *only = getenv("R2R_EVAL_ONLY");
    const int only_di = only && !strcmp(only, "di"), only_ref = only && !strcmp(only, "ref");
    const int only_mix = only && !strcmp(only, "mix"), only_take = only && !strcmp(only, "take");
    if (only && !only_di && !only_ref && !only_mix && !only_take) {
        fprintf(stderr, "match_eval: R2R_EVAL_ONLY is di, take, ref or mix\n");
        return 2;
    }
    int stride = argc > 1 ? atoi(argv[1]) : 1;
    bench_protocol_init(&proto);
    if (bench_take_di(&proto, 0) < 0) return 2;
    const char *dg = getenv("R2R_EVAL_DI_GUITAR");
    if (dg && (di_guitar = r2r_di_guitar_parse(dg)) < 0) {
        fprintf(stderr, "match_eval: R2R_EVAL_DI_GUITAR is auto, same or other\n");
        return 2;
    }
    if (stride < 1) stride = 1;
    char lib[256];
    double t0 = bench_now();
    if (bench_dev_library(lib, sizeof lib) != 0) return 1;
    printf("index of the dev library built in %.1f s\n", bench_now() - t0);
    /* Capture rows of the FAISS index (seed baseline) and their paths. */
    char p[4600];
    snprintf(p, sizeof p, "%s/.r2r/index.json", lib);
    cJSON *idx = bench_read_json(p);
    if (!idx) return 1;
    const cJSON *rows = cJSON_GetObjectItem(idx, "captures"), *irrows = cJSON_GetObjectItem(idx, "irs");
    const int nrows = cJSON_GetArraySize(rows), nirs = cJSON_GetArraySize(irrows);
    char *caps[MAX_CAPS];
    int ncaps = 0;
    for (int r = 0; r < nrows; r++) {
        const cJSON *e = cJSON_GetArrayItem(rows, r);
        if (cJSON_GetObjectItem(e, "gain_db")->valuedouble != 0.0 || ncaps >= MAX_CAPS) continue;
        caps[ncaps++] = strdup(cJSON_GetObjectItem(e, "path")->valuestring);
    }
    r2r_feature_stats stats;
    snprintf(p, sizeof p, "%s/.r2r/norm.json", lib);
    if (r2r_feature_stats_load(p, &stats) != R2R_OK) return 1;
    r2r_features *fx;
    r2r_features_create(&fx);
    /* Seed IR signatures: features of each raw impulse (padded to 1 s). */
    float irn_feat[64][R2R_FEATURES_DIM];
    float *irs[64];
    size_t irlen[64];
    for (int i = 0; i < nirs && i < 64; i++) {
        snprintf(p, sizeof p, "%s/%s", lib, cJSON_GetObjectItem(cJSON_GetArrayItem(irrows, i), "path")->valuestring);
        if (r2r_ir_load(p, &irs[i], &irlen[i]) != R2R_OK) return 1;
        size_t n = irlen[i] > 48000 ? irlen[i] : 48000;
        float *pad = calloc(n, sizeof(float)), raw[R2R_FEATURES_DIM];
        memcpy(pad, irs[i], irlen[i] * sizeof(float));
        r2r_features_extract_raw(fx, pad, n, raw);
        r2r_features_normalize(raw, &stats, irn_feat[i]);
        free(pad);
    }
    r2r_probe_set ps;
    if (r2r_probes_load(NULL, &ps) != R2R_OK) return 1;

    const size_t n = (size_t)(EXCERPT_S * R2R_SAMPLE_RATE);
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    float *w = malloc(n * sizeof(float));
    unsigned seed = 12345;
    tally ours = {0}, noeq = {0}, withdi = {0}, inmix = {0}, base = {0}, o_raw = {0}, o_fit = {0};
    double match_s = 0, match_di_s = 0, match_mix_s = 0;
    /* Bass (the bass DI through ampeg.nam) and synthesized drums for the mix rows: centred,
     * or with R2R_EVAL_MIX=room as a stereo recording (bench_band), R2R_EVAL_MIX=mono centred
     * with the guitar in a mono file (the default isolation decides); R2R_EVAL_MIX=alone
     * leaves them out (80 dB down) and forces the dsp isolation: what the separation
     * does to the guitar itself. */
    const char *mixkind = getenv("R2R_EVAL_MIX");
    const int room = mixkind && !strcmp(mixkind, "room"), alone = mixkind && !strcmp(mixkind, "alone");
    const int mono = mixkind && !strcmp(mixkind, "mono");
    if (mixkind && !room && !alone && !mono && strcmp(mixkind, "centred")) {
        fprintf(stderr, "match_eval: R2R_EVAL_MIX is centred, room, mono or alone\n");
        return 2;
    }
    float *bandl = calloc(n, sizeof(float)), *bandr = calloc(n, sizeof(float)), *mixbuf = malloc(2 * n * sizeof(float));
    {
        float *bass = malloc(n * sizeof(float));
        if (!bass || bench_render_rig("data/di/downtown-bass.wav", 1.0, "data/captures/ampeg.nam", NULL, 0.0, bass, n) != 0 ||
            bench_band(bass, n, room, bandl, bandr) != 0) {
            fprintf(stderr, "match_eval: %s\n", r2r_last_error());
            return 1;
        }
        free(bass);
    }
    char work[] = "/tmp/r2r-eval-XXXXXX";
    if (!mkdtemp(work)) return 1;
    for (int c = 0; c < ncaps; c += stride) {
        snprintf(p, sizeof p, "%s/%s", lib, caps[c]);
        r2r_nam *m;
        if (r2r_nam_load(p, 0, &m) != R2R_OK) continue;
        const int rig = strstr(caps[c], "-Cab-") != NULL; /* full rigs by their file names */
        for (size_t d = 0; d < proto.ndis; d++) {
            if (bench_protocol_excerpt(proto.dis[d], 1.0, x, n) != 0) continue;
            double gdb;
            int cab;
            r2r_eq eq;
            bench_protocol_draw(&proto, &seed, &gdb, &cab, &eq);
            int truth_ir = -1; /* -1: no IR */
            for (int i = 0; i < nirs && !rig; i++)
                if (strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(irrows, i), "path")->valuestring, proto.cabs[cab]))
                    truth_ir = i;
            chain(m, truth_ir >= 0 ? irs[truth_ir] : NULL, truth_ir >= 0 ? irlen[truth_ir] : 0, gdb, &eq, x, n, z);
            char refp[256], dip[256], mixp[256], takep[256];
            snprintf(mixp, sizeof mixp, "%s/mix.wav", work);
            snprintf(refp, sizeof refp, "%s/ref.wav", work);
            snprintf(dip, sizeof dip, "%s/di.wav", work);
            r2r_audio_write_wav(refp, z, n, 1, R2R_SAMPLE_RATE);
            r2r_audio_write_wav(dip, x, n, 1, R2R_SAMPLE_RATE);
            snprintf(takep, sizeof takep, "%s/take.wav", work);
            if (only_take && write_take(proto.dis[bench_take_di(&proto, d)], takep) != 0) continue;
            /* ---- ours, from the reference alone and with the DI ---- */
            /* the same guitar in a band: panned 70/30 over bass and drums as loud */
            {
                double eg = 0, eo = 0;
                for (size_t i = 0; i < n; i++) {
                    const double o = 0.5 * (bandl[i] + bandr[i]);
                    eg += (double)z[i] * z[i], eo += o * o;
                }
                const float k = (float)sqrt(eg / (eo + 1e-20)) * (alone ? 1e-4f : 1.0f);
                const int chans = mono ? 1 : 2;
                for (size_t i = 0; i < n; i++) {
                    if (mono) {
                        mixbuf[i] = 0.5f * z[i] + 0.25f * k * (bandl[i] + bandr[i]);
                        continue;
                    }
                    mixbuf[2 * i] = 0.7f * z[i] + 0.5f * k * bandl[i];
                    mixbuf[2 * i + 1] = 0.3f * z[i] + 0.5f * k * bandr[i];
                }
                const float pk = r2r_peak(mixbuf, (size_t)chans * n);
                if (pk > 0.99f) r2r_gain_apply(mixbuf, (size_t)chans * n, r2r_lin_to_db(0.99f / pk));
                r2r_audio_write_wav(mixp, mixbuf, n, chans, R2R_SAMPLE_RATE);
            }
            /* the rows this run measures: from the reference alone, with its DI, from the mix */
            const int full = !only, run_ref = full || only_ref, run_di = full || only_di || only_take, run_mix = full || only_mix;
            match_result mr, md, mm;
            if ((run_ref && eval_match(lib, work, refp, 0, NULL, dip, caps[c], truth_ir, proto.cabs[cab], z, n, &mr) != 0) ||
                (run_di && eval_match(lib, work, refp, 0, only_take ? takep : dip, dip, caps[c], truth_ir, proto.cabs[cab], z, n, &md) != 0) ||
                (run_mix && eval_match(lib, work, mixp, alone ? (int)R2R_ISO_DSP : -1, NULL, dip, caps[c], truth_ir, proto.cabs[cab], z, n, &mm) != 0))
                continue;
            if (run_ref) {
                match_s += mr.seconds;
                add_rank(&ours, mr.crank, mr.irank, mr.tone, picked(&mr, caps[c]));
                add_rank(&noeq, mr.crank, mr.irank, mr.tone_flat, picked(&mr, caps[c]));
            }
            if (run_di) match_di_s += md.seconds, add_rank(&withdi, md.crank, md.irank, md.tone, picked(&md, caps[c]));
            if (run_mix) match_mix_s += mm.seconds, add_rank(&inmix, mm.crank, mm.irank, mm.tone, picked(&mm, caps[c]));
            if (!full) { /* R2R_EVAL_ONLY: that row alone */
                const match_result *one = run_ref ? &mr : run_di ? &md : &mm;
                if (getenv("R2R_EVAL_VERBOSE"))
                    fprintf(stderr,
                            "\n%-40.40s %-16s %+5.1f dB: rank %d (top %.40s), IR %d, tone %.2f (flat %.2f), "
                            "pick %.40s %+5.1f dB, to %.0f Hz, share %.3f\n",
                            caps[c], proto.dis[d], gdb, one->crank, one->top, one->irank, one->tone, one->tone_flat, one->pick,
                            one->pick_gain, one->top_hz, one->share);
                fprintf(stderr, "\r%d references", run_ref ? ours.n : run_di ? withdi.n : inmix.n);
                continue;
            }
            /* ---- oracles: the true rig without EQ, and with the EQ fitted on the probes ---- */
            {
                const float *tir = truth_ir >= 0 ? irs[truth_ir] : NULL;
                const size_t tirn = truth_ir >= 0 ? irlen[truth_ir] : 0;
                chain(m, tir, tirn, gdb, NULL, x, n, w);
                add_rank(&o_raw, 0, 0, tone_distance(w, z, n), -1);
                r2r_eq oeq;
                fit_on_probes(m, tir, tirn, gdb, &ps, z, n, &oeq);
                chain(m, tir, tirn, gdb, &oeq, x, n, w);
                add_rank(&o_fit, 0, 0, tone_distance(w, z, n), -1);
            }
            if (getenv("R2R_EVAL_VERBOSE"))
                fprintf(stderr, "\n%-40.40s %-16s %+5.1f dB: rank %d/%d/%d, IR %d/%d/%d, tone %.2f (flat %.2f, DI %.2f, mix %.2f; oracle %.2f / %.2f)\n",
                        caps[c], proto.dis[d], gdb, mr.crank, md.crank, mm.crank, mr.irank, md.irank, mm.irank, mr.tone,
                        mr.tone_flat, md.tone, mm.tone, o_raw.tone[o_raw.n - 1], o_fit.tone[o_fit.n - 1]);
            /* ---- seed baseline ---- */
            float raw[R2R_FEATURES_DIM], q[R2R_FEATURES_DIM];
            r2r_features_extract_raw(fx, z, n, raw);
            r2r_features_normalize(raw, &stats, q);
            int64_t ids[4096];
            float sc[4096];
            int found = 0;
            snprintf(p, sizeof p, "%s/.r2r/captures.faiss", lib);
            r2r_vindex_search(p, q, R2R_FEATURES_DIM, nrows < 4096 ? nrows : 4096, ids, sc, &found);
            int bc = -1, brank = -1, kk = 0;
            for (int i = 0; i < found; i++) {
                const cJSON *row = cJSON_GetArrayItem(rows, (int)ids[i]);
                if (cJSON_GetObjectItem(row, "gain_db")->valuedouble != 0.0) continue;
                const char *rp = cJSON_GetObjectItem(row, "path")->valuestring;
                if (bc < 0)
                    for (int j = 0; j < ncaps; j++)
                        if (!strcmp(caps[j], rp)) bc = j;
                if (brank < 0 && !strcmp(rp, caps[c])) brank = kk;
                kk++;
            }
            /* IRs: raw impulse signatures; the seed has no "no IR" candidate. */
            int order[64], bi = 0;
            double s_ir[64];
            for (int i = 0; i < nirs; i++) {
                double dot = 0;
                for (int j = 0; j < R2R_FEATURES_DIM; j++) dot += (double)q[j] * irn_feat[i][j];
                s_ir[i] = dot, order[i] = i;
            }
            for (int a1 = 0; a1 < nirs; a1++)
                for (int b1 = a1 + 1; b1 < nirs; b1++)
                    if (s_ir[order[b1]] > s_ir[order[a1]]) {
                        int t = order[a1];
                        order[a1] = order[b1], order[b1] = t;
                    }
            int birank = -1;
            for (int i = 0; i < nirs; i++)
                if (order[i] == truth_ir) birank = i;
            bi = order[0];
            /* The seed's rig: its top capture at unity gain through its top IR, with the
             * balanced EQ fitted on the probes' spectra (the same optimizer as ours). */
            if (bc >= 0) {
                snprintf(p, sizeof p, "%s/%s", lib, caps[bc]);
                r2r_nam *bm;
                if (r2r_nam_load(p, 0, &bm) == R2R_OK) {
                    r2r_eq beq;
                    fit_on_probes(bm, irs[bi], irlen[bi], 0.0, &ps, z, n, &beq);
                    chain(bm, irs[bi], irlen[bi], 0.0, &beq, x, n, w);
                    add_rank(&base, brank, birank, tone_distance(w, z, n), -1);
                    r2r_nam_free(bm);
                } else
                    add_rank(&base, brank, birank, NAN, -1);
            } else
                add_rank(&base, brank, birank, NAN, -1);
            fprintf(stderr, "\r%d references", ours.n);
        }
        r2r_nam_free(m);
    }
    fprintf(stderr, "\n");
    printf("\nmatch_eval: %d references = %d captures x %zu DI excerpts of %.0f s (not probes), random input gain\n"
           "  +-9 dB, random cabinet IR of %zu (none for full rigs), random EQ +-2 dB per band\n\n",
           only_di || only_take ? withdi.n : only_mix ? inmix.n : ours.n, (ncaps + stride - 1) / stride, proto.ndis, EXCERPT_S, proto.ncabs);
    printf("  %-34s %7s %7s  %7s   %7s %7s   %9s %9s\n", "method", "cap@1", "cap@3", "rig", "IR@1", "IR@3", "tone med",
           "tone mean");
    if (!only || only_ref) print_tally("r2r match (joint, verified)", &ours);
    if (!only || only_ref) print_tally("r2r match, its EQ left flat", &noeq);
    if (!only || only_di) print_tally("r2r match --di (the performance's DI)", &withdi);
    if (only_take) {
        char row[96];
        snprintf(row, sizeof row, "r2r match --di (%s, --di-guitar %s)",
                 bench_take_di(&proto, 0) != 0 ? "a take of another guitar" : "another take, the same guitar",
                 r2r_di_guitar_name(di_guitar));
        print_tally(row, &withdi);
    }
    if (!only || only_mix) print_tally("r2r match on a band mix (dsp isolation)", &inmix);
    if (!only) {
        print_tally("seed method (baseline)", &base);
        print_tally("oracle: true rig, no EQ", &o_raw);
        print_tally("oracle: true rig, EQ fit on probes", &o_fit);
    }
    printf("\n  targets: capture top-1 >= 70 %%, top-3 >= 90 %%, IR top-3 >= 70 %%, median tone distance <= 1.5 dB\n");
    printf("  mean r2r match time per reference: %.2f s (with --di %.2f s, from the mix %.2f s)\n",
           match_s / (ours.n ? ours.n : 1), match_di_s / (withdi.n ? withdi.n : 1), match_mix_s / (inmix.n ? inmix.n : 1));
    r2r_probes_free(&ps);
    r2r_features_destroy(fx);
    for (int i = 0; i < nirs && i < 64; i++) free(irs[i]);
    for (int i = 0; i < ncaps; i++) free(caps[i]);
    cJSON_Delete(idx);
    free(x), free(y), free(z), free(w), free(bandl), free(bandr), free(mixbuf);
    bench_remove_tree(work);
    bench_remove_dev_library(lib);
    return 0;
}
