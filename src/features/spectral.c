/* Helpers of the feature extractor, each mirroring one librosa/numpy/pyloudnorm call of
 * the original (see the golden README for the conventions reproduced here). */
#include "features/spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/dsp.h" /* r2r_frame_load */

/* ---- Slaney mel scale (librosa htk=False) ---- */
static double hz_to_mel(double f)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return f >= min_log_hz ? min_log_mel + log(f / min_log_hz) / logstep : f / f_sp;
}

static double mel_to_hz(double m)
{
    const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, min_log_mel = min_log_hz / f_sp;
    const double logstep = log(6.4) / 27.0;
    return m >= min_log_mel ? min_log_hz * exp(logstep * (m - min_log_mel)) : f_sp * m;
}

void feat_melbank_free(feat_melbank *mb)
{
    free(mb->start);
    free(mb->len);
    free(mb->w);
    free(mb->off);
    memset(mb, 0, sizeof *mb);
}

int feat_melbank_init(feat_melbank *mb, int bands)
{
    memset(mb, 0, sizeof *mb);
    mb->bands = bands;
    mb->start = calloc((size_t)bands, sizeof(int));
    mb->len = calloc((size_t)bands, sizeof(int));
    mb->off = calloc((size_t)bands, sizeof(int));
    double *mel_f = malloc((size_t)(bands + 2) * sizeof(double));
    float *dense = calloc((size_t)bands * FEAT_NBIN, sizeof(float));
    if (!mb->start || !mb->len || !mb->off || !mel_f || !dense) {
        free(mel_f);
        free(dense);
        feat_melbank_free(mb);
        return -1;
    }
    /* librosa.filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, norm='slaney'):
     * n_mels + 2 points equally spaced in mel, triangles on the FFT bin frequencies,
     * each scaled by 2 / (f[m+2] - f[m]); computed in double, stored as float32. */
    const double mmin = hz_to_mel(0.0), mmax = hz_to_mel(FEAT_SR / 2.0);
    for (int i = 0; i < bands + 2; i++) mel_f[i] = mel_to_hz(mmin + (mmax - mmin) * i / (bands + 1));
    int total = 0;
    for (int b = 0; b < bands; b++) {
        double fd0 = mel_f[b + 1] - mel_f[b], fd1 = mel_f[b + 2] - mel_f[b + 1];
        double enorm = 2.0 / (mel_f[b + 2] - mel_f[b]);
        int first = -1, last = -1;
        for (int k = 0; k < FEAT_NBIN; k++) {
            double fk = (double)k * FEAT_SR / FEAT_NFFT;
            double lower = -(mel_f[b] - fk) / fd0, upper = (mel_f[b + 2] - fk) / fd1;
            double w = fmax(0.0, fmin(lower, upper)) * enorm;
            dense[(size_t)b * FEAT_NBIN + k] = (float)w;
            if (w > 0) {
                if (first < 0) first = k;
                last = k;
            }
        }
        mb->start[b] = first < 0 ? 0 : first;
        mb->len[b] = first < 0 ? 0 : last - first + 1;
        mb->off[b] = total;
        total += mb->len[b];
    }
    mb->w = malloc((size_t)(total ? total : 1) * sizeof(float));
    if (!mb->w) {
        free(mel_f);
        free(dense);
        feat_melbank_free(mb);
        return -1;
    }
    for (int b = 0; b < bands; b++)
        memcpy(mb->w + mb->off[b], dense + (size_t)b * FEAT_NBIN + mb->start[b],
               (size_t)mb->len[b] * sizeof(float));
    free(mel_f);
    free(dense);
    return 0;
}

void feat_melbank_apply(const feat_melbank *mb, const float *power, float *out, size_t stride,
                        size_t t)
{
    for (int b = 0; b < mb->bands; b++) {
        out[(size_t)b * stride + t] = feat_dot(mb->w + mb->off[b], power + mb->start[b], mb->len[b]);
    }
}

