/* LV2 presets as library entries: the preset parser on good, malformed and fuzzed
 * input; presets checked against the real plugin (unknown controls, ranges); the same
 * render for a preset and for the plugin driven by hand; knobs; an index build where a
 * broken preset is recorded and skipped; a recipe that plays an LV2 preset with the
 * controls it gives. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "r2r/amp.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/fileutil.h"
#include "r2r/index.h"
#include "r2r/lv2.h"
#include "r2r/synth.h"

#define GXAMP "http://guitarix.sourceforge.net/plugins/gx_amp#GUITARIX"

static const char *good =
    "{\"name\": \"Crunch\", \"uri\": \"" GXAMP "\", \"gear_type\": \"amp\","
    " \"controls\": {\"PreGain\": 2, \"Distortion\": 35, \"Drive\": 0.45, \"Cabinet\": 1},"
    " \"tunable\": {\"Drive\": [0.2, 0.8], \"Treble\": [0, 1], \"t_model\": [0, 26]}}";

static int have_guitarix(void) { return have_lv2_plugin(GXAMP); }

static void test_parse(void **state)
{
    (void)state;
    r2r_lv2_preset p;
    assert_int_equal(r2r_lv2_preset_parse(good, strlen(good), "crunch.json", &p), R2R_OK);
    assert_string_equal(p.name, "Crunch");
    assert_string_equal(p.uri, GXAMP);
    assert_string_equal(p.gear_type, "amp");
    assert_int_equal(p.n_controls, 4);
    assert_string_equal(p.symbols[2], "Drive");
    assert_true(fabs(p.values[2] - 0.45) < 1e-12);
    assert_int_equal(p.n_tunable, 3);
    assert_true(p.tmin[0] == 0.2 && p.tmax[0] == 0.8);
    r2r_lv2_preset_free(&p);
    /* a list of symbols, no name: the file's stem names it */
    const char *list = "{\"uri\": \"urn:x\", \"tunable\": [\"A\", \"B\"]}";
    assert_int_equal(r2r_lv2_preset_parse(list, strlen(list), "dir/my amp.json", &p), R2R_OK);
    assert_string_equal(p.name, "my amp");
    assert_int_equal(p.n_tunable, 2);
    assert_true(isnan(p.tmin[1]));
    r2r_lv2_preset_free(&p);

    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "empty"},
        {"{\"uri\": ", "not JSON"},
        {"[1, 2]", "top level"},
        {"{\"name\": \"x\"}", "uri"},
        {"{\"uri\": \"\"}", "uri"},
        {"{\"uri\": 5}", "uri"},
        {"{\"uri\": \"u\", \"name\": 3}", "name"},
        {"{\"uri\": \"u\", \"gear_type\": []}", "gear_type"},
        {"{\"uri\": \"u\", \"controls\": [1]}", "controls"},
        {"{\"uri\": \"u\", \"controls\": {\"Drive\": \"high\"}}", "Drive"},
        {"{\"uri\": \"u\", \"controls\": {\"Drive\": 1e999}}", "Drive"},
        {"{\"uri\": \"u\", \"tunable\": \"Drive\"}", "tunable"},
        {"{\"uri\": \"u\", \"tunable\": [3]}", "control symbol"},
        {"{\"uri\": \"u\", \"tunable\": [\"\"]}", "control symbol"},
        {"{\"uri\": \"u\", \"tunable\": [\"A\", \"A\"]}", "twice"},
        {"{\"uri\": \"u\", \"tunable\": {\"A\": [1, 0]}}", "min < max"},
        {"{\"uri\": \"u\", \"tunable\": {\"A\": [0]}}", "min < max"},
        {"{\"uri\": \"u\", \"tunable\": {\"A\": 0.5}}", "min < max"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r2r_status s = r2r_lv2_preset_parse(bad[i].text, strlen(bad[i].text), "bad.json", &p);
        if (s == R2R_OK || !strstr(r2r_last_error(), bad[i].why) || !strstr(r2r_last_error(), "bad.json"))
            fail_msg("case %zu (%s): status %d, message '%s'", i, bad[i].text, s, r2r_last_error());
        assert_null(p.uri);
    }
}

