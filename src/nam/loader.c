/* .nam files: JSON parsing with full validation, metadata extraction, architecture
 * dispatch, NAM core's prewarm on reset, and chunked processing with resampling. */
#include "nam/nam_internal.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/fileutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A .nam larger than this is not a model anyone trained (the largest real ones are a
 * few MB); refusing it early bounds memory. */
#define NAM_MAX_FILE_BYTES (256L << 20)

#define NAM_MAX_SUBMODELS 8

struct r2r_nam {
    r2r_nam_info info;
    const nam_arch_ops *ops;
    void *impl;
    r2r_nam *sub[NAM_MAX_SUBMODELS]; /* SlimmableContainer submodels */
    double sub_max[NAM_MAX_SUBMODELS];
    char *strings[12]; /* owned copies behind the info's string pointers */
    int nstrings;
    float zeros[NAM_CHUNK];
    float sink[NAM_CHUNK];
};

const float *nam_take(nam_weights *w, size_t k)
{
    if (w->pos + k > w->n) {
        w->pos = w->n + 1; /* remember that we ran out */
        return NULL;
    }
    const float *p = w->w + w->pos;
    w->pos += k;
    return p;
}

r2r_status nam_cfg_int(const cJSON *obj, const char *key, long lo, long hi, int required,
                       long def, const char *file, const char *where, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return r2r_fail(R2R_ERR_INPUT, "%s: %s is missing \"%s\"", file, where, key);
        *out = def;
        return R2R_OK;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s has an invalid \"%s\" (want an integer in %ld..%ld)",
                        file, where, key, lo, hi);
    *out = (long)v->valuedouble;
    return R2R_OK;
}

r2r_status nam_cfg_bool(const cJSON *obj, const char *key, int required, int def,
                        const char *file, const char *where, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) {
        if (required)
            return r2r_fail(R2R_ERR_INPUT, "%s: %s is missing \"%s\"", file, where, key);
        *out = def;
        return R2R_OK;
    }
    if (!cJSON_IsBool(v))
        return r2r_fail(R2R_ERR_INPUT, "%s: %s has a non-boolean \"%s\"", file, where, key);
    *out = cJSON_IsTrue(v);
    return R2R_OK;
}

r2r_status nam_cfg_dilations(const cJSON *obj, long max, const char *file, const char *where, long *dil, long *n)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(obj, "dilations");
    if (!cJSON_IsArray(d) || cJSON_GetArraySize(d) < 1 || cJSON_GetArraySize(d) > max)
        return r2r_fail(R2R_ERR_INPUT, "%s: %s needs 1..%ld \"dilations\"", file, where, max);
    *n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, d)
    {
        if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > 65536 ||
            e->valuedouble != (long)e->valuedouble)
            return r2r_fail(R2R_ERR_INPUT, "%s: %s has an invalid dilation", file, where);
        dil[(*n)++] = (long)e->valuedouble;
    }
    return R2R_OK;
}

r2r_status nam_cfg_activation_value(const cJSON *v, const char *file, const char *where, int flags,
                                    nam_activation *out)
{
    const char *name = NULL;
    const cJSON *params = NULL;
    if (cJSON_IsString(v)) name = v->valuestring;
    else if (cJSON_IsObject(v)) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "type");
        if (cJSON_IsString(t)) name = t->valuestring;
        params = v;
    }
    if (!name) return r2r_fail(R2R_ERR_INPUT, "%s: %s has no valid activation", file, where);
    if (nam_activation_parse(name, out) != 0)
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: %s uses unknown activation \"%s\"", file, where, name);
    if (params) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(params, "negative_slope");
        if (s && !cJSON_IsNumber(s))
            return r2r_fail(R2R_ERR_INPUT, "%s: %s has a non-numeric \"negative_slope\"", file, where);
        if (s) out->slope = (float)s->valuedouble;
        const cJSON *ss = cJSON_GetObjectItemCaseSensitive(params, "negative_slopes");
        if (ss && out->type == NAM_ACT_PRELU && !s) {
            int n = cJSON_GetArraySize(ss);
            if (!cJSON_IsArray(ss) || n < 1 || n > NAM_MAX_SLOPES)
                return r2r_fail(R2R_ERR_INPUT, "%s: %s has invalid PReLU \"negative_slopes\" (1..%d numbers)",
                                file, where, NAM_MAX_SLOPES);
            const cJSON *e;
            cJSON_ArrayForEach(e, ss)
            {
                if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                    return r2r_fail(R2R_ERR_INPUT, "%s: %s has a non-numeric PReLU slope", file, where);
                out->slopes[out->nslopes++] = (float)e->valuedouble;
            }
        }
        const char *lk[4] = {"min_val", "max_val", "min_slope", "max_slope"};
        float *lv[4] = {&out->min_val, &out->max_val, &out->min_slope, &out->max_slope};
        for (int i = 0; i < 4; i++) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(params, lk[i]);
            if (x && !cJSON_IsNumber(x))
                return r2r_fail(R2R_ERR_INPUT, "%s: %s has a non-numeric \"%s\"", file, where, lk[i]);
            if (x) *lv[i] = (float)x->valuedouble;
        }
    }
    if (out->type == NAM_ACT_TANH && (flags & R2R_NAM_FAST_TANH)) out->type = NAM_ACT_FAST_TANH;
    return R2R_OK;
}