/* Largest of non-negative floats via their bit patterns (vectorizes). */
static float max_nonneg(const float *m, int rows, size_t stride, size_t T)
{
    unsigned best = 0;
    for (int b = 0; b < rows; b++) {
        const float *row = m + (size_t)b * stride;
        for (size_t t = 0; t < T; t++) {
            unsigned u;
            memcpy(&u, &row[t], sizeof u);
            best = u > best ? u : best;
        }
    }
    float f;
    memcpy(&f, &best, sizeof f);
    return f;
}

void feat_power_to_db(float *m, int rows, size_t stride, size_t T, int rel)
{
    /* Powers are non-negative, so the top dB value is the dB of the top power. */
    const float mx = max_nonneg(m, rows, stride, T);
    const double ref = rel ? mx : 1.0;
    const float ref_db = (float)(10.0 * log10(fmax(FEAT_AMIN, ref)));
    /* 10·log10 = (10 / ln 10) · ln, with a float32 log as numpy's. */
    const float top = 4.34294482f * feat_lnf(feat_floorf(mx, (float)FEAT_AMIN)) - ref_db;
    const float floor_db = (float)(top - FEAT_TOP_DB);
    for (int b = 0; b < rows; b++) {
        float *row = m + (size_t)b * stride;
        for (size_t t = 0; t < T; t++) {
            float v = 4.34294482f * feat_lnf(feat_floorf(row[t], (float)FEAT_AMIN)) - ref_db;
            row[t] = v < floor_db ? floor_db : v;
        }
    }
}

void feat_mean_std(const double *v, size_t n, double *mean, double *std)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += v[i];
    double m = n ? s / (double)n : 0.0, q = 0.0;
    for (size_t i = 0; i < n; i++) q += (v[i] - m) * (v[i] - m);
    *mean = m;
    *std = n ? sqrt(q / (double)n) : 0.0;
}

/* k-th smallest of v[0..n) by quickselect (v is reordered). */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else return v[k];
    }
    return v[k];
}

/* np.percentile, linear interpolation between the order statistics around
 * q/100·(n−1); `scratch` holds n doubles. */
double feat_percentile(const double *v, size_t n, double q, double *scratch)
{
    if (n == 0) return 0.0;
    memcpy(scratch, v, n * sizeof(double));
    double pos = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    double a = select_kth(scratch, n, lo);
    if (lo + 1 >= n) return a;
    /* the next order statistic is the minimum of the part above lo */
    double b = scratch[lo + 1];
    for (size_t i = lo + 2; i < n; i++) b = scratch[i] < b ? scratch[i] : b;
    return a + (b - a) * (pos - (double)lo);
}

/* librosa zero_crossing_rate: 'edge' centre padding, |x| ≤ 1e-10 counts as +0, a
 * crossing is a sign-bit change from the previous sample within the frame (the
 * frame's first sample never counts), rate = count / 2048. The edge padding repeats
 * x[0] and x[n−1], so crossings only happen between original samples: frame t counts
 * the changes at original indices 512t−1023 .. 512t+1023. */
void feat_zcr(const float *x, size_t n, size_t T, double *out)
{
    /* seg[g] = changes at indices 512g+1 .. 512g+512; frame t covers indices
     * 512t−1023 .. 512t+1023 = segments t−2 .. t+1 without index 512(t+2). */
    const size_t H = FEAT_HOP, nseg = n / H + 4;
    unsigned *seg = calloc(nseg, sizeof(unsigned));
    if (!seg) {
        memset(out, 0, T * sizeof(double));
        return;
    }
    for (size_t g = 0; g < nseg; g++) {
        size_t lo = g * H + 1, hi = g * H + H;
        if (lo >= n) break;
        if (hi > n - 1) hi = n - 1;
        unsigned c = 0;
        for (size_t i = lo; i <= hi; i++) c += (x[i] < -1e-10f) != (x[i - 1] < -1e-10f);
        seg[g] = c;
    }
    for (size_t t = 0; t < T; t++) {
        long c = 0;
        for (long g = (long)t - 2; g <= (long)t + 1; g++)
            if (g >= 0 && (size_t)g < nseg) c += seg[g];
        size_t last = (t + 2) * H;
        if (last < n && last >= 1) c -= (x[last] < -1e-10f) != (x[last - 1] < -1e-10f);
        out[t] = (double)c / FEAT_NFFT;
    }
    free(seg);
}

