/* The embedded default runs end to end with Debian's guitarix packages only: it
 * writes its audio and finds the secret rig for several seeds. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "r2r/audio.h"

static void test_demo_runs(void **state)
{
    (void)state;
    struct stat st;
    if (stat("/usr/share/gx_head/sounds/amps", &st) != 0) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true")) fail_msg("guitarix-common missing under CI");
        skip();
    }
    const char *dir = test_tmpdir("demo");
    const char *seeds[] = {"1", "2", "3"};
    for (int i = 0; i < 3; i++) {
        static char out[8192];
        const char *args[] = {"demo", "--seed", seeds[i], "--out", dir, NULL};
        assert_int_equal(run_cli(out, sizeof out, args), 0);
        assert_non_null(strstr(out, "found"));
        assert_null(strstr(out, "mlock")); /* plugin chatter stays out of our output */
    }
    const char *files[] = {"di.wav", "reference.wav", "rig_1.wav", "rig_2.wav", "rig_3.wav"};
    for (int i = 0; i < 5; i++) {
        char p[8300];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        r2r_audio a;
        assert_int_equal(r2r_audio_read(p, 0, &a), R2R_OK);
        assert_int_equal(a.frames, 8 * 48000);
        assert_true(r2r_peak(a.data, a.frames) > 0.01f);
        r2r_audio_free(&a);
    }
    const char *bad[] = {"demo", "--seed", "x", NULL};
    assert_int_equal(run_cli(NULL, 0, bad), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_demo_runs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
