/* Reading any libsndfile format into float32 and writing float32 WAV atomically.
 * Bad files give one clear line naming the file, never a crash. */
#include "r2r/audio.h"
#include "r2r/constants.h"

#include <errno.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void r2r_audio_free(r2r_audio *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

float r2r_peak(const float *data, size_t n)
{
    float p = 0.0f;
    for (size_t i = 0; i < n; i++) {
        float v = data[i] < 0 ? -data[i] : data[i];
        if (v > p) p = v;
    }
    return p;
}

r2r_status r2r_audio_to_mono(r2r_audio *a)
{
    if (a->channels == 1) return R2R_OK;
    const int ch = a->channels;
    /* In place: frame i reads from index i*ch >= i, so forward order is safe. */
    for (size_t i = 0; i < a->frames; i++) {
        double s = 0.0;
        for (int c = 0; c < ch; c++) s += a->data[i * ch + c];
        a->data[i] = (float)(s / ch);
    }
    float *shrunk = realloc(a->data, (a->frames ? a->frames : 1) * sizeof(float));
    if (shrunk) a->data = shrunk;
    a->channels = 1;
    return R2R_OK;
}

r2r_status r2r_audio_read(const char *path, int flags, r2r_audio *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0)
        return r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return r2r_fail(R2R_ERR_INPUT, "%s: is a directory, not an audio file", path);
    if (st.st_size == 0)
        return r2r_fail(R2R_ERR_INPUT, "%s: empty file", path);

    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    if (!sf)
        return r2r_fail(R2R_ERR_INPUT, "%s: not a readable audio file (%s)", path,
                        sf_strerror(NULL));
    if (info.channels <= 0 || info.channels > 64 || info.samplerate <= 0 ||
        info.samplerate > 768000) {
        sf_close(sf);
        return r2r_fail(R2R_ERR_INPUT, "%s: unsupported audio header (%d channels, %d Hz)",
                        path, info.channels, info.samplerate);
    }
    if (info.frames <= 0) {
        sf_close(sf);
        return r2r_fail(R2R_ERR_INPUT, "%s: contains no audio samples", path);
    }
    if ((double)info.frames / info.samplerate > R2R_MAX_AUDIO_SECONDS) {
        sf_close(sf);
        return r2r_fail(R2R_ERR_INPUT, "%s: too long (%.0f s; the limit is %.0f s)", path,
                        (double)info.frames / info.samplerate, R2R_MAX_AUDIO_SECONDS);
    }
    size_t frames = (size_t)info.frames;
    float *buf = malloc(frames * (size_t)info.channels * sizeof(float));
    if (!buf) {
        sf_close(sf);
        return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory reading %zu frames", path, frames);
    }
    /* Integer PCM is read unnormalized-to-float by libsndfile's default float
     * conversion (divides by 2^(bits-1)), which is what soundfile does too. */
    sf_count_t got = sf_readf_float(sf, buf, info.frames);
    int err = sf_error(sf);
    sf_close(sf);
    if (got <= 0) {
        free(buf);
        return r2r_fail(R2R_ERR_INPUT, "%s: could not decode audio (%s)", path,
                        err ? sf_error_number(err) : "no frames");
    }
    out->data = buf;
    out->frames = (size_t)got;
    out->channels = info.channels;
    out->sample_rate = info.samplerate;
    for (size_t i = 0; i < out->frames * (size_t)out->channels; i++) {
        if (buf[i] != buf[i] || buf[i] > 1e6f || buf[i] < -1e6f) {
            r2r_audio_free(out);
            return r2r_fail(R2R_ERR_INPUT, "%s: contains non-finite samples", path);
        }
    }
    if (flags & R2R_READ_MONO) r2r_audio_to_mono(out);
    return R2R_OK;
}

r2r_status r2r_audio_write_wav(const char *path, const float *data, size_t frames,
                               int channels, int sample_rate)
{
    if (channels <= 0 || sample_rate <= 0)
        return r2r_fail(R2R_ERR_INPUT, "%s: invalid channels/sample rate for writing", path);
    size_t len = strlen(path);
    char *tmp = malloc(len + 32);
    if (!tmp) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    snprintf(tmp, len + 32, "%s.%ld.tmp", path, (long)getpid());

    SF_INFO info;
    memset(&info, 0, sizeof info);
    info.channels = channels;
    info.samplerate = sample_rate;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    /* Files over 4 GiB would need RF64; refuse rather than write a broken header. */
    if ((double)frames * channels * 4.0 > 4.0e9) {
        free(tmp);
        return r2r_fail(R2R_ERR_INPUT, "%s: too large for a WAV file", path);
    }
    SNDFILE *sf = sf_open(tmp, SFM_WRITE, &info);
    if (!sf) {
        r2r_status s = r2r_fail(R2R_ERR_IO, "%s: cannot write (%s)", path, sf_strerror(NULL));
        free(tmp);
        return s;
    }
    sf_count_t put = frames ? sf_writef_float(sf, data, (sf_count_t)frames) : 0;
    sf_write_sync(sf);
    int cerr = sf_close(sf);
    if (put != (sf_count_t)frames || cerr != 0) {
        unlink(tmp);
        free(tmp);
        return r2r_fail(R2R_ERR_IO, "%s: short write", path);
    }
    if (rename(tmp, path) != 0) {
        r2r_status s = r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return s;
    }
    free(tmp);
    return R2R_OK;
}