/* librosa rms: zero padding of 1024 each side, no window, sqrt(mean(x²)) per frame. */
void feat_rms(const float *x, size_t n, size_t T, double *out)
{
    const long half = FEAT_NFFT / 2;
    /* Sums of squares per hop-sized segment; a frame is four of them. */
    size_t nseg = (n + FEAT_NFFT) / FEAT_HOP + 2;
    double *seg = calloc(nseg, sizeof(double));
    if (!seg) {
        memset(out, 0, T * sizeof(double));
        return;
    }
    for (size_t g = 0; g < nseg; g++) { /* segment g: samples [g·hop − half, (g+1)·hop − half) */
        long lo = (long)(g * FEAT_HOP) - half, hi = lo + FEAT_HOP;
        if (lo < 0) lo = 0;
        if (hi > (long)n) hi = (long)n;
        seg[g] = hi > lo ? feat_dot(x + lo, x + lo, (int)(hi - lo)) : 0.0;
    }
    for (size_t t = 0; t < T; t++) {
        double s = 0.0;
        for (int q = 0; q < FEAT_NFFT / FEAT_HOP; q++) s += seg[t + q];
        out[t] = (float)sqrt(s / FEAT_NFFT); /* float32 result, as librosa returns */
    }
    free(seg);
}

/* pyloudnorm Meter(48000).integrated_loudness: its own RBJ high-shelf (+4 dB, 1500 Hz,
 * Q 1/√2) then high-pass (38 Hz, Q 0.5), each in double and rounded to float32 (the
 * original writes into a float32 copy); 400 ms blocks every 100 ms, the last one
 * partial but divided by the full block; gates at −70 LUFS and −10 LU relative.
 * Silence, all-gated input or input under 0.4 s → the original's −60 stand-in. */
