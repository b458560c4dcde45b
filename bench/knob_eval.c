/* Knob recovery on the embedded default library (guitarix LV2 presets + guitarix
 * cabinet IRs): secret rigs = one of the GxAmplifier-X presets with its Bass, Middle and
 * Treble moved anywhere in 0.1-0.9, a random IR, and, in the second half, a mild EQ
 * (two bands of ±1-2.5 dB) after the cabinet. The DI is a synthesized riff or, when
 * ../shared is there, an excerpt of a real DI recording (never a probe). Each case runs
 * the full matcher with that DI (--di) and reports: the secret amp found (balanced
 * flavor), the secret IR ranked first, the mean absolute error of the three moved knobs
 * after recovery against leaving them at the preset's values, and the tone distance
 * before EQ (shape, dB) at the preset's knobs and at the recovered ones.
 *
 * usage: knob_eval [CASES_PER_CONDITION]   (default 6) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/demo.h"
#include "r2r/dsp.h"
#include "r2r/index.h"
#include "r2r/isolate.h"
#include "r2r/match.h"
#include "r2r/synth.h"

#define DI_S 8.0

static const char *const real_dis[] = {"data/di/power-guitar.wav", "data/di/metalcore-guitar.wav",
                                       "data/di/lunar-guitar.wav"};

/* The DI for case `c`: even cases a synthesized riff, odd ones a real DI excerpt. */
static float *case_di(int c, size_t *n, char *what, size_t cap)
{
    *n = (size_t)(DI_S * R2R_SAMPLE_RATE);
    float *x = NULL;
    struct stat st;
    const char *real = real_dis[(c / 2) % 3];
    if (c % 2 && stat(bench_shared(real), &st) == 0) {
        r2r_audio a;
        if (r2r_audio_read(bench_shared(real), R2R_READ_MONO, &a) == R2R_OK &&
            r2r_audio_resample(&a, R2R_SAMPLE_RATE) == R2R_OK && a.frames > *n) {
            const size_t off = (size_t)((3.0 + 2.0 * c) * R2R_SAMPLE_RATE) % (a.frames - *n);
            x = malloc(*n * sizeof(float));
            if (x) memcpy(x, a.data + off, *n * sizeof(float));
            snprintf(what, cap, "%s", strrchr(real, '/') + 1);
        }
        if (a.data) r2r_audio_free(&a);
    }
    if (!x) {
        size_t m = 0;
        if (r2r_synth_riff((uint64_t)(100 + c), DI_S, R2R_SAMPLE_RATE, &x, &m) != R2R_OK) return NULL;
        *n = m;
        snprintf(what, cap, "riff %d", 100 + c);
    }
    r2r_gain_apply(x, *n, R2R_DI_PEAK_DBFS - r2r_lin_to_db(r2r_peak(x, *n)));
    return x;
}

static double knob(const cJSON *cap, const char *sym, const char *field)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItem(cJSON_GetObjectItem(cap, "lv2"), "knobs"))
    {
        if (!strcmp(cJSON_GetObjectItem(k, "symbol")->valuestring, sym)) return cJSON_GetObjectItem(k, field)->valuedouble;
    }
    return NAN;
}

