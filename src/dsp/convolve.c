/* Uniformly partitioned overlap-save convolution (FFT size 2B, frequency-domain delay
 * line of IR partitions), plus IR loading. Plans are made once per convolver. */
#include "r2r/dsp.h"
#include "r2r/audio.h"
#include "r2r/ltas.h" /* r2r_fftw_thread_safe */

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct r2r_convolver {
    size_t B, nb, P;          /* block, bins (B+1), partitions */
    size_t ns;                /* spectrum stride: nb rounded up so every spectrum keeps
                               * the 64-byte alignment FFTW's new-array execute needs */
    fftwf_plan fwd, inv;
    float *time;              /* 2B: [previous block | current block] */
    float *out_time;          /* 2B */
    fftwf_complex *spec;      /* nb: scratch for the forward transform */
    fftwf_complex *acc;       /* nb */
    fftwf_complex *H;         /* P × nb */
    fftwf_complex *fdl;       /* P × nb: spectra of the last P input blocks (ring) */
    size_t head;              /* ring index of the newest block */
    float *inbuf, *outbuf;    /* streaming: B samples gathered / B ready */
    size_t fill;
};

static size_t choose_block(size_t ir_len)
{
    /* Larger blocks amortize FFTs; smaller ones keep the delay line short for short
     * IRs. ~ir/8 within 64..1024 measured best for 0.2-3 s IRs (bench/dsp_bench). */
    size_t b = 64;
    while (b < ir_len / 8 && b < 1024) b *= 2;
    return b;
}

void r2r_convolver_destroy(r2r_convolver *c)
{
    if (!c) return;
    if (c->fwd) fftwf_destroy_plan(c->fwd);
    if (c->inv) fftwf_destroy_plan(c->inv);
    fftwf_free(c->time);
    fftwf_free(c->out_time);
    fftwf_free(c->spec);
    fftwf_free(c->acc);
    fftwf_free(c->H);
    fftwf_free(c->fdl);
    free(c->inbuf);
    free(c->outbuf);
    free(c);
}

r2r_status r2r_convolver_create(const float *ir, size_t ir_len, size_t block, r2r_convolver **out)
{
    *out = NULL;
    if (ir_len == 0) return r2r_fail(R2R_ERR_INPUT, "convolver: empty impulse response");
    if (block == 0) block = choose_block(ir_len);
    if (block & (block - 1)) return r2r_fail(R2R_ERR_INPUT, "convolver: block %zu is not a power of two", block);
    r2r_convolver *c = calloc(1, sizeof *c);
    if (!c) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    c->B = block;
    c->nb = block + 1;
    c->ns = (c->nb + 7) & ~(size_t)7;
    c->P = (ir_len + block - 1) / block;
    const size_t N = 2 * block;
    c->time = fftwf_malloc(N * sizeof(float));
    c->out_time = fftwf_malloc(N * sizeof(float));
    c->spec = fftwf_malloc(c->nb * sizeof(fftwf_complex));
    c->acc = fftwf_malloc(c->nb * sizeof(fftwf_complex));
    c->H = fftwf_malloc(c->P * c->ns * sizeof(fftwf_complex));
    c->fdl = fftwf_malloc(c->P * c->ns * sizeof(fftwf_complex));
    c->inbuf = calloc(block, sizeof(float));
    c->outbuf = calloc(block, sizeof(float));
    if (!c->time || !c->out_time || !c->spec || !c->acc || !c->H || !c->fdl || !c->inbuf || !c->outbuf) {
        r2r_convolver_destroy(c);
        return r2r_fail(R2R_ERR_NOMEM, "convolver: out of memory");
    }
    r2r_fftw_thread_safe();
    c->fwd = fftwf_plan_dft_r2c_1d((int)N, c->time, c->spec, FFTW_ESTIMATE);
    c->inv = fftwf_plan_dft_c2r_1d((int)N, c->acc, c->out_time, FFTW_ESTIMATE);
    if (!c->fwd || !c->inv) {
        r2r_convolver_destroy(c);
        return r2r_fail(R2R_ERR_INTERNAL, "convolver: FFTW planning failed");
    }
    /* Partition spectra: [h_p, zeros], scaled by 1/N for the unnormalized inverse. */
    for (size_t p = 0; p < c->P; p++) {
        memset(c->time, 0, N * sizeof(float));
        size_t len = ir_len - p * block < block ? ir_len - p * block : block;
        for (size_t i = 0; i < len; i++) c->time[i] = ir[p * block + i] / (float)N;
        fftwf_execute_dft_r2c(c->fwd, c->time, c->H + p * c->ns);
    }
    r2r_convolver_reset(c);
    *out = c;
    return R2R_OK;
}

