/* Signature plumbing: normalization (z-score + L2), statistics files (round trip and
 * malformed ones), degenerate inputs, block independence of the extractor, and the CLI. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/features.h"
#include "r2r/synth.h"

static void test_normalize_and_stats(void **state)
{
    (void)state;
    float raw[R2R_FEATURES_DIM], out[R2R_FEATURES_DIM];
    r2r_feature_stats st;
    for (int i = 0; i < R2R_FEATURES_DIM; i++) {
        raw[i] = (float)(i * 0.5 - 20);
        st.mean[i] = i * 0.25;
        st.std[i] = i % 7 == 0 ? 0.0 : 1.0 + i * 0.01; /* zero std must not blow up */
    }
    r2r_features_normalize(raw, &st, out);
    double n = 0;
    for (int i = 0; i < R2R_FEATURES_DIM; i++) {
        assert_true(isfinite(out[i]));
        n += (double)out[i] * out[i];
    }
    assert_float_equal(n, 1.0, 1e-5);
    float zero[R2R_FEATURES_DIM] = {0};
    r2r_features_normalize(zero, NULL, out);
    for (int i = 0; i < R2R_FEATURES_DIM; i++) assert_true(out[i] == 0.0f);

    char p[4200];
    snprintf(p, sizeof p, "%s/norm.json", test_tmpdir("features"));
    assert_int_equal(r2r_feature_stats_save(p, &st), R2R_OK);
    r2r_feature_stats back;
    assert_int_equal(r2r_feature_stats_load(p, &back), R2R_OK);
    for (int i = 0; i < R2R_FEATURES_DIM; i++) assert_float_equal(back.mean[i], st.mean[i], 1e-12);
    const char *bad[] = {"", "{", "[1,2]", "{\"mean\": [1,2,3], \"std\": [1]}", "{\"mean\": \"x\"}"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        FILE *f = fopen(p, "wb");
        fputs(bad[k], f);
        fclose(f);
        assert_int_not_equal(r2r_feature_stats_load(p, &back), R2R_OK);
        assert_non_null(strstr(r2r_last_error(), "norm.json"));
    }
}

static void test_edge_inputs(void **state)
{
    (void)state;
    r2r_features *fx;
    assert_int_equal(r2r_features_create(&fx), R2R_OK);
    float v[R2R_FEATURES_DIM];
    /* Empty, tiny and silent inputs give finite values (the original's stand-ins). */
    float tiny[100] = {0.1f, -0.2f};
    assert_int_equal(r2r_features_extract_raw(fx, tiny, 0, v), R2R_OK);
    assert_int_equal(r2r_features_extract_raw(fx, tiny, 100, v), R2R_OK);
    for (int i = 0; i < R2R_FEATURES_DIM; i++) assert_true(isfinite(v[i]));
    assert_float_equal(v[143], -60.0, 0); /* shorter than 0.4 s */
    float *silence = calloc(48000, sizeof(float));
    assert_int_equal(r2r_features_extract_raw(fx, silence, 48000, v), R2R_OK);
    for (int i = 0; i < R2R_FEATURES_DIM; i++) assert_true(isfinite(v[i]));
    silence[5] = NAN;
    assert_int_equal(r2r_features_extract_raw(fx, silence, 48000, v), R2R_ERR_INPUT);
    free(silence);
    /* The same extractor reused on a longer then shorter clip gives the same answer. */
    float *x;
    size_t n;
    assert_int_equal(r2r_synth_riff(3, 6.0, 48000, &x, &n), R2R_OK);
    float a[R2R_FEATURES_DIM], b[R2R_FEATURES_DIM];
    assert_int_equal(r2r_features_extract_raw(fx, x, 48000 * 2, a), R2R_OK);
    assert_int_equal(r2r_features_extract_raw(fx, x, n, b), R2R_OK);
    assert_int_equal(r2r_features_extract_raw(fx, x, 48000 * 2, b), R2R_OK);
    assert_memory_equal(a, b, sizeof a);
    free(x);
    r2r_features_destroy(fx);
}

static void test_cli(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s", shared_path("data/di/jazz_hop-guitar.wav"));
    static char buf[1 << 16];
    const char *a1[] = {"features", path, "--raw", "--json", NULL};
    assert_int_equal(run_cli(buf, sizeof buf, a1), 0);
    cJSON *o = cJSON_Parse(buf);
    assert_non_null(o);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "raw")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "names")), 155);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "values")), 155);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "names"), 154)->valuestring,
                        "level_centroid_slope");
    cJSON_Delete(o);
    const char *a2[] = {"features", path, "--json", NULL};
    assert_int_equal(run_cli(buf, sizeof buf, a2), 0);
    o = cJSON_Parse(buf);
    double n = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "values")) n += e->valuedouble * e->valuedouble;
    assert_float_equal(n, 1.0, 1e-5);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "raw")));
    cJSON_Delete(o);
    const char *a3[] = {"features", NULL};
    assert_int_equal(run_cli(NULL, 0, a3), 2);
    const char *a4[] = {"features", "/nonexistent.wav", NULL};
    assert_int_equal(run_cli(NULL, 0, a4), 1);
    const char *a5[] = {"features", path, "--stats", "/nonexistent.json", NULL};
    assert_int_equal(run_cli(NULL, 0, a5), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize_and_stats),
        cmocka_unit_test(test_edge_inputs),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
