/* `r2r serve [--library LIB] [--port 8000] [--data DIR] [--host 127.0.0.1] [--workers N]
 *            [--max-upload MB] [--web DIR]`: runs until SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "r2r/error.h"
#include "r2r/library.h"
#include "r2r/server.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int cmd_serve(int argc, char **argv)
{
    r2r_server_options o;
    memset(&o, 0, sizeof o);
    o.port = 8000;
    o.data_dir = "r2r-data";
    const char *env = getenv("RTR_LIBRARY");
    if (env && *env) o.library = env;
    for (int i = 1; i < argc; i++) {
        long v = 0;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: r2r serve [--library LIB] [--port 8000] [--data DIR] [--host 127.0.0.1]\n"
                   "                 [--workers N] [--max-upload MB] [--web DIR]\n\n"
                   "Serves the REST API and the web page: create a project, drop a reference, watch\n"
                   "isolation and matching, A/B the previews, download the recipe. State lives in\n"
                   "DIR (default ./r2r-data: r2r.sqlite and projects/). Binds 127.0.0.1 unless --host\n"
                   "says otherwise. Workers default to cores - 1; uploads are limited to 200 MB.\n");
            return EXIT_OK;
        }
        if (i + 1 >= argc) return cli_usage_error("serve", "%s needs a value", argv[i]);
        if (!strcmp(argv[i], "--library")) o.library = argv[++i];
        else if (!strcmp(argv[i], "--data")) o.data_dir = argv[++i];
        else if (!strcmp(argv[i], "--host")) o.host = argv[++i];
        else if (!strcmp(argv[i], "--web")) o.web_dir = argv[++i];
        else if (!strcmp(argv[i], "--port")) {
            if (!cli_parse_int(argv[++i], 0, 65535, &v)) return cli_usage_error("serve", "--port wants 0..65535");
            o.port = (int)v;
        } else if (!strcmp(argv[i], "--workers")) {
            if (!cli_parse_int(argv[++i], 1, 16, &v)) return cli_usage_error("serve", "--workers wants 1..16");
            o.workers = (int)v;
        } else if (!strcmp(argv[i], "--max-upload")) {
            if (!cli_parse_int(argv[++i], 1, 1L << 20, &v)) return cli_usage_error("serve", "--max-upload wants MB");
            o.max_upload = (size_t)v << 20;
        } else
            return cli_usage_error("serve", "unknown argument %s", argv[i]);
    }
    r2r_server *s = NULL;
    r2r_status st = r2r_server_start(&o, &s);
    if (st != R2R_OK) return cli_fail(st);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("r2r serve: http://%s:%d/ (data in %s, library %s) — Ctrl-C stops\n", o.host ? o.host : "127.0.0.1",
           r2r_server_port(s), o.data_dir, o.library ? o.library : "none: matches will say so");
    if (o.library && r2r_library_check_indexed(o.library) != R2R_OK) /* matches would fail: say it now */
        fprintf(stderr, "r2r serve: warning: matches will fail: %s\n", r2r_last_error());
    fflush(stdout);
    while (!stop_flag) sleep(1); /* a signal cuts the sleep short */
    printf("r2r serve: stopping (running tasks finish first)\n");
    r2r_server_stop(s);
    return EXIT_OK;
}
