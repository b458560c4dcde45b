/* The NAM loader against what users really have and what breaks: the 25 community
 * captures (odd names, many widths), truncated and mutated files, JSON-level damage,
 * and the `r2r nam` CLI. Nothing may crash; every refusal names the file and problem. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/nam.h"
#include "r2r/synth.h"

static void test_community_captures(void **state)
{
    (void)state;
    const char *dir = shared_path("data/community-captures");
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", dir);
    DIR *d = opendir(dirbuf);
    assert_non_null(d);
    float *x;
    size_t n;
    assert_int_equal(r2r_synth_probe(R2R_PROBE_POWER_CHORD, 48000, &x, &n), R2R_OK);
    n = 24000; /* half a second is enough to see finite, non-silent output */
    float *y = malloc(n * sizeof(float)), *yg = malloc(n * sizeof(float));
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".nam")) continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dirbuf, de->d_name);
        r2r_nam *m;
        r2r_status s = r2r_nam_load(path, 0, &m);
        if (s != R2R_OK) fail_msg("%s: %s", de->d_name, r2r_last_error());
        assert_int_equal(r2r_nam_render(m, x, y, n), R2R_OK);
        double e = 0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(y[i])) fail_msg("%s: non-finite output at %zu", de->d_name, i);
            e += (double)y[i] * y[i];
        }
        assert_true(e > 0);
        /* the register kernel for its widths (24 and 28 in groups of outputs) against the
         * generic one, which the goldens check: the same arithmetic */
        r2r_nam *g;
        assert_int_equal(r2r_nam_load(path, R2R_NAM_BLOCK_MODE, &g), R2R_OK);
        assert_int_equal(r2r_nam_render(g, x, yg, n), R2R_OK);
        double worst = 0;
        for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)y[i] - yg[i]));
        if (worst > 1e-6) fail_msg("%s: register kernel %.3g from the generic one", de->d_name, worst);
        print_message("%-60.60s %s\n", de->d_name, r2r_nam_get_info(m)->summary);
        r2r_nam_free(g);
        r2r_nam_free(m);
        count++;
    }
    closedir(d);
    assert_int_equal(count, 25);
    free(x);
    free(y);
    free(yg);
}

/* Loads `len` bytes as a model; must either succeed or fail with a message. */
static void try_load(const char *buf, size_t len, const char *what)
{
    r2r_nam *m = NULL;
    r2r_status s = r2r_nam_load_json(buf, len, what, 0, &m);
    if (s == R2R_OK) {
        float in[64] = {0.1f}, out[64];
        r2r_nam_process(m, in, out, 64);
        r2r_nam_free(m);
    } else {
        assert_true(strlen(r2r_last_error()) > 0);
        assert_non_null(strstr(r2r_last_error(), what));
    }
}

static void test_truncated_and_mutated(void **state)
{
    (void)state;
    const char *files[] = {"data/captures/example_wavenet.nam", "data/captures/example_lstm.nam",
                           "data/captures/dumble.nam", "data/captures/example_wavenet_a2_max.nam",
                           "data/captures/mesa_rectifier_a2.nam"};
    srand(1234);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *text = read_file(shared_path(files[f]), &len);
        assert_non_null(text);
        /* Truncations at many points, including inside numbers and keys. */
        size_t step = len / 97 + 1;
        for (size_t cut = 0; cut < len; cut += step) try_load(text, cut, "truncated.nam");
        /* Byte mutations. */
        char *m = malloc(len);
        for (int it = 0; it < 150; it++) {
            memcpy(m, text, len);
            int k = 1 + rand() % 8;
            for (int j = 0; j < k; j++) {
                size_t at = (size_t)rand() % len;
                const char pool[] = "0123456789-+.eE,:[]{}\"tfnul \x01\xff";
                m[at] = pool[rand() % (int)(sizeof pool - 1)];
            }
            try_load(m, len, "mutated.nam");
        }
        free(m);
        free(text);
    }
}