int main(int argc, char **argv)
{
    const int per = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 6;
    char **irs = NULL;
    const size_t nirs = r2r_demo_irs(&irs);
    if (nirs == 0) {
        fprintf(stderr, "knob_eval: no guitarix IRs in %s (apt-get install guitarix-common)\n", R2R_DEMO_IR_DIR);
        return 1;
    }
    char work[] = "/tmp/r2r-knob-eval-XXXXXX";
    if (!mkdtemp(work)) return 1;
    char lib[300], ref[320], dip[320], out[320], recipe[340];
    snprintf(lib, sizeof lib, "%s/library", work);
    snprintf(ref, sizeof ref, "%s/reference.wav", work);
    snprintf(dip, sizeof dip, "%s/di.wav", work);
    snprintf(out, sizeof out, "%s/out", work);
    snprintf(recipe, sizeof recipe, "%s/recipe.json", out);
    const size_t npre = r2r_demo_preset_count();
    double t0 = bench_now();
    r2r_index_report rep;
    if (r2r_demo_library_write(lib, npre, irs, nirs) != R2R_OK || r2r_index_build(lib, NULL, &rep) != R2R_OK) {
        fprintf(stderr, "knob_eval: %s\n", r2r_last_error());
        return 1;
    }
    printf("library: %zu presets, %zu IRs, indexed in %.1f s\n\n", rep.captures_indexed, rep.irs_indexed,
           bench_now() - t0);
    printf("%-4s %-22s %-18s %-4s %-5s %-4s %7s %7s %7s %7s %6s\n", "case", "DI", "secret", "eq", "amp", "IR",
           "mae0", "mae", "shape0", "shape", "secs");
    struct {
        int n, amp, ir, nk;
        double mae0, mae, sh0, sh, secs;
    } tot[2];
    memset(tot, 0, sizeof tot);
    for (int with_eq = 0; with_eq < 2; with_eq++)
        for (int c = 0; c < per; c++) {
            const int id = with_eq * per + c;
            char what[64];
            size_t n = 0;
            float *di = case_di(id, &n, what, sizeof what);
            float *y = di ? malloc(n * sizeof(float)) : NULL;
            r2r_demo_secret sr;
            r2r_demo_secret_draw((uint64_t)(1000 + id), npre, nirs, with_eq, &sr);
            if (!y || r2r_demo_secret_render(lib, &sr, irs[sr.ir], di, n, y) != R2R_OK ||
                r2r_audio_write_wav(ref, y, n, 1, R2R_SAMPLE_RATE) != R2R_OK ||
                r2r_audio_write_wav(dip, di, n, 1, R2R_SAMPLE_RATE) != R2R_OK) {
                fprintf(stderr, "knob_eval: case %d: %s\n", id, r2r_last_error());
                return 1;
            }
            r2r_match_options mo;
            memset(&mo, 0, sizeof mo);
            mo.library = lib, mo.out_dir = out, mo.di_path = dip, mo.isolation = R2R_ISO_NONE;
            mo.optimizer = R2R_OPT_COORD;
            r2r_match_summary sum;
            double t1 = bench_now();
            if (r2r_match(ref, &mo, &sum) != R2R_OK) {
                fprintf(stderr, "knob_eval: case %d: %s\n", id, r2r_last_error());
                return 1;
            }
            const double secs = bench_now() - t1;
            cJSON *rj = bench_read_json(recipe);
            const cJSON *cap = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(rj, "candidates"), 0), "capture");
            const cJSON *lv = cJSON_GetObjectItem(cap, "lv2");
            const int amp = !strcmp(sum.flavor[0].capture, r2r_demo_preset_name(sr.preset));
            const int ir = !strcmp(sum.flavor[0].ir, irs[sr.ir]);
            double mae0 = NAN, mae = NAN;
            if (amp) {
                mae0 = mae = 0;
                for (int k = 0; k < R2R_DEMO_MOVED; k++) {
                    mae0 += fabs(knob(cap, r2r_demo_moved_knobs[k], "preset") - sr.knob[k]) / R2R_DEMO_MOVED;
                    mae += fabs(knob(cap, r2r_demo_moved_knobs[k], "value") - sr.knob[k]) / R2R_DEMO_MOVED;
                }
            }
            const cJSON *s0 = cJSON_GetObjectItem(lv, "shape_db_preset"), *s1 = cJSON_GetObjectItem(lv, "shape_db_recovered");
            const double sh0 = cJSON_IsNumber(s0) ? s0->valuedouble : NAN, sh = cJSON_IsNumber(s1) ? s1->valuedouble : NAN;
            printf("%-4d %-22.22s %-18.18s %-4s %-5s %-4s %7.3f %7.3f %7.2f %7.2f %6.1f\n", id, what,
                   r2r_demo_preset_name(sr.preset), with_eq ? "yes" : "no", amp ? "yes" : "no", ir ? "yes" : "no", mae0,
                   mae, sh0, sh, secs);
            fflush(stdout);
            tot[with_eq].n++, tot[with_eq].amp += amp, tot[with_eq].ir += ir, tot[with_eq].secs += secs;
            if (amp) tot[with_eq].nk++, tot[with_eq].mae0 += mae0, tot[with_eq].mae += mae;
            if (isfinite(sh0) && isfinite(sh)) tot[with_eq].sh0 += sh0, tot[with_eq].sh += sh;
            cJSON_Delete(rj);
            free(di), free(y);
        }
    printf("\n%-12s %6s %6s %10s %10s %9s %9s %8s\n", "condition", "amp", "IR", "knob mae0", "knob mae", "shape0", "shape",
           "s/case");
    for (int e = 0; e < 2; e++) {
        const double k = tot[e].nk ? tot[e].nk : NAN;
        printf("%-12s %5.0f%% %5.0f%% %10.3f %10.3f %8.2f %9.2f %8.1f\n", e ? "mild EQ" : "no EQ",
               100.0 * tot[e].amp / tot[e].n, 100.0 * tot[e].ir / tot[e].n, tot[e].mae0 / k, tot[e].mae / k,
               tot[e].sh0 / tot[e].n, tot[e].sh / tot[e].n, tot[e].secs / tot[e].n);
    }
    printf("(mae0: the preset's knob values against the secret's; mae: after recovery; knobs span 0..1.\n"
           " shape: RMS dB of the 1/3-octave tone difference before EQ, at the preset's knobs and after recovery)\n");
    printf("peak RSS %.0f MiB\n", bench_peak_rss_mib());
    r2r_demo_irs_free(irs, nirs);
    bench_remove_tree(work);
    return 0;
}
