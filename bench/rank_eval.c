/* rank_eval: the ranking alone, on the references of match_eval's protocol — the
 * retrieval r2r match runs from a reference alone (isolation none), without
 * verification, EQ or previews, so a change to the ranking is measured in a minute
 * instead of the hour of match_eval 1. Reports capture top-1 / top-3 among distinct
 * captures, IR top-1 / top-3, and the true combination's distance (the true capture at the
 * grid gain nearest the reference's, the true IR) against the winner's: the part of
 * the distance the source model leaves even for the right rig — and how often the first
 * capture is right when the runner-up capture comes within 0.05-0.4 dB of it (the
 * margin r2r match reports as retrieval.margin_db and warns on below 0.2 dB).
 *
 * The reference is ranked in parts as r2r match ranks it (r2r_retrieval_rank_parts).
 *
 * usage: rank_eval [STRIDE] [REPEATS]   (every STRIDE-th capture; REPEATS excerpts per DI,
 * from 1 s on and then 7 s later each; R2R_EVAL_DIS / R2R_EVAL_CABS and R2R_BENCH_LIB as
 * for match_eval). The protocol is match_eval's, the random draws are not the same.
 * R2R_EVAL_ONLY=take: another take of the same guitar as the source, as r2r match --di
 * ranks with it (one excerpt per DI, the take after it); it also prints the ranking with
 * the level spreads of the whole take's renders added (R2R_EVAL_SPREAD_WEIGHT, default
 * 0.5 dB per dB, r2r match's TAKE_SPREAD_WEIGHT), an emulation of what r2r match's
 * verification adds for its first candidates (there through each candidate's IR, here
 * through the amp alone), and again with that weight scaled by r2r_retrieval_spread_trust
 * of the nearest spread over all captures × gains, as r2r match scales it by the nearest
 * over its candidates; and that ranking blended with the ranking from the reference alone
 * (r2r_retrieval_probe_share, r2r_retrieval_blend), as r2r match blends them.
 * R2R_EVAL_TAKE=other takes the take from the next DI of the list (another guitar and
 * player, as when the reference is somebody else's record); R2R_EVAL_DUMP=FILE writes,
 * per reference, each capture's least distance in the take's ranking, in the ranking
 * with the trusted spreads and in the ranking from the reference alone (tab-separated),
 * for trying other blends offline. */
#include "benchutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "r2r/amp.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/ltas.h"
#include "r2r/retrieve.h"
#include "match/recipe.h"

#define EXCERPT_S 6.0
/* R2R_EVAL_ONLY=take: another take of the same guitar as the source (match_eval's,
 * bench_protocol_take). Every capture plays the take's loudest TAKE_PRESCREEN_S at the
 * grid gains, as r2r match --di does, and the ranking runs with those renders in place
 * of the probes. */
#define TAKE_PRESCREEN_S 1.5

typedef struct {
    float *ltas; /* [captures][gains][bands] of the take's loudest stretch */
    float *dyn;  /* [captures][gains][R2R_DYNSIG_DIM] of the whole take */
} take_renders;

/* The take of `di` through every capture at every grid gain (NaN where a render failed). */
static int take_render_all(const char *lib, r2r_retrieval_db *db, const char *di, take_renders *t)
{
    const size_t NC = r2r_retrieval_captures(db), G = R2R_INDEX_N_GAINS;
    char path[4400];
    float *x;
    size_t n;
    if (bench_protocol_take(di, &x, &n) != 0) return -1;
    float *w = malloc(n * sizeof(float));
    t->ltas = malloc(NC * G * R2R_LTAS_BANDS * sizeof(float));
    t->dyn = malloc(NC * G * R2R_DYNSIG_DIM * sizeof(float));
    if (!w || !t->ltas || !t->dyn) {
        free(x), free(w);
        return -1;
    }
    r2r_gain_apply(x, n, R2R_DI_PEAK_DBFS - r2r_lin_to_db(r2r_peak(x, n))); /* r2r match's DI level */
    size_t win;
    const size_t at = r2r_loudest_stretch(x, n, TAKE_PRESCREEN_S, &win);
    for (size_t c = 0; c < NC; c++) {
        for (size_t q = 0; q < G * R2R_LTAS_BANDS; q++) t->ltas[c * G * R2R_LTAS_BANDS + q] = NAN;
        for (size_t q = 0; q < G * R2R_DYNSIG_DIM; q++) t->dyn[c * G * R2R_DYNSIG_DIM + q] = NAN;
        snprintf(path, sizeof path, "%s/%s", lib, r2r_retrieval_capture_path(db, c));
        r2r_amp *amp;
        if (r2r_amp_open(path, &amp) != R2R_OK) continue;
        for (size_t g = 0; g < G; g++) {
            if (r2r_chain_render(amp, NULL, 0, r2r_retrieval_gain_db(db, (int)g), NULL, x, n, w) != R2R_OK) continue;
            r2r_ltas_compute(w + at, win, t->ltas + (c * G + g) * R2R_LTAS_BANDS);
            r2r_ltas_dynamics(w, n, t->dyn + (c * G + g) * R2R_DYNSIG_DIM);
        }
        r2r_amp_free(amp);
    }
    free(x), free(w);
    return 0;
}

