/* `r2r nam info MODEL [--json]` and `r2r nam render MODEL IN OUT [--block N] [--slim X]`:
 * inspect a capture and render raw model output as float32 WAV. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/nam.h"

static int usage(void)
{
    printf("usage: r2r nam info MODEL.nam [--json]\n"
           "       r2r nam render MODEL.nam IN.wav OUT.wav [--block N] [--slim X] [--fast-tanh]\n\n"
           "info    architecture, sample rate, receptive field, weight count and metadata;\n"
           "        for a SlimmableContainer (.nam 0.7) its submodels\n"
           "render  the model's raw output for IN (mono; resampled to 48 kHz if needed) as a\n"
           "        float32 WAV of the same length, processed in blocks of N samples\n"
           "        (default %d; the output does not depend on N). --fast-tanh uses NAM's\n"
           "        approximate tanh (as the NAM plugin does), which changes the output slightly.\n"
           "        --slim X (0..1) picks a SlimmableContainer's submodel as NAM's\n"
           "        SetSlimmableSize(X) does; without it the full-size (last) submodel runs.\n",
           R2R_NAM_DEFAULT_BLOCK);
    return EXIT_OK;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v) cJSON_AddStringToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static void add_num(cJSON *o, const char *k, int has, double v)
{
    if (has) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

static int info(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-') return cli_usage_error("nam info", "unknown option %s", argv[i]);
        else if (!path) path = argv[i];
        else return cli_usage_error("nam info", "unexpected argument %s", argv[i]);
    }
    if (!path) return cli_usage_error("nam info", "missing MODEL");
    r2r_nam *m;
    r2r_status s = r2r_nam_load(path, 0, &m);
    if (s != R2R_OK) return cli_fail(s);
    const r2r_nam_info *in = r2r_nam_get_info(m);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        add_str(o, "path", path);
        add_str(o, "architecture", in->architecture);
        add_str(o, "version", in->version);
        cJSON_AddNumberToObject(o, "sample_rate", in->sample_rate);
        cJSON_AddBoolToObject(o, "sample_rate_in_file", in->has_sample_rate);
        cJSON_AddNumberToObject(o, "receptive_field", (double)in->receptive_field);
        cJSON_AddNumberToObject(o, "prewarm_samples", (double)in->prewarm_samples);
        cJSON_AddNumberToObject(o, "weight_count", (double)in->weight_count);
        add_str(o, "summary", in->summary);
        cJSON *md = cJSON_AddObjectToObject(o, "metadata");
        add_str(md, "name", in->name);
        add_str(md, "modeled_by", in->modeled_by);
        add_str(md, "gear_type", in->gear_type);
        add_str(md, "gear_make", in->gear_make);
        add_str(md, "gear_model", in->gear_model);
        add_str(md, "tone_type", in->tone_type);
        add_str(md, "date", in->date);
        add_num(md, "loudness", in->has_loudness, in->loudness);
        add_num(md, "gain", in->has_gain, in->gain);
        add_num(md, "input_level_dbu", in->has_input_level, in->input_level_dbu);
        add_num(md, "output_level_dbu", in->has_output_level, in->output_level_dbu);
        cJSON *subs = cJSON_AddArrayToObject(o, "submodels");
        for (int i = 0; i < in->submodels; i++) {
            const r2r_nam_info *si = r2r_nam_submodel_info(m, i);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "max_value", r2r_nam_submodel_max(m, i));
            add_str(e, "architecture", si->architecture);
            add_str(e, "summary", si->summary);
            cJSON_AddNumberToObject(e, "receptive_field", (double)si->receptive_field);
            cJSON_AddNumberToObject(e, "weight_count", (double)si->weight_count);
            cJSON_AddBoolToObject(e, "default", i == in->active_submodel);
            cJSON_AddItemToArray(subs, e);
        }
        cJSON *tr = in->training_json ? cJSON_Parse(in->training_json) : NULL;
        if (tr) cJSON_AddItemToObject(md, "training", tr);
        else cJSON_AddNullToObject(md, "training");
        char *text = cJSON_Print(o);
        printf("%s\n", text);
        free(text);
        cJSON_Delete(o);
    } else {
        printf("file:            %s\n", path);
        printf("architecture:    %s (format %s)\n", in->architecture, in->version);
        printf("layout:          %s\n", in->summary);
        printf("sample rate:     %.0f Hz%s\n", in->sample_rate,
               in->has_sample_rate ? "" : " (not in the file; NAM's default)");
        printf("receptive field: %ld samples\n", in->receptive_field);
        if (in->submodels) {
            printf("submodels:       %d (--slim X runs the first with X < max; default the last)\n",
                   in->submodels);
            for (int i = 0; i < in->submodels; i++) {
                const r2r_nam_info *si = r2r_nam_submodel_info(m, i);
                printf("  [%d] max %-5g %s, %zu weights, receptive field %ld%s\n", i, r2r_nam_submodel_max(m, i),
                       si->summary, si->weight_count, si->receptive_field,
                       i == in->active_submodel ? "  (default)" : "");
            }
        } else
            printf("weights:         %zu\n", in->weight_count);
        if (in->name) printf("name:            %s\n", in->name);
        if (in->modeled_by) printf("modeled by:      %s\n", in->modeled_by);
        if (in->gear_type) printf("gear type:       %s\n", in->gear_type);
        if (in->gear_make || in->gear_model)
            printf("gear:            %s %s\n", in->gear_make ? in->gear_make : "",
                   in->gear_model ? in->gear_model : "");
        if (in->tone_type) printf("tone type:       %s\n", in->tone_type);
        if (in->has_loudness) printf("loudness:        %.2f dB\n", in->loudness);
        if (in->has_gain) printf("gain:            %.3f\n", in->gain);
        if (in->has_input_level) printf("input level:     %.2f dBu\n", in->input_level_dbu);
        if (in->has_output_level) printf("output level:    %.2f dBu\n", in->output_level_dbu);
    }
    r2r_nam_free(m);
    return EXIT_OK;
}

static int render(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL};
    int np = 0, flags = 0;
    long block = R2R_NAM_DEFAULT_BLOCK;
    double slim = -1.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--block")) {
            if (i + 1 >= argc || !cli_parse_int(argv[++i], 1, 1 << 20, &block))
                return cli_usage_error("nam render", "--block wants a positive number of samples");
        } else if (!strcmp(argv[i], "--slim")) {
            char *end = NULL;
            if (i + 1 >= argc || (slim = strtod(argv[++i], &end), !end || *end || !(slim >= 0.0 && slim <= 1.0)))
                return cli_usage_error("nam render", "--slim wants a number in 0..1");
        } else if (!strcmp(argv[i], "--fast-tanh")) flags |= R2R_NAM_FAST_TANH;
        else if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("nam render", "unknown option %s", argv[i]);
        else if (np < 3) pos[np++] = argv[i];
        else return cli_usage_error("nam render", "unexpected argument %s", argv[i]);
    }
    if (np != 3) return cli_usage_error("nam render", "expected MODEL IN.wav OUT.wav");
    r2r_nam *m;
    r2r_status s = r2r_nam_load(pos[0], flags, &m);
    if (s != R2R_OK) return cli_fail(s);
    r2r_audio a;
    s = r2r_audio_read(pos[1], R2R_READ_MONO, &a);
    if (s == R2R_OK) s = r2r_audio_resample(&a, R2R_SAMPLE_RATE);
    if (s != R2R_OK) {
        r2r_nam_free(m);
        return cli_fail(s);
    }
    float *y = malloc(a.frames * sizeof(float));
    if (!y) {
        r2r_audio_free(&a);
        r2r_nam_free(m);
        fprintf(stderr, "r2r: out of memory\n");
        return EXIT_INTERNAL;
    }
    const r2r_nam_info *in = r2r_nam_get_info(m);
    if (slim >= 0.0) {
        if (!in->submodels)
            fprintf(stderr, "r2r: note: %s is not a SlimmableContainer; --slim has no effect\n", pos[0]);
        r2r_nam_set_slimmable_size(m, slim);
    }
    if (llround(in->sample_rate) == R2R_SAMPLE_RATE) {
        /* Block by block, as a plugin host would call it. */
        r2r_nam_reset(m);
        for (size_t off = 0; off < a.frames; off += (size_t)block) {
            size_t k = a.frames - off < (size_t)block ? a.frames - off : (size_t)block;
            r2r_nam_process(m, a.data + off, y + off, k);
        }
    } else {
        s = r2r_nam_render(m, a.data, y, a.frames);
    }
    if (s == R2R_OK) s = r2r_audio_write_wav(pos[2], y, a.frames, 1, R2R_SAMPLE_RATE);
    free(y);
    r2r_audio_free(&a);
    r2r_nam_free(m);
    return s == R2R_OK ? EXIT_OK : cli_fail(s);
}

int cmd_nam(int argc, char **argv)
{
    if (argc < 2) {
        usage();
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || cli_wants_help(argc, argv)) return usage();
    if (!strcmp(argv[1], "info")) return info(argc - 1, argv + 1);
    if (!strcmp(argv[1], "render")) return render(argc - 1, argv + 1);
    return cli_usage_error("nam", "unknown subcommand '%s'", argv[1]);
}
