/* Sample-rate conversion with libsoxr at its very-high-quality setting.
 * Used for references, probes, IRs and models trained at other rates. */
#include "r2r/audio.h"

#include <math.h>
#include <soxr.h>
#include <stdlib.h>
#include <string.h>

r2r_status r2r_resample(const float *in, size_t frames, int channels, int in_rate,
                        int out_rate, float **out, size_t *out_frames)
{
    *out = NULL;
    *out_frames = 0;
    if (in_rate <= 0 || out_rate <= 0 || channels <= 0)
        return r2r_fail(R2R_ERR_INPUT, "resample: invalid rate or channel count");
    size_t want = (size_t)llround((double)frames * out_rate / in_rate);
    float *buf = malloc((want ? want : 1) * (size_t)channels * sizeof(float));
    if (!buf) return r2r_fail(R2R_ERR_NOMEM, "resample: out of memory");
    if (in_rate == out_rate) {
        memcpy(buf, in, frames * (size_t)channels * sizeof(float));
        *out = buf;
        *out_frames = frames;
        return R2R_OK;
    }
    /* Streamed in blocks: one soxr_oneshot over minutes of audio makes soxr grow its
     * FIFOs by realloc to the whole signal, which costs seconds of copying (and far
     * more on some kernels). One thread: the result does not depend on the machine. */
    soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    soxr_quality_spec_t q = soxr_quality_spec(SOXR_VHQ, 0);
    soxr_runtime_spec_t rt = soxr_runtime_spec(1);
    soxr_error_t err = NULL;
    soxr_t sx = soxr_create((double)in_rate, (double)out_rate, (unsigned)channels, &err, &io, &q, &rt);
    size_t done = 0, fed = 0;
    const size_t block = 1u << 15;
    int stalls = 0;
    while (!err && done < want && stalls < 8) {
        const size_t take = fed < frames ? (frames - fed < block ? frames - fed : block) : 0;
        size_t used = 0, got = 0;
        /* a NULL input tells soxr the signal has ended and flushes its tail */
        err = soxr_process(sx, take ? in + fed * (size_t)channels : NULL, take, &used,
                           buf + done * (size_t)channels, want - done, &got);
        fed += used;
        done += got;
        if (!take && !got) break;
        stalls = used || got ? 0 : stalls + 1;
    }
    soxr_delete(sx);
    if (err) {
        free(buf);
        return r2r_fail(R2R_ERR_INTERNAL, "resample %d->%d Hz failed: %s", in_rate, out_rate,
                        soxr_strerror(err));
    }
    /* soxr may deliver a frame less than the rounded length; pad with zeros. */
    if (done < want) memset(buf + done * channels, 0, (want - done) * channels * sizeof(float));
    *out = buf;
    *out_frames = want;
    return R2R_OK;
}

r2r_status r2r_audio_resample(r2r_audio *a, int rate)
{
    if (a->sample_rate == rate) return R2R_OK;
    float *out;
    size_t n;
    r2r_status s = r2r_resample(a->data, a->frames, a->channels, a->sample_rate, rate, &out, &n);
    if (s != R2R_OK) return s;
    free(a->data);
    a->data = out;
    a->frames = n;
    a->sample_rate = rate;
    return R2R_OK;
}