/* JSON-level damage: each case must be refused with the stated kind of error. */
static void test_json_damage(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(shared_path("data/captures/example_wavenet.nam"), &len);
    assert_non_null(text);
    struct {
        const char *what;
        void (*edit)(cJSON *root);
        r2r_status expect;
    } cases[8];
    (void)cases;
    cJSON *root;
#define CASE(desc, code, want)                                                               \
    do {                                                                                     \
        root = cJSON_Parse(text);                                                            \
        cJSON *cfg = cJSON_GetObjectItem(root, "config");                                    \
        cJSON *l0 = cJSON_GetArrayItem(cJSON_GetObjectItem(cfg, "layers"), 0);               \
        cJSON *w = cJSON_GetObjectItem(root, "weights");                                     \
        (void)cfg, (void)l0, (void)w;                                                        \
        code;                                                                                \
        char *out = cJSON_PrintUnformatted(root);                                            \
        r2r_nam *m = NULL;                                                                   \
        r2r_status s = r2r_nam_load_json(out, strlen(out), desc, 0, &m);                     \
        if (s != (want)) fail_msg("%s: status %d (%s)", desc, s, r2r_last_error());          \
        if (s == R2R_OK) r2r_nam_free(m);                                                    \
        else {                                                                               \
            assert_non_null(strstr(r2r_last_error(), desc));                                 \
            print_message("%-24s -> %s\n", desc, r2r_last_error());                          \
        }                                                                                    \
        free(out);                                                                           \
        cJSON_Delete(root);                                                                  \
    } while (0)
    CASE("untouched", (void)0, R2R_OK);
    CASE("no-architecture", cJSON_DeleteItemFromObject(root, "architecture"), R2R_ERR_INPUT);
    CASE("unknown-arch", cJSON_ReplaceItemInObject(root, "architecture", cJSON_CreateString("Transformer")),
         R2R_ERR_UNSUPPORTED);
    CASE("no-weights", cJSON_DeleteItemFromObject(root, "weights"), R2R_ERR_INPUT);
    CASE("short-weights", cJSON_DeleteItemFromArray(w, 0), R2R_ERR_INPUT);
    CASE("extra-weights", cJSON_AddItemToArray(w, cJSON_CreateNumber(0.5)), R2R_ERR_INPUT);
    CASE("string-weight", cJSON_ReplaceItemInArray(w, 3, cJSON_CreateString("x")), R2R_ERR_INPUT);
    CASE("huge-weight", cJSON_ReplaceItemInArray(w, 3, cJSON_CreateNumber(1e300)), R2R_ERR_INPUT);
    CASE("channels-string", cJSON_ReplaceItemInObject(l0, "channels", cJSON_CreateString("3")), R2R_ERR_INPUT);
    CASE("channels-zero", cJSON_ReplaceItemInObject(l0, "channels", cJSON_CreateNumber(0)), R2R_ERR_INPUT);
    CASE("channels-huge", cJSON_ReplaceItemInObject(l0, "channels", cJSON_CreateNumber(1e9)), R2R_ERR_INPUT);
    CASE("channels-changed", cJSON_ReplaceItemInObject(l0, "channels", cJSON_CreateNumber(4)), R2R_ERR_INPUT);
    CASE("no-dilations", cJSON_DeleteItemFromObject(l0, "dilations"), R2R_ERR_INPUT);
    CASE("negative-dilation", cJSON_ReplaceItemInArray(cJSON_GetObjectItem(l0, "dilations"), 0, cJSON_CreateNumber(-2)),
         R2R_ERR_INPUT);
    CASE("bad-activation", cJSON_ReplaceItemInObject(l0, "activation", cJSON_CreateString("Wobble")),
         R2R_ERR_UNSUPPORTED);
    CASE("version-0.7", cJSON_ReplaceItemInObject(root, "version", cJSON_CreateString("0.7.0")), R2R_OK);
    CASE("version-0.8", cJSON_ReplaceItemInObject(root, "version", cJSON_CreateString("0.8.0")),
         R2R_ERR_UNSUPPORTED);
    CASE("version-garbage", cJSON_ReplaceItemInObject(root, "version", cJSON_CreateString("five")), R2R_ERR_INPUT);
    /* An A2 option on a 0.5 file moves it to the A2 engine, whose weight count differs. */
    CASE("a2-option", cJSON_AddNumberToObject(l0, "bottleneck", 2), R2R_ERR_INPUT);
    CASE("config-array", cJSON_ReplaceItemInObject(root, "config", cJSON_CreateArray()), R2R_ERR_INPUT);
    CASE("bad-sample-rate", cJSON_ReplaceItemInObject(root, "sample_rate", cJSON_CreateNumber(-5)), R2R_ERR_INPUT);
    CASE("no-sample-rate", cJSON_DeleteItemFromObject(root, "sample_rate"), R2R_OK);
    free(text);
    try_load("", 0, "empty.nam");
    try_load("[]", 2, "array.nam");
    try_load("{\"version\":\"0.5.4\",\"architecture\":\"LSTM\",\"config\":{\"num_layers\":1,\"input_size\":1,"
             "\"hidden_size\":100000},\"weights\":[]}", 112, "lstm-huge.nam");
}

