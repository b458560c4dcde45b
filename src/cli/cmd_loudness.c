/* `r2r loudness FILE`: integrated loudness in LUFS (ITU-R BS.1770 via libebur128),
 * measured on all channels of the file at its own sample rate. */
#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "r2r/audio.h"

int cmd_loudness(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        printf("usage: r2r loudness FILE\n\nPrints the integrated loudness of FILE in LUFS "
               "(ITU-R BS.1770-4 / EBU R128).\nSilence prints -inf.\n");
        return EXIT_OK;
    }
    if (argc != 2) return cli_usage_error("loudness", "expected exactly one FILE");
    r2r_audio a;
    r2r_status s = r2r_audio_read(argv[1], 0, &a);
    if (s != R2R_OK) return cli_fail(s);
    double lufs;
    s = r2r_loudness_lufs(a.data, a.frames, a.channels, a.sample_rate, &lufs);
    r2r_audio_free(&a);
    if (s != R2R_OK) return cli_fail(s);
    if (isfinite(lufs)) printf("%.2f LUFS\n", lufs);
    else printf("-inf LUFS\n");
    return EXIT_OK;
}
