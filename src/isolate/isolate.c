/* Guitar isolation backends. `dsp` works on an STFT: median-filter harmonic/percussive
 * separation, a stereo panning mask when the guitars sit off-centre, a phase test that
 * drops what only a stereo room or overhead pair puts in the bins, bass/cymbal shelving. */
#include "r2r/isolate.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/dsp.h"  /* r2r_frame_load */
#include "r2r/ltas.h" /* r2r_fftw_thread_safe */

/* STFT of the dsp backend: 85 ms Hann windows at 75 % overlap resolve guitar
 * harmonics above ~25 Hz spacing while keeping pick attacks within a window. */
#define ISO_NFFT 4096
#define ISO_HOP 1024
/* Median lengths: 13 frames (~0.28 s) of sustain marks a harmonic bin, 13 bins
 * (~150 Hz) of broadband energy marks a percussive one. */
#define ISO_MED_T 13
#define ISO_MED_F 13
/* The weight β of the percussive part in the kept share H²/(H²+β²P²). A guitar has
 * percussive bins of its own (pick attacks, a driven amp's fizz), and what the mask
 * takes of them depends on the playing: the matcher measures that colour on its probes
 * and undoes it, but a performance loses more or less than they do. Halving the
 * weight leaves more of the guitar and a little more of the drums: bench/match_eval 2,
 * dev, capture first / top-3, IR first, tone median: guitar alone through the
 * separation 30 / 46 %, 90 %, 3.67 dB with β = 1, 39 / 65 %, 92 %, 3.36 dB with 0.5;
 * band mix 34 / 54 %, 91 %, 3.61 dB → 38 / 60 %, 92 %, 2.83 dB; as a stereo room
 * 25 / 49 %, 91 %, 4.14 dB → 28 / 49 %, 95 %, 3.44 dB. A quarter went too far (band mix
 * 29 / 48 %, IR first 72 %, 3.96 dB; room 20 / 41 %, 55 %, 6.06 dB: the drums' share). */
#define ISO_PERC_WEIGHT 0.5
/* Panning: bins with |pan| beyond these are fully kept; centre bins fade out. */
#define ISO_PAN_LO 0.10
#define ISO_PAN_HI 0.35
/* Centre bins keep this much: where two panned guitars overlap in a bin it reads
 * as centred, and removing it outright costs more guitar than it saves bass. */
#define ISO_PAN_FLOOR 0.3
/* A mix counts as having off-centre guitars when this share of its harmonic
 * 200 Hz-5 kHz energy sits at |pan| > 0.3. */
#define ISO_PAN_SHARE 0.25
/* A source placed by a pan pot (a guitar, anything mixed in mono) reaches both channels
 * in phase; a room's reverb and a kit's overhead pair do not. Stereo bins whose
 * channels differ in phase are dropped, fading in from this cosine of their phase
 * difference to in phase — unless guitars sit on both sides (doubled takes panned
 * apart: two sources in one bin differ in phase too), which the off-centre harmonic
 * energy tells: one side holding under ISO_ONE_SIDE_SHARE of it has no guitar. */
#define ISO_PHASE_LO 0.5
#define ISO_ONE_SIDE_SHARE 0.1
/* A band: the share of the input's energy below ISO_LOW_HZ (a bass's lowest notes, a
 * kick drum's body; a guitar's lowest string is E2 at 82 Hz, B1 at 62 Hz on a
 * seven-string, and a cabinet rolls off below 80-100 Hz): from R2R_ISO_BAND_LOW_SHARE
 * (isolate.h) on, a reference is a mix whatever its confidence. bench/isolate_eval, 54 takes of 12 s in mono (nine DIs, six
 * captures, four cabinets of which one for a bass): the takes alone 0.0000-0.0152 (the
 * most through the bass cabinet); over bass and drums with the guitar as loud as them
 * 0.028-0.036, 6 dB louder 0.011-0.024, 12 dB louder 0.003-0.018. End to end
 * (bench/match_eval 2, R2R_EVAL_MIX=mono: the guitar centred, as loud as the band),
 * the confidence alone matched 69 of 80 dev mixes untouched, the low band none: capture
 * first 6 → 12 %, IR first 18 → 46 %, tone median 14.2 → 7.4 dB; held out 40 of 100,
 * 12 → 12 %, 41 → 64 %, 7.5 → 4.6 dB. */
