/* A progress bar for long commands: redrawn in place on a terminal (stderr), one
 * line per 10 % when stderr is a file or pipe, silent when R2R_NO_PROGRESS is set. */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->tty = isatty(2);
    p->quiet = getenv("R2R_NO_PROGRESS") != NULL;
    p->start = now_s();
    p->last_decile = -1;
}

static void fmt_time(char *buf, size_t n, double s)
{
    if (s < 0 || s > 359999) snprintf(buf, n, "--:--");
    else if (s >= 3600) snprintf(buf, n, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
    else snprintf(buf, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

void cli_progress_update(cli_progress *p, size_t done, size_t total, const char *item)
{
    if (p->quiet || total == 0) return;
    double frac = (double)done / (double)total;
    if (frac > 1.0) frac = 1.0;
    double el = now_s() - p->start;
    double eta = done ? el * (double)(total - done) / (double)done : -1.0;
    char eta_s[16], el_s[16];
    fmt_time(eta_s, sizeof eta_s, eta);
    fmt_time(el_s, sizeof el_s, el);
    if (p->tty) {
        const int width = 28;
        int fill = (int)(frac * width + 0.5);
        char bar[64];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r\033[K%s [%s] %zu/%zu %3.0f%%  %s elapsed, ETA %s  %.40s", p->label,
                bar, done, total, frac * 100.0, el_s, eta_s, item ? item : "");
        if (done >= total) fputc('\n', stderr);
        fflush(stderr);
    } else {
        int decile = (int)(frac * 10.0);
        if (decile != p->last_decile || done >= total) {
            p->last_decile = decile;
            fprintf(stderr, "%s: %zu/%zu (%.0f%%), %s elapsed, ETA %s\n", p->label, done, total,
                    frac * 100.0, el_s, eta_s);
        }
    }
}

void cli_progress_index(size_t done, size_t total, const char *item, void *user)
{
    cli_progress_update(user, done, total, item);
}

void cli_progress_fraction(double fraction, const char *stage, void *user)
{
    cli_progress_update(user, (size_t)(fraction * 1000 + 0.5), 1000, stage);
}