/* Random damage to a valid preset: parsing never crashes or leaks (ASan in CI), and
 * whatever it accepts is a complete preset. */
static void test_parse_fuzz(void **state)
{
    (void)state;
    const size_t n = strlen(good);
    char *buf = malloc(n + 1);
    uint64_t st = 12345;
    int accepted = 0;
    for (int it = 0; it < 20000; it++) {
        memcpy(buf, good, n + 1);
        size_t len = n;
        const int edits = 1 + it % 4;
        for (int e = 0; e < edits; e++) {
            st = st * 6364136223846793005ULL + 1442695040888963407ULL;
            const size_t at = (size_t)(st >> 33) % len;
            switch ((st >> 20) % 3) {
            case 0: buf[at] = (char)(st >> 40); break;            /* overwrite a byte */
            case 1: len = at; break;                               /* truncate */
            default: memmove(buf + at, buf + at + 1, len - at), len--; /* delete a byte */
            }
            if (len == 0) break;
        }
        r2r_lv2_preset p;
        if (r2r_lv2_preset_parse(buf, len, "fuzz.json", &p) == R2R_OK) {
            accepted++;
            assert_non_null(p.uri);
            assert_non_null(p.name);
            for (size_t i = 0; i < p.n_controls; i++) assert_true(isfinite(p.values[i]));
            r2r_lv2_preset_free(&p);
        }
    }
    print_message("fuzz: %d of 20000 damaged presets still parse\n", accepted);
    free(buf);
}

