/* Library layout: scanning with symlinks and odd names, metadata.json attachment and
 * its malformed forms, and the probe sets (user WAVs at any rate, or built-in). */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "library/analyze.h"
#include "r2r/audio.h"
#include "r2r/library.h"
#include "r2r/synth.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static void test_scan_and_metadata(void **state)
{
    (void)state;
    char lib[4200], p[8400], q[8400];
    snprintf(lib, sizeof lib, "%s", test_tmpdir("scan_lib"));
    snprintf(p, sizeof p, "rm -rf '%s'/*", lib);
    assert_int_equal(system(p), 0);
    snprintf(p, sizeof p, "%s/nam_models", lib);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/cab_irs", lib);
    mkdir(p, 0777);
    snprintf(q, sizeof q, "%s/nam_models/Tim R [JCM] @5, crunch.nam", lib);
    assert_int_equal(symlink(shared_path("data/captures/jcm.nam"), q), 0);
    snprintf(q, sizeof q, "%s/nam_models/b.nam", lib);
    assert_int_equal(symlink(shared_path("data/captures/dumble.nam"), q), 0);
    snprintf(q, sizeof q, "%s/nam_models/notes.txt", lib);
    write_text(q, "ignored");
    snprintf(q, sizeof q, "%s/cab_irs/mesa.wav", lib);
    assert_int_equal(symlink(shared_path("data/irs/mesa.wav"), q), 0);
    snprintf(q, sizeof q, "%s/metadata.json", lib);
    write_text(q, "{\"nam_models\": [{\"id\": \"jcm\", \"name\": \"JCM crunch\", \"file_path\": "
                  "\"nam_models/Tim R [JCM] @5, crunch.nam\", \"style\": \"crunch\", \"tags\": [\"british\"]},"
                  "{\"id\": \"d\", \"file_path\": \"somewhere/else/b.nam\", \"style\": \"clean\"}],"
                  "\"cab_irs\": [{\"id\": \"m\", \"name\": \"Mesa 4x12\", \"file_path\": \"mesa.wav\"}]}");
    r2r_lib_scan s;
    assert_int_equal(r2r_library_scan(lib, &s), R2R_OK);
    assert_int_equal(s.n_captures, 2);
    assert_int_equal(s.n_irs, 1);
    assert_int_equal(s.n_probes, 0);
    assert_string_equal(s.captures[1].rel, "nam_models/b.nam"); /* sorted */
    assert_non_null(s.captures[0].meta);
    assert_non_null(strstr(s.captures[0].meta, "british"));
    assert_non_null(s.captures[1].meta); /* matched by file name */
    assert_non_null(strstr(s.irs[0].meta, "Mesa 4x12"));
    r2r_library_scan_free(&s);
    write_text(q, "{\"nam_models\": [");
    assert_int_equal(r2r_library_scan(lib, &s), R2R_ERR_INPUT);
    assert_non_null(strstr(r2r_last_error(), "metadata.json"));
    unlink(q);
    snprintf(p, sizeof p, "%s/nope", lib);
    assert_int_not_equal(r2r_library_scan(p, &s), R2R_OK);
    snprintf(p, sizeof p, "%s/nam_models/notes.txt", lib);
    assert_int_equal(r2r_library_scan(p, &s), R2R_ERR_INPUT);
}

static void test_probe_sets(void **state)
{
    (void)state;
    r2r_probe_set a, b;
    assert_int_equal(r2r_probes_load(NULL, &a), R2R_OK);
    assert_int_equal(r2r_probes_load(NULL, &b), R2R_OK);
    /* the seed's six first, in its order, then the pieces in other keys */
    assert_int_equal(a.count, R2R_PROBE_COUNT);
    assert_true(a.count > 6);
    assert_string_equal(a.names[0], "low_e_sustain");
    assert_string_equal(a.names[5], "open_chord");
    assert_true(a.builtin);
    assert_string_equal(a.fingerprint, b.fingerprint);
    for (size_t i = 0; i < a.count; i++)
        assert_float_equal(20 * log10(r2r_peak(a.audio[i], a.len[i])), R2R_DI_PEAK_DBFS, 0.01);
    r2r_probes_free(&b);
    /* User probes: stereo 44.1 kHz, resampled, mixed, levelled. */
    char dir[4200], p[8400];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("user_probes"));
    const size_t n = 44100;
    float *st = malloc(2 * n * sizeof(float));
    for (size_t i = 0; i < n; i++) st[2 * i] = st[2 * i + 1] = 0.05f * (float)sin(i * 0.02);
    snprintf(p, sizeof p, "%s/a_low.wav", dir);
    assert_int_equal(r2r_audio_write_wav(p, st, n, 2, 44100), R2R_OK);
    snprintf(p, sizeof p, "%s/b_high.wav", dir);
    assert_int_equal(r2r_audio_write_wav(p, st, n / 2, 2, 44100), R2R_OK);
    assert_int_equal(r2r_probes_load(dir, &b), R2R_OK);
    assert_int_equal(b.count, 2);
    assert_false(b.builtin);
    assert_int_equal(b.len[0], 48000);
    assert_string_equal(b.names[0], "a_low.wav");
    assert_float_equal(20 * log10(r2r_peak(b.audio[1], b.len[1])), R2R_DI_PEAK_DBFS, 0.05);
    assert_string_not_equal(a.fingerprint, b.fingerprint);
    r2r_probes_free(&b);
    /* A silent probe is refused, as is an empty folder. */
    memset(st, 0, 2 * n * sizeof(float));
    assert_int_equal(r2r_audio_write_wav(p, st, n / 2, 2, 44100), R2R_OK);
    assert_int_equal(r2r_probes_load(dir, &b), R2R_ERR_INPUT);
    snprintf(p, sizeof p, "%s", test_tmpdir("empty_probes"));
    assert_int_equal(r2r_probes_load(p, &b), R2R_ERR_INPUT);
    free(st);
    r2r_probes_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_and_metadata),
        cmocka_unit_test(test_probe_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