#define ISO_LOW_HZ 50.0
/* Confidences above which an input is a guitar alone. The confidence alone mistook mono
 * mixes for guitars: of the 54 above, 52 takes score over 0.6, and so do 31 mixes with
 * the guitar as loud as bass and drums and 50 with it 6 dB louder (the low band passes
 * 51 takes and none of those mixes). Stereo that is not dual mono is a mix more often. */
#define ISO_ALONE_MONO 0.6
#define ISO_ALONE_STEREO 0.8
/* Dual mono: side under this share of the mid's energy. */
#define ISO_DUAL_MONO 0.01
/* Bass and cymbal bands: below the low E (82 Hz) fade out, above 7 kHz shelve down. */
#define ISO_BASS_LO 60.0
#define ISO_BASS_HI 100.0
#define ISO_CYMBAL_LO 7000.0
#define ISO_CYMBAL_HI 12000.0
#define ISO_CYMBAL_FLOOR 0.2

int r2r_iso_backend_parse(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "none")) return R2R_ISO_NONE;
    if (!strcmp(name, "mock")) return R2R_ISO_MOCK;
    if (!strcmp(name, "dsp")) return R2R_ISO_DSP;
    if (!strcmp(name, "command")) return R2R_ISO_COMMAND;
    return -1;
}

const char *r2r_iso_backend_name(r2r_iso_backend b)
{
    static const char *const n[] = {"none", "mock", "dsp", "command"};
    return (unsigned)b < 4 ? n[b] : "unknown";
}

void r2r_isolated_free(r2r_isolated *iso)
{
    if (!iso) return;
    free(iso->guitar);
    memset(iso, 0, sizeof *iso);
}

int r2r_isolated_alone(const r2r_isolated *iso)
{
    const double need = iso->stereo_width < ISO_DUAL_MONO ? ISO_ALONE_MONO : ISO_ALONE_STEREO;
    return iso->confidence > need && iso->low_share < R2R_ISO_BAND_LOW_SHARE;
}

double r2r_si_sdr(const float *est, const float *ref, size_t n)
{
    double dot = 0, rr = 0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)est[i] * ref[i];
        rr += (double)ref[i] * ref[i];
    }
    if (rr <= 0) return -INFINITY;
    double a = dot / rr, num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double t = a * ref[i], e = est[i] - t;
        num += t * t;
        den += e * e;
    }
    return 10.0 * log10((num + 1e-20) / (den + 1e-20));
}