static cJSON *film_of(cJSON *l0, const char *key) { return cJSON_GetObjectItem(l0, key); }

/* A post-stack head (2 convolutions, kernels 3 and 1: 1→2→1 channels) and `extra`
 * weights for it, inserted before the final head-scale weight. */
static void add_post_head(cJSON *root, int extra)
{
    cJSON *cfg = cJSON_GetObjectItem(root, "config");
    cJSON_DeleteItemFromObject(cfg, "head");
    cJSON_AddItemToObject(cfg, "head", cJSON_Parse("{\"channels\":2,\"out_channels\":1,\"kernel_sizes\":[3,1],"
                                                   "\"activation\":\"ReLU\"}"));
    cJSON *w = cJSON_GetObjectItem(root, "weights");
    cJSON *last = cJSON_DetachItemFromArray(w, cJSON_GetArraySize(w) - 1);
    for (int i = 0; i < extra; i++) cJSON_AddItemToArray(w, cJSON_CreateNumber(0.1));
    cJSON_AddItemToArray(w, last);
}

/* The 0.6 fields on the "A2 max" feature test and the 0.7 container: missing, wrong type,
 * inconsistent sizes → a clear error naming the file; never a crash or a render. */
static void test_a2_damage(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file(shared_path("data/captures/example_wavenet_a2_max.nam"), &len);
    assert_non_null(text);
    cJSON *root;
#define A2CASE(desc, code, want)                                                                  \
    do {                                                                                          \
        root = cJSON_Parse(text);                                                                 \
        cJSON *cfg = cJSON_GetObjectItem(root, "config");                                         \
        cJSON *l0 = cJSON_GetArrayItem(cJSON_GetObjectItem(cfg, "layers"), 0);                   \
        cJSON *cd = cJSON_GetObjectItem(cfg, "condition_dsp");                                    \
        cJSON *cl1 = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cd, "config"), "layers"), 1); \
        (void)cfg, (void)l0, (void)cd, (void)cl1;                                                 \
        code;                                                                                     \
        char *out = cJSON_PrintUnformatted(root);                                                 \
        r2r_nam *m = NULL;                                                                        \
        r2r_status s = r2r_nam_load_json(out, strlen(out), desc, 0, &m);                          \
        if (s != (want)) fail_msg("%s: status %d (%s)", desc, s, r2r_last_error());               \
        if (s == R2R_OK) r2r_nam_free(m);                                                         \
        else {                                                                                    \
            assert_non_null(strstr(r2r_last_error(), desc));                                      \
            print_message("%-26s -> %s\n", desc, r2r_last_error());                               \
        }                                                                                         \
        free(out);                                                                                \
        cJSON_Delete(root);                                                                       \
    } while (0)
    A2CASE("a2-untouched", (void)0, R2R_OK);
    A2CASE("no-bottleneck", cJSON_DeleteItemFromObject(l0, "bottleneck"), R2R_OK); /* defaults to channels = 4 */
    A2CASE("bottleneck-3", cJSON_ReplaceItemInObject(l0, "bottleneck", cJSON_CreateNumber(3)), R2R_ERR_INPUT);
    A2CASE("bottleneck-string", cJSON_ReplaceItemInObject(l0, "bottleneck", cJSON_CreateString("4")),
           R2R_ERR_INPUT);
    A2CASE("kernel-both", cJSON_AddItemToObject(l0, "kernel_sizes", cJSON_CreateIntArray((int[]){4, 4}, 2)),
           R2R_ERR_INPUT);
    A2CASE("kernel-sizes-short",
           (cJSON_DeleteItemFromObject(l0, "kernel_size"),
            cJSON_AddItemToObject(l0, "kernel_sizes", cJSON_CreateIntArray((int[]){4}, 1))),
           R2R_ERR_INPUT);
    A2CASE("kernel-sizes-ok",
           (cJSON_DeleteItemFromObject(l0, "kernel_size"),
            cJSON_AddItemToObject(l0, "kernel_sizes", cJSON_CreateIntArray((int[]){4, 4}, 2))),
           R2R_OK);
    A2CASE("no-kernel", cJSON_DeleteItemFromObject(l0, "kernel_size"), R2R_ERR_INPUT);
    A2CASE("gating-unknown", cJSON_ReplaceItemInObject(l0, "gating_mode", cJSON_CreateString("fancy")),
           R2R_ERR_INPUT);
    A2CASE("gating-list-short", cJSON_ReplaceItemInObject(cl1, "gating_mode", cJSON_CreateStringArray((const char *[]){"gated"}, 1)),
           R2R_ERR_INPUT);
    A2CASE("gating-number", cJSON_ReplaceItemInObject(l0, "gating_mode", cJSON_CreateNumber(1)), R2R_ERR_INPUT);
    A2CASE("secondary-bad", cJSON_ReplaceItemInObject(cl1, "secondary_activation", cJSON_CreateString("Wobble")),
           R2R_ERR_UNSUPPORTED);
    A2CASE("activation-list-short",
           cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cl1, "activation"), 0), R2R_ERR_INPUT);
    A2CASE("prelu-slopes-count",
           cJSON_AddItemToArray(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cl1, "activation"), 0),
                                                    "negative_slopes"),
                                cJSON_CreateNumber(0.1)),
           R2R_ERR_INPUT);
    A2CASE("prelu-slope-string",
           cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cl1, "activation"), 0),
                                                        "negative_slopes"),
                                    0, cJSON_CreateString("x")),
           R2R_ERR_INPUT);
    A2CASE("groups-not-dividing", cJSON_ReplaceItemInObject(l0, "groups_input_mixin", cJSON_CreateNumber(3)),
           R2R_ERR_INPUT);
    A2CASE("groups-zero", cJSON_ReplaceItemInObject(l0, "groups_input", cJSON_CreateNumber(0)), R2R_ERR_INPUT);
    A2CASE("film-number", cJSON_ReplaceItemInObject(l0, "conv_pre_film", cJSON_CreateNumber(1)), R2R_ERR_INPUT);
    A2CASE("film-groups-string",
           cJSON_ReplaceItemInObject(film_of(l0, "conv_post_film"), "groups", cJSON_CreateString("4")),
           R2R_ERR_INPUT);
    A2CASE("film-shift-number",
           cJSON_ReplaceItemInObject(film_of(l0, "conv_post_film"), "shift", cJSON_CreateNumber(1)), R2R_ERR_INPUT);
    A2CASE("film-off", cJSON_ReplaceItemInObject(l0, "conv_pre_film", cJSON_CreateFalse()), R2R_ERR_INPUT);
    A2CASE("head1x1-no-out", cJSON_DeleteItemFromObject(film_of(l0, "head1x1"), "out_channels"), R2R_ERR_INPUT);
    A2CASE("head1x1-post-film-alone",
           cJSON_ReplaceItemInObject(film_of(l0, "head1x1"), "active", cJSON_CreateFalse()), R2R_ERR_INPUT);
    A2CASE("layer1x1-off-bottleneck",
           (cJSON_ReplaceItemInObject(film_of(cl1, "layer1x1"), "active", cJSON_CreateFalse()),
            cJSON_ReplaceItemInObject(film_of(cl1, "layer1x1_post_film"), "active", cJSON_CreateFalse())),
           R2R_ERR_INPUT);
    A2CASE("condition-size-wrong", cJSON_ReplaceItemInObject(l0, "condition_size", cJSON_CreateNumber(7)),
           R2R_ERR_INPUT);
    A2CASE("condition-dsp-short", cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cd, "weights"), 0), R2R_ERR_INPUT);
    A2CASE("condition-dsp-lstm", cJSON_ReplaceItemInObject(cd, "architecture", cJSON_CreateString("LSTM")),
           R2R_ERR_UNSUPPORTED);
    A2CASE("condition-dsp-rate", cJSON_ReplaceItemInObject(cd, "sample_rate", cJSON_CreateNumber(44100)),
           R2R_ERR_INPUT);
    A2CASE("slimmable-layer", cJSON_AddItemToObject(l0, "slimmable", cJSON_CreateObject()), R2R_ERR_UNSUPPORTED);
    A2CASE("head-scale-missing", cJSON_DeleteItemFromObject(cfg, "head_scale"), R2R_ERR_INPUT);
    A2CASE("post-head-bad",
           cJSON_ReplaceItemInObject(cfg, "head", cJSON_Parse("{\"channels\":2,\"out_channels\":1,"
                                                              "\"kernel_sizes\":[0],\"activation\":\"ReLU\"}")),
           R2R_ERR_INPUT);
    /* A post-stack head with the right extra weights loads and renders. */
    A2CASE("post-head-ok", add_post_head(root, 1 * 2 * 3 + 2 + 2 * 1 * 1 + 1), R2R_OK);
    A2CASE("post-head-short", add_post_head(root, 10), R2R_ERR_INPUT);
    free(text);

    text = read_file(shared_path("data/captures/mesa_rectifier_a2.nam"), &len);
    assert_non_null(text);