/* R2R_EVAL_DUMP: one ranking's per-capture least distances on the reference's line */
static void dump_row(FILE *f, const char *what, const double *v, size_t NC)
{
    fprintf(f, "\t%s", what);
    for (size_t c = 0; c < NC; c++) fprintf(f, "\t%.4f", v[c]);
}

/* The rank of capture c among the distinct captures of a ranking (-1: not in it). */
static int capture_rank(const r2r_combo *all, size_t n, size_t c)
{
    unsigned char seen[1024] = {0};
    int k = 0;
    for (size_t r = 0; r < n; r++) {
        if (all[r].capture >= 1024 || seen[all[r].capture]) continue;
        if ((size_t)all[r].capture == c) return k;
        seen[all[r].capture] = 1, k++;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const int stride = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    const char *only = getenv("R2R_EVAL_ONLY");
    const int take = only && !strcmp(only, "take");
    if (only && !take) {
        fprintf(stderr, "rank_eval: R2R_EVAL_ONLY is take or unset\n");
        return 2;
    }
    /* with a take, one excerpt per DI: the take follows the first */
    const int repeats = take ? 1 : argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
    const char *sw = getenv("R2R_EVAL_SPREAD_WEIGHT");
    const double spread_weight = sw ? atof(sw) : 0.5;
    bench_protocol proto;
    bench_protocol_init(&proto);
    if (bench_take_di(&proto, 0) < 0) return 2;
    char lib[256];
    if (bench_dev_library(lib, sizeof lib) != 0) return 1;
    r2r_retrieval_db *db;
    const double t_open = bench_now();
    if (r2r_retrieval_open(lib, &db) != R2R_OK) {
        fprintf(stderr, "rank_eval: %s\n", r2r_last_error());
        return 1;
    }
    const double open_s = bench_now() - t_open;
    const size_t NC = r2r_retrieval_captures(db), NI = r2r_retrieval_irs(db);
    const size_t total = NC * R2R_INDEX_N_GAINS * (NI + 1);
    float *irs[64] = {0};
    size_t irn[64] = {0};
    for (size_t i = 0; i < NI && i < 64; i++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", lib, r2r_retrieval_ir_path(db, i));
        if (r2r_ir_load(p, &irs[i], &irn[i]) != R2R_OK) {
            fprintf(stderr, "rank_eval: %s\n", r2r_last_error());
            return 1;
        }
    }
    const size_t n = (size_t)(EXCERPT_S * R2R_SAMPLE_RATE), most = NC * proto.ndis * (size_t)repeats;
    float *x = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    r2r_combo *all = malloc(total * sizeof *all);
    double *dtrue = malloc(most * sizeof(double)), *gap = malloc(most * sizeof(double));
    double *margin = malloc(most * sizeof(double));
    int *right = malloc(most * sizeof(int));
    if (!x || !z || !all || !dtrue || !gap || !margin || !right) return 1;
    take_renders takes[8] = {{0}};
    const char *dumpp = getenv("R2R_EVAL_DUMP");
    FILE *dump = dumpp ? fopen(dumpp, "w") : NULL;
    if (dumpp && !dump) {
        fprintf(stderr, "rank_eval: cannot write %s\n", dumpp);
        return 1;
    }
    double *bt = malloc(NC * sizeof(double)), *bs = malloc(NC * sizeof(double)), *bp = malloc(NC * sizeof(double));
    r2r_combo *blended = malloc(total * sizeof *blended);
    if (!bt || !bs || !bp || !blended) return 1;
    int refs = 0, c1 = 0, c3 = 0, i1 = 0, i3 = 0, ngap = 0, s1 = 0, s3 = 0, t1 = 0, t3 = 0, b1 = 0, b3 = 0, nspread = 0;
    double rank_s = 0;
    unsigned seed = 12345;
    for (size_t c = 0; c < NC; c += (size_t)stride) {
        char p[4400];
        snprintf(p, sizeof p, "%s/%s", lib, r2r_retrieval_capture_path(db, c));
        r2r_amp *amp;
        if (r2r_amp_open(p, &amp) != R2R_OK) continue;
        const int rig = r2r_retrieval_capture_desc(db, c)->has_cab;
        for (size_t d = 0; d < proto.ndis; d++)
            for (int rep = 0; rep < repeats; rep++) {
                if (bench_protocol_excerpt(proto.dis[d], 1.0 + 7.0 * rep, x, n) != 0) continue;
                double gdb;
                int cab;
                r2r_eq eq;
                bench_protocol_draw(&proto, &seed, &gdb, &cab, &eq);
                int truth_ir = (int)NI; /* "no IR" */
                for (size_t i = 0; i < NI && !rig; i++)
                    if (strstr(r2r_retrieval_ir_path(db, i), proto.cabs[cab])) truth_ir = (int)i;
                if (r2r_chain_render(amp, truth_ir < (int)NI ? irs[truth_ir] : NULL, truth_ir < (int)NI ? irn[truth_ir] : 0,
                                     gdb, &eq, x, n, z) != R2R_OK)
                    continue;
                float parts[R2R_RANK_MAX_PARTS * R2R_LTAS_BANDS];
                size_t np = 0;
                if (r2r_retrieval_part_ltas(z, n, parts, &np) != R2R_OK) continue;
                r2r_rank_options ro = {
                    .pair_rules = 1, .eq_invariant = 1, .source_mix = 1, .gain_prior_db = R2R_RANK_GAIN_PRIOR_DB};
                float ref_dyn[R2R_DYNSIG_DIM];
                const size_t td = take ? (size_t)bench_take_di(&proto, d) : d;
                double probe_least = NAN; /* take: the ranking from the reference alone, kept for the blend */
                size_t nb = 0;
                if (take) {
                    if (td >= 8 || (!takes[td].ltas && take_render_all(lib, db, proto.dis[td], &takes[td]) != 0)) continue;
                    size_t npr = 0;
                    if (r2r_retrieval_rank_parts(db, parts, np, NULL, &ro, all, total, &npr) != R2R_OK) continue;
                    r2r_retrieval_capture_best(all, npr, NC, bp);
                    probe_least = npr ? all[0].distance_db : NAN;
                    ro.gain_prior_db = 0.0, ro.source_ltas = takes[td].ltas;
                }
                /* the same ranking with the spreads of the whole take's renders added, as the
                 * verification of r2r match adds them to its candidates' distances */
                if (take && r2r_ltas_dynamics(z, n, ref_dyn) == R2R_OK) {
                    r2r_rank_options rs = ro;
                    rs.source_dyn = takes[td].dyn, rs.ref_dyn = ref_dyn, rs.dyn_weight = spread_weight;
                    size_t ns = 0;
                    if (r2r_retrieval_rank_parts(db, parts, np, NULL, &rs, all, total, &ns) == R2R_OK) {
                        const int cr = capture_rank(all, ns, c);
                        s1 += cr == 0, s3 += cr >= 0 && cr < 3, nspread++;
                    }
                    /* ... weighted by the trust of the nearest spread over all captures × gains */
                    double least = INFINITY;
                    for (size_t r = 0; r < NC * R2R_INDEX_N_GAINS; r++) {
                        const double v = r2r_retrieval_spread_distance(takes[td].dyn + r * R2R_DYNSIG_DIM, ref_dyn);
                        if (v < least) least = v;
                    }
                    rs.dyn_weight = spread_weight * r2r_retrieval_spread_trust(least);
                    if (r2r_retrieval_rank_parts(db, parts, np, NULL, &rs, all, total, &ns) == R2R_OK) {
                        const int cr = capture_rank(all, ns, c);
                        t1 += cr == 0, t3 += cr >= 0 && cr < 3;
                        r2r_retrieval_capture_best(all, ns, NC, bs);
                        memcpy(blended, all, ns * sizeof *all), nb = ns;
                    }
                }
                size_t na = 0;
                const double t0 = bench_now();
                if (r2r_retrieval_rank_parts(db, parts, np, NULL, &ro, all, total, &na) != R2R_OK || na == 0) continue;
                rank_s += bench_now() - t0;
                if (nb) { /* ... and blended with the ranking from the reference alone, as r2r match does */
                    const double share = r2r_retrieval_probe_share(all[0].distance_db, probe_least);
                    if (share > R2R_PROBE_SHARE_FROM) r2r_retrieval_blend(blended, nb, bp, NC, share);
                    const int cr = capture_rank(blended, nb, c);
                    b1 += cr == 0, b3 += cr >= 0 && cr < 3;
                }
                if (dump && take) {
                    r2r_retrieval_capture_best(all, na, NC, bt);
                    fprintf(dump, "%zu\t%s\t%s", c, proto.dis[d], proto.dis[td]);
                    dump_row(dump, "take", bt, NC), dump_row(dump, "spread", bs, NC), dump_row(dump, "probes", bp, NC);
                    fputc('\n', dump);
                }
                /* ranks among distinct captures and IRs, as recipe.json lists them */
                unsigned char seen_c[1024] = {0}, seen_i[65] = {0};
                int crank = -1, irank = -1, kc = 0, ki = 0;
                const int g_near = (int)lround((gdb + 12.0) / 6.0);
                double dt = NAN, second = NAN; /* the runner-up capture's best distance */
                for (size_t r = 0; r < na; r++) {
                    const r2r_combo *e = &all[r];
                    if (e->capture < 1024 && !seen_c[e->capture]) {
                        seen_c[e->capture] = 1;
                        if ((size_t)e->capture == c) crank = kc;
                        if (kc == 1) second = e->distance_db;
                        kc++;
                    }
                    if (e->ir <= 64 && !seen_i[e->ir]) {
                        seen_i[e->ir] = 1;
                        if (e->ir == truth_ir) irank = ki;
                        ki++;
                    }
                    if ((size_t)e->capture == c && e->gain == g_near && e->ir == truth_ir) dt = e->distance_db;
                }
                if (refs < (int)most) margin[refs] = second - all[0].distance_db, right[refs] = crank == 0;
                refs++;
                c1 += crank == 0, c3 += crank >= 0 && crank < 3, i1 += irank == 0, i3 += irank >= 0 && irank < 3;
                if (isfinite(dt)) dtrue[ngap] = dt, gap[ngap++] = dt - all[0].distance_db;
                if (getenv("R2R_EVAL_VERBOSE"))
                    printf("%-40.40s %-18s %+5.1f dB: capture rank %d, IR rank %d, true %.2f dB, best %.2f dB (%.40s)\n",
                           r2r_retrieval_capture_desc(db, c)->name, proto.dis[d], gdb, crank, irank, dt, all[0].distance_db,
                           r2r_retrieval_capture_desc(db, (size_t)all[0].capture)->name);
            }
        r2r_amp_free(amp);
    }
    if (refs == 0) {
        fprintf(stderr, "rank_eval: no reference could be made\n");
        return 1;
    }
    double mean_true = 0;
    for (int k = 0; k < ngap; k++) mean_true += dtrue[k] / ngap;
    printf("rank_eval: %d references (%zu captures, stride %d, x %zu DIs x %d excerpts, %zu cabinets), library %s\n",
           refs, NC, stride, proto.ndis, repeats, proto.ncabs, lib);
    printf("  capture top-1 %.1f %%, top-3 %.1f %%, IR top-1 %.1f %%, top-3 %.1f %%\n", 100.0 * c1 / refs,
           100.0 * c3 / refs, 100.0 * i1 / refs, 100.0 * i3 / refs);
    if (nspread) {
        printf("  with the level spreads of the whole take (weight %.2f): capture top-1 %.1f %%, top-3 %.1f %%\n",
               spread_weight, 100.0 * s1 / nspread, 100.0 * s3 / nspread);
        printf("  ... trusted as far as the nearest render's spread allows (r2r_retrieval_spread_trust): capture "
               "top-1 %.1f %%, top-3 %.1f %%\n",
               100.0 * t1 / nspread, 100.0 * t3 / nspread);
        printf("  ... blended with the ranking from the reference alone where r2r_retrieval_probe_share is over "
               "R2R_PROBE_SHARE_FROM: capture top-1 %.1f %%, top-3 %.1f %%\n",
               100.0 * b1 / nspread, 100.0 * b3 / nspread);
    }
    printf("  the true combination's distance: mean %.3f dB, %.3f dB above the winner's in median\n", mean_true,
           ngap ? bench_median(gap, (size_t)ngap) : NAN);
    /* how much the runner-up's margin says about the winner being right */
    static const double cut[] = {0.05, 0.1, 0.2, 0.4};
    for (size_t t = 0; t < sizeof cut / sizeof *cut; t++) {
        int nlo = 0, rlo = 0, nhi = 0, rhi = 0;
        for (int k = 0; k < refs && k < (int)most; k++)
            if (margin[k] < cut[t]) nlo++, rlo += right[k];
            else nhi++, rhi += right[k];
        printf("  runner-up within %.2f dB: %d references, %.0f %% right; farther: %d, %.0f %% right\n", cut[t], nlo,
               nlo ? 100.0 * rlo / nlo : 0.0, nhi, nhi ? 100.0 * rhi / nhi : 0.0);
    }
    printf("  retrieval opened in %.2f s, %.3f s per ranking (%zu combinations)\n", open_s, rank_s / refs, total);
    for (size_t i = 0; i < NI && i < 64; i++) free(irs[i]);
    for (size_t d = 0; d < 8; d++) free(takes[d].ltas), free(takes[d].dyn);
    if (dump) fclose(dump);
    free(bt), free(bs), free(bp), free(blended);
    free(x), free(z), free(all), free(dtrue), free(gap), free(margin), free(right);
    r2r_retrieval_close(db);
    bench_remove_dev_library(lib);
    return 0;
}
