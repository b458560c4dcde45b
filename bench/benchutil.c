/* Implementation of the benchmark helpers (see benchutil.h). */
#include "benchutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/index.h"
#include "r2r/nam.h"
#include "r2r/synth.h"

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

double bench_rms(const float *x, size_t n)
{
    double a = 0;
    for (size_t i = 0; i < n; i++) a += (double)x[i] * x[i];
    return n ? sqrt(a / (double)n) : 0.0;
}

const char *bench_shared(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", R2R_SHARED_DIR, rel);
    return buf;
}

int bench_dev_library(char *dir, size_t n)
{
    char cmd[8192];
    const char *keep = getenv("R2R_BENCH_LIB");
    if (keep && *keep) { /* a kept library: built once, reused by later runs */
        snprintf(dir, n, "%s", keep);
        snprintf(cmd, sizeof cmd, "%s/.r2r/index.json", dir);
        if (access(cmd, R_OK) == 0) return 0;
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) return -1;
    } else {
        snprintf(dir, n, "/tmp/r2r-bench-lib-XXXXXX");
        if (!mkdtemp(dir)) return -1;
    }
    snprintf(cmd, sizeof cmd, "mkdir -p %s/nam_models %s/cab_irs", dir, dir);
    if (system(cmd) != 0) return -1;
    const char *folders[2] = {"data/captures", "data/community-captures"};
    for (int f = 0; f < 2; f++) {
        snprintf(cmd, sizeof cmd, "for f in '%s'/*.nam; do ln -sf \"$f\" %s/nam_models/; done", bench_shared(folders[f]),
                 dir);
        if (system(cmd) != 0) return -1;
    }
    snprintf(cmd, sizeof cmd, "for f in '%s'/*.wav; do ln -sf \"$f\" %s/cab_irs/; done", bench_shared("data/irs"), dir);
    if (system(cmd) != 0) return -1;
    /* R2R_BENCH_COPIES=K: a large library, K files of every capture (the k-th with k
     * spaces after its JSON, so the index takes each for a capture of its own) */
    const char *copies = getenv("R2R_BENCH_COPIES");
    if (copies && atoi(copies) > 1) {
        snprintf(cmd, sizeof cmd,
                 "cd %s/nam_models && for f in *.nam; do for k in $(seq 1 %d); do { cat \"$f\"; printf '%%*s' $k ''; } "
                 "> \"${f%%.nam} copy$k.nam\"; done; done",
                 dir, atoi(copies) - 1);
        if (system(cmd) != 0) return -1;
    }
    r2r_index_report rep;
    if (r2r_index_build(dir, NULL, &rep) != R2R_OK) {
        fprintf(stderr, "bench: %s\n", r2r_last_error());
        return -1;
    }
    return 0;
}

void bench_remove_dev_library(const char *dir)
{
    const char *keep = getenv("R2R_BENCH_LIB");
    if (!keep || strcmp(keep, dir)) bench_remove_tree(dir);
}

void bench_remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "bench: could not remove %s\n", dir);
}

int bench_render_rig(const char *di_rel, double offset_s, const char *cap_rel, const char *ir_rel, double gain_db,
                     float *out, size_t n)
{
    r2r_audio a;
    if (r2r_audio_read(bench_shared(di_rel), R2R_READ_MONO, &a) != R2R_OK) return -1;
    if (r2r_audio_resample(&a, R2R_SAMPLE_RATE) != R2R_OK || a.frames == 0) {
        r2r_audio_free(&a);
        return -1;
    }
    float *x = malloc(n * sizeof(float));
    const size_t off = (size_t)(offset_s * R2R_SAMPLE_RATE);
    for (size_t i = 0; x && i < n; i++) x[i] = a.data[(i + off) % a.frames];
    r2r_audio_free(&a);
    if (!x) return -1;
    r2r_gain_apply(x, n, R2R_DI_PEAK_DBFS + gain_db - r2r_lin_to_db(r2r_peak(x, n)));
    r2r_nam *m;
    r2r_status s = r2r_nam_load(bench_shared(cap_rel), 0, &m);
    if (s == R2R_OK) {
        s = r2r_nam_render(m, x, x, n);
        r2r_nam_free(m);
    }
    if (s == R2R_OK && ir_rel) {
        float *h;
        size_t hn;
        s = r2r_ir_load(bench_shared(ir_rel), &h, &hn);
        if (s == R2R_OK) {
            s = r2r_convolve(x, n, h, hn, out);
            free(h);
        }
    } else if (s == R2R_OK)
        memcpy(out, x, n * sizeof(float));
    free(x);
    return s == R2R_OK ? 0 : -1;
}

cJSON *bench_read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    const long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *t = len > 0 ? malloc((size_t)len + 1) : NULL;
    const size_t got = t ? fread(t, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!t) return NULL;
    t[got] = '\0';
    cJSON *j = cJSON_Parse(t);
    free(t);
    return j;
}

double bench_urand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (*s >> 8) / 16777216.0;
}

static size_t split_list(const char *env, const char **out, size_t max, size_t keep)
{
    const char *v = getenv(env);
    if (!v || !*v) return keep;
    char *copy = strdup(v), *save = NULL;
    size_t n = 0;
    for (char *t = strtok_r(copy, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) out[n++] = t;
    return n ? n : keep; /* the copy lives as long as the program */
}

void bench_protocol_init(bench_protocol *p)
{
    static const char *const dis[] = {"power-guitar", "metalcore-guitar", "jazz_hop-guitar", "lunar-guitar"};
    static const char *const cabs[] = {"celestion.wav", "mesa.wav", "eminence.wav", "ampeg.wav"};
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < 4; i++) p->dis[i] = dis[i], p->cabs[i] = cabs[i];
    p->ndis = split_list("R2R_EVAL_DIS", p->dis, 8, 4);
    p->ncabs = split_list("R2R_EVAL_CABS", p->cabs, 8, 4);
}

