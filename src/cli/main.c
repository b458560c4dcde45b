/* r2r: git-style dispatcher over the subcommands. Each subcommand lives in its
 * own cmd_*.c file and calls libr2r; only this layer prints and exits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_fail(r2r_status s)
{
    const char *msg = r2r_last_error();
    fprintf(stderr, "r2r: %s\n", msg && *msg ? msg : r2r_status_name(s));
    switch (s) {
    case R2R_OK: return EXIT_OK;
    case R2R_ERR_INPUT:
    case R2R_ERR_UNSUPPORTED:
    case R2R_ERR_IO: return EXIT_BAD_INPUT;
    default: return EXIT_INTERNAL;
    }
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "r2r %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'r2r %s --help')\n", cmd);
    return EXIT_USAGE;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) return 1;
    return 0;
}

int cli_parse_int(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
    {"nam", cmd_nam, "inspect and render Neural Amp Modeler captures (info, render)"},
    {"features", cmd_features, "print the 155-dim acoustic signature of an audio file"},
    {"loudness", cmd_loudness, "print the integrated loudness (LUFS) of an audio file"},
    {"index", cmd_index, "build or describe a capture library's acoustic index"},
    {"match", cmd_match, "find the rig (capture, IR, gain, EQ) that sounds like a reference"},
    {"render", cmd_render, "play a DI through a recipe"},
    {"isolate", cmd_isolate, "isolate the guitar of a mix"},
    {"demo", cmd_demo, "run the embedded default end to end"},
    {"serve", cmd_serve, "the REST API and the web page (A/B the matches in a browser)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: r2r <command> [options]\n\nReference-to-Rig: find the NAM capture, cabinet IR,"
               " gain and EQ that sound like a reference.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'r2r <command> --help' describes each command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("r2r 0.1.0\n");
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "r2r: unknown command '%s' (see 'r2r --help')\n", argv[1]);
    return EXIT_USAGE;
}