r2r_status nam_cfg_activation(const cJSON *obj, const char *key, const char *file,
                              const char *where, int flags, nam_activation *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) return r2r_fail(R2R_ERR_INPUT, "%s: %s has no \"%s\"", file, where, key);
    return nam_cfg_activation_value(v, file, where, flags, out);
}

void r2r_nam_free(r2r_nam *m)
{
    if (!m) return;
    for (int i = 0; i < m->info.submodels; i++) r2r_nam_free(m->sub[i]);
    if (m->ops && m->impl) m->ops->destroy(m->impl);
    for (int i = 0; i < m->nstrings; i++) free(m->strings[i]);
    free(m);
}

const r2r_nam_info *r2r_nam_get_info(const r2r_nam *m) { return &m->info; }

static const char *keep(r2r_nam *m, char *s)
{
    if (!s || m->nstrings >= (int)(sizeof m->strings / sizeof m->strings[0])) {
        free(s);
        return NULL;
    }
    m->strings[m->nstrings++] = s;
    return s;
}

static const char *meta_str(r2r_nam *m, const cJSON *meta, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, key);
    return cJSON_IsString(v) ? keep(m, strdup(v->valuestring)) : NULL;
}

static int meta_num(const cJSON *meta, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) return 0;
    *out = v->valuedouble;
    return 1;
}

static void read_metadata(r2r_nam *m, const cJSON *root)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    if (!cJSON_IsObject(meta)) return;
    m->info.name = meta_str(m, meta, "name");
    m->info.modeled_by = meta_str(m, meta, "modeled_by");
    m->info.gear_type = meta_str(m, meta, "gear_type");
    m->info.gear_make = meta_str(m, meta, "gear_make");
    m->info.gear_model = meta_str(m, meta, "gear_model");
    m->info.tone_type = meta_str(m, meta, "tone_type");
    m->info.has_loudness = meta_num(meta, "loudness", &m->info.loudness);
    m->info.has_gain = meta_num(meta, "gain", &m->info.gain);
    m->info.has_input_level = meta_num(meta, "input_level_dbu", &m->info.input_level_dbu);
    m->info.has_output_level = meta_num(meta, "output_level_dbu", &m->info.output_level_dbu);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(meta, "date");
    if (cJSON_IsObject(d)) {
        double y, mo, dd;
        if (meta_num(d, "year", &y) && meta_num(d, "month", &mo) && meta_num(d, "day", &dd)) {
            char buf[32];
            snprintf(buf, sizeof buf, "%04d-%02d-%02d", (int)y, (int)mo, (int)dd);
            m->info.date = keep(m, strdup(buf));
        }
    }
    m->info.metadata_json = keep(m, cJSON_PrintUnformatted(meta));
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(meta, "training");
    if (!tr) tr = cJSON_GetObjectItemCaseSensitive(root, "training");
    if (tr && !cJSON_IsNull(tr)) m->info.training_json = keep(m, cJSON_PrintUnformatted(tr));
}

/* 0.5.x files are the classic architectures; 0.6 adds the "A2" WaveNet options (FiLM,
 * bottlenecks, grouped convolutions, heads), 0.7 the SlimmableContainer. */