static const char *write_preset(const char *dir, const char *name, const char *text)
{
    static char path[8400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(r2r_write_text_atomic(path, text), R2R_OK);
    return path;
}

static void test_preset_against_plugin(void **state)
{
    (void)state;
    if (!have_guitarix()) skip();
    const char *dir = test_tmpdir("amp_presets");
    r2r_amp *a = NULL;
    assert_int_equal(r2r_amp_open(write_preset(dir, "crunch.json", good), &a), R2R_OK);
    assert_int_equal(r2r_amp_kind_of(a), R2R_AMP_LV2);
    assert_string_equal(r2r_amp_architecture(a), "LV2");
    assert_string_equal(r2r_amp_name(a), "Crunch");
    assert_null(r2r_amp_nam(a));
    assert_string_equal(r2r_amp_lv2_uri(a), GXAMP);
    assert_int_equal(r2r_amp_knob_count(a), 3);
    const r2r_amp_knob *k = r2r_amp_knob_at(a, 0);
    assert_string_equal(k->symbol, "Drive");
    assert_true(fabs(k->value - 0.45) < 1e-6 && fabs(k->min - 0.2) < 1e-6 && fabs(k->max - 0.8) < 1e-6);
    assert_true(r2r_amp_knob_at(a, 2)->integer); /* t_model: a discrete choice */
    /* knobs clamp to the preset's range; discrete ones round */
    assert_int_equal(r2r_amp_set_knob(a, 0, 5.0), R2R_OK);
    assert_true(fabs(r2r_amp_knob_at(a, 0)->value - 0.8) < 1e-6);
    assert_int_equal(r2r_amp_set_knob(a, 2, 3.4), R2R_OK);
    assert_true(r2r_amp_knob_at(a, 2)->value == 3.0);
    assert_int_not_equal(r2r_amp_set_knob(a, 0, NAN), R2R_OK);
    assert_int_not_equal(r2r_amp_set_control(a, "NoSuchKnob", 1.0), R2R_OK);
    /* metadata and controls name every control */
    char *md = r2r_amp_metadata_json(a, NULL);
    cJSON *o = cJSON_Parse(md);
    assert_string_equal(cJSON_GetObjectItem(o, "gear_type")->valuestring, "amp");
    const cJSON *ctl = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "lv2"), "controls");
    assert_true(cJSON_GetArraySize(ctl) >= 12);
    assert_true(fabs(cJSON_GetObjectItem(ctl, "Drive")->valuedouble - 0.8) < 1e-4);
    cJSON_Delete(o);
    free(md);

    /* the preset renders exactly as the plugin driven by hand with the same controls */
    float *x;
    size_t n;
    assert_int_equal(r2r_synth_probe(R2R_PROBE_POWER_CHORD, 48000, &x, &n), R2R_OK);
    float *y1 = malloc(n * sizeof(float)), *y2 = malloc(n * sizeof(float)), *y3 = malloc(n * sizeof(float));
    assert_int_equal(r2r_amp_render(a, x, y1, n), R2R_OK);
    assert_int_equal(r2r_amp_render(a, x, y2, n), R2R_OK); /* from a fresh state each time */
    assert_true(max_abs_diff(y1, y2, n) < 1e-4);
    r2r_lv2 *p;
    assert_int_equal(r2r_lv2_open(GXAMP, 48000, &p), R2R_OK);
    const char *sym[] = {"PreGain", "Distortion", "Drive", "Cabinet", "t_model"};
    const float val[] = {2, 35, 0.8f, 1, 3};
    for (int i = 0; i < 5; i++) assert_int_equal(r2r_lv2_set(p, sym[i], val[i]), R2R_OK);
    float *settle = calloc(12000, sizeof(float));
    assert_int_equal(r2r_lv2_process(p, settle, settle, 12000), R2R_OK);
    assert_int_equal(r2r_lv2_process(p, x, y3, n), R2R_OK);
    const double makeup = r2r_amp_lv2_makeup_db(a); /* the preset's output is levelled */
    assert_true(makeup > 20.0 && makeup < 90.0);       /* Cabinet 1 leaves GxAmplifier-X very quiet */
    const float g = (float)pow(10.0, makeup / 20.0);
    for (size_t i = 0; i < n; i++) y3[i] *= g;
    assert_true(max_abs_diff(y1, y3, n) < 1e-4 * r2r_peak(y1, n));
    /* and a knob changes the sound */
    assert_int_equal(r2r_amp_set_knob(a, 0, 0.2), R2R_OK);
    assert_int_equal(r2r_amp_render(a, x, y2, n), R2R_OK);
    assert_true(max_abs_diff(y1, y2, n) > 1e-3);
    r2r_lv2_close(p);
    r2r_amp_free(a);
    free(x), free(y1), free(y2), free(y3), free(settle);

    /* presets that do not fit the plugin: one clear error each */
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"{\"uri\": \"" GXAMP "\", \"controls\": {\"Volume11\": 1}}", "Volume11"},
        {"{\"uri\": \"" GXAMP "\", \"tunable\": [\"Volume11\"]}", "Volume11"},
        {"{\"uri\": \"" GXAMP "\", \"tunable\": {\"Drive\": [2, 3]}}", "outside"},
        {"{\"uri\": \"urn:r2r:no-such-plugin\"}", "not installed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r2r_amp *b = NULL;
        r2r_status s = r2r_amp_open(write_preset(dir, "bad.json", bad[i].text), &b);
        if (s == R2R_OK || !strstr(r2r_last_error(), bad[i].why) || !strstr(r2r_last_error(), "bad.json"))
            fail_msg("case %zu: status %d, message '%s'", i, s, r2r_last_error());
        assert_null(b);
    }
}

/* A library with presets: a broken one is recorded and skipped; the rest index as
 * captures with their metadata. */
static void test_index_presets(void **state)
{
    (void)state;
    if (!have_guitarix()) skip();
    const char *lib = test_tmpdir("amp_lib");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/lv2_presets", lib);
    char cmd[8600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    write_preset(dir, "crunch.json", good);
    write_preset(dir, "broken.json", "{\"uri\": ");
    write_preset(dir, "pedal.json", "{\"name\": \"TS\", \"uri\": \"http://guitarix.sourceforge.net/plugins/gxts9#ts9sim\","
                                    " \"gear_type\": \"pedal\"}");
    r2r_index_report rep;
    assert_int_equal(r2r_index_build(lib, NULL, &rep), R2R_OK);
    assert_int_equal(rep.captures_total, 3);
    assert_int_equal(rep.captures_failed, 1);
    char *json = NULL;
    assert_int_equal(r2r_index_info_json(lib, &json), R2R_OK);
    assert_non_null(strstr(json, "broken.json"));
    assert_non_null(strstr(json, "not a valid LV2 preset"));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_fuzz),
        cmocka_unit_test(test_preset_against_plugin),
        cmocka_unit_test(test_index_presets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
