/* DSP speed: 30 s at 48 kHz through a 200 ms IR (partitioned convolution) and through
 * the 6-band EQ with HP/LP; single thread, median of 5 runs, peak RSS. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "r2r/dsp.h"

#define RUNS 5

int main(void)
{
    const size_t n = 30 * 48000, m = 9600;
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *h = malloc(m * sizeof(float));
    srand(1);
    for (size_t i = 0; i < n; i++) x[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < m; i++) h[i] = ((float)rand() / RAND_MAX - 0.5f) * expf(-(float)i / 1500.0f);
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        r2r_convolve(x, n, h, m, y);
        t[r] = bench_now() - t0;
    }
    double conv = bench_median(t, RUNS);
    r2r_eq eq;
    r2r_eq_flat(&eq);
    for (int b = 0; b < R2R_EQ_BANDS; b++) eq.band[b].gain_db = b % 2 ? 3.0 : -2.0;
    eq.highpass_hz = 70;
    eq.lowpass_hz = 12000;
    for (int r = 0; r < RUNS; r++) {
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, &eq, 48000);
        double t0 = bench_now();
        r2r_eq_runner_process(&run, y, n);
        t[r] = bench_now() - t0;
    }
    double eqt = bench_median(t, RUNS);
    printf("DSP blocks, 30 s of 48 kHz audio, single thread, median of %d\n", RUNS);
    printf("  convolution with a 200 ms IR: %6.2f ms  (target < 20 ms)\n", conv * 1e3);
    printf("  6-band EQ + HP + LP:          %6.2f ms\n", eqt * 1e3);
    printf("  peak RSS:                     %6.1f MiB\n", bench_peak_rss_mib());
    free(x), free(y), free(h);
    return 0;
}
