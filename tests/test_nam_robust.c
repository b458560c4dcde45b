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
    float *y = malloc(n * sizeof(float));
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
        print_message("%-60.60s %s\n", de->d_name, r2r_nam_get_info(m)->summary);
        r2r_nam_free(m);
        count++;
    }
    closedir(d);
    assert_int_equal(count, 25);
    free(x);
    free(y);
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
                           "data/captures/dumble.nam", "data/captures/example_wavenet_a2_max.nam"};
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
    CASE("version-0.7", cJSON_ReplaceItemInObject(root, "version", cJSON_CreateString("0.7.0")),
         R2R_ERR_UNSUPPORTED);
    CASE("version-garbage", cJSON_ReplaceItemInObject(root, "version", cJSON_CreateString("five")), R2R_ERR_INPUT);
    CASE("a2-option", cJSON_AddNumberToObject(l0, "bottleneck", 2), R2R_ERR_UNSUPPORTED);
    CASE("config-array", cJSON_ReplaceItemInObject(root, "config", cJSON_CreateArray()), R2R_ERR_INPUT);
    CASE("bad-sample-rate", cJSON_ReplaceItemInObject(root, "sample_rate", cJSON_CreateNumber(-5)), R2R_ERR_INPUT);
    CASE("no-sample-rate", cJSON_DeleteItemFromObject(root, "sample_rate"), R2R_OK);
    free(text);
    try_load("", 0, "empty.nam");
    try_load("[]", 2, "array.nam");
    try_load("{\"version\":\"0.5.4\",\"architecture\":\"LSTM\",\"config\":{\"num_layers\":1,\"input_size\":1,"
             "\"hidden_size\":100000},\"weights\":[]}", 112, "lstm-huge.nam");
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
    const char *unsup[] = {"nam", "info", a2, NULL};
    assert_int_equal(run_cli(NULL, 0, unsup), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_community_captures),
        cmocka_unit_test(test_truncated_and_mutated),
        cmocka_unit_test(test_json_damage),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
