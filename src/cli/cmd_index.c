/* `r2r index build LIB [--probes DIR] [--jobs N]` and `r2r index info LIB [--json]`:
 * the acoustic index of a capture library, with a progress bar while building. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "r2r/index.h"
#include "r2r/library.h"

static int usage_text(void)
{
    printf("usage: r2r index build LIBRARY [--probes DIR] [--jobs N]\n"
           "       r2r index info LIBRARY [--json]\n\n"
           "build  renders the DI probes through every capture in LIBRARY/nam_models (.nam) and\n"
           "       every LV2 preset in LIBRARY/lv2_presets (.json) at a grid of input gains and\n"
           "       analyses every IR in LIBRARY/cab_irs; only new or changed\n"
           "       files are analysed. --probes uses your own DI recordings (default:\n"
           "       LIBRARY/probes when present, else the built-in synthesized probes).\n"
           "info   shows what is indexed and what failed (and why).\n");
    return EXIT_OK;
}

static int build(int argc, char **argv)
{
    const char *lib = NULL;
    r2r_index_options opt = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--probes") && i + 1 < argc) opt.probes_dir = argv[++i];
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
            long v;
            if (!cli_parse_int(argv[++i], 1, 64, &v))
                return cli_usage_error("index build", "--jobs wants a number from 1 to 64");
            opt.jobs = (int)v;
        } else if (argv[i][0] == '-') return cli_usage_error("index build", "unknown option %s", argv[i]);
        else if (!lib) lib = argv[i];
        else return cli_usage_error("index build", "unexpected argument %s", argv[i]);
    }
    if (!lib) return cli_usage_error("index build", "missing LIBRARY");
    cli_progress bar;
    cli_progress_init(&bar, "indexing");
    opt.progress = cli_progress_index;
    opt.user = &bar;
    r2r_index_report rep;
    r2r_status s = r2r_index_build(lib, &opt, &rep);
    if (s != R2R_OK) return cli_fail(s);
    printf("captures: %zu indexed, %zu failed (%zu analysed now)\n", rep.captures_indexed,
           rep.captures_failed, rep.captures_rendered);
    printf("IRs:      %zu indexed, %zu failed (%zu analysed now)\n", rep.irs_indexed,
           rep.irs_failed, rep.irs_rendered);
    if (rep.removed) printf("removed:  %zu entries whose files are gone\n", rep.removed);
    printf("took %.1f s\n", rep.seconds);
    if (rep.captures_failed || rep.irs_failed)
        printf("see 'r2r index info %s' for the reasons of the failures\n", lib);
    if (rep.captures_indexed + rep.captures_failed == 0) { /* nothing to match against: say where files go */
        const size_t loose = r2r_library_count_files(lib, ".", ".nam");
        fprintf(stderr, "r2r: warning: no captures in %s/nam_models/ (captures go there as *.nam, IRs in %s/cab_irs/)",
                lib, lib);
        if (loose)
            fprintf(stderr, "; %zu .nam file%s in %s itself would be indexed there", loose, loose > 1 ? "s" : "", lib);
        fputc('\n', stderr);
    }
    return EXIT_OK;
}

static int info(int argc, char **argv)
{
    const char *lib = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-') return cli_usage_error("index info", "unknown option %s", argv[i]);
        else if (!lib) lib = argv[i];
        else return cli_usage_error("index info", "unexpected argument %s", argv[i]);
    }
    if (!lib) return cli_usage_error("index info", "missing LIBRARY");
    char *text;
    r2r_status s = r2r_index_info_json(lib, &text);
    if (s != R2R_OK) return cli_fail(s);
    if (json) {
        printf("%s\n", text);
        free(text);
        return EXIT_OK;
    }
    cJSON *o = cJSON_Parse(text);
    free(text);
    const char *kinds[] = {"captures", "irs"};
    for (int k = 0; k < 2; k++) {
        cJSON *c = cJSON_GetObjectItem(o, kinds[k]);
        cJSON *failed = cJSON_GetObjectItem(c, "failed");
        printf("%-9s %d indexed, %d failed, %d pending\n", kinds[k],
               cJSON_GetObjectItem(c, "indexed")->valueint, cJSON_GetArraySize(failed),
               cJSON_GetObjectItem(c, "pending")->valueint);
        cJSON *f;
        cJSON_ArrayForEach(f, failed)
            printf("  failed: %s: %s\n", cJSON_GetObjectItem(f, "path")->valuestring,
                   cJSON_GetObjectItem(f, "error")->valuestring);
    }
    cJSON *pr = cJSON_GetObjectItem(o, "probes");
    printf("probes    %s\n", cJSON_GetObjectItem(pr, "source")->valuestring);
    cJSON_Delete(o);
    return EXIT_OK;
}

int cmd_index(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) {
            usage_text();
            return EXIT_USAGE;
        }
        return usage_text();
    }
    if (cli_wants_help(argc, argv)) return usage_text();
    if (!strcmp(argv[1], "build")) return build(argc - 1, argv + 1);
    if (!strcmp(argv[1], "info")) return info(argc - 1, argv + 1);
    return cli_usage_error("index", "unknown subcommand '%s'", argv[1]);
}