static double smoothstep(double x, double lo, double hi)
{
    double t = (x - lo) / (hi - lo);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

/* Sorts k floats (k ≤ 32) into a by insertion: tiny k, predictable branches. */
static void sort_small(const float *v, int k, float *a)
{
    for (int i = 0; i < k; i++) {
        float x = v[i];
        int j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* The time medians' windows of nw bins, one rank per row (ISO_MED_T rows of nw, then a
 * row of +inf): from frame to frame every bin loses its `out` and gains its `in` at once,
 * so the update runs across the bins and vectorizes. Without `out` the window is R, R[j] =
 * W[j] < out ? W[j] : W[j + 1]; with `in` placed, rank j holds max(R[j − 1], min(R[j], in)).
 * prev: scratch of nw. */
static void window_rows_replace(float *W, float *restrict prev, size_t nw, const float *restrict out,
                                const float *restrict in)
{
    for (size_t k = 0; k < nw; k++) prev[k] = -INFINITY;
    for (int j = 0; j < ISO_MED_T; j++) {
        float *restrict wj = W + (size_t)j * nw;
        const float *restrict wn = wj + nw;
        for (size_t k = 0; k < nw; k++) {
            const float r = wj[k] < out[k] ? wj[k] : wn[k], lo = r < in[k] ? r : in[k];
            wj[k] = prev[k] > lo ? prev[k] : lo;
            prev[k] = r;
        }
    }
}

/* The frequency median as a sorting network run across the bins (it vectorizes, where a
 * window sliding along the bins cannot): Batcher's odd-even merge sort of 16 values — the
 * 13 of the window, one −inf and two +inf, so the median lands at rank 7 — keeping only
 * the comparators rank 7 depends on. Returns how many pairs. */
#define ISO_NET 16
static int median_network(int pairs[][2])
{
    int all[80][2], n = 0;
    for (int p = 1; p < ISO_NET; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j + k < ISO_NET; j += 2 * k)
                for (int i = 0; i < k && i + j + k < ISO_NET; i++)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) all[n][0] = i + j, all[n][1] = i + j + k, n++;
    int need[ISO_NET] = {0}, m = 0;
    need[ISO_NET / 2 - 1] = 1;
    for (int c = n - 1; c >= 0; c--) /* backwards: a comparator matters if an output it sets does */
        if (need[all[c][0]] || need[all[c][1]]) need[all[c][0]] = need[all[c][1]] = 1, all[c][0] |= 0x100;
    for (int c = 0; c < n; c++)
        if (all[c][0] & 0x100) pairs[m][0] = all[c][0] & 0xff, pairs[m][1] = all[c][1], m++;
    return m;
}

/* p[t] = the median of v[t .. t + ISO_MED_F - 1] for t < n (n ≤ ISO_NET_BLOCK): x is
 * scratch of ISO_NET rows of ISO_NET_BLOCK. */
#define ISO_NET_BLOCK 256
static void block_medians(const float *v, size_t n, const int (*pairs)[2], int npairs, float *x, float *p)
{
    for (int j = 0; j < ISO_NET; j++) {
        float *restrict r = x + (size_t)j * ISO_NET_BLOCK;
        const float fill = j == ISO_MED_F ? -INFINITY : INFINITY;
        for (size_t t = 0; t < n; t++) r[t] = j < ISO_MED_F ? v[t + (size_t)j] : fill;
    }
    for (int c = 0; c < npairs; c++) {
        float *restrict a = x + (size_t)pairs[c][0] * ISO_NET_BLOCK;
        float *restrict b = x + (size_t)pairs[c][1] * ISO_NET_BLOCK;
        for (size_t t = 0; t < n; t++) {
            const float lo = a[t] < b[t] ? a[t] : b[t], hi = a[t] < b[t] ? b[t] : a[t];
            a[t] = lo, b[t] = hi;
        }
    }
    memcpy(p, x + (size_t)(ISO_NET / 2 - 1) * ISO_NET_BLOCK, n * sizeof *p);
}

/* The spectrum (nb bins) of the Hann-windowed frame of x starting at off (zeros outside
 * 0..n), through fwd (buf -> tmp), into dst. */
static void frame_spectrum(const float *x, size_t n, long off, const float *win, size_t N, float *buf,
                           fftwf_plan fwd, fftwf_complex *tmp, fftwf_complex *dst, size_t nb)
{
    r2r_frame_load(x, n, off, win, buf, N);
    fftwf_execute(fwd);
    memcpy(dst, tmp, nb * sizeof(fftwf_complex));
}

/* The STFT's frames over n samples: they cover [-N, n + N), so every sample gets the
 * overlap-add's full weight. */
static size_t iso_frames(size_t n) { return (n + ISO_NFFT) / ISO_HOP + 1; }

/* Frames kept by the streaming STFT: the time median's window (ISO_MED_T frames) and the
 * frame that just left it. */
#define ISO_RING (ISO_MED_T + 1)

/* The harmonic/percussive analysis as a stream over the frames: the frames a time median
 * needs are analysed ahead and kept in a ring, so memory does not grow with the input. */
typedef struct {
    const float *x[2]; /* left, right (NULL for mono) */
    size_t n, N, hop, nb, frames;
    size_t ka, kb;     /* the bins whose mask is wanted: ka..kb-1 */
    int stereo, sums;  /* sums: add up the energy below ISO_LOW_HZ and in all */
    const float *win;
    float *buf;
    fftwf_complex *tmp;
    fftwf_plan fwd;
    fftwf_complex *spec; /* ISO_RING frames × channels × nb */
    float *mag, *pan;    /* ISO_RING frames × nb: |L| + |R|, (|L| − |R|) / (|L| + |R|) */
    float *tw;           /* the time median's sorted windows, rank by rank (window_rows_replace) */
    float *fm;           /* the frequency median: a frame's magnitudes padded by ISO_MED_F / 2 clamped
                          * bins each side, the network's rows, the medians (nb + ISO_MED_F, rows, nb) */
    int pairs[80][2], npairs;
    size_t next;         /* frames analysed so far */
    size_t k_low;
    double e_low, e_all;
} hpss;

static void hpss_analyse(hpss *h)
{
    const size_t g = h->next++, s = g % ISO_RING, nb = h->nb;
    const long off = (long)(g * h->hop) - (long)h->N;
    fftwf_complex *fl = h->spec + s * (1 + h->stereo) * nb, *fr = fl + nb;
    for (int ch = 0; ch < 1 + h->stereo; ch++)
        frame_spectrum(h->x[ch], h->n, off, h->win, h->N, h->buf, h->fwd, h->tmp, ch ? fr : fl, nb);
    float *mag = h->mag + s * nb, *pan = h->pan + s * nb;
    for (size_t k = 0; k < nb; k++) {
        float l = hypotf(fl[k][0], fl[k][1]);
        float r = h->stereo ? hypotf(fr[k][0], fr[k][1]) : 0.0f;
        mag[k] = l + r;
        if (h->stereo) pan[k] = (l - r) / (l + r + 1e-12f);
        if (h->sums) {
            const double e = (double)l * l + (double)r * r;
            h->e_all += e;
            if (k >= 1 && k <= h->k_low) h->e_low += e;
        }
    }
}

/* Frame f's harmonic mask H²/(H²+P²) for bins ka..kb-1 into c[ka..kb-1]: H the median of
 * the bin's magnitude over ISO_MED_T frames, P the median of the frame's magnitude over
 * ISO_MED_F bins (both windows clamped at the edges). Frames are asked for in order. */
static void hpss_mask(hpss *h, size_t f, float *c)
{
    const int ht = ISO_MED_T / 2, hf = ISO_MED_F / 2;
    const long last_f = (long)h->frames - 1, last_k = (long)h->nb - 1;
#define ISO_CLAMP(i, hi) ((i) < 0 ? 0 : (i) > (hi) ? (hi) : (i))
#define ISO_MAG(g) (h->mag + (size_t)ISO_CLAMP((long)(g), last_f) % ISO_RING * h->nb)
    while (h->next < h->frames && h->next <= f + ht) hpss_analyse(h);
    const size_t nw = h->kb - h->ka;
    if (f == 0) {
        for (size_t k = h->ka; k < h->kb; k++) {
            float v[ISO_MED_T], a[ISO_MED_T];
            for (int j = -ht; j <= ht; j++) v[j + ht] = ISO_MAG(j)[k];
            sort_small(v, ISO_MED_T, a);
            for (int j = 0; j < ISO_MED_T; j++) h->tw[(size_t)j * nw + k - h->ka] = a[j];
        }
    } else {
        window_rows_replace(h->tw, h->tw + (ISO_MED_T + 1) * nw, nw, ISO_MAG((long)f - 1 - ht) + h->ka,
                            ISO_MAG((long)f + ht) + h->ka);
    }
    const float *m = ISO_MAG(f);
    float *mp = h->fm, *rows = mp + h->nb + ISO_MED_F, *pm = rows + ISO_NET * ISO_NET_BLOCK;
    for (long i = 0; i < (long)h->nb + 2 * hf; i++) mp[i] = m[ISO_CLAMP(i - hf, last_k)];
    for (size_t k = h->ka; k < h->kb; k += ISO_NET_BLOCK) {
        const size_t n = h->kb - k < ISO_NET_BLOCK ? h->kb - k : ISO_NET_BLOCK;
        block_medians(mp + k, n, (const int(*)[2])h->pairs, h->npairs, rows, pm + k);
    }
    for (size_t k = h->ka; k < h->kb; k++) {
        const float p = pm[k], hh = h->tw[(size_t)ht * nw + k - h->ka];
        c[k] = (hh * hh) / (hh * hh + p * p + 1e-20f);
    }
#undef ISO_MAG
#undef ISO_CLAMP
}

static r2r_status hpss_open(hpss *h, const float *L, const float *R, size_t n, int sr, size_t ka, size_t kb,
                            const float *win)
{
    memset(h, 0, sizeof *h);
    h->x[0] = L, h->x[1] = R, h->n = n, h->N = ISO_NFFT, h->hop = ISO_HOP, h->nb = ISO_NFFT / 2 + 1;
    h->frames = iso_frames(n);
    h->ka = ka, h->kb = kb, h->stereo = R != NULL, h->win = win;
    h->k_low = (size_t)(ISO_LOW_HZ * h->N / sr);
    const size_t nb = h->nb;
    h->buf = fftwf_malloc(h->N * sizeof(float));
    h->tmp = fftwf_malloc(nb * sizeof(fftwf_complex));
    h->spec = fftwf_malloc(ISO_RING * (1 + h->stereo) * nb * sizeof(fftwf_complex));
    h->mag = malloc(ISO_RING * nb * sizeof(float));
    h->pan = malloc(ISO_RING * nb * sizeof(float));
    const size_t nw = kb > ka ? kb - ka : 0;
    h->tw = malloc(((ISO_MED_T + 2) * nw + 1) * sizeof(float)); /* ranks, the +inf row, scratch */
    h->fm = malloc((2 * nb + ISO_MED_F + ISO_NET * ISO_NET_BLOCK) * sizeof(float));
    h->npairs = median_network(h->pairs);
    if (!h->buf || !h->tmp || !h->spec || !h->mag || !h->pan || !h->tw || !h->fm)
        return r2r_fail(R2R_ERR_NOMEM, "isolate: out of memory");
    for (size_t k = 0; k < nw; k++) h->tw[ISO_MED_T * nw + k] = INFINITY;
    r2r_fftw_thread_safe();
    h->fwd = fftwf_plan_dft_r2c_1d((int)h->N, h->buf, h->tmp, FFTW_ESTIMATE);
    return h->fwd ? R2R_OK : r2r_fail(R2R_ERR_NOMEM, "isolate: no FFT plan");
}

static void hpss_close(hpss *h)
{
    if (h->fwd) fftwf_destroy_plan(h->fwd);
    fftwf_free(h->buf);
    fftwf_free(h->tmp);
    fftwf_free(h->spec);
    free(h->mag);
    free(h->pan);
    free(h->tw);
    free(h->fm);
    memset(h, 0, sizeof *h);
}

/* Stereo (or mono) input → the dsp backend's guitar estimate, as a stream over the
 * frames, twice for stereo: the first pass decides from the whole mix whether the guitars
 * sit off-centre (it needs the masks of 200 Hz-5 kHz only), the second applies the masks.
 * Memory does not grow with the input beyond its output, and both medians run across the
 * bins (window_rows_replace, block_medians): a 4-minute stereo song's `r2r isolate` took
 * 9.1 s and 587 MiB keeping the magnitudes, masks and panning of every frame; as a stream
 * 3.5 s and 236 MiB with medians of 13 sorted per bin, 2.2 s with them across the bins, the
 * same samples each time. */
static r2r_status isolate_dsp(const float *L, const float *R, size_t n, int sr, r2r_iso_progress_fn progress,
                              void *user, r2r_isolated *out)
{
    const size_t N = ISO_NFFT, hop = ISO_HOP, nb = N / 2 + 1;
    const int stereo = R != NULL;
    float *win = malloc(N * sizeof(float));
    float *c = malloc(nb * sizeof(float));
    double *mk = malloc(2 * nb * sizeof(double));
    double *acc = calloc(N, sizeof(double)); /* overlap-add of samples f·hop − N .. f·hop */
    out->guitar = malloc((n ? n : 1) * sizeof(float));
    hpss a = {0}, b = {0};
    fftwf_plan inv = NULL;
    r2r_status s = R2R_OK;
    if (!win || !c || !mk || !acc || !out->guitar) {
        s = r2r_fail(R2R_ERR_NOMEM, "isolate: out of memory");
        goto done;
    }
    for (size_t i = 0; i < N; i++) win[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / N));
    const size_t frames = iso_frames(n), tick = frames / 50 + 1;
    /* The first pass costs about a third of the second. */
    const double pass_a = stereo ? 0.25 : 0.0;

    /* Decide whether the guitars are off-centre: harmonic energy share at |pan| > 0.3. */
    int use_pan = 0, one_sided = 0;
    double side = 0, mid = 0;
    if (stereo) {
        const size_t k0 = (size_t)(200.0 * N / sr), k1 = (size_t)(5000.0 * N / sr);
        const size_t kb = k1 + 1 < nb ? k1 + 1 : nb;
        if ((s = hpss_open(&a, L, R, n, sr, k0 < kb ? k0 : kb, kb, win)) != R2R_OK) goto done;
        double off = 0, all = 0, side_e[2] = {0, 0};
        for (size_t f = 0; f < frames; f++) {
            hpss_mask(&a, f, c);
            const float *mag = a.mag + f % ISO_RING * nb, *pan = a.pan + f % ISO_RING * nb;
            for (size_t k = a.ka; k < a.kb; k++) {
                double e = (double)mag[k] * mag[k] * c[k];
                all += e;
                if (fabsf(pan[k]) > 0.3f) off += e, side_e[pan[k] < 0] += e;
            }
            if (progress && f % tick == 0) progress(pass_a * f / frames, user);
        }
        hpss_close(&a);
        use_pan = all > 0 && off / all > ISO_PAN_SHARE;
        one_sided = off > 0 && fmin(side_e[0], side_e[1]) < ISO_ONE_SIDE_SHARE * off;
        for (size_t i = 0; i < n; i++) {
            double m = 0.5 * (L[i] + R[i]), d = 0.5 * (L[i] - R[i]);
            mid += m * m;
            side += d * d;
        }
    }
    out->stereo_width = mid > 0 ? side / mid : 0.0;
    out->panned = use_pan;
    const int gate_phase = stereo && (!use_pan || one_sided);

    /* Per frame, the bins' mask once (it does not depend on the channel), then each
     * channel through it: base = shelves and panning, keep = base × the β share × the
     * phase test. */
    if ((s = hpss_open(&b, L, R, n, sr, 0, nb, win)) != R2R_OK) goto done;
    b.sums = 1;
    inv = fftwf_plan_dft_c2r_1d((int)N, b.tmp, b.buf, FFTW_ESTIMATE);
    if (!inv) {
        s = r2r_fail(R2R_ERR_NOMEM, "isolate: no FFT plan");
        goto done;
    }
    /* Σ hann² at 75 % overlap = 1.5; stereo channels are averaged. */
    const double norm = 1.0 / (1.5 * (1 + stereo));
    double et = 0, er = 0, *base = mk, *keep = mk + nb;
    for (size_t f = 0; f < frames; f++) {
        hpss_mask(&b, f, c);
        fftwf_complex *fl = b.spec + f % ISO_RING * (1 + stereo) * nb, *fr = fl + nb;
        const float *pan = b.pan + f % ISO_RING * nb;
        for (size_t k = 0; k < nb; k++) {
            const double hz = (double)k * sr / N;
            /* what is kept of the bin: H²/(H²+β²P²) from the harmonic mask c */
            double m = smoothstep(hz, ISO_BASS_LO, ISO_BASS_HI);
            m *= 1.0 - (1.0 - ISO_CYMBAL_FLOOR) * smoothstep(hz, ISO_CYMBAL_LO, ISO_CYMBAL_HI);
            if (use_pan) m *= ISO_PAN_FLOOR + (1.0 - ISO_PAN_FLOOR) * smoothstep(fabsf(pan[k]), ISO_PAN_LO, ISO_PAN_HI);
            base[k] = m;
            m *= c[k] / (c[k] + ISO_PERC_WEIGHT * ISO_PERC_WEIGHT * (1.0 - c[k]) + 1e-20);
            if (gate_phase) {
                const float *l = fl[k], *r = fr[k];
                const double cross = (double)l[0] * r[0] + (double)l[1] * r[1];
                const double nrm = hypot(l[0], l[1]) * hypot(r[0], r[1]);
                m *= smoothstep(nrm > 0 ? cross / nrm : 1.0, ISO_PHASE_LO, 1.0);
            }
            keep[k] = m;
        }
        for (int ch = 0; ch < 1 + stereo; ch++) {
            fftwf_complex *S = ch ? fr : fl;
            for (size_t k = 0; k < nb; k++) {
                const double re = S[k][0], im = S[k][1], p = re * re + im * im, cm = c[k] * base[k];
                /* the confidence: the energy split of the plain harmonic mask, shelves and
                 * panning (what the auto-isolation thresholds were measured with) */
                et += cm * cm * p;
                er += (1 - cm) * (1 - cm) * p;
                b.tmp[k][0] = (float)(re * keep[k]);
                b.tmp[k][1] = (float)(im * keep[k]);
            }
            fftwf_execute(inv);
            /* Weighted overlap-add; the window-square sum is normalized on the way out. */
            for (size_t i = 0; i < N; i++) acc[i] += (double)b.buf[i] * win[i] / N;
        }
        /* Samples before the next frame's start are complete: out, and the window moves
         * on by a hop (the last frame's whole window). acc[i] is sample f·hop + i − N. */
        const size_t done_n = f + 1 < frames ? hop : N;
        for (size_t i = 0; i < done_n; i++) {
            const long t = (long)(f * hop + i) - (long)N;
            if (t >= 0 && (size_t)t < n) out->guitar[t] = (float)(acc[i] * norm);
        }
        memmove(acc, acc + hop, (N - hop) * sizeof(double));
        memset(acc + N - hop, 0, hop * sizeof(double));
        if (progress && f % tick == 0) progress(pass_a + (1 - pass_a) * f / frames, user);
    }
    out->low_share = b.e_all > 0 ? b.e_low / b.e_all : 0.0;
    out->frames = n;
    out->confidence = et + er > 0 ? et / (et + er) : 0.0;
    if (progress) progress(1.0, user);
done:
    if (inv) fftwf_destroy_plan(inv);
    hpss_close(&a);
    hpss_close(&b);
    if (s != R2R_OK) {
        free(out->guitar);
        out->guitar = NULL;
    }
    free(win);
    free(c);
    free(mk);
    free(acc);
    return s;
}