double feat_pyloudnorm(const float *x, size_t n)
{
    const double fs = FEAT_SR, block = 0.4 * fs;
    if ((double)n < block) return -60.0;
    float *y = malloc(n * sizeof(float));
    if (!y) return -60.0;
    double b[2][3], a[2][3];
    {
        const double G = 4.0, Q = 1.0 / sqrt(2.0), fc = 1500.0;
        const double A = pow(10.0, G / 40.0), w0 = 2.0 * M_PI * fc / fs, al = sin(w0) / (2.0 * Q);
        const double cw = cos(w0), sA = sqrt(A);
        b[0][0] = A * ((A + 1) + (A - 1) * cw + 2 * sA * al);
        b[0][1] = -2 * A * ((A - 1) + (A + 1) * cw);
        b[0][2] = A * ((A + 1) + (A - 1) * cw - 2 * sA * al);
        a[0][0] = (A + 1) - (A - 1) * cw + 2 * sA * al;
        a[0][1] = 2 * ((A - 1) - (A + 1) * cw);
        a[0][2] = (A + 1) - (A - 1) * cw - 2 * sA * al;
    }
    {
        const double Q = 0.5, fc = 38.0, w0 = 2.0 * M_PI * fc / fs, al = sin(w0) / (2.0 * Q);
        const double cw = cos(w0);
        b[1][0] = (1 + cw) / 2;
        b[1][1] = -(1 + cw);
        b[1][2] = (1 + cw) / 2;
        a[1][0] = 1 + al;
        a[1][1] = -2 * cw;
        a[1][2] = 1 - al;
    }
    /* The K-weighting runs as LANES independent pieces of the signal, one per vector
     * lane, so the recurrences of all pieces advance in one vector step. Each piece
     * starts WARM samples early from zero state; by its own start the 38 Hz high-pass
     * and the shelf have forgotten that state to far below float32 resolution (their
     * transients decay within ~30 ms). Outputs are rounded to float32 between and after
     * the stages, as in the original. */
    enum { LANES = 8, WARM = 9600 };
    typedef double v8d __attribute__((vector_size(8 * LANES)));
    typedef float v8f __attribute__((vector_size(4 * LANES)));
    double c[2][5];
    for (int s = 0; s < 2; s++) {
        c[s][0] = b[s][0] / a[s][0], c[s][1] = b[s][1] / a[s][0], c[s][2] = b[s][2] / a[s][0];
        c[s][3] = a[s][1] / a[s][0], c[s][4] = a[s][2] / a[s][0];
    }
    const size_t piece = (n + LANES - 1) / LANES, steps = piece + WARM;
    /* Lane-interleaved input: step i, lane k = x[k·piece − WARM + i] (zeros outside). */
    float *lanes = calloc(steps * LANES, sizeof(float));
    if (!lanes) {
        free(y);
        return -60.0;
    }
    for (int k = 0; k < LANES; k++) {
        long first = (long)(k * piece) - WARM; /* sample at step 0 of lane k */
        for (size_t i = first < 0 ? (size_t)(-first) : 0; i < steps; i++) {
            long j = first + (long)i;
            if (j >= (long)n) break;
            lanes[i * LANES + k] = x[j];
        }
    }
    v8d p1 = {0}, p2 = {0}, q1 = {0}, q2 = {0};
    for (size_t i = 0; i < steps; i++) {
        v8f xf;
        memcpy(&xf, lanes + i * LANES, sizeof xf);
        v8d in = __builtin_convertvector(xf, v8d);
        v8d o = c[0][0] * in + p1;
        p1 = c[0][1] * in - c[0][3] * o + p2;
        p2 = c[0][2] * in - c[0][4] * o;
        v8d in2 = __builtin_convertvector(__builtin_convertvector(o, v8f), v8d);
        v8d o2 = c[1][0] * in2 + q1;
        q1 = c[1][1] * in2 - c[1][3] * o2 + q2;
        q2 = c[1][2] * in2 - c[1][4] * o2;
        v8f of = __builtin_convertvector(o2, v8f);
        memcpy(lanes + i * LANES, &of, sizeof of);
    }
    /* Lane 0 has no predecessor: its warm-up is the original's own zero state, so it
     * starts at i = WARM exactly like the others and its samples before that are zeros. */
    for (int k = 0; k < LANES; k++)
        for (size_t i = WARM; i < steps; i++) {
            size_t j = k * piece + i - WARM;
            if (j < n) y[j] = lanes[i * LANES + k];
        }
    free(lanes);
    const double step = 0.1 * fs;
    const long nblocks = (long)rint(((double)n / fs - 0.4) / 0.1) + 1; /* half to even */
    double *z = malloc((size_t)(nblocks > 0 ? nblocks : 1) * sizeof(double));
    double result = -60.0;
    if (z && nblocks > 0) {
        /* Blocks are four 0.1 s segments (the last ones cut at the signal's end). */
        const size_t seglen = (size_t)step;
        size_t nseg = (size_t)nblocks + 4;
        double *sg = calloc(nseg, sizeof(double));
        if (sg) {
            for (size_t g = 0; g < nseg; g++) {
                size_t lo = g * seglen, hi = lo + seglen < n ? lo + seglen : n;
                sg[g] = hi > lo ? feat_dot(y + lo, y + lo, (int)(hi - lo)) : 0.0;
            }
            for (long j = 0; j < nblocks; j++) z[j] = (sg[j] + sg[j + 1] + sg[j + 2] + sg[j + 3]) / block;
            free(sg);
        } else {
            for (long j = 0; j < nblocks; j++) z[j] = 0.0;
        }
        double sum = 0.0;
        long cnt = 0;
        for (long j = 0; j < nblocks; j++)
            if (-0.691 + 10.0 * log10(z[j]) >= -70.0) sum += z[j], cnt++;
        if (cnt > 0) {
            double gamma_r = -0.691 + 10.0 * log10(sum / cnt) - 10.0;
            double s2 = 0.0;
            long c2 = 0;
            for (long j = 0; j < nblocks; j++) {
                double l = -0.691 + 10.0 * log10(z[j]);
                if (l > gamma_r && l > -70.0) s2 += z[j], c2++;
            }
            if (c2 > 0) {
                double lufs = -0.691 + 10.0 * log10(s2 / c2);
                if (isfinite(lufs)) result = lufs;
            }
        }
    }
    free(z);
    free(y);
    return result;
}

