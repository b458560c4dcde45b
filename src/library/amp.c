/* Library entries that make the amp tone: .nam captures and LV2 presets behind one
 * interface (open, describe, render from a fresh state, tunable knobs). */
#include "r2r/amp.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/fileutil.h"
#include "r2r/lv2.h"
#include "r2r/synth.h"

#define PRESET_MAX_BYTES (1 << 20)
#define PRESET_MAX_CONTROLS 256
/* Silence run after a reset so controls that the plugin smooths settle before the DI. */
#define LV2_SETTLE_SAMPLES 12000
/* Plugins' output levels differ by 90 dB (a guitarix amp with its cabinet turned down
 * sits near -85 dBFS): a preset's output is brought by a fixed makeup gain, measured
 * once with the preset's controls on a probe chord at the DI level, to this RMS. */
#define LV2_LEVEL_DBFS (-20.0)

struct r2r_amp {
    r2r_amp_kind kind;
    r2r_nam *nam;
    r2r_lv2 *lv2;
    r2r_lv2_preset preset;
    r2r_amp_knob *knobs;
    size_t n_knobs;
    float makeup;      /* LV2: linear output gain (see LV2_LEVEL_DBFS) */
    double makeup_db;
    char summary[256];
};

void r2r_lv2_preset_free(r2r_lv2_preset *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n_controls; i++) free(p->symbols[i]);
    for (size_t i = 0; i < p->n_tunable; i++) free(p->tunable[i]);
    free(p->symbols), free(p->values), free(p->tunable), free(p->tmin), free(p->tmax);
    free(p->name), free(p->uri), free(p->gear_type);
    memset(p, 0, sizeof *p);
}

static const char *stem_of(const char *name, char *buf, size_t cap)
{
    const char *b = strrchr(name, '/');
    snprintf(buf, cap, "%s", b ? b + 1 : name);
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = '\0';
    return buf;
}

static r2r_status bad(r2r_lv2_preset *p, const char *name, const char *why, const char *what)
{
    r2r_lv2_preset_free(p);
    return r2r_fail(R2R_ERR_INPUT, "%s: not a valid LV2 preset: %s%s%s", name, why, what ? " " : "", what ? what : "");
}

