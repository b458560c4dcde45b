/* End-to-end time of `r2r match` for a 30 s reference against the whole dev library
 * (../shared/data captures, community captures and IRs; index built first, not timed).
 * The reference is a stereo mix: a DI through jcm.nam → celestion.wav panned left,
 * the same rig with another DI panned right, and a bass DI through ampeg.nam in the
 * centre, so the default dsp isolation has real work. Prints seconds per stage for the
 * default (dsp isolation), --isolation none, --di with another take and --di with the
 * left guitar's own take (found in the mix: null tests), --di with another guitar said so
 * (--di-guitar other: matched from the reference alone, the DI plays the previews), and
 * the peak RSS. R2R_BENCH_COPIES=K when the library is built: a large library, every
 * capture K times (the time a library of hundreds of captures takes).
 *
 * usage: match_bench [RUNS]   (default 3; the median is reported) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/library.h"
#include "r2r/match.h"
#include "r2r/nam.h"

#define REF_S 30.0

static double stage(const cJSON *ts, const char *k) { return cJSON_GetObjectItem(ts, k)->valuedouble; }

int main(int argc, char **argv)
{
    const int runs = argc > 1 && atoi(argv[1]) > 0 ? atoi(argv[1]) : 3;
    char lib[256];
    double t0 = bench_now();
    if (bench_dev_library(lib, sizeof lib) != 0) {
        fprintf(stderr, "match_bench: could not build the dev library\n");
        return 1;
    }
    printf("library indexed in %.1f s (not part of the figures)\n", bench_now() - t0);
    const size_t n = (size_t)(REF_S * R2R_SAMPLE_RATE);
    float *l = malloc(n * sizeof(float)), *r = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    float *mix = malloc(2 * n * sizeof(float));
    if (bench_render_rig("data/di/power-guitar.wav", 0.0, "data/captures/jcm.nam", "data/irs/celestion.wav", 3.0, l, n) ||
        bench_render_rig("data/di/metalcore-guitar.wav", 0.0, "data/captures/jcm.nam", "data/irs/celestion.wav", 3.0, r,
                         n) ||
        bench_render_rig("data/di/downtown-bass.wav", 0.0, "data/captures/ampeg.nam", NULL, 0.0, b, n)) {
        fprintf(stderr, "match_bench: %s\n", r2r_last_error());
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        mix[2 * i] = 0.8f * l[i] + 0.15f * r[i] + 0.5f * b[i];
        mix[2 * i + 1] = 0.15f * l[i] + 0.8f * r[i] + 0.5f * b[i];
    }
    const float pk = r2r_peak(mix, 2 * n);
    r2r_gain_apply(mix, 2 * n, -1.0 - r2r_lin_to_db(pk));
    char work[] = "/tmp/r2r-match-bench-XXXXXX";
    if (!mkdtemp(work)) return 1;
    char ref[300], di[300], own[300], out[300], recipe[320];
    snprintf(ref, sizeof ref, "%s/reference.wav", work);
    snprintf(di, sizeof di, "%s", bench_shared("data/di/lunar-guitar.wav"));
    snprintf(own, sizeof own, "%s", bench_shared("data/di/power-guitar.wav"));
    snprintf(out, sizeof out, "%s/out", work);
    snprintf(recipe, sizeof recipe, "%s/recipe.json", out);
    r2r_audio_write_wav(ref, mix, n, 2, R2R_SAMPLE_RATE);
    free(l), free(r), free(b), free(mix);

    const size_t ncap = r2r_library_count_files(lib, "nam_models", ".nam");
    printf("\nmatch_bench: a %.0f s stereo mix against %s, %zu captures (median of %d runs)\n\n", REF_S,
           "the dev library", ncap, runs);
    printf("  %-26s %7s %7s %7s %7s %7s %7s %7s   %7s\n", "run", "read", "isolate", "analyse", "retrieve", "verify",
           "fit", "preview", "total");
    const char *names[5] = {"default (dsp)", "--isolation none", "--di lunar-guitar", "--di power-guitar (own)",
                            "--di lunar, guitar other"};
    const char *keys[8] = {"read", "isolate", "analyse", "retrieve", "verify", "optimize", "previews", "total"};
    for (int mode = 0; mode < 5; mode++) {
        double v[8][16];
        int got = 0;
        for (int k = 0; k < runs && k < 16; k++) {
            r2r_match_options o = {0};
            o.library = lib, o.out_dir = out;
            o.isolation = mode == 1 ? 0 : -1;
            o.di_path = mode == 2 || mode == 4 ? di : mode == 3 ? own : NULL;
            o.di_guitar = mode == 4 ? R2R_DI_GUITAR_OTHER : R2R_DI_GUITAR_AUTO;
            r2r_match_summary sum;
            if (r2r_match(ref, &o, &sum) != R2R_OK) {
                fprintf(stderr, "match_bench: %s\n", r2r_last_error());
                return 1;
            }
            cJSON *j = bench_read_json(recipe);
            const cJSON *ts = cJSON_GetObjectItem(j, "timings_s");
            if (!ts) return 1;
            for (int s = 0; s < 8; s++) v[s][got] = stage(ts, keys[s]);
            got++;
            if (k == 0)
                fprintf(stderr, "  %s: balanced = %s + %s at %+.1f dB%s\n", names[mode], sum.flavor[0].capture,
                        sum.flavor[0].ir, sum.flavor[0].input_gain_db, sum.di_aligned ? " (DI found in the mix)" : "");
            cJSON_Delete(j);
        }
        printf("  %-26s", names[mode]);
        for (int s = 0; s < 8; s++) printf(s == 7 ? "   %6.2fs" : " %6.2fs", bench_median(v[s], (size_t)got));
        printf("\n");
    }
    printf("\n  target: < 5 s end to end for a 30 s reference (index built)\n");
    printf("  peak RSS: %.0f MiB\n", bench_peak_rss_mib());
    bench_remove_tree(work);
    bench_remove_dev_library(lib);
    return 0;
}
