/* `r2r demo [--seed N] [--out DIR] [--small]`: the embedded default, end to end with
 * nothing downloaded. It writes a library of guitarix LV2 presets (amps from clean to
 * high gain, a full stack with its own cabinet, a pedal) beside Debian's guitarix
 * cabinet IRs, indexes it, hides a secret rig (a preset with its tone knobs moved, an
 * IR, a mild EQ) behind a synthesized DI riff, runs the whole matcher on that
 * reference with the riff as the user's DI, and shows what it found. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/demo.h"
#include "r2r/dsp.h"
#include "r2r/fileutil.h"
#include "r2r/index.h"
#include "r2r/match.h"
#include "r2r/synth.h"

#define RIFF_SECONDS 8.0
#define SMALL_PRESETS 4
#define SMALL_IRS 3

/* Rank (1-based) of `want` among a recipe list's entries by name; 0 when absent. */
static int rank_of(const cJSON *list, const char *want)
{
    int r = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        r++;
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
        if (cJSON_IsString(nm) && !strcmp(nm->valuestring, want)) return r;
    }
    return 0;
}

static double knob_value(const cJSON *cap, const char *sym, const char *field)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cap, "lv2"), "knobs"))
    {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(k, "symbol"), *v = cJSON_GetObjectItemCaseSensitive(k, field);
        if (cJSON_IsString(s) && !strcmp(s->valuestring, sym) && cJSON_IsNumber(v)) return v->valuedouble;
    }
    return NAN;
}

static void usage(void)
{
    printf("usage: r2r demo [--seed N] [--out DIR] [--small]\n\n"
           "The embedded default with nothing downloaded: a library of guitarix LV2 amp presets\n"
           "and Debian's guitarix cabinet IRs, a secret rig (a preset with its tone knobs moved,\n"
           "an IR, a mild EQ) behind a synthesized DI riff, and the full matcher on that reference.\n\n"
           "  --seed N   picks the riff and the secret rig (default 7)\n"
           "  --out DIR  where the library, the reference and the recipe go (default build/demo)\n"
           "  --small    %d presets and %d IRs (a quick check)\n", SMALL_PRESETS, SMALL_IRS);
}

