/* The embedded default library and its secret rigs (see r2r/demo.h). */
#include "r2r/demo.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r2r/amp.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/fileutil.h"

#define GX "http://guitarix.sourceforge.net/plugins/"
#define GXAMP GX "gx_amp#GUITARIX"

/* GxAmplifier-X: Cabinet 1 leaves its built-in cabinet nearly out (an IR follows);
 * the full stack keeps it. Tube (model) and tonestack (t_model) are discrete. */
#define GX_TUNABLE "[\"PreGain\", \"Distortion\", \"Drive\", \"Bass\", \"Middle\", \"Treble\", \"Presence\", \"model\", \"t_model\"]"

typedef struct {
    const char *file, *name, *uri, *gear, *controls, *tunable;
} demo_preset;

static const demo_preset presets[] = {
    {"gx-clean", "Clean", GXAMP, "amp",
     "\"PreGain\": -10, \"Distortion\": 2, \"Drive\": 0.05, \"Bass\": 0.5, \"Middle\": 0.5, \"Treble\": 0.65, "
     "\"Presence\": 6, \"model\": 0, \"t_model\": 1, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-crunch", "Crunch", GXAMP, "amp",
     "\"PreGain\": 2, \"Distortion\": 35, \"Drive\": 0.45, \"Bass\": 0.5, \"Middle\": 0.65, \"Treble\": 0.55, "
     "\"Presence\": 5, \"model\": 2, \"t_model\": 2, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-hot-rod", "Hot rod", GXAMP, "amp",
     "\"PreGain\": 8, \"Distortion\": 70, \"Drive\": 0.7, \"Bass\": 0.6, \"Middle\": 0.5, \"Treble\": 0.6, "
     "\"Presence\": 6, \"model\": 9, \"t_model\": 3, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-modern-high-gain", "Modern high gain", GXAMP, "amp",
     "\"PreGain\": 12, \"Distortion\": 85, \"Drive\": 0.85, \"Bass\": 0.65, \"Middle\": 0.35, \"Treble\": 0.6, "
     "\"Presence\": 7, \"model\": 12, \"t_model\": 7, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-clean-warm", "Clean warm", GXAMP, "amp",
     "\"PreGain\": -6, \"Distortion\": 5, \"Drive\": 0.1, \"Bass\": 0.7, \"Middle\": 0.45, \"Treble\": 0.4, "
     "\"Presence\": 3, \"model\": 3, \"t_model\": 4, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-edge-of-breakup", "Edge of breakup", GXAMP, "amp",
     "\"PreGain\": -2, \"Distortion\": 15, \"Drive\": 0.25, \"Bass\": 0.5, \"Middle\": 0.6, \"Treble\": 0.55, "
     "\"Presence\": 5, \"model\": 1, \"t_model\": 1, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-classic-rock", "Classic rock", GXAMP, "amp",
     "\"PreGain\": 5, \"Distortion\": 50, \"Drive\": 0.55, \"Bass\": 0.55, \"Middle\": 0.7, \"Treble\": 0.6, "
     "\"Presence\": 6, \"model\": 5, \"t_model\": 0, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-blues-lead", "Blues lead", GXAMP, "amp",
     "\"PreGain\": 4, \"Distortion\": 45, \"Drive\": 0.6, \"Bass\": 0.6, \"Middle\": 0.75, \"Treble\": 0.45, "
     "\"Presence\": 4, \"model\": 7, \"t_model\": 5, \"Cabinet\": 1", GX_TUNABLE},
    {"gx-full-stack", "Full stack (own cabinet)", GXAMP, "amp_cab",
     "\"PreGain\": 3, \"Distortion\": 40, \"Drive\": 0.5, \"Bass\": 0.55, \"Middle\": 0.6, \"Treble\": 0.6, "
     "\"Presence\": 5, \"model\": 4, \"t_model\": 1, \"Cabinet\": 12, \"c_model\": 2", GX_TUNABLE},
    {"metal-head", "Metal head", GX "gxmetal_head#metal_head", "amp",
     "\"DRIVE\": 0.7, \"PREGAIN\": 6, \"TONE\": 0.55", "[\"DRIVE\", \"PREGAIN\", \"TONE\"]"},
    {"jcm800-pre", "JCM800 preamp", GX "gx_jcm800pre_#_jcm800pre_", "amp",
     "\"P6v\": 0.7, \"Bass\": 0.5, \"Middle\": 0.6, \"Treble\": 0.6", "[\"P6v\", \"Bass\", \"Middle\", \"Treble\"]"},
    {"tube-screamer", "Tube screamer", GX "gxts9#ts9sim", "pedal",
     "\"fslider2_\": 0.6, \"fslider1_\": 500, \"fslider0_\": -8", "[\"fslider2_\", \"fslider1_\"]"},
};
#define NPRESETS (sizeof presets / sizeof presets[0])

const char *const r2r_demo_moved_knobs[R2R_DEMO_MOVED] = {"Bass", "Middle", "Treble"};

size_t r2r_demo_preset_count(void) { return NPRESETS; }
const char *r2r_demo_preset_name(size_t i) { return i < NPRESETS ? presets[i].name : NULL; }
const char *r2r_demo_preset_uri(size_t i) { return i < NPRESETS ? presets[i].uri : NULL; }

