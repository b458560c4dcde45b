/* NAM engine speed: single-threaded real-time factor (seconds of 48 kHz audio per wall
 * second, process loop only) at blocks 64 and 512, next to NAM core's anchors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "r2r/audio.h"
#include "r2r/nam.h"

#define SECONDS 20.0
#define RUNS 5

typedef struct {
    const char *file;
    double slim; /* SlimmableContainer size (< 0: default, the full-size submodel) */
    int flags;
    double nam_core[2];     /* NAM core -O3 -march=native, exact tanh: block 64, 512 */
    double neural_audio[2]; /* NeuralAudio (fast tanh): block 64, 512 */
} model;

static const model models[] = {
    {"5153.nam", -1, 0, {21.6, 22.7}, {24.1, 24.2}},
    {"dumble.nam", -1, 0, {31.5, 35.1}, {56.9, 59.3}},
    {"example_lstm.nam", -1, 0, {155.8, 154.8}, {341, 332}},
    /* A2 (.nam 0.7): 8-channel default submodel and the 3-channel one (--slim 0.25);
     * NAM core runs them through its hand-written A2 fast path. */
    {"mesa_rectifier_a2.nam", -1, 0, {14.9, 14.8}, {14.9, 14.2}},
    {"mesa_rectifier_a2.nam", 0.25, 0, {139, 160}, {165, 170}},
    /* The same two through the operation-by-operation path (FiLM models take it). */
    {"mesa_rectifier_a2.nam", -1, R2R_NAM_BLOCK_MODE, {14.9, 14.8}, {14.9, 14.2}},
    {"mesa_rectifier_a2.nam", 0.25, R2R_NAM_BLOCK_MODE, {139, 160}, {165, 170}},
};

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : SECONDS;
    r2r_audio di;
    if (r2r_audio_read(bench_shared("data/di/power-guitar.wav"), R2R_READ_MONO, &di) != R2R_OK) {
        fprintf(stderr, "nam_bench: %s\n", r2r_last_error());
        return 1;
    }
    size_t n = (size_t)(seconds * 48000);
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) x[i] = di.data[i % di.frames];
    printf("NAM engine, single thread, %.0f s of audio per run, median of %d runs\n", seconds, RUNS);
    printf("%-30s %6s %10s %14s %16s %8s\n", "model", "block", "RTF", "NAM core RTF", "NeuralAudio RTF", "vs core");
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        char rel[256];
        snprintf(rel, sizeof rel, "data/captures/%s", models[m].file);
        r2r_nam *nam;
        if (r2r_nam_load(bench_shared(rel), models[m].flags, &nam) != R2R_OK) {
            fprintf(stderr, "nam_bench: %s\n", r2r_last_error());
            return 1;
        }
        char label[64];
        snprintf(label, sizeof label, "%.22s%s%s", models[m].file,
                 models[m].slim >= 0 ? " slim.25" : (strstr(models[m].file, "a2") ? " default" : ""),
                 models[m].flags & R2R_NAM_BLOCK_MODE ? " blk" : "");
        if (models[m].slim >= 0) r2r_nam_set_slimmable_size(nam, models[m].slim);
        const size_t blocks[2] = {64, 512};
        for (int b = 0; b < 2; b++) {
            double rtf[RUNS];
            for (int r = 0; r < RUNS; r++) {
                r2r_nam_reset(nam);
                double t0 = bench_now();
                for (size_t off = 0; off < n; off += blocks[b]) {
                    size_t k = n - off < blocks[b] ? n - off : blocks[b];
                    r2r_nam_process(nam, x + off, y + off, k);
                }
                rtf[r] = seconds / (bench_now() - t0);
            }
            double med = bench_median(rtf, RUNS);
            printf("%-30s %6zu %9.1fx %13.1fx %15.1fx %7.2fx\n", label, blocks[b], med,
                   models[m].nam_core[b], models[m].neural_audio[b], med / models[m].nam_core[b]);
        }
        r2r_nam_free(nam);
    }
    printf("peak RSS: %.1f MiB\n", bench_peak_rss_mib());
    free(x);
    free(y);
    r2r_audio_free(&di);
    return 0;
}