#define CCASE(desc, code, want)                                                                   \
    do {                                                                                          \
        root = cJSON_Parse(text);                                                                 \
        cJSON *subs = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "config"), "submodels");       \
        (void)subs;                                                                               \
        code;                                                                                     \
        char *out = cJSON_PrintUnformatted(root);                                                 \
        r2r_nam *m = NULL;                                                                        \
        r2r_status s = r2r_nam_load_json(out, strlen(out), desc, 0, &m);                          \
        if (s != (want)) fail_msg("%s: status %d (%s)", desc, s, r2r_last_error());               \
        if (s == R2R_OK) r2r_nam_free(m);                                                         \
        else {                                                                                    \
            assert_non_null(strstr(r2r_last_error(), desc));                                      \
            print_message("%-26s -> %s\n", desc, r2r_last_error());                               \
        }                                                                                         \
        free(out);                                                                                \
        cJSON_Delete(root);                                                                       \
    } while (0)
    CCASE("container-untouched", (void)0, R2R_OK);
    CCASE("container-one-sub", cJSON_DeleteItemFromArray(subs, 0), R2R_OK);
    CCASE("container-empty", (cJSON_DeleteItemFromArray(subs, 0), cJSON_DeleteItemFromArray(subs, 0)),
          R2R_ERR_INPUT);
    CCASE("container-no-submodels",
          cJSON_DeleteItemFromObject(cJSON_GetObjectItem(root, "config"), "submodels"), R2R_ERR_INPUT);
    CCASE("container-unsorted",
          cJSON_ReplaceItemInObject(cJSON_GetArrayItem(subs, 0), "max_value", cJSON_CreateNumber(2.0)),
          R2R_ERR_INPUT);
    CCASE("container-last-below-1",
          cJSON_ReplaceItemInObject(cJSON_GetArrayItem(subs, 1), "max_value", cJSON_CreateNumber(0.9)),
          R2R_ERR_INPUT);
    CCASE("container-max-string",
          cJSON_ReplaceItemInObject(cJSON_GetArrayItem(subs, 0), "max_value", cJSON_CreateString("0.5")),
          R2R_ERR_INPUT);
    CCASE("container-no-model", cJSON_DeleteItemFromObject(cJSON_GetArrayItem(subs, 1), "model"), R2R_ERR_INPUT);
    CCASE("container-sub-short",
          cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(subs, 0), "model"),
                                                        "weights"),
                                    5),
          R2R_ERR_INPUT);
    CCASE("container-sub-rate",
          cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cJSON_GetArrayItem(subs, 0), "model"), "sample_rate",
                                    cJSON_CreateNumber(44100)),
          R2R_ERR_INPUT);
    CCASE("container-nested",
          cJSON_ReplaceItemInObject(cJSON_GetArrayItem(subs, 0), "model", cJSON_Parse(text)), R2R_ERR_INPUT);
    free(text);
}

