/* Index build speed: seconds per capture (every built-in probe at every grid gain, plus
 * features and band spectra) on one core for standard, lite, feather and custom-width
 * WaveNets, then the whole dev library (captures + community captures + IRs) with
 * --jobs 1 and 2, and peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchutil.h"
#include "library/analyze.h"
#include "r2r/index.h"

static const struct {
    const char *label, *rel;
} models[] = {
    {"standard 16/8", "data/captures/5153.nam"},
    {"lite 12/6", "data/community-captures/Peter N HM-2_SWEDE_Lite_ESR-0.0057.nam"},
    {"feather 8/4", "data/community-captures/Peter N DirtyTree DT-33_V7_Feather_ESR-0.0001.nam"},
    {"custom 20/8", "data/community-captures/Tudor N [Suhr RL] Poweramp_Dep@8_Gir@5_Pres@8_Mas@5 ESR_0.0128_normalized-6dB.nam"},
    {"custom 24/8", "data/community-captures/Phillipe P LaneyGH100S-Lo-CrunchGain-ESR0,024.nam"},
    {"custom 28/14", "data/community-captures/Tudor N [Suhr RL] Input@HI_Dep@4_Gir@2_Pres@5_Bas@6.5_Mid@5_Tre@10_Mas@5_Gain@10_CHAR@mid_ERA@lft_EDG@mid_FEL@up ESR_0.0097_normalized-6dB.nam"},
};

static void link_dir(const char *lib, const char *sub, const char *src, const char *ext)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s' && for f in '%s'/*%s; do ln -sf \"$f\" '%s/%s/'; done", lib, sub,
             src, ext, lib, sub);
    if (system(cmd) != 0) fprintf(stderr, "index_bench: cannot link %s\n", src);
}

int main(void)
{
    r2r_probe_set probes;
    if (r2r_probes_load(NULL, &probes) != R2R_OK) return 1;
    double audio = 0;
    for (size_t p = 0; p < probes.count; p++) audio += (double)probes.len[p] / 48000.0;
    printf("index build, built-in probes: %zu probes, %.2f s, x %d gains = %.1f s rendered per capture\n\n",
           probes.count, audio, R2R_INDEX_N_GAINS, audio * R2R_INDEX_N_GAINS);
    printf("%-14s %12s\n", "capture", "s / capture");
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        double t[3];
        for (int r = 0; r < 3; r++) {
            r2r_entry e;
            memset(&e, 0, sizeof e);
            double t0 = bench_now();
            r2r_analyze_capture(bench_shared(models[m].rel), NULL, &probes, &e);
            t[r] = bench_now() - t0;
            if (e.status != R2R_STATUS_INDEXED) fprintf(stderr, "  %s: %s\n", models[m].label, e.error);
            r2r_entry_clear(&e);
        }
        printf("%-14s %12.3f\n", models[m].label, bench_median(t, 3));
    }
    r2r_probes_free(&probes);

    char lib[] = "/tmp/r2r-index-bench-XXXXXX";
    if (!mkdtemp(lib)) return 1;
    char src[2048];
    snprintf(src, sizeof src, "%s", bench_shared("data/captures"));
    link_dir(lib, "nam_models", src, ".nam");
    snprintf(src, sizeof src, "%s", bench_shared("data/community-captures"));
    link_dir(lib, "nam_models", src, ".nam");
    snprintf(src, sizeof src, "%s", bench_shared("data/irs"));
    link_dir(lib, "cab_irs", src, ".wav");
    printf("\nwhole dev library (%s):\n", lib);
    for (int jobs = 1; jobs <= 2; jobs++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "rm -rf '%s/.r2r'", lib);
        if (system(cmd) != 0) return 1;
        r2r_index_options opt = {0};
        opt.jobs = jobs;
        r2r_index_report rep;
        if (r2r_index_build(lib, &opt, &rep) != R2R_OK) {
            fprintf(stderr, "index_bench: %s\n", r2r_last_error());
            return 1;
        }
        printf("  --jobs %d: %zu captures indexed (%zu failed), %zu IRs in %.1f s (%.2f s per capture)\n", jobs,
               rep.captures_indexed, rep.captures_failed, rep.irs_indexed, rep.seconds,
               rep.seconds / (double)(rep.captures_indexed ? rep.captures_indexed : 1));
    }
    r2r_index_report rep;
    r2r_index_build(lib, NULL, &rep);
    printf("  incremental re-run: %.2f s\n", rep.seconds);
    printf("peak RSS: %.1f MiB\n", bench_peak_rss_mib());
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", lib);
    return system(cmd) == 0 ? 0 : 1;
}
