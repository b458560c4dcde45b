/* Guitar isolation on band mixes built from real recordings: guitar DIs from
 * ../shared/data/di through a capture and a cabinet IR (the true stem), the bass DI
 * through ampeg.nam, synthesized drums. SI-SDR (dB) of each backend's isolated
 * guitar against the true stem (mono: the mean of the stereo stems), and its
 * confidence, and the error of its long-term spectrum (what the matcher compares: mean
 * |dB| over the 80 Hz-10 kHz bands, levels aligned) against the stem put through the
 * same backend on its own (the colour a backend gives a lone guitar is measured and
 * undone by the matcher; what other instruments add or take is not), over four arrangements:
 *   doubled  — two guitar takes panned hard L/R (80/20)
 *   centred  — one guitar in the centre
 *   one side — one guitar panned 70/30
 *   hard L/R — two guitar takes panned hard left and right (100/0)
 * each over two bands (bench_band): bass and drums centred, and as a stereo recording
 * (the kit through two overheads, a room different in each channel).
 * Then the default isolation's decision on mono recordings (auto_table).
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
#include "r2r/ltas.h"
#include "r2r/nam.h"
#include "r2r/retrieve.h"
#include "r2r/synth.h"

#define SECS 12.0

static const char *const rigs[][2] = {
    {"data/captures/jcm.nam", "data/irs/celestion.wav"},
    {"data/captures/deluxe.nam", "data/irs/eminence.wav"},
    {"data/captures/5153.nam", "data/irs/mesa.wav"},
};
static const char *const dis[] = {"data/di/power-guitar.wav", "data/di/metalcore-guitar.wav",
                                  "data/di/jazz_hop-guitar.wav", "data/di/lunar-guitar.wav"};


/* The default isolation's decision (r2r_isolated_alone) on 12 s mono recordings: a
 * guitar take (nine DIs through six captures and a cabinet of four, one of them a bass
 * cabinet, or none) and the same take over bass and centred drums with the guitar as loud
 * as them, 6 dB and 12 dB louder. Counts how many of each are taken for a guitar alone,
 * beside what the confidence by itself (above 0.6, the rule before the low band) took. */
static int auto_table(const float *band, size_t n)
{
    static const char *const takes[] = {"power-guitar", "metalcore-guitar", "jazz_hop-guitar",
                                        "lunar-guitar", "fast_thrash-guitar", "groove_thrash-guitar",
                                        "hammer_lead-guitar", "john-guitar", "power_thrash-guitar"};
    static const char *const caps[] = {"jcm", "deluxe", "5153", "dumble", "ac10", "mesa_rectifier_a2"};
    static const char *const cabs[] = {"celestion", "eminence", "mesa", "ampeg"};
    const char *names[4] = {"guitar alone", "band as loud", "guitar +6 dB", "guitar +12 dB"};
    int alone[4] = {0}, by_conf[4] = {0}, cases = 0;
    double lo[4], hi[4];
    for (int k = 0; k < 4; k++) lo[k] = INFINITY, hi[k] = 0;
    float *g = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
    if (!g || !x) return 1;
    const double other = bench_rms(band, n);
    for (size_t d = 0; d < sizeof takes / sizeof *takes; d++)
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            char dp[128], cp[128], ip[128];
            snprintf(dp, sizeof dp, "data/di/%s.wav", takes[d]);
            snprintf(cp, sizeof cp, "data/captures/%s.nam", caps[c]);
            snprintf(ip, sizeof ip, "data/irs/%s.wav", cabs[(d + c) % 4]);
            const int no_cab = c == 5 && d % 3 == 0;
            if (bench_render_rig(dp, 1.0, cp, no_cab ? NULL : ip, 0.0, g, n) != 0) {
                fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                return 1;
            }
            const double gr = bench_rms(g, n) + 1e-12;
            for (int k = 0; k < 4; k++) {
                const double gg = k == 0 ? 1.0 : pow(2.0, k - 1) * other / gr, bb = k == 0 ? 0.0 : 1.0;
                for (size_t i = 0; i < n; i++) x[i] = (float)(0.5 * (gg * g[i] + bb * band[i]));
                r2r_isolated iso;
                if (r2r_isolate(x, n, 1, R2R_SAMPLE_RATE, R2R_ISO_DSP, &iso) != R2R_OK) {
                    fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                    return 1;
                }
                alone[k] += r2r_isolated_alone(&iso), by_conf[k] += iso.confidence > 0.6;
                lo[k] = fmin(lo[k], iso.low_share), hi[k] = fmax(hi[k], iso.low_share);
                r2r_isolated_free(&iso);
            }
            cases++;
        }
    printf("\n  default isolation's decision on %d mono recordings each: taken for a guitar alone (matched\n"
           "  untouched) — by the confidence alone (> 0.6), and with the low band (< 1 %% below 50 Hz)\n",
           cases);
    for (int k = 0; k < 4; k++)
        printf("  %-14s by confidence %2d, with the low band %2d; energy below 50 Hz %.4f-%.4f\n", names[k],
               by_conf[k], alone[k], lo[k], hi[k]);
    free(g), free(x);
    return 0;
}