/* The seed's mock: 2nd-order Butterworth high-pass at 80 Hz and low-pass at 5 kHz. */
static void biquad_run(float *x, size_t n, double b0, double b1, double b2, double a1, double a2)
{
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double in = x[i], y = b0 * in + s1;
        s1 = b1 * in - a1 * y + s2;
        s2 = b2 * in - a2 * y;
        x[i] = (float)y;
    }
}

static void mock_bandpass(float *x, size_t n, int sr)
{
    const double q = M_SQRT1_2;
    double w = 2 * M_PI * 80.0 / sr, al = sin(w) / (2 * q), c = cos(w), a0 = 1 + al;
    biquad_run(x, n, (1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - al) / a0);
    w = 2 * M_PI * 5000.0 / sr, al = sin(w) / (2 * q), c = cos(w), a0 = 1 + al;
    biquad_run(x, n, (1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - al) / a0);
}

/* command.c: `in` is written for the separator, `mono` is the mix it is compared with. */
r2r_status r2r_isolate_command(const float *in, size_t n, int channels, const float *mono, int sr,
                               r2r_isolated *out);

r2r_status r2r_isolate(const float *in, size_t frames, int channels, int sample_rate,
                       r2r_iso_backend backend, r2r_isolated *out)
{
    return r2r_isolate_progress(in, frames, channels, sample_rate, backend, NULL, NULL, out);
}

