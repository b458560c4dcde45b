/* Retrieval evaluation (DESIGN.md protocol, retrieval stage): DI excerpts that are not
 * probes → capture X at a random input gain → cabinet IR Y → mild random EQ =
 * reference; rank every capture × gain × IR of the dev library index by long-term
 * spectrum; report capture top-1/top-3 and IR top-1/top-3. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/dsp.h"
#include "r2r/index.h"
#include "r2r/ltas.h"
#include "r2r/nam.h"
#include "r2r/features.h"
#include "r2r/retrieve.h"

#define EXCERPT_S 6.0
#define TOPK 4096
#define NMODES 4

static const char *const dis[] = {"power-guitar", "metalcore-guitar", "jazz_hop-guitar", "lunar-guitar"};
static const char *const cabs[] = {"celestion.wav", "mesa.wav", "eminence.wav", "ampeg.wav"};

static double urand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (*s >> 8) / 16777216.0;
}

int main(int argc, char **argv)
{
    int stride = argc > 1 ? atoi(argv[1]) : 3; /* evaluate every stride-th capture */
    char lib[] = "/tmp/r2r-match-eval-XXXXXX";
    if (!mkdtemp(lib)) return 1;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/nam_models %s/cab_irs && for f in '%s'/*.nam '%s'/*.nam; do ln -s \"$f\" %s/nam_models/; done && "
             "for f in '%s'/*.wav; do ln -s \"$f\" %s/cab_irs/; done",
             lib, lib, bench_shared("data/captures"), "", lib, "", lib);
    /* (two shared folders: built in two steps below for clarity) */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/nam_models %s/cab_irs", lib, lib);
    if (system(cmd) != 0) return 1;
    const char *folders[2] = {"data/captures", "data/community-captures"};
    for (int f = 0; f < 2; f++) {
        snprintf(cmd, sizeof cmd, "for f in '%s'/*.nam; do ln -s \"$f\" %s/nam_models/; done", bench_shared(folders[f]), lib);
        if (system(cmd) != 0) return 1;
    }
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.wav; do ln -s \"$f\" %s/cab_irs/; done", bench_shared("data/irs"), lib);
    if (system(cmd) != 0) return 1;
    r2r_index_report rep;
    double t0 = bench_now();
    if (r2r_index_build(lib, NULL, &rep) != R2R_OK) {
        fprintf(stderr, "match_eval: %s\n", r2r_last_error());
        return 1;
    }
    printf("index: %zu captures, %zu IRs in %.1f s\n", rep.captures_indexed, rep.irs_indexed, bench_now() - t0);
    r2r_retrieval_db *db;
    if (r2r_retrieval_open(lib, &db) != R2R_OK) {
        fprintf(stderr, "match_eval: %s\n", r2r_last_error());
        return 1;
    }
    const size_t nc = r2r_retrieval_captures(db), ni = r2r_retrieval_irs(db);
    printf("capture descriptions (cab: metadata/name/spectrum; rolloff = transfer 6-10 kHz vs 0.8-2.5 kHz):\n");
    for (size_t c = 0; c < nc; c++) {
        const r2r_capture_desc *d = r2r_retrieval_capture_desc(db, c);
        printf("  %-58.58s %6.1f dB %s%s%s\n", d->name, d->rolloff_db, d->has_cab ? "cab:" : "",
               d->has_cab ? d->cab_reason : "", d->is_pedal ? " pedal" : "");
    }
    r2r_combo *top = malloc(TOPK * sizeof *top);
    unsigned seed = 12345;
    int cases = 0, cap1[NMODES] = {0}, cap3[NMODES] = {0}, ir1[NMODES] = {0}, ir3[NMODES] = {0};
    r2r_features *fx;
    if (r2r_features_create(&fx) != R2R_OK) return 1;
    float rf[R2R_FEATURES_DIM];
    const size_t n = (size_t)(EXCERPT_S * 48000);
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
    for (size_t c = 0; c < nc; c += (size_t)stride) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", lib, r2r_retrieval_capture_path(db, c));
        r2r_nam *m;
        if (r2r_nam_load(path, 0, &m) != R2R_OK) continue;
        for (size_t d = 0; d < sizeof dis / sizeof dis[0]; d++) {
            char rel[256];
            snprintf(rel, sizeof rel, "data/di/%s.wav", dis[d]);
            r2r_audio a;
            if (r2r_audio_read(bench_shared(rel), R2R_READ_MONO, &a) != R2R_OK || a.frames < n + 48000) continue;
            memcpy(x, a.data + 48000, n * sizeof(float));
            r2r_audio_free(&a);
            /* DI level convention, then a random input gain within the grid's span. */
            float pk = r2r_peak(x, n), gdb = (float)(urand(&seed) * 18.0 - 9.0);
            float g = (float)(pow(10.0, -9.0 / 20.0) / pk * pow(10.0, gdb / 20.0));
            for (size_t i = 0; i < n; i++) x[i] *= g;
            r2r_nam_render(m, x, y, n);
            size_t cab = (size_t)(urand(&seed) * 4) % 4;
            size_t truth_ir = ni;
            /* A full rig (its file name says "Cab") is played without an IR. */
            const int rig = strstr(r2r_retrieval_capture_path(db, c), "-Cab-") != NULL;
            for (size_t i = 0; i < ni && !rig; i++)
                if (strstr(r2r_retrieval_ir_path(db, i), cabs[cab])) truth_ir = i;
            if (rig) memcpy(z, y, n * sizeof(float));
            else {
                float *ir;
                size_t irn;
                snprintf(rel, sizeof rel, "data/irs/%s", cabs[cab]);
                if (r2r_ir_load(bench_shared(rel), &ir, &irn) != R2R_OK) continue;
                r2r_convolve(y, n, ir, irn, z);
                free(ir);
            }
            r2r_eq eq;
            r2r_eq_flat(&eq);
            for (int b = 0; b < R2R_EQ_BANDS; b++) eq.band[b].gain_db = urand(&seed) * 4.0 - 2.0; /* mild: ±2 dB */
            r2r_eq_runner run;
            r2r_eq_runner_init(&run, &eq, 48000);
            r2r_eq_runner_process(&run, z, n);
            float ref[R2R_LTAS_BANDS];
            r2r_ltas_compute(z, n, ref);
            r2r_features_extract_raw(fx, z, n, rf);
            for (int mode = 0; mode < NMODES; mode++) {
                size_t got;
                r2r_rank_options ro = {0};
                ro.eq_invariant = mode >= 2;
                ro.pair_rules = mode >= 3;
                r2r_retrieval_rank_ex(db, ref, mode ? rf : NULL, &ro, top, TOPK, &got);
                /* ranks among distinct captures / IRs in ranked order */
                int crank = -1, irank = -1, seen_c[512] = {0}, seen_i[64] = {0}, dc = 0, di = 0;
                for (size_t r = 0; r < got && (crank < 0 || irank < 0); r++) {
                    if (!seen_c[top[r].capture]) {
                        seen_c[top[r].capture] = 1;
                        if (top[r].capture == (int)c && crank < 0) crank = dc;
                        dc++;
                    }
                    if (!seen_i[top[r].ir]) {
                        seen_i[top[r].ir] = 1;
                        if (top[r].ir == (int)truth_ir && irank < 0) irank = di;
                        di++;
                    }
                }
                cap1[mode] += crank == 0;
                cap3[mode] += crank >= 0 && crank < 3;
                ir1[mode] += irank == 0;
                ir3[mode] += irank >= 0 && irank < 3;
            }
            cases++;
        }
        r2r_nam_free(m);
    }
    printf("retrieval over every capture x gain x IR of the dev library, %d references\n", cases);
    printf("  (%zu of %zu captures x %zu DI excerpts of %.0f s, random gain +-9 dB, random cab, EQ +-2 dB)\n",
           (nc + stride - 1) / stride, nc, sizeof dis / sizeof dis[0], EXCERPT_S);
    const char *names[NMODES] = {"band spectra only       ", "band spectra+dynamics   ",
                                 "EQ-invariant+dynamics   ", "EQ-inv+dyn+cab pairing  "};
    for (int mode = 0; mode < NMODES; mode++)
        printf("  %s capture top-1 %3.0f %%  top-3 %3.0f %%   IR top-1 %3.0f %%  top-3 %3.0f %%\n", names[mode],
               100.0 * cap1[mode] / cases, 100.0 * cap3[mode] / cases, 100.0 * ir1[mode] / cases,
               100.0 * ir3[mode] / cases);
    printf("  (targets for the finished matcher: capture top-1 70 %%, top-3 90 %%, IR top-3 70 %%)\n");
    r2r_features_destroy(fx);
    r2r_retrieval_close(db);
    free(top), free(x), free(y), free(z);
    snprintf(cmd, sizeof cmd, "rm -rf %s", lib);
    return system(cmd) == 0 ? 0 : 1;
}
