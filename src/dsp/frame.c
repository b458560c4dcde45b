/* Loading one windowed frame of a signal for an STFT (see dsp.h). */
#include "r2r/dsp.h"

void r2r_frame_load(const float *x, size_t n, long start, const float *win, float *dst, size_t len)
{
    if (start >= 0 && (size_t)start + len <= n) {
        const float *src = x + start;
        for (size_t i = 0; i < len; i++) dst[i] = src[i] * win[i];
        return;
    }
    for (size_t i = 0; i < len; i++) {
        const long j = start + (long)i;
        dst[i] = j >= 0 && (size_t)j < n ? x[j] * win[i] : 0.0f;
    }
}
