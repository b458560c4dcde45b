/* Helpers shared by the benchmark programs: wall clock, peak RSS, medians. */
#ifndef R2R_BENCHUTIL_H
#define R2R_BENCHUTIL_H

#include <stddef.h>

double bench_now(void);             /* monotonic seconds */
double bench_peak_rss_mib(void);    /* peak resident set of this process */
double bench_median(double *v, size_t n); /* sorts v */
const char *bench_shared(const char *rel); /* path under R2R_SHARED_DIR (static buffer) */

/* A library of the whole dev set (captures, community captures, IRs) as symlinks in a
 * fresh folder under /tmp (name written to `dir`, at least 64 bytes), indexed; 0 on success. */
int bench_dev_library(char *dir, size_t n);
void bench_remove_tree(const char *dir);

#endif