static r2r_status check_version(const cJSON *root, const char *file, r2r_nam *m)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(v))
        return r2r_fail(R2R_ERR_INPUT, "%s: missing or invalid \"version\"", file);
    int a, b, c;
    char tail;
    if (sscanf(v->valuestring, "%d.%d.%d%c", &a, &b, &c, &tail) != 3 || a < 0 || b < 0 || c < 0)
        return r2r_fail(R2R_ERR_INPUT, "%s: invalid version string \"%s\"", file, v->valuestring);
    m->info.version = keep(m, strdup(v->valuestring));
    if (a == 0 && b < 5)
        return r2r_fail(R2R_ERR_UNSUPPORTED, "%s: .nam version %s is older than 0.5, not supported",
                        file, v->valuestring);
    if (a > 0 || b > 7)
        return r2r_fail(R2R_ERR_UNSUPPORTED,
                        "%s: unsupported .nam version %s (this build reads 0.5 to 0.7)", file,
                        v->valuestring);
    return R2R_OK;
}

r2r_status nam_parse_weights(const cJSON *root, const char *file, float **out, size_t *n)
{
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "weights");
    if (!cJSON_IsArray(w)) return r2r_fail(R2R_ERR_INPUT, "%s: missing \"weights\" array", file);
    int count = cJSON_GetArraySize(w);
    float *buf = malloc(((size_t)count + 1) * sizeof(float));
    if (!buf) return r2r_fail(R2R_ERR_NOMEM, "%s: out of memory for %d weights", file, count);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, w)
    {
        if (!cJSON_IsNumber(e)) {
            free(buf);
            return r2r_fail(R2R_ERR_INPUT, "%s: weight %zu is not a number", file, i);
        }
        double d = e->valuedouble;
        if (!isfinite(d) || fabs(d) > 3.4e38) {
            free(buf);
            return r2r_fail(R2R_ERR_INPUT, "%s: weight %zu is not finite", file, i);
        }
        buf[i++] = (float)d;
    }
    *out = buf;
    *n = i;
    return R2R_OK;
}

static r2r_status load_container(r2r_nam *m, const cJSON *cfg, const char *name, int flags, int depth);

/* One model object (the file's root, or a container's submodel). */
static r2r_status load_root(const cJSON *root, const char *name, int flags, int depth, r2r_nam **out)
{
    *out = NULL;
    r2r_nam *m = calloc(1, sizeof *m);
    float *weights = NULL;
    r2r_status s = R2R_OK;
    if (!m) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    if (!cJSON_IsObject(root)) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: not a .nam model (JSON is not an object)", name);
        goto done;
    }
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "architecture");
    if (!cJSON_IsString(arch)) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: missing \"architecture\"", name);
        goto done;
    }
    m->info.architecture = keep(m, strdup(arch->valuestring));
    if ((s = check_version(root, name, m)) != R2R_OK) goto done;
    read_metadata(m, root);
    const cJSON *sr = cJSON_GetObjectItemCaseSensitive(root, "sample_rate");
    m->info.sample_rate = R2R_SAMPLE_RATE;
    if (sr && !cJSON_IsNull(sr)) {
        if (!cJSON_IsNumber(sr) || !(sr->valuedouble >= 8000.0 && sr->valuedouble <= 384000.0)) {
            s = r2r_fail(R2R_ERR_INPUT, "%s: invalid sample_rate", name);
            goto done;
        }
        m->info.sample_rate = sr->valuedouble;
        m->info.has_sample_rate = 1;
    }
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    if (!cJSON_IsObject(cfg)) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: missing \"config\" object", name);
        goto done;
    }
    size_t nw = 0;
    if ((s = nam_parse_weights(root, name, &weights, &nw)) != R2R_OK) goto done;
    m->info.weight_count = nw;
    nam_weights wc = {weights, nw, 0};
    const char *a = arch->valuestring;
    if (!strcmp(a, "WaveNet"))
        s = nam_wavenet_is_a2(cfg) ? nam_wavenet_a2_create(cfg, &wc, name, flags, &m->info, &m->impl, &m->ops)
                                   : nam_wavenet_create(cfg, &wc, name, flags, &m->info, &m->impl, &m->ops);
    else if (!strcmp(a, "LSTM"))
        s = nam_lstm_create(cfg, &wc, name, flags, &m->info, &m->impl, &m->ops);
    else if (!strcmp(a, "ConvNet"))
        s = nam_convnet_create(cfg, &wc, name, flags, &m->info, &m->impl, &m->ops);
    else if (!strcmp(a, "Linear"))
        s = nam_linear_create(cfg, &wc, name, flags, &m->info, &m->impl, &m->ops);
    else if (!strcmp(a, "SlimmableContainer"))
        s = load_container(m, cfg, name, flags, depth);
    else
        s = r2r_fail(R2R_ERR_UNSUPPORTED, "%s: unsupported architecture \"%s\"", name, a);
    if (s != R2R_OK) goto done;
    if (wc.pos != wc.n) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: wrong weight count: the config needs %s%zu, the file has %zu",
                     name, wc.pos > wc.n ? "more than " : "", wc.pos > wc.n ? wc.n : wc.pos, wc.n);
        goto done;
    }
    r2r_nam_reset(m);
