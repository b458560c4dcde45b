/* Recipes: the Markdown a guitarist reads, and `r2r render`, which reads recipe.json
 * back (every field validated: a recipe is user input) and plays a DI through it. */
#include "match/recipe.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/fileutil.h"
#include "r2r/match.h"
#include "r2r/retrieve.h"
#include "r2r/amp.h"

#define MD_MAX (64 * 1024)
#define RECIPE_MAX_BYTES (4L << 20)

typedef struct {
    char *buf;
    size_t n;
} sbuf;

static void add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(sbuf *b, const char *fmt, ...)
{
    if (!b->buf || b->n + 1 >= MD_MAX) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->buf + b->n, MD_MAX - b->n, fmt, ap);
    va_end(ap);
    if (k > 0) b->n = b->n + (size_t)k < MD_MAX ? b->n + (size_t)k : MD_MAX - 1;
}

static const char *str(const cJSON *o, const char *k, const char *def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : def;
}

static double num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* "Read as: power chord 41 %, palm mutes 22 %, …": the probes' shares in the source
 * mixture the match assumed (shares of 5 % or more, largest first). */
static void add_source_mix(sbuf *b, const cJSON *mix)
{
    const int n = cJSON_GetArraySize(mix);
    if (!cJSON_IsObject(mix) || n <= 0) return;
    unsigned char used[R2R_MIX_MAX_PROBES] = {0};
    add(b, "What the reference was read as (shares of the probe sounds whose mixture explains its spectrum best; "
           "the EQ is fitted against that mixture):");
    for (int k = 0, said = 0; k < n && k < R2R_MIX_MAX_PROBES; k++) {
        int best = -1;
        for (int i = 0; i < n && i < R2R_MIX_MAX_PROBES; i++) {
            const cJSON *x = cJSON_GetArrayItem(mix, i);
            if (!used[i] && cJSON_IsNumber(x) && (best < 0 || x->valuedouble > cJSON_GetArrayItem(mix, best)->valuedouble))
                best = i;
        }
        if (best < 0) break;
        used[best] = 1;
        const cJSON *x = cJSON_GetArrayItem(mix, best);
        if (x->valuedouble < 0.05) break;
        add(b, "%s ", said++ ? "," : "");
        for (const char *q = x->string; q && *q; q++) add(b, "%c", *q == '_' ? ' ' : *q);
        add(b, " %.0f %%", 100.0 * x->valuedouble);
    }
    add(b, ".\n");
}

