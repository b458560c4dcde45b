/* `r2r match REFERENCE ...`, `r2r render RECIPE --flavor F --di DI OUT` and
 * `r2r isolate IN OUT [--backend B]`. Settings also come from the seed's RTR_*
 * environment variables; flags win. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/isolate.h"
#include "r2r/match.h"

static int match_usage(void)
{
    printf("usage: r2r match REFERENCE [--library LIB] [--out DIR] [--di MY_DI.wav]\n"
           "                 [--di-guitar auto|same|other] [--isolation none|mock|dsp|command]\n"
           "                 [--optimizer coord|cmaes]\n"
           "                 [--top-k K] [--top-m M] [--seed N]\n\n"
           "Finds the capture, cabinet IR, input gain and 6-band EQ in LIB that sound like\n"
           "REFERENCE (any audio file; a mix or an isolated guitar), in three flavors\n"
           "(balanced, brighter, thicker), and writes into DIR (default ./r2r-match):\n"
           "  recipe.json, recipe.md, eq_<flavor>.txt, preview_<flavor>.wav, reference_isolated.wav\n\n"
           "  --library LIB   an indexed library (r2r index build LIB); env RTR_LIBRARY\n"
           "  --di FILE       your own DI: the best candidates are verified and their input gains\n"
           "                  searched with it (far more reliable), and the previews play it;\n"
           "                  when it is the reference's own take, every capture is null-tested\n"
           "                  against the reference (the amp is then identified almost always)\n"
           "  --di-guitar G   what that DI is when it is not the reference's own take: same (the\n"
           "                  reference's guitar: the DI ranks the captures), other (another\n"
           "                  guitar: the rig is matched from the reference alone, the DI only\n"
           "                  plays the previews) or auto (default: measured, see the README);\n"
           "                  env RTR_DI_GUITAR\n"
           "  --isolation B   dsp (default: drums, bass and cymbals suppressed, stereo panning\n"
           "                  used; a reference that already looks like an isolated guitar is\n"
           "                  kept as it is), none (an isolated guitar), command (an external\n"
           "                  separator from RTR_ISOLATION_COMMAND), mock (tests only);\n"
           "                  env RTR_ISOLATION_BACKEND\n"
           "  --optimizer O   coord (the seed's coordinate descent, default) or cmaes; env RTR_OPTIMIZER\n"
           "  --top-k K       length of the ranked capture and IR lists (default 10)\n"
           "  --top-m M       combinations verified by rendering (default 5; 8 captures with --di,\n"
           "                  4 when the DI is the reference's take; at most 16)\n");
    return EXIT_OK;
}

static int parse_backend(const char *v, int *out)
{
    int b = r2r_iso_backend_parse(v);
    if (b < 0) return 0;
    *out = b;
    return 1;
}

int cmd_match(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) return match_usage();
    r2r_match_options o = {0};
    o.isolation = -1;
    o.library = getenv("RTR_LIBRARY");
    o.out_dir = "r2r-match";
    const char *ref = NULL, *env;
    if ((env = getenv("RTR_ISOLATION_BACKEND")) && *env && !parse_backend(env, &o.isolation))
        return cli_usage_error("match", "RTR_ISOLATION_BACKEND=%s is not none|mock|dsp|command", env);
    if ((env = getenv("RTR_OPTIMIZER")) && *env) {
        if (!strcmp(env, "cmaes")) o.optimizer = R2R_OPT_CMAES;
        else if (strcmp(env, "coord")) return cli_usage_error("match", "RTR_OPTIMIZER=%s is not coord|cmaes", env);
    }
    if ((env = getenv("RTR_DI_GUITAR")) && *env && (o.di_guitar = r2r_di_guitar_parse(env)) < 0)
        return cli_usage_error("match", "RTR_DI_GUITAR=%s is not auto|same|other", env);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (!strcmp(a, "--library") && v) o.library = v, i++;
        else if (!strcmp(a, "--out") && v) o.out_dir = v, i++;
        else if (!strcmp(a, "--di") && v) o.di_path = v, i++;
        else if (!strcmp(a, "--di-guitar") && v) {
            if ((o.di_guitar = r2r_di_guitar_parse(v)) < 0)
                return cli_usage_error("match", "--di-guitar wants auto, same or other");
            i++;
        } else if (!strcmp(a, "--isolation") && v) {
            if (!parse_backend(v, &o.isolation)) return cli_usage_error("match", "unknown isolation backend %s", v);
            i++;
        } else if (!strcmp(a, "--optimizer") && v) {
            if (!strcmp(v, "cmaes")) o.optimizer = R2R_OPT_CMAES;
            else if (!strcmp(v, "coord")) o.optimizer = R2R_OPT_COORD;
            else return cli_usage_error("match", "--optimizer wants coord or cmaes");
            i++;
        } else if (!strcmp(a, "--top-k") && v) {
            if (!cli_parse_int(v, 1, 1000, &n)) return cli_usage_error("match", "--top-k wants 1..1000");
            o.top_k = (int)n, i++;
        } else if (!strcmp(a, "--top-m") && v) {
            if (!cli_parse_int(v, 1, 16, &n)) return cli_usage_error("match", "--top-m wants 1..16");
            o.top_m = (int)n, i++;
        } else if (!strcmp(a, "--seed") && v) {
            if (!cli_parse_int(v, 0, 1L << 30, &n)) return cli_usage_error("match", "--seed wants a number");
            o.seed = (unsigned)n, i++;
        } else if (a[0] == '-' && a[1]) return cli_usage_error("match", "unknown or incomplete option %s", a);
        else if (!ref) ref = a;
        else return cli_usage_error("match", "unexpected argument %s", a);
    }
    if (!ref) return cli_usage_error("match", "missing REFERENCE");
    if (!o.library) return cli_usage_error("match", "missing --library LIB (or RTR_LIBRARY)");
    cli_progress bar;
    cli_progress_init(&bar, "matching");
    o.progress = cli_progress_fraction;
    o.user = &bar;
    r2r_match_summary sum;
    r2r_status s = r2r_match(ref, &o, &sum);
    if (s != R2R_OK) return cli_fail(s);
    if (sum.warnings[0]) {
        char tmp[sizeof sum.warnings];
        snprintf(tmp, sizeof tmp, "%s", sum.warnings);
        for (char *l = strtok(tmp, "\n"); l; l = strtok(NULL, "\n")) fprintf(stderr, "r2r: warning: %s\n", l);
    }
    printf("reference: %.1f s, isolation %s (confidence %.2f)\n", sum.duration_s, sum.backend, sum.confidence);
    if (sum.di_aligned)
        printf("your DI is this take: the amps were null-tested against it (balanced: %.1f dB)\n", sum.null_db);
    else if (o.di_path && o.di_guitar == R2R_DI_GUITAR_OTHER)
        printf("your DI is another guitar: the rig was matched from the reference alone; the previews play your DI\n");
    printf("\n");
    printf("%-9s %-44s %-22s %8s %10s\n", "flavor", "capture", "cabinet IR", "gain", "match");
    for (int f = 0; f < R2R_FLAVOR_COUNT; f++)
        printf("%-9s %-44.44s %-22.22s %+6.1f dB %7.2f dB\n", r2r_flavor_name((r2r_flavor)f), sum.flavor[f].capture,
               sum.flavor[f].ir, sum.flavor[f].input_gain_db, sum.flavor[f].spectral_db);
    for (int f = 0; f < R2R_FLAVOR_COUNT; f++)
        if (sum.flavor[f].knobs[0]) printf("%-9s knobs: %s\n", r2r_flavor_name((r2r_flavor)f), sum.flavor[f].knobs);
    printf("\nrecipe and previews in %s/ (recipe.md to read, preview_*.wav to listen) — %.1f s\n", o.out_dir,
           sum.seconds);
    return EXIT_OK;
}

int cmd_render(int argc, char **argv)
{
    if (cli_wants_help(argc, argv) || argc < 2) {
        printf("usage: r2r render RECIPE.json --flavor balanced|brighter|thicker --di DI.wav OUT.wav\n\n"
               "Plays DI (any rate, channels or level: it is brought to the recipe's DI level\n"
               "first) through the recipe's input gain, capture, cabinet IR, EQ and output gain.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *recipe = NULL, *flavor = "balanced", *di = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--flavor") && i + 1 < argc) flavor = argv[++i];
        else if (!strcmp(argv[i], "--di") && i + 1 < argc) di = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("render", "unknown or incomplete option %s", argv[i]);
        else if (!recipe) recipe = argv[i];
        else if (!out) out = argv[i];
        else return cli_usage_error("render", "unexpected argument %s", argv[i]);
    }
    if (!recipe || !di || !out) return cli_usage_error("render", "expected RECIPE.json --di DI.wav OUT.wav");
    if (strcmp(flavor, "balanced") && strcmp(flavor, "brighter") && strcmp(flavor, "thicker"))
        return cli_usage_error("render", "--flavor wants balanced, brighter or thicker");
    r2r_status s = r2r_recipe_render(recipe, flavor, di, out);
    return s == R2R_OK ? EXIT_OK : cli_fail(s);
}

static void isolate_progress(double fraction, void *user)
{
    cli_progress_fraction(fraction, "separating", user);
}

int cmd_isolate(int argc, char **argv)
{
    if (cli_wants_help(argc, argv) || argc < 2) {
        printf("usage: r2r isolate IN OUT.wav [--backend none|mock|dsp|command]\n\n"
               "Writes the isolated guitar (mono, the input's rate) and prints the confidence.\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *in = NULL, *out = NULL, *env = getenv("RTR_ISOLATION_BACKEND");
    int b = R2R_ISO_DSP;
    if (env && *env && !parse_backend(env, &b))
        return cli_usage_error("isolate", "RTR_ISOLATION_BACKEND=%s is not none|mock|dsp|command", env);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
            if (!parse_backend(argv[++i], &b)) return cli_usage_error("isolate", "unknown backend %s", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("isolate", "unknown option %s", argv[i]);
        else if (!in) in = argv[i];
        else if (!out) out = argv[i];
        else return cli_usage_error("isolate", "unexpected argument %s", argv[i]);
    }
    if (!in || !out) return cli_usage_error("isolate", "expected IN OUT.wav");
    r2r_audio a;
    r2r_status s = r2r_audio_read(in, 0, &a);
    if (s != R2R_OK) return cli_fail(s);
    r2r_isolated iso;
    cli_progress bar;
    cli_progress_init(&bar, "isolating");
    s = r2r_isolate_progress(a.data, a.frames, a.channels, a.sample_rate, (r2r_iso_backend)b, isolate_progress, &bar,
                             &iso);
    if (s == R2R_OK) s = r2r_audio_write_wav(out, iso.guitar, iso.frames, 1, a.sample_rate);
    if (s == R2R_OK && b == R2R_ISO_DSP)
        printf("isolation dsp: confidence %.3f, %.2f %% of the energy below 50 Hz: %s\n", iso.confidence,
               100.0 * iso.low_share, r2r_isolated_alone(&iso) ? "looks like a guitar alone" : "a mix");
    else if (s == R2R_OK)
        printf("isolation %s: confidence %.3f\n", r2r_iso_backend_name((r2r_iso_backend)b), iso.confidence);
    r2r_isolated_free(&iso);
    r2r_audio_free(&a);
    return s == R2R_OK ? EXIT_OK : cli_fail(s);
}