r2r_status r2r_isolate_progress(const float *in, size_t frames, int channels, int sample_rate,
                                r2r_iso_backend backend, r2r_iso_progress_fn progress, void *user,
                                r2r_isolated *out)
{
    memset(out, 0, sizeof *out);
    if (channels < 1 || sample_rate < 8000 || frames == 0)
        return r2r_fail(R2R_ERR_INPUT, "isolate: empty input or invalid format");
    /* Down to at most two channels: odd channels to the left, even to the right. */
    float *L = malloc(frames * sizeof(float));
    float *R = channels > 1 ? malloc(frames * sizeof(float)) : NULL;
    if (!L || (channels > 1 && !R)) {
        free(L);
        free(R);
        return r2r_fail(R2R_ERR_NOMEM, "isolate: out of memory");
    }
    for (size_t i = 0; i < frames; i++) {
        double l = 0, r = 0;
        int nl = 0, nr = 0;
        for (int c = 0; c < channels; c++) {
            if (c % 2 == 0) l += in[i * channels + c], nl++;
            else r += in[i * channels + c], nr++;
        }
        L[i] = (float)(l / nl);
        if (R) R[i] = (float)(r / nr);
    }
    r2r_status s = R2R_OK;
    if (backend == R2R_ISO_DSP) {
        s = isolate_dsp(L, R, frames, sample_rate, progress, user, out);
        free(L);
        free(R);
        return s;
    }
    if (R)
        for (size_t i = 0; i < frames; i++) L[i] = 0.5f * (L[i] + R[i]);
    free(R);
    double total = 0;
    for (size_t i = 0; i < frames; i++) total += (double)L[i] * L[i];
    if (backend == R2R_ISO_COMMAND) { /* the separator gets the original channels */
        s = r2r_isolate_command(in, frames, channels, L, sample_rate, out);
        free(L);
        return s;
    }
    if (backend == R2R_ISO_MOCK) {
        mock_bandpass(L, frames, sample_rate);
    } else if (backend != R2R_ISO_NONE) {
        free(L);
        return r2r_fail(R2R_ERR_INPUT, "isolate: unknown backend %d", (int)backend);
    }
    out->guitar = L;
    out->frames = frames;
    double kept = 0;
    for (size_t i = 0; i < frames; i++) kept += (double)L[i] * L[i];
    /* Energy kept vs removed: the band-pass's residual is what it cut. */
    double removed = total > kept ? total - kept : 0.0;
    out->confidence = kept + removed > 0 ? kept / (kept + removed) : 0.0;
    return R2R_OK;
}
