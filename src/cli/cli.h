/* Shared pieces of the r2r command-line front end: subcommand entry points and
 * the mapping of library statuses to exit codes (0 ok, 1 bad input, 2 usage, 3 internal). */
#ifndef R2R_CLI_H
#define R2R_CLI_H

#include "r2r/error.h"

enum { EXIT_OK = 0, EXIT_BAD_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

/* Prints "r2r: <last error>" on stderr and returns the exit code for `s`. */
int cli_fail(r2r_status s);

/* Prints "r2r <cmd>: <msg>" plus a hint to --help on stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* True when argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);

/* Parses a base-10 integer option value in [lo, hi]; returns 0 on failure. */
int cli_parse_int(const char *s, long lo, long hi, long *out);

int cmd_loudness(int argc, char **argv);
int cmd_nam(int argc, char **argv);
int cmd_features(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_isolate(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
