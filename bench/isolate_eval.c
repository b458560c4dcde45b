/* Guitar isolation on band mixes built from real recordings: guitar DIs from
 * ../shared/data/di through a capture and a cabinet IR (the true stem), the bass DI
 * through ampeg.nam, synthesized drums. SI-SDR (dB) of each backend's isolated
 * guitar against the true stem (mono: the mean of the stereo stems), and its
 * confidence, over three arrangements:
 *   doubled  — two guitar takes panned hard L/R (80/20), bass and drums centred
 *   centred  — one guitar in the centre with bass and drums
 *   one side — one guitar panned 70/30, bass and drums centred
 * The `command` backend needs an external separator (Demucs, SAM-Audio) that is not
 * installed here; set RTR_ISOLATION_COMMAND to measure it too.
 *
 * usage: isolate_eval */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/isolate.h"
#include "r2r/nam.h"
#include "r2r/synth.h"

#define SECS 12.0

static const char *const rigs[][2] = {
    {"data/captures/jcm.nam", "data/irs/celestion.wav"},
    {"data/captures/deluxe.nam", "data/irs/eminence.wav"},
    {"data/captures/5153.nam", "data/irs/mesa.wav"},
};
static const char *const dis[] = {"data/di/power-guitar.wav", "data/di/metalcore-guitar.wav",
                                  "data/di/jazz_hop-guitar.wav", "data/di/lunar-guitar.wav"};

int main(void)
{
    const size_t n = (size_t)(SECS * R2R_SAMPLE_RATE);
    float *g1 = malloc(n * sizeof(float)), *g2 = malloc(n * sizeof(float)), *bass = malloc(n * sizeof(float));
    float *mix = malloc(2 * n * sizeof(float)), *stem = malloc(n * sizeof(float)), *drums;
    size_t nd;
    if (bench_render_rig("data/di/downtown-bass.wav", 1.0, "data/captures/ampeg.nam", NULL, 0.0, bass, n) != 0 ||
        r2r_synth_drums(5, SECS, 120.0, R2R_SAMPLE_RATE, &drums, &nd) != R2R_OK) {
        fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
        return 1;
    }
    const char *backend_names[3] = {"none", "mock", "dsp"};
    const r2r_iso_backend backends[3] = {R2R_ISO_NONE, R2R_ISO_MOCK, R2R_ISO_DSP};
    const char *arr_names[3] = {"doubled L/R", "centred", "one side"};
    double sum[3][3] = {{0}}, conf[3][3] = {{0}};
    int count[3] = {0};
    printf("isolate_eval: %.0f s mixes, guitar stems from real DIs through captures and IRs,\n"
           "  bass DI through ampeg.nam, synthesized drums; guitar at about the level of bass + drums\n\n",
           SECS);
    printf("  %-12s %-34s %8s %8s %8s\n", "arrangement", "guitar rig / DIs", "none", "mock", "dsp");
    for (size_t r = 0; r < sizeof rigs / sizeof rigs[0]; r++)
        for (int arr = 0; arr < 3; arr++) {
            const size_t d1 = (r + (size_t)arr) % 4, d2 = (d1 + 1) % 4;
            if (bench_render_rig(dis[d1], 1.0, rigs[r][0], rigs[r][1], 0.0, g1, n) != 0 ||
                bench_render_rig(dis[d2], 1.0, rigs[r][0], rigs[r][1], 0.0, g2, n) != 0) {
                fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                return 1;
            }
            /* levels: the guitars' sum as loud (RMS) as bass + drums */
            double other = 0;
            for (size_t i = 0; i < n; i++) {
                const double o = bass[i] + 0.8 * drums[i];
                other += o * o;
            }
            other = sqrt(other / (double)n);
            const double gg = other / (bench_rms(g1, n) + 1e-12);
            double wl1, wr1, wl2, wr2;
            if (arr == 0) wl1 = 0.8, wr1 = 0.2, wl2 = 0.2, wr2 = 0.8;
            else if (arr == 1) wl1 = wr1 = 0.5, wl2 = wr2 = 0.0;
            else wl1 = 0.7, wr1 = 0.3, wl2 = wr2 = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double a = gg * g1[i], b = gg * g2[i], c = bass[i] + 0.8 * drums[i];
                mix[2 * i] = (float)(wl1 * a + wl2 * b + 0.5 * c);
                mix[2 * i + 1] = (float)(wr1 * a + wr2 * b + 0.5 * c);
                stem[i] = (float)(0.5 * ((wl1 + wr1) * a + (wl2 + wr2) * b));
            }
            const float pk = r2r_peak(mix, 2 * n);
            if (pk > 0.99f)
                for (size_t i = 0; i < 2 * n; i++) mix[i] *= 0.99f / pk;
            printf("  %-12s %-34.34s", arr_names[arr], strrchr(rigs[r][0], '/') + 1);
            for (int b = 0; b < 3; b++) {
                r2r_isolated iso;
                if (r2r_isolate(mix, n, 2, R2R_SAMPLE_RATE, backends[b], &iso) != R2R_OK) {
                    fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                    return 1;
                }
                const double sdr = r2r_si_sdr(iso.guitar, stem, n);
                sum[arr][b] += sdr, conf[arr][b] += iso.confidence;
                printf(" %6.1f dB", sdr);
                r2r_isolated_free(&iso);
            }
            printf("\n");
            count[arr]++;
        }
    printf("\n  mean SI-SDR (confidence)\n");
    for (int arr = 0; arr < 3; arr++) {
        printf("  %-12s", arr_names[arr]);
        for (int b = 0; b < 3; b++)
            printf("   %s %5.1f dB (%.2f)", backend_names[b], sum[arr][b] / count[arr], conf[arr][b] / count[arr]);
        printf("\n");
    }
    free(g1), free(g2), free(bass), free(mix), free(stem), free(drums);
    return 0;
}
