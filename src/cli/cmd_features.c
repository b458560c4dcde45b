/* `r2r features FILE [--raw] [--json] [--stats norm.json]`: the 155-dim signature of an
 * audio file (mono mix, resampled to 48 kHz), raw or z-scored and L2-normalized. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/features.h"

static int usage(void)
{
    printf("usage: r2r features FILE [--raw] [--json] [--stats norm.json]\n\n"
           "Prints the 155-dimension acoustic signature of FILE (mixed to mono, resampled to\n"
           "48 kHz). --raw: the values before normalization; otherwise z-scored with --stats\n"
           "(a library's LIB/.r2r/norm.json) when given, then L2-normalized. --json prints\n"
           "{\"raw\": bool, \"names\": [...], \"values\": [...]}.\n");
    return EXIT_OK;
}

int cmd_features(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) return usage();
    const char *path = NULL, *stats_path = NULL;
    int raw = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--raw")) raw = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--stats") && i + 1 < argc) stats_path = argv[++i];
        else if (argv[i][0] == '-') return cli_usage_error("features", "unknown option %s", argv[i]);
        else if (!path) path = argv[i];
        else return cli_usage_error("features", "unexpected argument %s", argv[i]);
    }
    if (!path) return cli_usage_error("features", "missing FILE");
    if (raw && stats_path) return cli_usage_error("features", "--raw and --stats exclude each other");
    r2r_feature_stats stats;
    r2r_status s = R2R_OK;
    if (stats_path && (s = r2r_feature_stats_load(stats_path, &stats)) != R2R_OK) return cli_fail(s);
    r2r_audio a;
    if ((s = r2r_audio_read(path, R2R_READ_MONO, &a)) != R2R_OK) return cli_fail(s);
    if ((s = r2r_audio_resample(&a, R2R_SAMPLE_RATE)) != R2R_OK) {
        r2r_audio_free(&a);
        return cli_fail(s);
    }
    r2r_features *fx;
    float v[R2R_FEATURES_DIM];
    if ((s = r2r_features_create(&fx)) == R2R_OK) {
        s = r2r_features_extract_raw(fx, a.data, a.frames, v);
        r2r_features_destroy(fx);
    }
    r2r_audio_free(&a);
    if (s != R2R_OK) return cli_fail(s);
    if (!raw) r2r_features_normalize(v, stats_path ? &stats : NULL, v);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "raw", raw);
        cJSON *names = cJSON_AddArrayToObject(o, "names");
        cJSON *vals = cJSON_AddArrayToObject(o, "values");
        for (int i = 0; i < R2R_FEATURES_DIM; i++) {
            cJSON_AddItemToArray(names, cJSON_CreateString(r2r_features_name(i)));
            cJSON_AddItemToArray(vals, cJSON_CreateNumber(v[i]));
        }
        char *text = cJSON_PrintUnformatted(o);
        printf("%s\n", text);
        free(text);
        cJSON_Delete(o);
    } else {
        for (int i = 0; i < R2R_FEATURES_DIM; i++) printf("%-26s %.9g\n", r2r_features_name(i), v[i]);
    }
    return EXIT_OK;
}