int cmd_demo(int argc, char **argv)
{
    long seed = 7;
    const char *outdir = "build/demo";
    int small = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            if (!cli_parse_int(argv[++i], 0, 1L << 30, &seed)) return cli_usage_error("demo", "--seed wants a number");
        } else if (!strcmp(argv[i], "--out") && i + 1 < argc) outdir = argv[++i];
        else if (!strcmp(argv[i], "--small")) small = 1;
        else return cli_usage_error("demo", "unknown argument %s", argv[i]);
    }
    char **irs = NULL;
    size_t nirs = r2r_demo_irs(&irs);
    if (nirs == 0) {
        fprintf(stderr, "r2r demo: no cabinet IRs in %s (apt-get install guitarix-common)\n", R2R_DEMO_IR_DIR);
        r2r_demo_irs_free(irs, nirs);
        return EXIT_BAD_INPUT;
    }
    const size_t nir_used = small && nirs > SMALL_IRS ? SMALL_IRS : nirs;
    const size_t npre = small ? SMALL_PRESETS : r2r_demo_preset_count();
    char lib[4096], mout[4200], dip[4200], refp[4200], path[4300], *text = NULL;
    snprintf(lib, sizeof lib, "%s/library", outdir);
    snprintf(mout, sizeof mout, "%s/match", outdir);
    snprintf(dip, sizeof dip, "%s/di.wav", outdir);
    snprintf(refp, sizeof refp, "%s/reference.wav", outdir);
    int rc = EXIT_OK;
    r2r_status s = R2R_OK;
    float *di = NULL, *ref = NULL;
    size_t n = 0, len = 0;
    cJSON *recipe = NULL;
    {   /* the output folder and its parent (build/ for the default) */
        char parent[4096];
        snprintf(parent, sizeof parent, "%s", outdir);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent) *slash = '\0', mkdir(parent, 0777);
        if (mkdir(outdir, 0777) != 0 && errno != EEXIST) {
            s = r2r_fail(R2R_ERR_IO, "%s: cannot create: %s", outdir, strerror(errno));
            goto fail;
        }
    }
    if ((s = r2r_demo_library_write(lib, npre, irs, nir_used)) != R2R_OK) goto fail;

    /* The secret rig and the reference. */
    r2r_demo_secret sr;
    r2r_demo_secret_draw((uint64_t)seed, npre, nir_used, 1, &sr);
    if ((s = r2r_synth_riff((uint64_t)seed, RIFF_SECONDS, R2R_SAMPLE_RATE, &di, &n)) != R2R_OK) goto fail;
    r2r_gain_apply(di, n, R2R_DI_PEAK_DBFS - r2r_lin_to_db(r2r_peak(di, n)));
    if ((s = r2r_audio_write_wav(dip, di, n, 1, R2R_SAMPLE_RATE)) != R2R_OK) goto fail;
    if (!(ref = malloc(n * sizeof(float)))) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((s = r2r_demo_secret_render(lib, &sr, irs[sr.ir], di, n, ref)) != R2R_OK) goto fail;
    if ((s = r2r_audio_write_wav(refp, ref, n, 1, R2R_SAMPLE_RATE)) != R2R_OK) goto fail;

    printf("Reference-to-Rig demo (seed %ld)\n\n", seed);
    printf("  library    %s: %zu guitarix LV2 presets, %zu guitarix cabinet IRs\n", lib, npre, nir_used);
    printf("  reference  %s: a %.0f s synthesized riff through a secret rig\n", refp, RIFF_SECONDS);
    fflush(stdout);

    /* Index, then the full matcher with the riff as the user's DI. */
    cli_progress pr;
    cli_progress_init(&pr, "indexing");
    r2r_index_options io = {NULL, 0, cli_progress_index, &pr};
    r2r_index_report rep;
    if ((s = r2r_index_build(lib, &io, &rep)) != R2R_OK) goto fail;
    printf("  indexed    %zu presets, %zu IRs in %.1f s%s\n", rep.captures_indexed, rep.irs_indexed, rep.seconds,
           rep.captures_failed + rep.irs_failed ? " (some failed: r2r index info)" : "");
    fflush(stdout);
    r2r_match_options mo;
    memset(&mo, 0, sizeof mo);
    mo.library = lib, mo.out_dir = mout, mo.di_path = dip, mo.isolation = -1;
    mo.optimizer = R2R_OPT_COORD, mo.seed = (unsigned)seed;
    r2r_match_summary sum;
    cli_progress_init(&pr, "matching");
    mo.progress = cli_progress_fraction, mo.user = &pr;
    if ((s = r2r_match(refp, &mo, &sum)) != R2R_OK) goto fail;
    printf("  matched    in %.1f s (isolation %s)\n\n", sum.seconds, sum.backend);

    /* What was hidden, what was found. */
    snprintf(path, sizeof path, "%s/recipe.json", mout);
    if ((s = r2r_read_file(path, 16u << 20, &text, &len)) != R2R_OK) goto fail;
    recipe = cJSON_Parse(text);
    free(text);
    const cJSON *bcap = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(recipe, "candidates"), 0), "capture");
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(recipe, "retrieval");
    const char *secret_name = r2r_demo_preset_name(sr.preset);
    printf("  %-9s %-26s %-34s %8s %9s\n", "", "amp preset", "cabinet IR", "gain", "match");
    printf("  %-9s %-26s %-34.34s %+6.1f dB %9s\n", "secret", secret_name, irs[sr.ir], 0.0, "");
    for (int f = 0; f < R2R_FLAVOR_COUNT; f++)
        printf("  %-9s %-26.26s %-34.34s %+6.1f dB %6.2f dB\n", r2r_flavor_name((r2r_flavor)f), sum.flavor[f].capture,
               sum.flavor[f].ir, sum.flavor[f].input_gain_db, sum.flavor[f].spectral_db);
    printf("\n  secret EQ  %+.1f dB at %.0f Hz, %+.1f dB at %.0f Hz\n", sr.eq_db[0], sr.eq_hz[0], sr.eq_db[1],
           sr.eq_hz[1]);
    const int same_amp = !strcmp(sum.flavor[0].capture, secret_name);
    const cJSON *blv = cJSON_GetObjectItemCaseSensitive(bcap, "lv2");
    const cJSON *buri = cJSON_GetObjectItemCaseSensitive(blv, "uri");
    if (cJSON_IsString(buri) && !strcmp(buri->valuestring, r2r_demo_preset_uri(sr.preset))) {
        /* the same plugin: its knobs, as the balanced preset had them, as recovered, as hidden */
        printf("\n  knobs      %-11s %10s %10s %10s\n", "", sum.flavor[0].capture, "recovered", "secret");
        const cJSON *k;
        cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(blv, "knobs"))
        {
            const char *sym = cJSON_GetObjectItemCaseSensitive(k, "symbol")->valuestring;
            double secret = r2r_demo_preset_control(sr.preset, sym);
            for (int m = 0; m < R2R_DEMO_MOVED; m++)
                if (!strcmp(sym, r2r_demo_moved_knobs[m])) secret = sr.knob[m];
            printf("             %-11s %10.2f %10.2f %10.2f%s\n", sym, knob_value(bcap, sym, "preset"),
                   knob_value(bcap, sym, "value"), secret, secret == r2r_demo_preset_control(sr.preset, sym) ? "" : "  (moved)");
        }
    } else if (sum.flavor[0].knobs[0])
        printf("\n  knobs      %s\n", sum.flavor[0].knobs);
    const int ra = rank_of(cJSON_GetObjectItemCaseSensitive(rt, "captures"), secret_name);
    const int ri = rank_of(cJSON_GetObjectItemCaseSensitive(rt, "irs"), irs[sr.ir]);
    printf("\n  secret amp %s: rank %d of %zu — %s\n", secret_name, ra, npre,
           same_amp                  ? "found"
           : cJSON_IsString(buri) && !strcmp(buri->valuestring, r2r_demo_preset_uri(sr.preset))
               ? "another preset of the same amp, its knobs moved to sound like it"
           : ra > 0 && ra <= 3 ? "in the top 3"
                               : "missed");
    printf("  secret IR  %s: rank %d of %zu\n", irs[sr.ir], ri, nir_used + 1);
    printf("\n  recipe     %s/recipe.md (and recipe.json, eq_*.txt)\n", mout);
    printf("  listen     %s against %s/preview_balanced.wav\n", refp, mout);
    printf("  your turn  r2r match YOUR_TAKE.wav --library %s --di YOUR_DI.wav\n", lib);
    goto done;
fail:
    rc = cli_fail(s);
done:
    cJSON_Delete(recipe);
    r2r_demo_irs_free(irs, nirs);
    free(di), free(ref);
    fflush(stdout);
    return rc;
}