char *r2r_recipe_markdown(const cJSON *root)
{
    sbuf b = {malloc(MD_MAX), 0};
    if (!b.buf) return NULL;
    b.buf[0] = '\0';
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(root, "reference");
    const cJSON *iso = cJSON_GetObjectItemCaseSensitive(ref, "isolation");
    add(&b, "# Rig recipe for %s\n\n", str(ref, "path", "?"));
    add(&b, "Reference: %.1f s, %.1f LUFS; guitar isolated with `%s` (confidence %.2f); %.1f s of "
            "guitar-dominant audio analysed.\n\n",
        num(ref, "duration_s", 0), num(ref, "lufs", 0), str(iso, "backend", "?"), num(iso, "confidence", 0),
        num(ref, "analysed_s", 0));
    add(&b, "Levels: the input gain applies to a DI whose peak sits at %.0f dBFS (normalize your DI there, or "
            "let `r2r render` do it).\n\n",
        num(cJSON_GetObjectItemCaseSensitive(root, "levels"), "di_peak_dbfs", R2R_DI_PEAK_DBFS));
    const cJSON *dj = cJSON_GetObjectItemCaseSensitive(root, "di");
    const char *role = str(dj, "role", "");
    const char *did = !strcmp(role, "own_take") ? "is the reference's own take: the amps were null-tested against it"
                      : !strcmp(role, "take")   ? "played every candidate: the captures were ranked and their gains "
                                                  "set by how it sounds through them"
                      : !strcmp(role, "previews") ? "is another guitar: the rig was matched from the reference alone, "
                                                    "and the previews play your DI through it"
                                                  : NULL;
    if (did) add(&b, "Your DI (`%s`) %s.\n\n", str(dj, "path", "?"), did);
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "candidates"))
    {
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(c, "capture");
        const cJSON *ir = cJSON_GetObjectItemCaseSensitive(c, "ir");
        const cJSON *L = cJSON_GetObjectItemCaseSensitive(c, "loss");
        add(&b, "## %s\n\n", str(c, "flavor", "?"));
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cap, "lv2");
        if (cJSON_IsObject(lv)) {
            add(&b, "1. **Amp (LV2 plugin %s):** preset %s  \n   URI `%s`  \n   every control:", str(lv, "plugin", "?"),
                str(cap, "name", "?"), str(lv, "uri", "?"));
            const cJSON *kv;
            cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(lv, "controls"))
            {
                if (cJSON_IsNumber(kv)) add(&b, " %s = %g;", kv->string, kv->valuedouble);
            }
            add(&b, "\n   Output: %+.1f dB after the plugin (a gain plugin) brings it to the level the rest of "
                    "the recipe assumes.\n", num(lv, "makeup_db", 0));
            if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lv, "knobs")) > 0) {
                add(&b, "\n   | knob | preset | %s |\n   |---|---|---|\n",
                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lv, "knobs_recovered")) ? "recovered" : "value");
                cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(lv, "knobs"))
                {
                    add(&b, "   | %s (`%s`) | %g | %g |\n", str(kv, "name", "?"), str(kv, "symbol", "?"),
                        num(kv, "preset", 0), num(kv, "value", 0));
                }
                add(&b, "\n");
            }
        } else
            add(&b, "1. **Amp (NAM capture):** %s  \n   `%s`\n", str(cap, "name", "?"), str(cap, "path", "?"));
        if (cJSON_IsObject(ir))
            add(&b, "2. **Cabinet IR:** %s  \n   `%s`\n", str(ir, "name", "?"), str(ir, "path", "?"));
        else
            add(&b, "2. **Cabinet IR:** none — %s\n",
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cap, "has_cab"))
                    ? "no cabinet IR needed, the capture already includes the cabinet"
                    : "the capture alone matched best");
        add(&b, "3. **Input gain:** %+.1f dB into the capture (DI peak at %.0f dBFS)\n", num(c, "input_gain_db", 0),
            R2R_DI_PEAK_DBFS);
        add(&b, "4. **EQ after the cabinet** (`%s`, Equalizer APO / AutoEQ format):\n\n", str(c, "eq_preset", "?"));
        add(&b, "   | band | type | frequency | gain | Q |\n   |---|---|---|---|---|\n");
        int i = 1;
        const cJSON *band;
        cJSON_ArrayForEach(band, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(c, "eq"), "bands"))
        {
            add(&b, "   | %d | %s | %.0f Hz | %+.1f dB | %.2f |\n", i++, str(band, "type", "?"), num(band, "freq_hz", 0),
                num(band, "gain_db", 0), num(band, "q", 0));
        }
        add(&b, "\n5. **Output level:** %+.1f dB brings the preview to the reference's loudness\n\n",
            num(c, "output_gain_db", 0));
        add(&b, "Match: %.2f dB RMS spectral difference after EQ (%.2f before), ", num(L, "spectral_db", 0),
            num(L, "before_eq_db", 0));
        /* dynamics are compared only against renders of the reference's own take */
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(L, "null_db")))
            add(&b, "dynamics %.2f, ", num(L, "dynamics", 0));
        /* ... or, with another take of the player's, how its level moves through the rig */
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(L, "level_spread_db")))
            add(&b, "your DI's level moves through it within %.2f dB of the reference's (per octave band), ",
                num(L, "level_spread_db", 0));
        add(&b, "total loss %.2f. Preview: `%s`.\n", num(L, "total", 0), str(c, "preview", "?"));
        add_source_mix(&b, cJSON_GetObjectItemCaseSensitive(c, "source_mix"));
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(L, "null_db")))
            add(&b, "Null test with your DI (the reference's own take): with this amp at this gain, what no cabinet "
                    "or EQ could explain sits %.1f dB below the reference.\n",
                -num(L, "null_db", 0));
        const cJSON *note;
        cJSON_ArrayForEach(note, cJSON_GetObjectItemCaseSensitive(c, "notes"))
        {
            if (cJSON_IsString(note)) add(&b, "\n> %s\n", note->valuestring);
        }
        add(&b, "\n");
    }
    add(&b, "## Other close captures\n\n| rank | capture | score |\n|---|---|---|\n");
    int r = 1;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "retrieval"), "captures"))
    {
        add(&b, "| %d | %s%s | %.3f |\n", r++, str(c, "name", "?"),
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "pedal")) ? " (pedal)" : "", num(c, "score", 0));
    }
    add(&b, "\n## Loading it\n\nNAM plugin: load the capture, set its input to the gain above (or put a gain "
            "plugin before it). LV2 preset: insert the plugin by its URI in Ardour, Carla or REAPER, a gain plugin "
            "before it, and set every control as listed. IR loader after it (none when the recipe says so). A parametric EQ last, with the "
            "six bands above, or import the `eq_<flavor>.txt` file in Equalizer APO, Peace or any AutoEQ-"
            "compatible EQ.\n");
    const cJSON *w;
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "warnings")) > 0) {
        add(&b, "\n## Warnings\n\n");
        cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(root, "warnings"))
        {
            if (cJSON_IsString(w)) add(&b, "- %s\n", w->valuestring);
        }
    }
    return b.buf;
}

