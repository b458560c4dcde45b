/* Implementation of the benchmark helpers (see benchutil.h). */
#include "benchutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <time.h>

#include "r2r/index.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0; /* ru_maxrss is KiB on Linux */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (!n) return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

const char *bench_shared(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", R2R_SHARED_DIR, rel);
    return buf;
}

int bench_dev_library(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/r2r-bench-lib-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/nam_models %s/cab_irs", dir, dir);
    if (system(cmd) != 0) return -1;
    const char *folders[2] = {"data/captures", "data/community-captures"};
    for (int f = 0; f < 2; f++) {
        snprintf(cmd, sizeof cmd, "for f in '%s'/*.nam; do ln -s \"$f\" %s/nam_models/; done", bench_shared(folders[f]),
                 dir);
        if (system(cmd) != 0) return -1;
    }
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.wav; do ln -s \"$f\" %s/cab_irs/; done", bench_shared("data/irs"), dir);
    if (system(cmd) != 0) return -1;
    r2r_index_report rep;
    if (r2r_index_build(dir, NULL, &rep) != R2R_OK) {
        fprintf(stderr, "bench: %s\n", r2r_last_error());
        return -1;
    }
    return 0;
}

void bench_remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", dir);
}