r2r_status r2r_lv2_preset_parse(const char *text, size_t len, const char *name, r2r_lv2_preset *out)
{
    memset(out, 0, sizeof *out);
    if (!text || len == 0) return bad(out, name, "the file is empty", NULL);
    if (len > PRESET_MAX_BYTES) return bad(out, name, "larger than 1 MB", NULL);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc) return bad(out, name, "not JSON", NULL);
    r2r_status s = R2R_OK;
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(doc, "uri");
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(doc, "name");
    const cJSON *gt = cJSON_GetObjectItemCaseSensitive(doc, "gear_type");
    const cJSON *ctl = cJSON_GetObjectItemCaseSensitive(doc, "controls");
    const cJSON *tun = cJSON_GetObjectItemCaseSensitive(doc, "tunable");
    char stem[256];
    if (!cJSON_IsObject(doc)) s = bad(out, name, "the top level must be an object", NULL);
    else if (!cJSON_IsString(uri) || !uri->valuestring[0]) s = bad(out, name, "\"uri\" (the plugin URI) is missing", NULL);
    else if (nm && !cJSON_IsString(nm)) s = bad(out, name, "\"name\" must be a string", NULL);
    else if (gt && !cJSON_IsString(gt)) s = bad(out, name, "\"gear_type\" must be a string", NULL);
    else if (ctl && !cJSON_IsObject(ctl)) s = bad(out, name, "\"controls\" must be an object of numbers", NULL);
    else if (tun && !cJSON_IsArray(tun) && !cJSON_IsObject(tun))
        s = bad(out, name, "\"tunable\" must be a list of control symbols or an object of ranges", NULL);
    else if (cJSON_GetArraySize(ctl) > PRESET_MAX_CONTROLS || cJSON_GetArraySize(tun) > PRESET_MAX_CONTROLS)
        s = bad(out, name, "too many controls", NULL);
    if (s != R2R_OK) {
        cJSON_Delete(doc);
        return s;
    }
    out->uri = strdup(uri->valuestring);
    out->name = strdup(nm && nm->valuestring[0] ? nm->valuestring : stem_of(name, stem, sizeof stem));
    out->gear_type = gt ? strdup(gt->valuestring) : NULL;
    const size_t nc = (size_t)cJSON_GetArraySize(ctl), nt = (size_t)cJSON_GetArraySize(tun);
    out->symbols = calloc(nc + 1, sizeof *out->symbols);
    out->values = calloc(nc + 1, sizeof *out->values);
    out->tunable = calloc(nt + 1, sizeof *out->tunable);
    out->tmin = calloc(nt + 1, sizeof *out->tmin);
    out->tmax = calloc(nt + 1, sizeof *out->tmax);
    if (!out->uri || !out->name || !out->symbols || !out->values || !out->tunable || !out->tmin || !out->tmax) {
        r2r_lv2_preset_free(out);
        cJSON_Delete(doc);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, ctl)
    {
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble)) {
            s = bad(out, name, "control values must be finite numbers:", it->string);
            break;
        }
        out->symbols[out->n_controls] = strdup(it->string);
        out->values[out->n_controls++] = it->valuedouble;
    }
    if (s == R2R_OK) cJSON_ArrayForEach(it, tun)
        {
            const char *sym = cJSON_IsArray(tun) ? (cJSON_IsString(it) ? it->valuestring : NULL) : it->string;
            double lo = NAN, hi = NAN;
            if (!sym || !sym[0]) {
                s = bad(out, name, "\"tunable\" lists something that is not a control symbol", NULL);
                break;
            }
            if (cJSON_IsObject(tun)) {
                const cJSON *a = cJSON_GetArrayItem(it, 0), *b = cJSON_GetArrayItem(it, 1);
                if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
                    !isfinite(a->valuedouble) || !isfinite(b->valuedouble) || !(a->valuedouble < b->valuedouble)) {
                    s = bad(out, name, "a tunable range must be [min, max] with min < max:", sym);
                    break;
                }
                lo = a->valuedouble, hi = b->valuedouble;
            }
            for (size_t i = 0; i < out->n_tunable; i++)
                if (!strcmp(out->tunable[i], sym)) s = bad(out, name, "a control is listed twice in \"tunable\":", sym);
            if (s != R2R_OK) break;
            out->tunable[out->n_tunable] = strdup(sym);
            out->tmin[out->n_tunable] = lo, out->tmax[out->n_tunable++] = hi;
        }
    cJSON_Delete(doc);
    return s;
}