double r2r_demo_preset_control(size_t i, const char *symbol)
{
    if (i >= NPRESETS) return NAN;
    char text[2048];
    snprintf(text, sizeof text, "{\"uri\": \"%s\", \"controls\": {%s}}", presets[i].uri, presets[i].controls);
    r2r_lv2_preset p;
    double v = NAN;
    if (r2r_lv2_preset_parse(text, strlen(text), presets[i].file, &p) != R2R_OK) return NAN;
    for (size_t c = 0; c < p.n_controls; c++)
        if (!strcmp(p.symbols[c], symbol)) v = p.values[c];
    r2r_lv2_preset_free(&p);
    return v;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

size_t r2r_demo_irs(char ***names)
{
    *names = NULL;
    DIR *d = opendir(R2R_DEMO_IR_DIR);
    if (!d) return 0;
    char **v = calloc(R2R_DEMO_MAX_IRS, sizeof *v);
    size_t n = 0;
    struct dirent *de;
    while (v && (de = readdir(d)) != NULL && n < R2R_DEMO_MAX_IRS) {
        size_t l = strlen(de->d_name);
        if (l > 4 && !strcmp(de->d_name + l - 4, ".wav") && (v[n] = strdup(de->d_name)) != NULL) n++;
    }
    closedir(d);
    if (n) qsort(v, n, sizeof *v, cmp_str);
    *names = v;
    return n;
}

void r2r_demo_irs_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

static r2r_status make_dir(const char *a, const char *b)
{
    char p[4200];
    snprintf(p, sizeof p, "%s%s%s", a, b ? "/" : "", b ? b : "");
    if (mkdir(p, 0777) == 0 || errno == EEXIST) return R2R_OK;
    return r2r_fail(R2R_ERR_IO, "%s: cannot create: %s", p, strerror(errno));
}

r2r_status r2r_demo_library_write(const char *lib, size_t n_presets, char *const *irs, size_t n_irs)
{
    r2r_status s = make_dir(lib, NULL);
    if (s == R2R_OK) s = make_dir(lib, "lv2_presets");
    if (s == R2R_OK) s = make_dir(lib, "cab_irs");
    char path[4200], text[2048], target[4200];
    for (size_t i = 0; s == R2R_OK && i < n_presets && i < NPRESETS; i++) {
        const demo_preset *p = &presets[i];
        snprintf(path, sizeof path, "%s/lv2_presets/%s.json", lib, p->file);
        snprintf(text, sizeof text, "{\n  \"name\": \"%s\",\n  \"uri\": \"%s\",\n  \"gear_type\": \"%s\",\n"
                 "  \"controls\": {%s},\n  \"tunable\": %s\n}\n", p->name, p->uri, p->gear, p->controls, p->tunable);
        s = r2r_write_text_atomic(path, text);
    }
    for (size_t i = 0; s == R2R_OK && i < n_irs; i++) {
        snprintf(path, sizeof path, "%s/cab_irs/%s", lib, irs[i]);
        snprintf(target, sizeof target, "%s/%s", R2R_DEMO_IR_DIR, irs[i]);
        unlink(path);
        if (symlink(target, path) != 0) s = r2r_fail(R2R_ERR_IO, "%s: %s", path, strerror(errno));
    }
    return s;
}

/* A small deterministic generator (the same draws on every machine). */
static double uniform(uint64_t *st)
{
    *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*st >> 11) / 9007199254740992.0;
}

void r2r_demo_secret_draw(uint64_t seed, size_t n_presets, size_t n_irs, int with_eq, r2r_demo_secret *sr)
{
    uint64_t st = seed * 0x9E3779B97F4A7C15ULL + 1;
    const size_t pool = n_presets < R2R_DEMO_SECRET_POOL ? n_presets : R2R_DEMO_SECRET_POOL;
    sr->preset = (size_t)(uniform(&st) * (double)pool);
    sr->ir = (size_t)(uniform(&st) * (double)n_irs);
    for (int k = 0; k < R2R_DEMO_MOVED; k++) sr->knob[k] = 0.1 + 0.8 * uniform(&st);
    for (int b = 0; b < 2; b++) {
        sr->eq_hz[b] = b == 0 ? 200.0 * pow(4.0, uniform(&st)) : 1500.0 * pow(4.0, uniform(&st));
        sr->eq_db[b] = (uniform(&st) < 0.5 ? -1 : 1) * (1.0 + 1.5 * uniform(&st));
        if (!with_eq) sr->eq_db[b] = 0.0;
    }
}

r2r_status r2r_demo_secret_render(const char *lib, const r2r_demo_secret *sr, const char *ir_name, const float *di,
                                  size_t n, float *ref)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lv2_presets/%s.json", lib, presets[sr->preset].file);
    r2r_amp *amp = NULL;
    float *ir = NULL, *tmp = NULL;
    size_t irn = 0;
    r2r_status s = r2r_amp_open(path, &amp);
    for (int k = 0; s == R2R_OK && k < R2R_DEMO_MOVED; k++) s = r2r_amp_set_control(amp, r2r_demo_moved_knobs[k], sr->knob[k]);
    if (s == R2R_OK) {
        snprintf(path, sizeof path, "%s/%s", R2R_DEMO_IR_DIR, ir_name);
        s = r2r_ir_load(path, &ir, &irn);
    }
    if (s == R2R_OK && !(tmp = malloc(n * sizeof(float)))) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    if (s == R2R_OK) s = r2r_amp_render(amp, di, tmp, n);
    if (s == R2R_OK) s = r2r_convolve(tmp, n, ir, irn, ref);
    if (s == R2R_OK) {
        r2r_eq eq;
        r2r_eq_flat(&eq);
        for (int b = 0; b < 2; b++) eq.band[2 + b].freq_hz = sr->eq_hz[b], eq.band[2 + b].gain_db = sr->eq_db[b];
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, &eq, R2R_SAMPLE_RATE);
        r2r_eq_runner_process(&run, ref, n);
        s = r2r_loudness_match(ref, n, R2R_TARGET_LUFS, NULL);
    }
    free(tmp), free(ir);
    r2r_amp_free(amp);
    return s;
}
