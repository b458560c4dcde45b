/* NAM engine vs NeuralAmpModelerCore's golden renders: every model in the goldens'
 * manifest (0.5 WaveNets and LSTM, the 0.6 "A2 max" feature test, the 0.7 slimmable A2
 * containers with their default and 0.25 submodels), at block sizes 1, 64, 512 and 4096,
 * within tolerance_max_abs. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/nam.h"

static cJSON *manifest(double *tol)
{
    char *text = read_file(shared_path("golden/nam/manifest.json"), NULL);
    assert_non_null(text);
    cJSON *m = cJSON_Parse(text);
    free(text);
    assert_non_null(m);
    *tol = cJSON_GetObjectItem(m, "tolerance_max_abs")->valuedouble;
    return m;
}

/* One golden: `out_name` rendered with `slim` (< 0: default submodel), every block size. */
static void check_one(const char *file, const char *out_name, double slim, int flags, long prewarm,
                      const r2r_audio *in, float *out, double tol)
{
    char rel[512], path[4200];
    snprintf(rel, sizeof rel, "data/captures/%s", file);
    snprintf(path, sizeof path, "%s", shared_path(rel));
    r2r_nam *nam;
    r2r_status s = r2r_nam_load(path, flags, &nam);
    if (s != R2R_OK) fail_msg("%s: %s", file, r2r_last_error());
    if (slim >= 0) r2r_nam_set_slimmable_size(nam, slim);
    snprintf(rel, sizeof rel, "golden/nam/%s", out_name);
    r2r_audio g;
    assert_int_equal(r2r_audio_read(shared_path(rel), R2R_READ_MONO, &g), R2R_OK);
    assert_int_equal(g.frames, in->frames);
    if (prewarm > 0) assert_int_equal(r2r_nam_get_info(nam)->prewarm_samples, prewarm);
    const size_t blocks[] = {1, 64, 512, 4096};
    double worst = 0, peak = 0;
    for (size_t i = 0; i < g.frames; i++) peak = fabs(g.data[i]) > peak ? fabs(g.data[i]) : peak;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        r2r_nam_reset(nam);
        for (size_t off = 0; off < in->frames; off += blocks[b]) {
            size_t k = in->frames - off < blocks[b] ? in->frames - off : blocks[b];
            r2r_nam_process(nam, in->data + off, out + off, k);
        }
        double d = max_abs_diff(out, g.data, in->frames);
        if (d > worst) worst = d;
        if (!(d <= tol)) fail_msg("%s block %zu: max abs diff %.3g > %.3g", out_name, blocks[b], d, tol);
    }
    print_message("%-34s %s max abs diff %.2e (%.1e of peak; blocks 1/64/512/4096; tolerance %.0e)\n", out_name,
                  flags & R2R_NAM_BLOCK_MODE ? "block-mode" : "          ", worst, worst / peak, tol);
    r2r_audio_free(&g);
    r2r_nam_free(nam);
}

static void test_goldens(void **state)
{
    (void)state;
    double tol;
    cJSON *m = manifest(&tol);
    r2r_audio in;
    assert_int_equal(r2r_audio_read(shared_path("golden/nam/input.wav"), R2R_READ_MONO, &in), R2R_OK);
    float *out = malloc(in.frames * sizeof(float));
    int checked = 0, a2 = 0;
    cJSON *model;
    cJSON_ArrayForEach(model, cJSON_GetObjectItem(m, "models"))
    {
        const char *file = cJSON_GetObjectItem(model, "file")->valuestring;
        const char *ver = cJSON_GetObjectItem(model, "nam_version")->valuestring;
        const int is_a2 = strncmp(ver, "0.5", 3) != 0;
        const long prewarm = (long)cJSON_GetObjectItem(model, "prewarm_samples")->valuedouble;
        const char *gname = cJSON_GetObjectItem(model, "output")->valuestring;
        /* A2 files also through the operation-by-operation path, 0.5 WaveNets through the
         * generic kernel: a cross-check of the register kernels against the same goldens. */
        const int is_wavenet = !strcmp(cJSON_GetObjectItem(model, "architecture")->valuestring, "WaveNet");
        for (int mode = 0; mode < (is_a2 || is_wavenet ? 2 : 1); mode++) {
            const int flags = mode ? R2R_NAM_BLOCK_MODE : 0;
            check_one(file, gname, -1, flags, prewarm, &in, out, tol);
            checked++;
            const cJSON *extra;
            cJSON_ArrayForEach(extra, cJSON_GetObjectItem(model, "extra_outputs"))
            {
                const double slim = cJSON_GetObjectItem(extra, "slimmable_size")->valuedouble;
                check_one(file, cJSON_GetObjectItem(extra, "output")->valuestring, slim, flags, -1, &in, out, tol);
                checked++;
            }
        }
        a2 += is_a2;
    }
    assert_true(checked >= 20);
    assert_int_equal(a2, 4);
    free(out);
    r2r_audio_free(&in);
    cJSON_Delete(m);
}

/* SlimmableContainer: submodels listed, default = last, NAM core's size → submodel rule. */
static void test_slimmable(void **state)
{
    (void)state;
    r2r_nam *nam;
    assert_int_equal(r2r_nam_load(shared_path("data/captures/mesa_rectifier_a2.nam"), 0, &nam), R2R_OK);
    const r2r_nam_info *in = r2r_nam_get_info(nam);
    assert_string_equal(in->architecture, "SlimmableContainer");
    assert_int_equal(in->submodels, 2);
    assert_int_equal(in->active_submodel, 1);
    assert_true(r2r_nam_submodel_max(nam, 0) == 0.5 && r2r_nam_submodel_max(nam, 1) == 1.0);
    assert_non_null(strstr(r2r_nam_submodel_info(nam, 0)->summary, "3ch"));
    assert_non_null(strstr(r2r_nam_submodel_info(nam, 1)->summary, "8ch"));
    assert_null(r2r_nam_submodel_info(nam, 2));
    const double sizes[] = {0.0, 0.25, 0.4999, 0.5, 0.75, 1.0};
    const int expect[] = {0, 0, 0, 1, 1, 1};
    for (int i = 0; i < 6; i++) {
        r2r_nam_set_slimmable_size(nam, sizes[i]);
        assert_int_equal(in->active_submodel, expect[i]);
    }
    assert_int_equal(in->prewarm_samples, 6347);
    /* Level metadata comes from the full-size submodel when the container has none. */
    assert_true(in->has_loudness);
    r2r_nam_free(nam);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_goldens), cmocka_unit_test(test_slimmable)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