static r2r_status open_lv2(const char *path, r2r_amp *a)
{
    char *text = NULL;
    size_t len = 0;
    r2r_status s = r2r_read_file(path, PRESET_MAX_BYTES, &text, &len);
    if (s != R2R_OK) return s;
    s = r2r_lv2_preset_parse(text, len, path, &a->preset);
    free(text);
    if (s != R2R_OK) return s;
    const r2r_lv2_preset *p = &a->preset;
    if ((s = r2r_lv2_open(p->uri, R2R_SAMPLE_RATE, &a->lv2)) != R2R_OK)
        return r2r_fail(s, "%s: %s", path, r2r_last_error());
    for (size_t i = 0; i < p->n_controls; i++)
        if ((s = r2r_lv2_set(a->lv2, p->symbols[i], (float)p->values[i])) != R2R_OK)
            return r2r_fail(s, "%s: %s", path, r2r_last_error());
    a->knobs = calloc(p->n_tunable + 1, sizeof *a->knobs);
    if (!a->knobs) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    for (size_t t = 0; t < p->n_tunable; t++) {
        const r2r_lv2_control *c = r2r_lv2_control_find(a->lv2, p->tunable[t]);
        if (!c) return r2r_fail(R2R_ERR_INPUT, "%s: \"tunable\" names '%s', which %s does not have", path, p->tunable[t],
                                r2r_lv2_name(a->lv2));
        r2r_amp_knob *k = &a->knobs[a->n_knobs++];
        float v = 0;
        r2r_lv2_get(a->lv2, c->symbol, &v);
        k->symbol = c->symbol, k->name = c->name, k->value = v, k->integer = c->integer;
        k->min = isfinite(p->tmin[t]) ? fmax(p->tmin[t], c->min) : c->min;
        k->max = isfinite(p->tmax[t]) ? fmin(p->tmax[t], c->max) : c->max;
        if (!(k->min < k->max))
            return r2r_fail(R2R_ERR_INPUT, "%s: the range of '%s' is outside the plugin's [%g, %g]", path, c->symbol,
                            c->min, c->max);
    }
    /* the makeup gain */
    float *x = NULL;
    size_t n = 0;
    a->makeup = 1.0f;
    if ((s = r2r_synth_probe(R2R_PROBE_POWER_CHORD, R2R_SAMPLE_RATE, &x, &n)) != R2R_OK) return s;
    r2r_gain_apply(x, n, R2R_DI_PEAK_DBFS - r2r_lin_to_db(r2r_peak(x, n)));
    s = r2r_amp_render(a, x, x, n);
    double e = 0;
    for (size_t i = 0; s == R2R_OK && i < n; i++) e += (double)x[i] * x[i];
    free(x);
    if (s != R2R_OK) return r2r_fail(s, "%s: %s", path, r2r_last_error());
    const double rms_db = 10.0 * log10(e / (double)(n ? n : 1) + 1e-300);
    if (!(rms_db > -160.0))
        return r2r_fail(R2R_ERR_INPUT, "%s: %s is silent with these controls", path, r2r_lv2_name(a->lv2));
    a->makeup_db = LV2_LEVEL_DBFS - rms_db;
    a->makeup = (float)pow(10.0, a->makeup_db / 20.0);
    snprintf(a->summary, sizeof a->summary, "LV2 %s, %zu controls set, %zu tunable, output %+.1f dB",
             r2r_lv2_name(a->lv2), p->n_controls, a->n_knobs, a->makeup_db);
    return R2R_OK;
}

static int is_preset_path(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && !strcasecmp(path + n - 5, ".json");
}

r2r_status r2r_amp_open(const char *path, r2r_amp **out)
{
    *out = NULL;
    r2r_amp *a = calloc(1, sizeof *a);
    if (!a) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    r2r_status s;
    if (is_preset_path(path)) {
        a->kind = R2R_AMP_LV2;
        s = open_lv2(path, a);
    } else {
        a->kind = R2R_AMP_NAM;
        s = r2r_nam_load(path, 0, &a->nam);
        if (s == R2R_OK) snprintf(a->summary, sizeof a->summary, "%s", r2r_nam_get_info(a->nam)->summary);
    }
    if (s != R2R_OK) {
        r2r_amp_free(a);
        return s;
    }
    *out = a;
    return R2R_OK;
}

void r2r_amp_free(r2r_amp *a)
{
    if (!a) return;
    if (a->nam) r2r_nam_free(a->nam);
    if (a->lv2) r2r_lv2_close(a->lv2);
    r2r_lv2_preset_free(&a->preset);
    free(a->knobs);
    free(a);
}

r2r_amp_kind r2r_amp_kind_of(const r2r_amp *a) { return a->kind; }
const r2r_nam *r2r_amp_nam(const r2r_amp *a) { return a->nam; }
const char *r2r_amp_summary(const r2r_amp *a) { return a->summary; }
const char *r2r_amp_lv2_uri(const r2r_amp *a) { return a->lv2 ? a->preset.uri : NULL; }
const char *r2r_amp_lv2_plugin(const r2r_amp *a) { return a->lv2 ? r2r_lv2_name(a->lv2) : NULL; }
double r2r_amp_lv2_makeup_db(const r2r_amp *a) { return a->lv2 ? a->makeup_db : 0.0; }

const char *r2r_amp_name(const r2r_amp *a)
{
    return a->nam ? r2r_nam_get_info(a->nam)->name : a->preset.name;
}

const char *r2r_amp_architecture(const r2r_amp *a)
{
    return a->nam ? r2r_nam_get_info(a->nam)->architecture : "LV2";
}

int r2r_amp_sample_rate(const r2r_amp *a)
{
    return a->nam ? (int)llround(r2r_nam_get_info(a->nam)->sample_rate) : R2R_SAMPLE_RATE;
}