/* ---- reading a recipe back ---- */

static r2r_status bad(const char *file, const char *what)
{
    return r2r_fail(R2R_ERR_INPUT, "%s: invalid recipe: %s", file, what);
}

static char *resolve(const char *recipe, const char *p)
{
    if (!p || !*p) return NULL;
    if (p[0] == '/') return strdup(p);
    const char *slash = strrchr(recipe, '/');
    const size_t dl = slash ? (size_t)(slash - recipe) : 1;
    char *out = malloc(dl + strlen(p) + 2);
    if (!out) return NULL;
    if (slash) memcpy(out, recipe, dl);
    else out[0] = '.';
    out[dl] = '/';
    strcpy(out + dl + 1, p);
    return out;
}

static r2r_status parse_eq(const char *file, const cJSON *e, r2r_eq *eq)
{
    r2r_eq_flat(eq);
    const cJSON *bands = cJSON_GetObjectItemCaseSensitive(e, "bands");
    if (!cJSON_IsArray(bands) || cJSON_GetArraySize(bands) != R2R_EQ_BANDS) return bad(file, "eq.bands needs 6 bands");
    static const char *const want[R2R_EQ_BANDS] = {"lowshelf", "peaking", "peaking", "peaking", "peaking", "highshelf"};
    for (int i = 0; i < R2R_EQ_BANDS; i++) {
        const cJSON *x = cJSON_GetArrayItem(bands, i);
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(x, "freq_hz"), *g = cJSON_GetObjectItemCaseSensitive(x, "gain_db"),
                    *q = cJSON_GetObjectItemCaseSensitive(x, "q"), *t = cJSON_GetObjectItemCaseSensitive(x, "type");
        if (!cJSON_IsNumber(f) || !cJSON_IsNumber(g) || !cJSON_IsNumber(q))
            return bad(file, "every EQ band needs numeric freq_hz, gain_db and q");
        if (t && (!cJSON_IsString(t) || strcmp(t->valuestring, want[i])))
            return bad(file, "EQ band types must be lowshelf, 4 × peaking, highshelf");
        eq->band[i].freq_hz = f->valuedouble, eq->band[i].gain_db = g->valuedouble, eq->band[i].q = q->valuedouble;
    }
    r2r_status s = r2r_eq_validate(eq);
    if (s != R2R_OK) return r2r_fail(R2R_ERR_INPUT, "%s: invalid recipe: %s", file, r2r_last_error());
    return R2R_OK;
}

r2r_status r2r_di_load(const char *path, r2r_audio *a)
{
    r2r_status s = r2r_audio_read(path, R2R_READ_MONO, a);
    if (s == R2R_OK) s = r2r_audio_resample(a, R2R_SAMPLE_RATE);
    const float pk = s == R2R_OK ? r2r_peak(a->data, a->frames) : 0.0f;
    if (s == R2R_OK && !(pk > 0)) s = r2r_fail(R2R_ERR_INPUT, "%s: the DI is silent", path);
    if (s != R2R_OK) {
        r2r_audio_free(a);
        return s;
    }
    r2r_gain_apply(a->data, a->frames, R2R_DI_PEAK_DBFS - r2r_lin_to_db(pk));
    return R2R_OK;
}

r2r_status r2r_chain_render(r2r_amp *m, const float *ir, size_t irn, double gain_db, const r2r_eq *eq,
                            const float *di, size_t n, float *out)
{
    float *x = malloc(n * sizeof(float));
    if (!x) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    const float g = (float)r2r_db_to_lin(gain_db);
    for (size_t t = 0; t < n; t++) x[t] = di[t] * g;
    r2r_status s = r2r_amp_render(m, x, x, n);
    if (s == R2R_OK && ir) s = r2r_convolve(x, n, ir, irn, out);
    else if (s == R2R_OK) memcpy(out, x, n * sizeof(float));
    free(x);
    if (s == R2R_OK && eq) {
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, eq, R2R_SAMPLE_RATE);
        r2r_eq_runner_process(&run, out, n);
    }
    return s;
}

