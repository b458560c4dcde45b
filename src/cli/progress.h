/* Terminal progress reporting for the CLI (see progress.c). The library reports
 * progress through callbacks; only the CLI draws. */
#ifndef R2R_CLI_PROGRESS_H
#define R2R_CLI_PROGRESS_H

#include <stddef.h>

typedef struct {
    const char *label;
    int tty, quiet, last_decile;
    double start;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label);
void cli_progress_update(cli_progress *p, size_t done, size_t total, const char *item);

/* Adapters for the library's callbacks (user = the cli_progress): the index build's
 * (done of total) and the matcher's (fraction 0..1 and stage). */
void cli_progress_index(size_t done, size_t total, const char *item, void *user);
void cli_progress_fraction(double fraction, const char *stage, void *user);

#endif