size_t r2r_convolver_latency(const r2r_convolver *c) { return c->B; }

void r2r_convolver_reset(r2r_convolver *c)
{
    memset(c->time, 0, 2 * c->B * sizeof(float));
    memset(c->fdl, 0, c->P * c->ns * sizeof(fftwf_complex));
    memset(c->inbuf, 0, c->B * sizeof(float));
    memset(c->outbuf, 0, c->B * sizeof(float));
    c->fill = 0;
    c->head = 0;
}

/* One block of B new samples (already in time[B..2B)) → B output samples. */
static void run_block(r2r_convolver *c, float *y)
{
    const size_t B = c->B, nb = c->nb, ns = c->ns;
    c->head = (c->head + c->P - 1) % c->P;
    fftwf_execute_dft_r2c(c->fwd, c->time, c->fdl + c->head * ns);
    memset(c->acc, 0, nb * sizeof(fftwf_complex));
    for (size_t p = 0; p < c->P; p++) {
        const float *x = (const float *)(c->fdl + ((c->head + p) % c->P) * ns);
        const float *h = (const float *)(c->H + p * ns);
        float *a = (float *)c->acc;
        for (size_t k = 0; k < nb; k++) {
            float xr = x[2 * k], xi = x[2 * k + 1], hr = h[2 * k], hi = h[2 * k + 1];
            a[2 * k] += xr * hr - xi * hi;
            a[2 * k + 1] += xr * hi + xi * hr;
        }
    }
    fftwf_execute(c->inv);
    memcpy(y, c->out_time + B, B * sizeof(float)); /* overlap-save: keep the second half */
    memmove(c->time, c->time + B, B * sizeof(float));
}

void r2r_convolver_process(r2r_convolver *c, const float *in, float *out, size_t n)
{
    const size_t B = c->B;
    for (size_t i = 0; i < n;) {
        size_t k = B - c->fill < n - i ? B - c->fill : n - i;
        /* Emit the previous block's output while gathering input (latency B). */
        memcpy(c->inbuf + c->fill, in + i, k * sizeof(float));
        memcpy(out + i, c->outbuf + c->fill, k * sizeof(float));
        c->fill += k;
        i += k;
        if (c->fill == B) {
            memcpy(c->time + B, c->inbuf, B * sizeof(float));
            run_block(c, c->outbuf);
            c->fill = 0;
        }
    }
}

r2r_status r2r_convolve(const float *x, size_t n, const float *ir, size_t ir_len, float *y)
{
    r2r_convolver *c;
    r2r_status s = r2r_convolver_create(ir, ir_len, 0, &c);
    if (s != R2R_OK) return s;
    const size_t B = c->B;
    /* Offline there is no waiting for input: block k's output is y[kB, kB+B). */
    for (size_t off = 0; off < n; off += B) {
        size_t k = n - off < B ? n - off : B;
        memcpy(c->time + B, x + off, k * sizeof(float));
        if (k < B) memset(c->time + B + k, 0, (B - k) * sizeof(float));
        run_block(c, c->outbuf);
        memcpy(y + off, c->outbuf, k * sizeof(float));
    }
    r2r_convolver_destroy(c);
    return R2R_OK;
}

r2r_status r2r_ir_load(const char *path, float **ir, size_t *len)
{
    *ir = NULL;
    *len = 0;
    r2r_audio a;
    r2r_status s = r2r_audio_read(path, R2R_READ_MONO, &a);
    if (s != R2R_OK) return s;
    if ((double)a.frames / a.sample_rate > R2R_IR_MAX_SECONDS) {
        double secs = (double)a.frames / a.sample_rate;
        r2r_audio_free(&a);
        return r2r_fail(R2R_ERR_INPUT, "%s: %.1f s is too long for an impulse response (limit %.0f s)",
                        path, secs, R2R_IR_MAX_SECONDS);
    }
    if ((s = r2r_audio_resample(&a, R2R_SAMPLE_RATE)) != R2R_OK) {
        r2r_audio_free(&a);
        return s;
    }
    float peak = r2r_peak(a.data, a.frames);
    if (peak <= 0.0f) {
        r2r_audio_free(&a);
        return r2r_fail(R2R_ERR_INPUT, "%s: the impulse response is silent", path);
    }
    size_t n = a.frames;
    const float floor_v = peak * 3.1623e-5f; /* -90 dB */
    while (n > 1 && fabsf(a.data[n - 1]) < floor_v) n--;
    double e = 0.0;
    for (size_t i = 0; i < n; i++) e += (double)a.data[i] * a.data[i];
    const float g = (float)(1.0 / sqrt(e));
    for (size_t i = 0; i < n; i++) a.data[i] *= g;
    *ir = a.data;
    *len = n;
    return R2R_OK;
}