r2r_status r2r_recipe_render(const char *recipe, const char *flavor, const char *di_path, const char *outp)
{
    char *text = NULL;
    size_t n = 0;
    if (r2r_read_file(recipe, RECIPE_MAX_BYTES, &text, &n) != R2R_OK)
        return r2r_fail(R2R_ERR_INPUT, "cannot read the recipe: %s", r2r_last_error());
    cJSON *root = cJSON_ParseWithLength(text, n);
    free(text);
    if (!root) return bad(recipe, "not JSON");
    r2r_status s = R2R_OK;
    r2r_amp *m = NULL;
    float *ir = NULL;
    size_t irn = 0;
    r2r_audio a = {0};
    float *y = NULL;
    char *cap = NULL, *irp = NULL;
    const cJSON *cand = NULL, *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "candidates"))
    {
        const cJSON *fl = cJSON_GetObjectItemCaseSensitive(c, "flavor");
        if (cJSON_IsString(fl) && !strcmp(fl->valuestring, flavor)) cand = c;
    }
    if (!cJSON_IsObject(root) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "candidates"))) {
        s = bad(recipe, "no \"candidates\" list");
        goto out;
    }
    if (!cand) {
        s = r2r_fail(R2R_ERR_INPUT, "%s: no candidate with flavor \"%s\" (balanced, brighter, thicker)", recipe, flavor);
        goto out;
    }
    const cJSON *cj = cJSON_GetObjectItemCaseSensitive(cand, "capture");
    const cJSON *ij = cJSON_GetObjectItemCaseSensitive(cand, "ir");
    const cJSON *gj = cJSON_GetObjectItemCaseSensitive(cand, "input_gain_db");
    const cJSON *oj = cJSON_GetObjectItemCaseSensitive(cand, "output_gain_db");
    const cJSON *cp = cJSON_GetObjectItemCaseSensitive(cj, "path");
    if (!cJSON_IsString(cp) || !*cp->valuestring) {
        s = bad(recipe, "capture.path missing");
        goto out;
    }
    if (!cJSON_IsNumber(gj) || fabs(gj->valuedouble) > 48.0 || (oj && (!cJSON_IsNumber(oj) || fabs(oj->valuedouble) > 96.0))) {
        s = bad(recipe, "input_gain_db / output_gain_db missing or out of range");
        goto out;
    }
    if (ij && !cJSON_IsNull(ij) && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ij, "path"))) {
        s = bad(recipe, "ir must be null or have a path");
        goto out;
    }
    r2r_eq eq;
    if ((s = parse_eq(recipe, cJSON_GetObjectItemCaseSensitive(cand, "eq"), &eq)) != R2R_OK) goto out;
    cap = resolve(recipe, cp->valuestring);
    if (ij && !cJSON_IsNull(ij)) irp = resolve(recipe, cJSON_GetObjectItemCaseSensitive(ij, "path")->valuestring);
    if ((s = r2r_amp_open(cap, &m)) != R2R_OK) goto out;
    /* An LV2 preset plays with the controls the recipe gives (the recovered knobs). */
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cj, "lv2"), "controls");
    if (lv && (!cJSON_IsObject(lv) || r2r_amp_kind_of(m) != R2R_AMP_LV2)) {
        s = bad(recipe, "capture.lv2.controls must be an object, for an LV2 preset");
        goto out;
    }
    const cJSON *kv;
    cJSON_ArrayForEach(kv, lv)
    {
        if (!cJSON_IsNumber(kv) || (s = r2r_amp_set_control(m, kv->string, kv->valuedouble)) != R2R_OK) {
            s = r2r_fail(R2R_ERR_INPUT, "%s: invalid recipe: control '%s': %s", recipe, kv->string,
                         cJSON_IsNumber(kv) ? r2r_last_error() : "not a number");
            goto out;
        }
    }
    if (irp && (s = r2r_ir_load(irp, &ir, &irn)) != R2R_OK) goto out;
    /* The level convention, then the recipe's chain (the previews' own). */
    if ((s = r2r_di_load(di_path, &a)) != R2R_OK) goto out;
    y = malloc(a.frames * sizeof(float));
    if (!y) {
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((s = r2r_chain_render(m, ir, irn, gj->valuedouble, &eq, a.data, a.frames, y)) != R2R_OK) goto out;
    if (oj) r2r_gain_apply(y, a.frames, oj->valuedouble);
    s = r2r_audio_write_wav(outp, y, a.frames, 1, R2R_SAMPLE_RATE);
out:
    cJSON_Delete(root);
    r2r_amp_free(m);
    free(ir), free(y), free(cap), free(irp);
    r2r_audio_free(&a);
    return s;
}