int main(void)
{
    const size_t n = (size_t)(SECS * R2R_SAMPLE_RATE);
    float *g1 = malloc(n * sizeof(float)), *g2 = malloc(n * sizeof(float)), *bass = malloc(n * sizeof(float));
    float *mix = malloc(2 * n * sizeof(float)), *stem = malloc(n * sizeof(float));
    float *bl[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    float *br[2] = {malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    if (bench_render_rig("data/di/downtown-bass.wav", 1.0, "data/captures/ampeg.nam", NULL, 0.0, bass, n) != 0 ||
        bench_band(bass, n, 0, bl[0], br[0]) != 0 || bench_band(bass, n, 1, bl[1], br[1]) != 0) {
        fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
        return 1;
    }
    const char *backend_names[3] = {"none", "mock", "dsp"};
    const r2r_iso_backend backends[3] = {R2R_ISO_NONE, R2R_ISO_MOCK, R2R_ISO_DSP};
    const char *arr_names[4] = {"doubled L/R", "centred", "one side", "hard L/R"}, *band_names[2] = {"centred", "room"};
    double sum[4][2][3] = {{{0}}}, conf[4][2][3] = {{{0}}}, serr[4][2][3] = {{{0}}};
    int count[4][2] = {{0}};
    printf("isolate_eval: %.0f s mixes, guitar stems from real DIs through captures and IRs,\n"
           "  bass DI through ampeg.nam, synthesized drums (centred, or as a stereo room); guitar as loud as bass + drums\n"
           "  SI-SDR of the isolated guitar; its spectrum's error against the stem isolated alone (mean |dB|, 80 Hz-10 kHz)\n\n",
           SECS);
    printf("  %-12s %-8s %-18s %8s %8s %8s   %s\n", "arrangement", "band", "guitar rig", "none", "mock", "dsp",
           "spectrum error none / mock / dsp");
    for (size_t r = 0; r < sizeof rigs / sizeof rigs[0]; r++)
        for (int arr = 0; arr < 4; arr++) {
            const size_t d1 = (r + (size_t)arr) % 4, d2 = (d1 + 1) % 4;
            if (bench_render_rig(dis[d1], 1.0, rigs[r][0], rigs[r][1], 0.0, g1, n) != 0 ||
                bench_render_rig(dis[d2], 1.0, rigs[r][0], rigs[r][1], 0.0, g2, n) != 0) {
                fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                return 1;
            }
            for (int bd = 0; bd < 2; bd++) {
                /* levels: the guitars' sum as loud (RMS) as bass + drums */
                double other = 0;
                for (size_t i = 0; i < n; i++) {
                    const double o = 0.5 * (bl[bd][i] + br[bd][i]);
                    other += o * o;
                }
                other = sqrt(other / (double)n);
                const double gg = other / (bench_rms(g1, n) + 1e-12);
                double wl1, wr1, wl2, wr2;
                if (arr == 0) wl1 = 0.8, wr1 = 0.2, wl2 = 0.2, wr2 = 0.8;
                else if (arr == 1) wl1 = wr1 = 0.5, wl2 = wr2 = 0.0;
                else if (arr == 2) wl1 = 0.7, wr1 = 0.3, wl2 = wr2 = 0.0;
                else wl1 = 1.0, wr1 = 0.0, wl2 = 0.0, wr2 = 1.0;
                for (size_t i = 0; i < n; i++) {
                    const double a = gg * g1[i], b = gg * g2[i];
                    mix[2 * i] = (float)(wl1 * a + wl2 * b + 0.5 * bl[bd][i]);
                    mix[2 * i + 1] = (float)(wr1 * a + wr2 * b + 0.5 * br[bd][i]);
                    stem[i] = (float)(0.5 * ((wl1 + wr1) * a + (wl2 + wr2) * b));
                }
                const float pk = r2r_peak(mix, 2 * n);
                if (pk > 0.99f)
                    for (size_t i = 0; i < 2 * n; i++) mix[i] *= 0.99f / pk;
                printf("  %-12s %-8s %-18.18s", arr_names[arr], band_names[bd], strrchr(rigs[r][0], '/') + 1);
                double se[3];
                for (int b = 0; b < 3; b++) {
                    r2r_isolated iso;
                    if (r2r_isolate(mix, n, 2, R2R_SAMPLE_RATE, backends[b], &iso) != R2R_OK) {
                        fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                        return 1;
                    }
                    const double sdr = r2r_si_sdr(iso.guitar, stem, n);
                    /* against the stem through the same backend alone: the colour a backend
                     * gives a guitar by itself is measured and undone by the matcher */
                    r2r_isolated alone;
                    if (r2r_isolate(stem, n, 1, R2R_SAMPLE_RATE, backends[b], &alone) != R2R_OK) {
                        fprintf(stderr, "isolate_eval: %s\n", r2r_last_error());
                        return 1;
                    }
                    se[b] = r2r_ltas_colour_error(iso.guitar, alone.guitar, n, R2R_RETRIEVAL_FMIN_HZ, R2R_RETRIEVAL_FMAX_HZ);
                    r2r_isolated_free(&alone);
                    sum[arr][bd][b] += sdr, conf[arr][bd][b] += iso.confidence, serr[arr][bd][b] += se[b];
                    printf(" %6.1f dB", sdr);
                    r2r_isolated_free(&iso);
                }
                printf("   %.2f / %.2f / %.2f dB\n", se[0], se[1], se[2]);
                count[arr][bd]++;
            }
        }
    printf("\n  mean SI-SDR (confidence) [spectrum error]\n");
    for (int arr = 0; arr < 4; arr++)
        for (int bd = 0; bd < 2; bd++) {
            printf("  %-12s %-8s", arr_names[arr], band_names[bd]);
            for (int b = 0; b < 3; b++) {
                const double c = count[arr][bd];
                printf("   %s %5.1f dB (%.2f) [%.2f dB]", backend_names[b], sum[arr][bd][b] / c, conf[arr][bd][b] / c,
                       serr[arr][bd][b] / c);
            }
            printf("\n");
        }
    {
        float *mono = malloc(n * sizeof(float));
        if (!mono) return 1;
        for (size_t i = 0; i < n; i++) mono[i] = 0.5f * (bl[0][i] + br[0][i]);
        const int rc = auto_table(mono, n);
        free(mono);
        if (rc) return rc;
    }
    free(g1), free(g2), free(bass), free(mix), free(stem);
    for (int bd = 0; bd < 2; bd++) free(bl[bd]), free(br[bd]);
    return 0;
}