/* librosa onset_strength (lag 1, no max filter, mean over bands), 3 zeros prepended
 * and the envelope cut back to T frames. */
void feat_onset_env(const float *db, int rows, size_t stride, size_t T, double *env)
{
    /* Band by band along time (contiguous rows), accumulating into the envelope. */
    for (size_t t = 0; t < T; t++) env[t] = 0.0;
    for (int b = 0; b < rows; b++) {
        const float *row = db + (size_t)b * stride;
        for (size_t t = 3; t < T; t++) {
            float d = row[t - 2] - row[t - 3]; /* frame j = t − 2 against j − 1 */
            env[t] += 0.5f * (d + fabsf(d)); /* max(d, 0), exactly, without a branch */
        }
    }
    for (size_t t = 3; t < T; t++) env[t] /= rows;
}

void feat_band_ratios(const float *x, size_t n, fftwf_plan plan, float *in, fftwf_complex *out,
                      const float *win, double ratios[6])
{
    static const double edges[6][2] = {{20, 150},    {150, 400},   {400, 1000},
                                       {1000, 2500}, {2500, 6000}, {6000, 20000}};
    double acc[FEAT_NBIN_B];
    memset(acc, 0, sizeof acc);
    const size_t T = 1 + n / FEAT_HOP_B;
    float part[FEAT_NBIN_B];
    memset(part, 0, sizeof part);
    for (size_t t = 0; t < T; t++) {
        r2r_frame_load(x, n, (long)(t * FEAT_HOP_B) - FEAT_NFFT_B / 2, win, in, FEAT_NFFT_B);
        fftwf_execute(plan);
        /* float partial sums over 16 frames, flushed into double */
        for (int k = 0; k < FEAT_NBIN_B; k++) {
            float re = out[k][0], im = out[k][1];
            part[k] += re * re + im * im;
        }
        if ((t & 15) == 15 || t + 1 == T) {
            for (int k = 0; k < FEAT_NBIN_B; k++) acc[k] += part[k];
            memset(part, 0, sizeof part);
        }
    }
    double total = 0.0;
    for (int k = 0; k < FEAT_NBIN_B; k++) total += acc[k];
    for (int i = 0; i < 6; i++) {
        double s = 0.0;
        for (int k = 0; k < FEAT_NBIN_B; k++) {
            double fk = (double)k * FEAT_SR / FEAT_NFFT_B;
            if (fk >= edges[i][0] && fk < edges[i][1]) s += acc[k];
        }
        ratios[i] = total > 0 ? s / total : 0.0;
    }
}

/* Slope of centroid against frame RMS over frames louder than the 10th percentile
 * (strict), divided by their mean centroid (quirk 3: not level invariant). */
double feat_level_slope(const double *rms, const double *centroid, size_t T, double *scratch)
{
    double p10 = feat_percentile(rms, T, 10.0, scratch);
    double sx = 0, sy = 0;
    size_t m = 0;
    for (size_t t = 0; t < T; t++)
        if (rms[t] > p10) sx += rms[t], sy += centroid[t], m++;
    if (m < 10) return 0.0;
    double mx = sx / m, my = sy / m, sxx = 0, sxy = 0;
    for (size_t t = 0; t < T; t++)
        if (rms[t] > p10) {
            sxx += (rms[t] - mx) * (rms[t] - mx);
            sxy += (rms[t] - mx) * (centroid[t] - my);
        }
    if (sxx <= 0) return 0.0;
    double slope = sxy / sxx;
    return my > 0 ? slope / my : slope;
}
