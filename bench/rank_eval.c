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
 * for match_eval). The protocol is match_eval's, the random draws are not the same. */
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

int main(int argc, char **argv)
{
    const int stride = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 1;
    const int repeats = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
    bench_protocol proto;
    bench_protocol_init(&proto);
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
    int refs = 0, c1 = 0, c3 = 0, i1 = 0, i3 = 0, ngap = 0;
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
                const r2r_rank_options ro = {0, 1, 1, 1, R2R_RANK_GAIN_PRIOR_DB, NULL};
                size_t na = 0;
                const double t0 = bench_now();
                if (r2r_retrieval_rank_parts(db, parts, np, NULL, &ro, all, total, &na) != R2R_OK || na == 0) continue;
                rank_s += bench_now() - t0;
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
    free(x), free(z), free(all), free(dtrue), free(gap), free(margin), free(right);
    r2r_retrieval_close(db);
    bench_remove_dev_library(lib);
    return 0;
}