done:
    free(weights);
    if (s != R2R_OK) {
        r2r_nam_free(m);
        return s;
    }
    *out = m;
    return R2R_OK;
}

/* SlimmableContainer: submodels sorted by ascending max_value, the last ≥ 1; the last
 * runs by default (NAM core). Submodels are whole models of any architecture. */
static r2r_status load_container(r2r_nam *m, const cJSON *cfg, const char *name, int flags, int depth)
{
    if (depth > 0)
        return r2r_fail(R2R_ERR_INPUT, "%s: a SlimmableContainer inside a container is not supported", name);
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(cfg, "submodels");
    int n = cJSON_GetArraySize(subs);
    if (!cJSON_IsArray(subs) || n < 1 || n > NAM_MAX_SUBMODELS)
        return r2r_fail(R2R_ERR_INPUT, "%s: SlimmableContainer needs 1..%d \"submodels\"", name,
                        NAM_MAX_SUBMODELS);
    const cJSON *e;
    size_t len = 0;
    cJSON_ArrayForEach(e, subs)
    {
        const int i = m->info.submodels;
        const cJSON *mv = cJSON_GetObjectItemCaseSensitive(e, "max_value");
        const cJSON *model = cJSON_GetObjectItemCaseSensitive(e, "model");
        if (!cJSON_IsNumber(mv) || !isfinite(mv->valuedouble) || !cJSON_IsObject(model))
            return r2r_fail(R2R_ERR_INPUT, "%s: submodel %d needs a numeric \"max_value\" and a \"model\"",
                            name, i);
        if (i > 0 && mv->valuedouble <= m->sub_max[i - 1])
            return r2r_fail(R2R_ERR_INPUT, "%s: submodels must be sorted by ascending max_value", name);
        char where[64];
        snprintf(where, sizeof where, "%.40s submodel %d", name, i);
        r2r_status s = load_root(model, where, flags, depth + 1, &m->sub[i]);
        if (s != R2R_OK) return s;
        m->sub_max[i] = mv->valuedouble;
        m->info.submodels++;
        const r2r_nam_info *si = &m->sub[i]->info;
        if (si->has_sample_rate && m->info.has_sample_rate && si->sample_rate != m->info.sample_rate)
            return r2r_fail(R2R_ERR_INPUT, "%s: submodel %d runs at %g Hz, the container at %g Hz", name, i,
                            si->sample_rate, m->info.sample_rate);
        if (len + 40 < sizeof m->info.summary)
            len += (size_t)snprintf(m->info.summary + len, sizeof m->info.summary - len, "%s<%g: %s",
                                    i ? " | " : "", mv->valuedouble, si->summary);
    }
    if (m->sub_max[m->info.submodels - 1] < 1.0)
        return r2r_fail(R2R_ERR_INPUT, "%s: the last submodel's max_value must be >= 1", name);
    m->info.active_submodel = m->info.submodels - 1;
    const r2r_nam_info *last = &m->sub[m->info.active_submodel]->info;
    if (!m->info.has_sample_rate && last->has_sample_rate) {
        m->info.sample_rate = last->sample_rate;
        m->info.has_sample_rate = 1;
    }
    /* Level metadata from the full-size submodel when the container has none. */
    if (!m->info.has_loudness) m->info.has_loudness = last->has_loudness, m->info.loudness = last->loudness;
    if (!m->info.has_gain) m->info.has_gain = last->has_gain, m->info.gain = last->gain;
    if (!m->info.has_input_level)
        m->info.has_input_level = last->has_input_level, m->info.input_level_dbu = last->input_level_dbu;
    if (!m->info.has_output_level)
        m->info.has_output_level = last->has_output_level, m->info.output_level_dbu = last->output_level_dbu;
    m->info.receptive_field = last->receptive_field;
    m->info.prewarm_samples = last->prewarm_samples;
    return R2R_OK;
}

