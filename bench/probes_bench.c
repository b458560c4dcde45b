/* How DI-like are the built-in synthetic probes? Raw features of each synthetic probe
 * vs 3.5 s excerpts of the real guitar DIs in shared/data/di: for a set of telling
 * dimensions, the synthetic mean in units of the real DIs' spread (z), and the mel
 * envelope distance, next to the spread among the real DIs themselves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/features.h"
#include "r2r/synth.h"

#define EXCERPT (48000 * 7 / 2)

static const char *const dis[] = {"power-guitar", "metalcore-guitar", "jazz_hop-guitar", "hammer_lead-guitar",
                                  "lunar-guitar", "john-guitar", "fast_thrash-guitar", "groove_thrash-guitar",
                                  "power_thrash-guitar"};
/* Level-independent dimensions that describe a DI's timbre and articulation. */
static const int dims[] = {128, 130, 132, 134, 136, 142, 144, 146, 148, 149, 150, 151, 152};

static void peak_norm(float *x, size_t n)
{
    float p = r2r_peak(x, n);
    for (size_t i = 0; i < n && p > 0; i++) x[i] *= 0.354f / p; /* -9 dBFS */
}

static double mel_dist(const float *a, const float *b)
{
    double s = 0;
    for (int i = 0; i < 64; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s / 64);
}

int main(void)
{
    r2r_features *fx;
    if (r2r_features_create(&fx) != R2R_OK) return 1;
    enum { ND = sizeof dis / sizeof dis[0], NE = 4 };
    static float real[ND * NE][R2R_FEATURES_DIM];
    int nr = 0;
    for (int d = 0; d < ND; d++) {
        char rel[256];
        snprintf(rel, sizeof rel, "data/di/%s.wav", dis[d]);
        r2r_audio a;
        if (r2r_audio_read(bench_shared(rel), R2R_READ_MONO, &a) != R2R_OK) {
            fprintf(stderr, "probes_bench: %s\n", r2r_last_error());
            return 1;
        }
        for (int e = 0; e < NE; e++) {
            size_t off = (size_t)(e + 1) * 48000 * 2;
            if (off + EXCERPT > a.frames) break;
            float *x = malloc(EXCERPT * sizeof(float));
            memcpy(x, a.data + off, EXCERPT * sizeof(float));
            peak_norm(x, EXCERPT);
            r2r_features_extract_raw(fx, x, EXCERPT, real[nr++]);
            free(x);
        }
        r2r_audio_free(&a);
    }
    double mean[R2R_FEATURES_DIM] = {0}, sd[R2R_FEATURES_DIM] = {0};
    for (int i = 0; i < nr; i++)
        for (int k = 0; k < R2R_FEATURES_DIM; k++) mean[k] += real[i][k] / nr;
    for (int i = 0; i < nr; i++)
        for (int k = 0; k < R2R_FEATURES_DIM; k++) sd[k] += (real[i][k] - mean[k]) * (real[i][k] - mean[k]) / nr;
    for (int k = 0; k < R2R_FEATURES_DIM; k++) sd[k] = sqrt(sd[k]);
    float real_mean[R2R_FEATURES_DIM];
    for (int k = 0; k < R2R_FEATURES_DIM; k++) real_mean[k] = (float)mean[k];
    double real_mel = 0;
    for (int i = 0; i < nr; i++) real_mel += mel_dist(real[i], real_mean) / nr;

    printf("synthetic probes vs %d excerpts of %d real guitar DIs (all peak-normalized to -9 dBFS)\n", nr, ND);
    printf("z = (synthetic - mean of real) / std of real; |z| < 2 sits inside the real spread\n\n");
    printf("%-16s", "dimension");
    for (int p = 0; p < R2R_PROBE_COUNT; p++) printf(" %9.9s", r2r_synth_probe_name((r2r_probe_kind)p));
    printf(" %10s %10s\n", "real mean", "real std");
    float syn[R2R_PROBE_COUNT][R2R_FEATURES_DIM];
    for (int p = 0; p < R2R_PROBE_COUNT; p++) {
        float *x;
        size_t n;
        r2r_synth_probe((r2r_probe_kind)p, 48000, &x, &n);
        r2r_features_extract_raw(fx, x, n, syn[p]);
        free(x);
    }
    int inside = 0, total = 0;
    for (size_t j = 0; j < sizeof dims / sizeof dims[0]; j++) {
        int k = dims[j];
        printf("%-16.16s", r2r_features_name(k));
        for (int p = 0; p < R2R_PROBE_COUNT; p++) {
            double z = (syn[p][k] - mean[k]) / (sd[k] > 0 ? sd[k] : 1);
            printf(" %+9.2f", z);
            inside += fabs(z) < 2.0;
            total++;
        }
        printf(" %10.4g %10.4g\n", mean[k], sd[k]);
    }
    printf("\nmel-envelope RMS distance to the real mean (dB): real excerpts average %.2f\n", real_mel);
    for (int p = 0; p < R2R_PROBE_COUNT; p++)
        printf("  %-16s %.2f\n", r2r_synth_probe_name((r2r_probe_kind)p), mel_dist(syn[p], real_mean));
    printf("\n%d of %d synthetic values lie within 2 std of the real DIs\n", inside, total);
    r2r_features_destroy(fx);
    return 0;
}
