/* Feature extraction speed: raw 155-dim signature of a 30 s clip, single thread, median
 * of 5 runs, against the FFT floor (the two STFTs alone) and the original's 0.915 s. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/features.h"

#define RUNS 5
#define PYTHON_SECONDS 0.915

int main(void)
{
    r2r_audio a;
    if (r2r_audio_read(bench_shared("data/di/john-guitar.wav"), R2R_READ_MONO, &a) != R2R_OK) {
        fprintf(stderr, "features_bench: %s\n", r2r_last_error());
        return 1;
    }
    const size_t n = 30 * 48000;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = a.data[i % a.frames];
    r2r_features *fx;
    if (r2r_features_create(&fx) != R2R_OK) return 1;
    float v[R2R_FEATURES_DIM];
    r2r_features_extract_raw(fx, x, n, v); /* warm */
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        r2r_features_extract_raw(fx, x, n, v);
        t[r] = bench_now() - t0;
    }
    double med = bench_median(t, RUNS);
    /* FFT floor: the same frames through the same plan sizes, nothing else. */
    float *in = fftwf_malloc(4096 * sizeof(float));
    fftwf_complex *out = fftwf_malloc(2049 * sizeof(fftwf_complex));
    fftwf_plan pa = fftwf_plan_dft_r2c_1d(2048, in, out, FFTW_MEASURE | FFTW_DESTROY_INPUT);
    fftwf_plan pb = fftwf_plan_dft_r2c_1d(4096, in, out, FFTW_MEASURE | FFTW_DESTROY_INPUT);
    for (int i = 0; i < 4096; i++) in[i] = x[i];
    double tf[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double t0 = bench_now();
        for (size_t f = 0; f < 1 + n / 512; f++) fftwf_execute(pa);
        for (size_t f = 0; f < 1 + n / 1024; f++) fftwf_execute(pb);
        tf[r] = bench_now() - t0;
    }
    double fft = bench_median(tf, RUNS);
    printf("features of 30 s @ 48 kHz, single thread, median of %d\n", RUNS);
    printf("  extract_raw:    %7.2f ms   (original Python %.0f ms: %.0fx faster)\n", med * 1e3,
           PYTHON_SECONDS * 1e3, PYTHON_SECONDS / med);
    printf("  FFT floor:      %7.2f ms   (extract_raw = %.2fx the floor)\n", fft * 1e3, med / fft);
    printf("  peak RSS:       %7.1f MiB\n", bench_peak_rss_mib());
    fftwf_destroy_plan(pa);
    fftwf_destroy_plan(pb);
    fftwf_free(in);
    fftwf_free(out);
    r2r_features_destroy(fx);
    free(x);
    r2r_audio_free(&a);
    return 0;
}
