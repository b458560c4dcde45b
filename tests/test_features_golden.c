/* The 155-dim signature vs the original Python extractor's golden values on every clip
 * of shared/golden/features (derived edge cases and raw DI excerpts), with the
 * tolerances that file states. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/features.h"

static void test_golden_clips(void **state)
{
    (void)state;
    char *text = read_file(shared_path("golden/features/features.json"), NULL);
    assert_non_null(text);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    assert_non_null(doc);
    cJSON *tol = cJSON_GetObjectItem(doc, "tolerance");
    const double rtol = cJSON_GetObjectItem(tol, "rtol")->valuedouble;
    const double atol = cJSON_GetObjectItem(tol, "atol")->valuedouble;
    double rt[R2R_FEATURES_DIM];
    for (int d = 0; d < R2R_FEATURES_DIM; d++) rt[d] = rtol;
    cJSON *loose;
    cJSON_ArrayForEach(loose, cJSON_GetObjectItem(tol, "loose_rtol_by_dim")) rt[atoi(loose->string)] = loose->valuedouble;
    cJSON *layout = cJSON_GetObjectItem(doc, "layout");
    for (int d = 0; d < R2R_FEATURES_DIM; d++)
        assert_string_equal(r2r_features_name(d), cJSON_GetArrayItem(layout, d)->valuestring);

    r2r_features *fx;
    assert_int_equal(r2r_features_create(&fx), R2R_OK);
    int clips = 0, failures = 0;
    cJSON *clip;
    cJSON_ArrayForEach(clip, cJSON_GetObjectItem(doc, "clips"))
    {
        const char *rel = cJSON_GetObjectItem(clip, "path")->valuestring;
        double start = cJSON_GetObjectItem(clip, "start_s")->valuedouble;
        double dur = cJSON_GetObjectItem(clip, "dur_s")->valuedouble;
        cJSON *gold = cJSON_GetObjectItem(clip, "raw155");
        r2r_audio a;
        assert_int_equal(r2r_audio_read(shared_path(rel), R2R_READ_MONO, &a), R2R_OK);
        size_t s0 = (size_t)llround(start * 48000), s1 = (size_t)llround((start + dur) * 48000);
        if (s1 > a.frames) s1 = a.frames;
        float v[R2R_FEATURES_DIM];
        assert_int_equal(r2r_features_extract_raw(fx, a.data + s0, s1 - s0, v), R2R_OK);
        double worst = 0;
        int worst_d = 0;
        for (int d = 0; d < R2R_FEATURES_DIM; d++) {
            double g = cJSON_GetArrayItem(gold, d)->valuedouble;
            double err = fabs(v[d] - g), allowed = atol + rt[d] * fabs(g);
            double ratio = err / allowed;
            if (ratio > worst) worst = ratio, worst_d = d;
            if (err > allowed) {
                print_message("  %s dim %d %s: got %.9g want %.9g (err %.3g > %.3g)\n", clip->string, d,
                              r2r_features_name(d), v[d], g, err, allowed);
                failures++;
            }
        }
        print_message("%-36s worst dim %3d %-24s at %.2f of its tolerance\n", clip->string, worst_d,
                      r2r_features_name(worst_d), worst);
        r2r_audio_free(&a);
        clips++;
    }
    r2r_features_destroy(fx);
    cJSON_Delete(doc);
    assert_int_equal(clips, 11);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden_clips)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
