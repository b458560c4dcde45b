/* The embedded default end to end on a reduced library (4 guitarix presets, 3 IRs):
 * `r2r demo --small` builds and indexes the library, hides a secret rig, matches it
 * with the full matcher and writes a complete recipe for an LV2 preset (plugin URI,
 * every control, recovered knobs); `r2r render` plays that recipe back as the preview
 * did; plugin chatter stays out of the output. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "r2r/audio.h"
#include "r2r/demo.h"

static int have_guitarix(void)
{
    struct stat st;
    if (stat(R2R_DEMO_IR_DIR, &st) != 0) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true")) fail_msg("guitarix-common missing under CI (%s)", R2R_DEMO_IR_DIR);
        return 0;
    }
    return have_lv2_plugin("http://guitarix.sourceforge.net/plugins/gx_amp#GUITARIX");
}

static void test_demo_small(void **state)
{
    (void)state;
    if (!have_guitarix()) skip();
    char dir[4096]; /* test_tmpdir's buffer is reused by run_cli */
    snprintf(dir, sizeof dir, "%s", test_tmpdir("demo"));
    static char out[16384];
    const char *args[] = {"demo", "--small", "--seed", "3", "--out", dir, NULL};
    assert_int_equal(run_cli(out, sizeof out, args), 0);
    print_message("%s", out);
    assert_non_null(strstr(out, "secret amp"));
    assert_non_null(strstr(out, "balanced"));
    assert_null(strstr(out, "mlock"));           /* plugin chatter stays out */
    assert_null(strstr(out, "buffersize"));
    assert_null(strstr(out, "using block size"));

    char p[8400];
    snprintf(p, sizeof p, "%s/match/recipe.json", dir);
    size_t len = 0;
    char *text = read_file(p, &len);
    assert_non_null(text);
    cJSON *r = cJSON_Parse(text);
    free(text);
    assert_non_null(r);
    const cJSON *cands = cJSON_GetObjectItem(r, "candidates");
    assert_int_equal(cJSON_GetArraySize(cands), 3);
    int tuned = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cands)
    {
        const cJSON *cap = cJSON_GetObjectItem(c, "capture");
        assert_string_equal(cJSON_GetObjectItem(cap, "architecture")->valuestring, "LV2");
        const cJSON *lv = cJSON_GetObjectItem(cap, "lv2");
        assert_non_null(lv);
        assert_non_null(strstr(cJSON_GetObjectItem(lv, "uri")->valuestring, "guitarix"));
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(lv, "controls")) >= 12); /* every control */
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(lv, "makeup_db")));
        const cJSON *kn = cJSON_GetObjectItem(lv, "knobs");
        assert_int_equal(cJSON_GetArraySize(kn), 9);
        if (cJSON_IsTrue(cJSON_GetObjectItem(lv, "knobs_recovered"))) {
            tuned++;
            /* recovery never makes the tone worse than the preset was */
            assert_true(cJSON_GetObjectItem(lv, "shape_db_recovered")->valuedouble <=
                        cJSON_GetObjectItem(lv, "shape_db_preset")->valuedouble + 1e-9);
            const cJSON *k;
            cJSON_ArrayForEach(k, kn)
            {
                const double v = cJSON_GetObjectItem(k, "value")->valuedouble;
                assert_true(v >= cJSON_GetObjectItem(k, "min")->valuedouble - 1e-6);
                assert_true(v <= cJSON_GetObjectItem(k, "max")->valuedouble + 1e-6);
                /* the controls a host loads carry the recovered value */
                const cJSON *cv = cJSON_GetObjectItem(cJSON_GetObjectItem(lv, "controls"),
                                                      cJSON_GetObjectItem(k, "symbol")->valuestring);
                assert_true(fabs(cv->valuedouble - v) < 1e-3);
            }
        }
        assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "loss"), "spectral_db")->valuedouble < 3.0);
    }
    assert_true(tuned >= 1);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "captures")) == 4);

    snprintf(p, sizeof p, "%s/match/recipe.md", dir);
    text = read_file(p, &len);
    assert_non_null(text);
    assert_non_null(strstr(text, "LV2 plugin"));
    assert_non_null(strstr(text, "recovered"));
    free(text);

    /* The recipe plays back through `r2r render` as the preview did (same DI, same
     * knobs); previews sit at the listening level, so compare after loudness. */
    char rp[8400], dp[8400], op[8400], pv[8400];
    snprintf(rp, sizeof rp, "%s/match/recipe.json", dir);
    snprintf(dp, sizeof dp, "%s/di.wav", dir);
    snprintf(op, sizeof op, "%s/rendered.wav", dir);
    snprintf(pv, sizeof pv, "%s/match/preview_balanced.wav", dir);
    const char *rargs[] = {"render", rp, "--flavor", "balanced", "--di", dp, op, NULL};
    assert_int_equal(run_cli(NULL, 0, rargs), 0);
    r2r_audio a, b;
    assert_int_equal(r2r_audio_read(op, 0, &a), R2R_OK);
    assert_int_equal(r2r_audio_read(pv, 0, &b), R2R_OK);
    assert_int_equal(a.frames, b.frames);
    double ea = 0, eb = 0, dot = 0;
    for (size_t i = 0; i < a.frames; i++) ea += a.data[i] * a.data[i], eb += b.data[i] * b.data[i], dot += a.data[i] * b.data[i];
    const double corr = dot / sqrt(ea * eb);
    print_message("render vs preview: correlation %.5f\n", corr);
    assert_true(corr > 0.999);
    r2r_audio_free(&a), r2r_audio_free(&b);
    cJSON_Delete(r);

    const char *bad[] = {"demo", "--seed", "x", NULL};
    assert_int_equal(run_cli(NULL, 0, bad), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_demo_small)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