static void test_cli(void **state)
{
    (void)state;
    char model[4200], input[4200], out[4200];
    snprintf(model, sizeof model, "%s", shared_path("data/captures/example_wavenet.nam"));
    snprintf(input, sizeof input, "%s", shared_path("golden/nam/input.wav"));
    snprintf(out, sizeof out, "%s/render.wav", test_tmpdir("nam_cli"));
    char buf[65536];
    const char *info[] = {"nam", "info", model, "--json", NULL};
    assert_int_equal(run_cli(buf, sizeof buf, info), 0);
    cJSON *o = cJSON_Parse(buf);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "architecture")->valuestring, "WaveNet");
    assert_int_equal(cJSON_GetObjectItem(o, "receptive_field")->valueint, 23);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "metadata"), "gear_type")->valuestring, "amp");
    cJSON_Delete(o);
    const char *render[] = {"nam", "render", model, input, out, "--block", "100", NULL};
    assert_int_equal(run_cli(NULL, 0, render), 0);
    r2r_audio a, g;
    assert_int_equal(r2r_audio_read(out, 0, &a), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("golden/nam/example_wavenet.wav"), 0, &g), R2R_OK);
    assert_int_equal(a.frames, g.frames);
    assert_true(max_abs_diff(a.data, g.data, a.frames) < 1e-4);
    r2r_audio_free(&a);
    r2r_audio_free(&g);
    const char *usage1[] = {"nam", "render", model, NULL};
    assert_int_equal(run_cli(NULL, 0, usage1), 2);
    const char *usage2[] = {"nam", "render", model, input, out, "--block", "0", NULL};
    assert_int_equal(run_cli(NULL, 0, usage2), 2);
    const char *bad[] = {"nam", "info", input, NULL}; /* a WAV is not a model */
    assert_int_equal(run_cli(NULL, 0, bad), 1);
    char a2[4200];
    snprintf(a2, sizeof a2, "%s", shared_path("data/captures/mesa_rectifier_a2.nam"));
    const char *a2info[] = {"nam", "info", a2, "--json", NULL};
    assert_int_equal(run_cli(buf, sizeof buf, a2info), 0);
    o = cJSON_Parse(buf);
    assert_non_null(o);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "submodels")), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "submodels"), 1), "default")));
    cJSON_Delete(o);
    /* --slim 0.25 renders the 3-channel submodel: NAM core's golden for that size. */
    const char *slim[] = {"nam", "render", a2, input, out, "--slim", "0.25", NULL};
    assert_int_equal(run_cli(NULL, 0, slim), 0);
    assert_int_equal(r2r_audio_read(out, 0, &a), R2R_OK);
    assert_int_equal(r2r_audio_read(shared_path("golden/nam/mesa_rectifier_a2__slim0.25.wav"), 0, &g), R2R_OK);
    assert_true(max_abs_diff(a.data, g.data, a.frames) < 1e-4);
    r2r_audio_free(&a);
    r2r_audio_free(&g);
    const char *badslim[] = {"nam", "render", a2, input, out, "--slim", "2", NULL};
    assert_int_equal(run_cli(NULL, 0, badslim), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_community_captures),
        cmocka_unit_test(test_truncated_and_mutated),
        cmocka_unit_test(test_json_damage),
        cmocka_unit_test(test_a2_damage),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