static cJSON *controls_object(const r2r_amp *a)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; o && i < r2r_lv2_control_count(a->lv2); i++) {
        const r2r_lv2_control *c = r2r_lv2_control_at(a->lv2, i);
        float v = 0;
        r2r_lv2_get(a->lv2, c->symbol, &v);
        cJSON_AddNumberToObject(o, c->symbol, round((double)v * 1e4) / 1e4);
    }
    return o;
}

char *r2r_amp_controls_json(const r2r_amp *a)
{
    if (!a->lv2) return NULL;
    cJSON *o = controls_object(a);
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return s;
}

char *r2r_amp_metadata_json(const r2r_amp *a, const char *library_meta)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "summary", a->summary);
    if (a->nam) {
        const r2r_nam_info *in = r2r_nam_get_info(a->nam);
        cJSON_AddStringToObject(o, "version", in->version ? in->version : "");
        cJSON *nam = in->metadata_json ? cJSON_Parse(in->metadata_json) : NULL;
        if (nam) cJSON_AddItemToObject(o, "nam", nam);
    } else {
        if (a->preset.gear_type) cJSON_AddStringToObject(o, "gear_type", a->preset.gear_type);
        cJSON *l = cJSON_AddObjectToObject(o, "lv2");
        cJSON_AddStringToObject(l, "uri", a->preset.uri);
        cJSON_AddStringToObject(l, "plugin", r2r_lv2_name(a->lv2));
        cJSON_AddNumberToObject(l, "makeup_db", round(a->makeup_db * 100) / 100);
        cJSON_AddItemToObject(l, "controls", controls_object(a));
        cJSON *t = cJSON_AddArrayToObject(l, "tunable");
        for (size_t i = 0; i < a->n_knobs; i++) cJSON_AddItemToArray(t, cJSON_CreateString(a->knobs[i].symbol));
    }
    cJSON *lib = library_meta ? cJSON_Parse(library_meta) : NULL;
    if (lib) cJSON_AddItemToObject(o, "library", lib);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

r2r_status r2r_amp_render(r2r_amp *a, const float *in, float *out, size_t n)
{
    if (a->nam) return r2r_nam_render(a->nam, in, out, n);
    r2r_status s = r2r_lv2_reset(a->lv2);
    float settle[1024] = {0};
    for (size_t done = 0; s == R2R_OK && done < LV2_SETTLE_SAMPLES; done += 1024)
        s = r2r_lv2_process(a->lv2, settle, settle, 1024);
    if (s == R2R_OK) s = r2r_lv2_process(a->lv2, in, out, n);
    for (size_t i = 0; s == R2R_OK && i < n; i++) out[i] *= a->makeup;
    return s;
}

size_t r2r_amp_knob_count(const r2r_amp *a) { return a->n_knobs; }
const r2r_amp_knob *r2r_amp_knob_at(const r2r_amp *a, size_t i) { return i < a->n_knobs ? &a->knobs[i] : NULL; }

r2r_status r2r_amp_set_control(r2r_amp *a, const char *symbol, double value)
{
    if (!a->lv2) return r2r_fail(R2R_ERR_INPUT, "a .nam capture has no controls to set ('%s')", symbol);
    for (size_t i = 0; i < a->n_knobs; i++)
        if (!strcmp(a->knobs[i].symbol, symbol)) return r2r_amp_set_knob(a, i, value);
    if (!isfinite(value)) return r2r_fail(R2R_ERR_INPUT, "%s must be finite", symbol);
    return r2r_lv2_set(a->lv2, symbol, (float)value);
}

r2r_status r2r_amp_set_knob(r2r_amp *a, size_t i, double value)
{
    if (i >= a->n_knobs) return r2r_fail(R2R_ERR_INPUT, "no tunable control %zu", i);
    r2r_amp_knob *k = &a->knobs[i];
    if (!isfinite(value)) return r2r_fail(R2R_ERR_INPUT, "%s must be finite", k->symbol);
    double v = value < k->min ? k->min : value > k->max ? k->max : value;
    if (k->integer) v = round(v);
    r2r_status s = r2r_lv2_set(a->lv2, k->symbol, (float)v);
    if (s == R2R_OK) {
        float got = 0;
        r2r_lv2_get(a->lv2, k->symbol, &got);
        k->value = got;
    }
    return s;
}