double r2r_nam_submodel_max(const r2r_nam *m, int i)
{
    return i >= 0 && i < m->info.submodels ? m->sub_max[i] : 0.0;
}

const r2r_nam_info *r2r_nam_submodel_info(const r2r_nam *m, int i)
{
    return i >= 0 && i < m->info.submodels ? &m->sub[i]->info : NULL;
}

void r2r_nam_set_slimmable_size(r2r_nam *m, double x)
{
    if (m->info.submodels == 0) return;
    int idx = m->info.submodels - 1;
    for (int i = 0; i < m->info.submodels; i++)
        if (x < m->sub_max[i]) {
            idx = i;
            break;
        }
    m->info.active_submodel = idx;
    m->info.receptive_field = m->sub[idx]->info.receptive_field;
    m->info.prewarm_samples = m->sub[idx]->info.prewarm_samples;
    r2r_nam_reset(m);
}

r2r_status r2r_nam_load_json(const char *text, size_t len, const char *name, int flags,
                             r2r_nam **out)
{
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(text, len);
    if (!root) return r2r_fail(R2R_ERR_INPUT, "%s: not valid JSON (corrupt or truncated .nam file)", name);
    r2r_status s = load_root(root, name, flags, 0, out);
    cJSON_Delete(root);
    return s;
}

r2r_status r2r_nam_load(const char *path, int flags, r2r_nam **out)
{
    *out = NULL;
    char *buf = NULL;
    size_t n = 0;
    r2r_status s = r2r_read_file(path, NAM_MAX_FILE_BYTES, &buf, &n);
    if (s != R2R_OK) return s;
    s = r2r_nam_load_json(buf, n, path, flags, out);
    free(buf);
    return s;
}

void r2r_nam_reset(r2r_nam *m)
{
    if (m->info.submodels) {
        r2r_nam_reset(m->sub[m->info.active_submodel]);
        return;
    }
    m->ops->clear(m->impl);
    /* NAM core's Reset() feeds GetPrewarmSamples() zeros (rounded up to whole
     * buffers); after at least that many the state no longer depends on the count
     * for WaveNet/ConvNet, and the LSTM has settled, so we feed exactly that many. */
    long left = m->info.prewarm_samples;
    while (left > 0) {
        size_t k = left < NAM_CHUNK ? (size_t)left : NAM_CHUNK;
        m->ops->process(m->impl, m->zeros, m->sink, k);
        left -= (long)k;
    }
}

void r2r_nam_process(r2r_nam *m, const float *in, float *out, size_t n)
{
    if (m->info.submodels) {
        r2r_nam_process(m->sub[m->info.active_submodel], in, out, n);
        return;
    }
    for (size_t off = 0; off < n; off += NAM_CHUNK) {
        size_t k = n - off < NAM_CHUNK ? n - off : NAM_CHUNK;
        m->ops->process(m->impl, in + off, out + off, k);
    }
}

r2r_status r2r_nam_render(r2r_nam *m, const float *in, float *out, size_t n)
{
    r2r_nam_reset(m);
    int rate = (int)llround(m->info.sample_rate);
    if (rate == R2R_SAMPLE_RATE) {
        r2r_nam_process(m, in, out, n);
        return R2R_OK;
    }
    float *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    r2r_status s = r2r_resample(in, n, 1, R2R_SAMPLE_RATE, rate, &x, &nx);
    if (s != R2R_OK) return s;
    r2r_nam_process(m, x, x, nx);
    s = r2r_resample(x, nx, 1, rate, R2R_SAMPLE_RATE, &y, &ny);
    free(x);
    if (s != R2R_OK) return s;
    for (size_t i = 0; i < n; i++) out[i] = i < ny ? y[i] : 0.0f;
    free(y);
    return R2R_OK;
}