void bench_protocol_draw(const bench_protocol *p, unsigned *seed, double *gain_db, int *cab, r2r_eq *eq)
{
    *gain_db = bench_urand(seed) * 18.0 - 9.0;
    *cab = (int)(bench_urand(seed) * (double)p->ncabs) % (int)p->ncabs;
    r2r_eq_flat(eq);
    for (int b = 0; b < R2R_EQ_BANDS; b++) eq->band[b].gain_db = bench_urand(seed) * 4.0 - 2.0;
}

int bench_protocol_excerpt(const char *di, double from_s, float *x, size_t n)
{
    const size_t from = (size_t)(from_s * R2R_SAMPLE_RATE);
    char rel[256];
    snprintf(rel, sizeof rel, "data/di/%s.wav", di);
    r2r_audio a;
    if (r2r_audio_read(bench_shared(rel), R2R_READ_MONO, &a) != R2R_OK) return -1;
    if (a.frames < n + from) {
        r2r_audio_free(&a);
        return -1;
    }
    memcpy(x, a.data + from, n * sizeof(float));
    r2r_audio_free(&a);
    const float pk = r2r_peak(x, n);
    for (size_t i = 0; i < n; i++) x[i] *= (float)(r2r_db_to_lin(R2R_DI_PEAK_DBFS) / pk);
    return 0;
}

int bench_protocol_take(const char *di, float **x, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof rel, "data/di/%s.wav", di);
    r2r_audio a;
    if (r2r_audio_read(bench_shared(rel), R2R_READ_MONO, &a) != R2R_OK) return -1;
    const size_t from = (size_t)(BENCH_TAKE_FROM_S * R2R_SAMPLE_RATE);
    const size_t most = (size_t)(BENCH_TAKE_MAX_S * R2R_SAMPLE_RATE);
    int rc = -1;
    *x = NULL, *n = 0;
    if (r2r_audio_resample(&a, R2R_SAMPLE_RATE) == R2R_OK && a.frames > from + R2R_SAMPLE_RATE) {
        *n = a.frames - from < most ? a.frames - from : most;
        if ((*x = malloc(*n * sizeof(float)))) memcpy(*x, a.data + from, *n * sizeof(float)), rc = 0;
    }
    r2r_audio_free(&a);
    return rc;
}

long bench_take_di(const bench_protocol *p, size_t d)
{
    const char *kind = getenv("R2R_EVAL_TAKE");
    if (!kind || !strcmp(kind, "same")) return (long)d;
    if (!strcmp(kind, "other")) return (long)((d + 1) % p->ndis);
    fprintf(stderr, "R2R_EVAL_TAKE is same or other\n");
    return -1;
}

int bench_band(const float *bass, size_t n, int room, float *left, float *right)
{
    float *kit[2] = {NULL, NULL}, *tail = NULL, *wet = NULL;
    size_t nd = 0;
    int rc = -1;
    const double brms = bench_rms(bass, n) + 1e-20;
    /* one kit for the centred band; for the room, the same kit picked up by two overheads:
     * the kick and the snare's body alike in both, their noise (snare, hats) not */
    for (int ch = 0; ch < 1 + room; ch++)
        if (r2r_synth_drums(5 + (uint64_t)ch, (double)n / R2R_SAMPLE_RATE + 0.01, 120.0, R2R_SAMPLE_RATE, &kit[ch], &nd) !=
                R2R_OK ||
            nd < n)
            goto out;
    const double drms = bench_rms(kit[0], n) + 1e-20;
    for (int ch = 0; ch < 2; ch++) {
        float *dst = ch ? right : left;
        const float *dr = kit[room ? ch : 0];
        for (size_t i = 0; i < n; i++) dst[i] = (float)(bass[i] / brms + 0.8 * dr[i] / drms);
    }
    if (room) {
        /* a room: each channel its own decaying noise (RT60 0.6 s) at -10 dB */
        const size_t tn = (size_t)(0.7 * R2R_SAMPLE_RATE);
        tail = malloc(tn * sizeof(float)), wet = malloc(n * sizeof(float));
        if (!tail || !wet) goto out;
        unsigned s = 777;
        for (int ch = 0; ch < 2; ch++) {
            float *dst = ch ? right : left;
            double e = 0;
            for (size_t i = 0; i < tn; i++) {
                tail[i] = (float)((bench_urand(&s) * 2.0 - 1.0) * pow(10.0, -3.0 * (double)i / (0.6 * R2R_SAMPLE_RATE)));
                e += (double)tail[i] * tail[i];
            }
            for (size_t i = 0; i < tn; i++) tail[i] = (float)(tail[i] / sqrt(e) * pow(10.0, -10.0 / 20.0));
            if (r2r_convolve(dst, n, tail, tn, wet) != R2R_OK) goto out;
            for (size_t i = 0; i < n; i++) dst[i] += wet[i];
        }
    }
    rc = 0;
out:
    free(kit[0]), free(kit[1]), free(tail), free(wet);
    return rc;
}
