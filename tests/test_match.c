/* The matcher end to end on a small real library (amps, a full rig with its cabinet, a
 * pedal; two cabinet IRs): references rendered from a known rig with a DI that is not
 * a probe, the recipe files and their keys, the cabinet and pedal rules, `r2r render`
 * round trip, bad input, and malformed recipes. */
#include "testutil.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r2r/audio.h"
#include "r2r/catalog.h"
#include "r2r/index.h"
#include "r2r/match.h"
#include "r2r/retrieve.h"
#include "r2r/isolate.h"
#include "r2r/synth.h"

#include "match/recipe.h"

static char lib[4096], work[4096];

static int setup(void **state)
{
    (void)state;
    if (!shared_available()) return 0;
    snprintf(lib, sizeof lib, "%s/lib", test_tmpdir("match"));
    snprintf(work, sizeof work, "%s/work", test_tmpdir("match") );
    char p[8300];
    snprintf(p, sizeof p, "%s/nam_models", lib);
    mkdir(lib, 0755), mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/cab_irs", lib);
    mkdir(p, 0755), mkdir(work, 0755);
    return 0;
}

static void build_library(void)
{
    link_shared(lib, "data/captures/jcm.nam", "nam_models", "jcm.nam");
    link_shared(lib, "data/captures/dumble.nam", "nam_models", "dumble.nam");
    link_shared(lib, "data/captures/deluxe.nam", "nam_models", "deluxe.nam");
    link_shared(lib, "data/community-captures/Phillipe P JVM-OD2-RD-NoDrive-Cab-ESR0,006.nam", "nam_models",
              "JVM-OD2-Cab.nam");
    link_shared(lib, "data/community-captures/Phillipe P BOSS-SD1-Feather-ESR0,001.nam", "nam_models", "BOSS-SD1.nam");
    link_shared(lib, "data/irs/celestion.wav", "cab_irs", "celestion.wav");
    link_shared(lib, "data/irs/mesa.wav", "cab_irs", "mesa.wav");
    r2r_index_options opt = {0};
    opt.jobs = 2;
    r2r_index_report rep;
    if (r2r_index_build(lib, &opt, &rep) != R2R_OK) fail_msg("index: %s", r2r_last_error());
    assert_int_equal(rep.captures_indexed, 5);
    assert_int_equal(rep.irs_indexed, 2);
}

/* A reference from a known rig, made with `r2r render` from a hand-written recipe. */
static void make_reference(const char *capture_rel, const char *ir_rel, double gain, const char *di_rel,
                           const char *out)
{
    char recipe[8300], cap[4200], ir[4200];
    snprintf(recipe, sizeof recipe, "%s/truth.json", work);
    snprintf(cap, sizeof cap, "%s", shared_path(capture_rel));
    if (ir_rel) snprintf(ir, sizeof ir, "\"%s\"", shared_path(ir_rel));
    FILE *f = fopen(recipe, "w");
    fprintf(f,
            "{\"version\":1,\"candidates\":[{\"flavor\":\"balanced\",\"capture\":{\"path\":\"%s\"},"
            "\"ir\":%s%s%s,\"input_gain_db\":%g,\"output_gain_db\":-12,\"eq\":{\"bands\":["
            "{\"type\":\"lowshelf\",\"freq_hz\":126,\"gain_db\":1,\"q\":0.707},"
            "{\"type\":\"peaking\",\"freq_hz\":316,\"gain_db\":-1,\"q\":0.707},"
            "{\"type\":\"peaking\",\"freq_hz\":866,\"gain_db\":0.5,\"q\":0.707},"
            "{\"type\":\"peaking\",\"freq_hz\":2291,\"gain_db\":-1,\"q\":0.707},"
            "{\"type\":\"peaking\",\"freq_hz\":4583,\"gain_db\":1,\"q\":0.707},"
            "{\"type\":\"highshelf\",\"freq_hz\":8485,\"gain_db\":-0.5,\"q\":0.707}]}}]}",
            cap, ir_rel ? "{\"path\":" : "null", ir_rel ? ir : "", ir_rel ? "}" : "", gain);
    fclose(f);
    if (r2r_recipe_render(recipe, "balanced", di_rel[0] == '/' ? di_rel : shared_path(di_rel), out) != R2R_OK)
        fail_msg("truth render: %s", r2r_last_error());
}

static cJSON *load_json(const char *path)
{
    char *t = read_file(path, NULL);
    assert_non_null(t);
    cJSON *o = cJSON_Parse(t);
    free(t);
    assert_non_null(o);
    return o;
}

static const char *s_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void check_recipe(const char *dir, cJSON **out)
{
    char p[8300];
    snprintf(p, sizeof p, "%s/recipe.json", dir);
    cJSON *r = load_json(p);
    assert_int_equal(cJSON_GetObjectItem(r, "version")->valueint, 1);
    const cJSON *ref = cJSON_GetObjectItem(r, "reference");
    assert_non_null(s_of(ref, "path"));
    assert_true(cJSON_GetObjectItem(ref, "duration_s")->valuedouble > 1.0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(ref, "lufs")));
    const cJSON *iso = cJSON_GetObjectItem(ref, "isolation");
    assert_non_null(s_of(iso, "backend"));
    double conf = cJSON_GetObjectItem(iso, "confidence")->valuedouble;
    assert_true(conf >= 0 && conf <= 1);
    /* ranked lists, best first */
    const cJSON *rt = cJSON_GetObjectItem(r, "retrieval");
    const cJSON *caps = cJSON_GetObjectItem(rt, "captures"), *irs = cJSON_GetObjectItem(rt, "irs");
    assert_int_equal(cJSON_GetArraySize(caps), 5); /* all five (fewer than 10 in the library) */
    assert_int_equal(cJSON_GetArraySize(irs), 3);  /* two IRs and "no IR" */
    double prev = 2;
    const cJSON *e;
    int no_ir = 0;
    cJSON_ArrayForEach(e, caps)
    {
        double sc = cJSON_GetObjectItem(e, "score")->valuedouble;
        assert_true(sc <= prev + 1e-9);
        prev = sc;
        assert_int_equal(access(s_of(e, "path"), R_OK), 0);
    }
    cJSON_ArrayForEach(e, irs)
    {
        if (cJSON_IsNull(cJSON_GetObjectItem(e, "path"))) {
            no_ir++;
            assert_string_equal(s_of(e, "name"), "no IR");
        }
    }
    assert_int_equal(no_ir, 1);
    const cJSON *cands = cJSON_GetObjectItem(r, "candidates");
    assert_int_equal(cJSON_GetArraySize(cands), 3);
    const char *want[3] = {"balanced", "brighter", "thicker"};
    int i = 0;
    cJSON_ArrayForEach(e, cands)
    {
        assert_string_equal(s_of(e, "flavor"), want[i++]);
        const cJSON *cap = cJSON_GetObjectItem(e, "capture");
        assert_int_equal(access(s_of(cap, "path"), R_OK), 0);
        assert_non_null(s_of(cap, "architecture"));
        /* amps exist: a pedal only when it nulls deeper with the take's own DI, or fits
         * better than every amp through another take; the recipe says which */
        if (cJSON_IsTrue(cJSON_GetObjectItem(cap, "pedal"))) {
            const cJSON *nt = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "notes"), 0);
            const cJSON *L = cJSON_GetObjectItem(e, "loss");
            if (cJSON_IsNumber(cJSON_GetObjectItem(L, "null_db")))
                assert_non_null(strstr(nt ? nt->valuestring : "", "pedal capture: played with your DI it nulls"));
            else {
                assert_true(cJSON_IsNumber(cJSON_GetObjectItem(L, "level_spread_db")));
                assert_non_null(strstr(nt ? nt->valuestring : "", "pedal capture: your DI through it"));
            }
        }
        const cJSON *ir = cJSON_GetObjectItem(e, "ir");
        if (cJSON_IsTrue(cJSON_GetObjectItem(cap, "has_cab"))) assert_true(cJSON_IsNull(ir));
        if (!cJSON_IsNull(ir)) assert_int_equal(access(s_of(ir, "path"), R_OK), 0);
        double g = cJSON_GetObjectItem(e, "input_gain_db")->valuedouble;
        assert_true(g >= -12.5 && g <= 12.5);
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(e, "output_gain_db")));
        const cJSON *bands = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "eq"), "bands");
        assert_int_equal(cJSON_GetArraySize(bands), 6);
        assert_string_equal(s_of(cJSON_GetArrayItem(bands, 0), "type"), "lowshelf");
        assert_string_equal(s_of(cJSON_GetArrayItem(bands, 3), "type"), "peaking");
        assert_string_equal(s_of(cJSON_GetArrayItem(bands, 5), "type"), "highshelf");
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(e, "loss")));
        snprintf(p, sizeof p, "%s/%s", dir, s_of(e, "preview"));
        r2r_audio a;
        assert_int_equal(r2r_audio_read(p, 0, &a), R2R_OK);
        assert_int_equal(a.sample_rate, 48000);
        assert_true(a.frames > 48000);
        r2r_audio_free(&a);
        snprintf(p, sizeof p, "%s/eq_%s.txt", dir, s_of(e, "flavor"));
        char *txt = read_file(p, NULL);
        assert_non_null(txt);
        assert_non_null(strstr(txt, "Preamp: "));
        assert_non_null(strstr(txt, "Filter 1: ON LSC Fc "));
        assert_non_null(strstr(txt, "Filter 6: ON HSC Fc "));
        free(txt);
    }
    snprintf(p, sizeof p, "%s/recipe.md", dir);
    char *md = read_file(p, NULL);
    assert_non_null(md);
    assert_non_null(strstr(md, "## balanced"));
    assert_non_null(strstr(md, "| band | type | frequency | gain | Q |"));
    free(md);
    snprintf(p, sizeof p, "%s/reference_isolated.wav", dir);
    assert_int_equal(access(p, R_OK), 0);
    *out = r;
}

/* recipe.md in dir says `words`. */
static void md_says(const char *dir, const char *words)
{
    char p[8400];
    snprintf(p, sizeof p, "%s/recipe.md", dir);
    char *md = read_file(p, NULL);
    assert_non_null(md);
    if (!strstr(md, words)) fail_msg("%s does not say \"%s\"", p, words);
    free(md);
}

static int rank_of(const cJSON *list, const char *needle)
{
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        const char *n = s_of(e, "name");
        if (n && strstr(n, needle)) return i;
        i++;
    }
    return -1;
}

/* The recipe in dir: how many of its ranked captures were verified by a render. */
static int verified_captures(const char *dir)
{
    cJSON *r;
    check_recipe(dir, &r);
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "captures"))
    {
        k += cJSON_IsTrue(cJSON_GetObjectItem(e, "verified"));
    }
    cJSON_Delete(r);
    return k;
}

/* The recipe in dir: its ranked captures' names and distance_db (at most max); how many. */
static int ranked_captures(const char *dir, char (*names)[64], double *dist, int max)
{
    char p[8300];
    snprintf(p, sizeof p, "%s/recipe.json", dir);
    cJSON *r = load_json(p);
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "captures"))
    {
        if (k == max) break;
        snprintf(names[k], 64, "%s", s_of(e, "name"));
        dist[k++] = cJSON_GetObjectItem(e, "distance_db")->valuedouble;
    }
    cJSON_Delete(r);
    return k;
}

static void test_match_end_to_end(void **state)
{
    (void)state;
    build_library();
    char ref[8300], out[8300];
    snprintf(ref, sizeof ref, "%s/ref_jcm.wav", work);
    make_reference("data/captures/jcm.nam", "data/irs/celestion.wav", 0.0, "data/di/power-guitar.wav", ref);
    snprintf(out, sizeof out, "%s/out1", work);
    r2r_match_options o = {0};
    o.library = lib, o.out_dir = out, o.isolation = 0 /* none */;
    r2r_match_summary sum;
    if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match: %s", r2r_last_error());
    cJSON *r;
    check_recipe(out, &r);
    const cJSON *rt = cJSON_GetObjectItem(r, "retrieval");
    int cr = rank_of(cJSON_GetObjectItem(rt, "captures"), "jcm"), ir = rank_of(cJSON_GetObjectItem(rt, "irs"), "celestion");
    print_message("jcm + celestion reference: capture rank %d, IR rank %d; balanced = %s + %s, %.2f dB\n", cr, ir,
                  sum.flavor[0].capture, sum.flavor[0].ir, sum.flavor[0].spectral_db);
    assert_int_equal(ir, 0);
    assert_true(cr >= 0 && cr < 3);
    /* an isolated 48 kHz take: every band compared */
    {
        const cJSON *mh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reference"), "matched_hz");
        assert_int_equal(cJSON_GetArraySize(mh), 2);
        assert_float_equal(cJSON_GetArrayItem(mh, 1)->valuedouble, R2R_RETRIEVAL_FMAX_HZ, 1e-9);
    }
    /* from the reference alone the ranking's distance is part of every flavor's loss */
    const cJSON *lb = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "loss");
    const double idb = cJSON_GetObjectItem(lb, "identity_db")->valuedouble;
    assert_true(idb >= 0.0 && idb <= cJSON_GetObjectItem(lb, "total")->valuedouble + 1e-3);
    /* the loss's parts add up to its total; the gain's part is the ranking's prior */
    {
        const char *parts[] = {"spectral_db",  "dynamics",    "eq_penalty", "gain_penalty",
                               "knob_penalty", "identity_db", "flavor"};
        double sum_parts = 0;
        for (size_t q = 0; q < sizeof parts / sizeof *parts; q++)
            sum_parts += cJSON_GetObjectItem(lb, parts[q])->valuedouble;
        assert_float_equal(sum_parts, cJSON_GetObjectItem(lb, "total")->valuedouble, 0.005);
        const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0);
        const double g = cJSON_GetObjectItem(c0, "input_gain_db")->valuedouble;
        assert_float_equal(cJSON_GetObjectItem(lb, "gain_penalty")->valuedouble,
                           R2R_RANK_GAIN_PRIOR_DB * (g / 12.0) * (g / 12.0), 0.002);
    }
    /* the ranking's margin: the runner-up capture's distance above the first's, and a
       warning exactly when it is too close to call */
    {
        const cJSON *cl = cJSON_GetObjectItem(rt, "captures");
        const double d0 = cJSON_GetObjectItem(cJSON_GetArrayItem(cl, 0), "distance_db")->valuedouble;
        const double d1 = cJSON_GetObjectItem(cJSON_GetArrayItem(cl, 1), "distance_db")->valuedouble;
        const cJSON *mj = cJSON_GetObjectItem(rt, "margin_db");
        print_message("runner-up margin %.3f dB\n", sum.margin_db);
        assert_true(cJSON_IsNumber(mj));
        assert_true(sum.margin_db >= 0.0);
        assert_float_equal(mj->valuedouble, sum.margin_db, 0.001);
        assert_float_equal(sum.margin_db, d1 - d0, 0.011);
        assert_int_equal(strstr(sum.warnings, "the capture is uncertain") != NULL, sum.margin_db < 0.2);
    }
    /* and the dynamics are not compared: the probes do not play the reference's performance */
    assert_float_equal(cJSON_GetObjectItem(lb, "dynamics")->valuedouble, 0.0, 1e-9);
    /* what it assumed was played: one share per probe, summing to 1 */
    {
        const cJSON *sm = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "source_mix");
        const cJSON *x;
        double tot = 0;
        int n = 0;
        assert_true(cJSON_IsObject(sm));
        cJSON_ArrayForEach(x, sm)
        {
            assert_true(cJSON_IsNumber(x) && x->valuedouble >= 0.0 && x->valuedouble <= 1.0);
            tot += x->valuedouble, n++;
        }
        assert_true(n >= 2);
        assert_float_equal(tot, 1.0, 0.01);
    }
    /* the full rig is recognised as such from its name */
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(rt, "captures"))
    {
        if (strstr(s_of(e, "name"), "Cab")) assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "has_cab")));
        if (strstr(s_of(e, "name"), "SD1")) assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "pedal")));
    }
    cJSON_Delete(r);

    /* With the performance's own DI, the candidates are verified with it: the true rig
     * leads both lists and the balanced recipe is jcm + celestion. */
    snprintf(out, sizeof out, "%s/out_di", work);
    char di_true[4200];
    snprintf(di_true, sizeof di_true, "%s", shared_path("data/di/power-guitar.wav"));
    o.out_dir = out, o.di_path = di_true;
    if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match --di: %s", r2r_last_error());
    check_recipe(out, &r);
    rt = cJSON_GetObjectItem(r, "retrieval");
    cr = rank_of(cJSON_GetObjectItem(rt, "captures"), "jcm"), ir = rank_of(cJSON_GetObjectItem(rt, "irs"), "celestion");
    print_message("same reference with --di: capture rank %d, IR rank %d; balanced = %s + %s at %+.1f dB, %.2f dB\n",
                  cr, ir, sum.flavor[0].capture, sum.flavor[0].ir, sum.flavor[0].input_gain_db, sum.flavor[0].spectral_db);
    assert_int_equal(cr, 0);
    assert_int_equal(ir, 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(rt, "captures"), 0), "verified")));
    assert_string_equal(sum.flavor[0].capture, "jcm.nam");
    assert_string_equal(sum.flavor[0].ir, "celestion.wav");
    /* that DI is the reference's own take: found in it, the rig null-tested against it */
    print_message("the DI is the reference's take: aligned %d, null %.1f dB\n", sum.di_aligned, sum.null_db);
    assert_int_equal(sum.di_aligned, 1);
    assert_true(sum.null_db < -12.0);
    const cJSON *L0 = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "loss");
    assert_null(cJSON_GetObjectItem(L0, "identity_db")); /* with the DI, the render decides */
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "source_mix"));
    /* the render plays the reference's own take: its dynamics are compared */
    print_message("dynamics distance of the balanced candidate: %.3f\n", cJSON_GetObjectItem(L0, "dynamics")->valuedouble);
    assert_true(cJSON_GetObjectItem(L0, "dynamics")->valuedouble > 0.0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(L0, "null_db")));
    assert_float_equal(cJSON_GetObjectItem(L0, "null_penalty")->valuedouble, 0.0, 1e-9);
    assert_null(strstr(sum.warnings, "not the reference's own take"));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(rt, "margin_db"))); /* the DI's renders decide */
    assert_true(isnan(sum.margin_db));
    assert_null(strstr(sum.warnings, "the capture is uncertain"));
    cJSON_Delete(r);
    md_says(out, "Null test with your DI");
    md_says(out, "is the reference's own take");

    /* The library screened on a short stretch first, one capture going on from it
     * (r2r_match_options.screen): the true rig is that one, with the same null as
     * unscreened, and the only capture verified. */
    {
        const double null_all = sum.null_db;
        const int verified_all = verified_captures(out);
        snprintf(out, sizeof out, "%s/out_screen", work);
        o.out_dir = out, o.screen = 1;
        if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match --di, screened: %s", r2r_last_error());
        o.screen = 0;
        const int verified = verified_captures(out);
        print_message("screened to one capture: aligned %d, %s at null %.2f dB (unscreened %.2f), %d captures "
                      "verified (unscreened %d)\n",
                      sum.di_aligned, sum.flavor[0].capture, sum.null_db, null_all, verified, verified_all);
        assert_int_equal(sum.di_aligned, 1);
        assert_string_equal(sum.flavor[0].capture, "jcm.nam");
        assert_float_equal(sum.null_db, null_all, 1e-9);
        assert_int_equal(verified, 1);
        assert_true(verified_all > 1);
    }

    /* The reference starts 2.5 s into the take (an edit): the DI is still found in it. */
    {
        r2r_audio ra;
        assert_int_equal(r2r_audio_read(ref, 0, &ra), R2R_OK);
        const size_t cut = 120037;
        char refcut[8300];
        snprintf(refcut, sizeof refcut, "%s/ref_cut.wav", work);
        assert_int_equal(r2r_audio_write_wav(refcut, ra.data + cut, ra.frames - cut, 1, ra.sample_rate), R2R_OK);
        r2r_audio_free(&ra);
        snprintf(out, sizeof out, "%s/out_cut", work);
        o.out_dir = out;
        if (r2r_match(refcut, &o, &sum) != R2R_OK) fail_msg("match --di, cut reference: %s", r2r_last_error());
        print_message("cut reference: aligned %d, null %.1f dB, balanced = %s + %s\n", sum.di_aligned, sum.null_db,
                      sum.flavor[0].capture, sum.flavor[0].ir);
        assert_int_equal(sum.di_aligned, 1);
        assert_true(sum.null_db < -12.0);
        assert_string_equal(sum.flavor[0].capture, "jcm.nam");
    }

    /* The take's rig at an input gain between the grid's (-12, -6, 0, +6, +12 dB): the
     * null's gain search finds it. */
    {
        char refgain[8300];
        snprintf(refgain, sizeof refgain, "%s/ref_gain.wav", work);
        make_reference("data/captures/jcm.nam", "data/irs/celestion.wav", 3.7, "data/di/power-guitar.wav", refgain);
        snprintf(out, sizeof out, "%s/out_gain", work);
        o.out_dir = out;
        if (r2r_match(refgain, &o, &sum) != R2R_OK) fail_msg("match --di, +3.7 dB: %s", r2r_last_error());
        print_message("own take at +3.7 dB: aligned %d, null %.1f dB, balanced = %s + %s at %+.2f dB\n", sum.di_aligned,
                      sum.null_db, sum.flavor[0].capture, sum.flavor[0].ir, sum.flavor[0].input_gain_db);
        assert_int_equal(sum.di_aligned, 1);
        assert_string_equal(sum.flavor[0].capture, "jcm.nam");
        assert_float_equal(sum.flavor[0].input_gain_db, 3.7, 0.3);
    }

    /* Another take as the DI: no alignment, said; the spectral comparison through it stands. */
    snprintf(out, sizeof out, "%s/out_other_take", work);
    char di_other[4200];
    snprintf(di_other, sizeof di_other, "%s", shared_path("data/di/lunar-guitar.wav"));
    o.out_dir = out, o.di_path = di_other;
    if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match --di (another take): %s", r2r_last_error());
    print_message("another take as the DI: aligned %d, balanced = %s + %s\n", sum.di_aligned, sum.flavor[0].capture,
                  sum.flavor[0].ir);
    assert_int_equal(sum.di_aligned, 0);
    assert_non_null(strstr(sum.warnings, "not the reference's own take"));
    check_recipe(out, &r);
    L0 = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "loss");
    assert_null(cJSON_GetObjectItem(L0, "null_db"));
    /* that take is another guitar's (lunar's DI, the reference power's): the ranking from
     * the reference alone takes its share, said when it leads */
    const cJSON *share = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "retrieval"), "probe_share");
    assert_true(cJSON_IsNumber(share));
    const double other_share = share->valuedouble;
    print_message("another guitar's take: the probes' share of the ranking %.3f\n", other_share);
    assert_true(other_share > 0.0 && other_share < 1.0);
    assert_float_equal(cJSON_GetObjectItem(L0, "probe_share")->valuedouble, other_share, 1e-3);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(L0, "probe_db")));
    assert_int_equal(strstr(sum.warnings, "leans on the probes") != NULL, other_share > 0.5);
    cJSON_Delete(r);

    /* --di-guitar other (the player says it is another guitar): the DI takes no part in the
     * match — the lists and the pick are those from the reference alone (out1) — and plays
     * the previews (as long as the DI, not the probes). */
    {
        snprintf(out, sizeof out, "%s/out_di_other", work);
        o.out_dir = out, o.di_guitar = R2R_DI_GUITAR_OTHER;
        if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match --di-guitar other: %s", r2r_last_error());
        print_message("--di-guitar other: balanced = %s + %s at %+.1f dB\n", sum.flavor[0].capture, sum.flavor[0].ir,
                      sum.flavor[0].input_gain_db);
        assert_null(strstr(sum.warnings, "not the reference's own take"));
        assert_null(strstr(sum.warnings, "leans on the probes"));
        check_recipe(out, &r);
        const cJSON *dj = cJSON_GetObjectItem(r, "di");
        assert_string_equal(s_of(dj, "guitar"), "other");
        assert_string_equal(s_of(dj, "role"), "previews");
        rt = cJSON_GetObjectItem(r, "retrieval");
        assert_null(cJSON_GetObjectItem(rt, "probe_share"));
        char p1[8400];
        snprintf(p1, sizeof p1, "%s/out1/recipe.json", work);
        cJSON *alone = load_json(p1);
        const cJSON *la = cJSON_GetObjectItem(cJSON_GetObjectItem(alone, "retrieval"), "captures");
        const cJSON *lo = cJSON_GetObjectItem(rt, "captures");
        assert_int_equal(cJSON_GetArraySize(lo), cJSON_GetArraySize(la));
        for (int q = 0; q < cJSON_GetArraySize(la); q++)
            assert_string_equal(s_of(cJSON_GetArrayItem(lo, q), "name"), s_of(cJSON_GetArrayItem(la, q), "name"));
        const cJSON *ca = cJSON_GetArrayItem(cJSON_GetObjectItem(alone, "candidates"), 0);
        const cJSON *co = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0);
        assert_string_equal(s_of(cJSON_GetObjectItem(co, "capture"), "name"),
                            s_of(cJSON_GetObjectItem(ca, "capture"), "name"));
        assert_float_equal(cJSON_GetObjectItem(co, "input_gain_db")->valuedouble,
                           cJSON_GetObjectItem(ca, "input_gain_db")->valuedouble, 1e-9);
        cJSON_Delete(alone);
        cJSON_Delete(r);
        r2r_audio pv, dv;
        snprintf(p1, sizeof p1, "%s/preview_balanced.wav", out);
        assert_int_equal(r2r_audio_read(p1, 0, &pv), R2R_OK);
        assert_int_equal(r2r_di_load(di_other, &dv), R2R_OK);
        assert_int_equal(pv.frames, dv.frames);
        r2r_audio_free(&pv), r2r_audio_free(&dv);
        md_says(out, "is another guitar");
        /* the reference's own take said to be another guitar: kept out of the match, but said */
        snprintf(out, sizeof out, "%s/out_own_said_other", work);
        o.out_dir = out, o.di_path = di_true;
        if (r2r_match(ref, &o, &sum) != R2R_OK)
            fail_msg("match --di own take, --di-guitar other: %s", r2r_last_error());
        assert_int_equal(sum.di_aligned, 0);
        assert_non_null(strstr(sum.warnings, "lines up with the reference"));
        /* --di-guitar same: the take alone ranks, however far it is (no share, no warning) */
        snprintf(out, sizeof out, "%s/out_di_same", work);
        o.out_dir = out, o.di_path = di_other, o.di_guitar = R2R_DI_GUITAR_SAME;
        if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match --di-guitar same: %s", r2r_last_error());
        check_recipe(out, &r);
        assert_string_equal(s_of(cJSON_GetObjectItem(r, "di"), "role"), "take");
        md_says(out, "played every candidate");
        rt = cJSON_GetObjectItem(r, "retrieval");
        assert_float_equal(cJSON_GetObjectItem(rt, "probe_share")->valuedouble, 0.0, 1e-12);
        assert_null(strstr(sum.warnings, "leans on the probes"));
        cJSON_Delete(r);
        o.di_guitar = R2R_DI_GUITAR_AUTO;
        /* an unknown kind is refused */
        o.di_guitar = 3;
        assert_int_equal(r2r_match(ref, &o, &sum), R2R_ERR_INPUT);
        o.di_guitar = R2R_DI_GUITAR_AUTO;
        assert_int_equal(r2r_di_guitar_parse("other"), R2R_DI_GUITAR_OTHER);
        assert_int_equal(r2r_di_guitar_parse("same"), R2R_DI_GUITAR_SAME);
        assert_int_equal(r2r_di_guitar_parse("auto"), R2R_DI_GUITAR_AUTO);
        assert_int_equal(r2r_di_guitar_parse("Other"), -1);
        assert_int_equal(r2r_di_guitar_parse(NULL), -1);
        assert_string_equal(r2r_di_guitar_name(R2R_DI_GUITAR_SAME), "same");
    }

    /* A DI that lines up with the reference but that no capture nulls against: the same
     * part played again does that (jazz_hop's DI repeats its phrase, and its last 5 s line
     * up with its first 7 s just over the sharpness needed; every null -0.2 to -0.5 dB).
     * Made sure here: power's DI 1-7 s under white noise 12 dB louder lines up far over
     * the sharpness needed, and nulls nowhere. Said, and matched as another take. */
    {
        r2r_audio da;
        assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &da), R2R_OK);
        assert_true(da.frames >= 7 * 48000 && da.sample_rate == 48000);
        const size_t len = 6 * 48000;
        float *seg = da.data + 48000;
        double rms = 0;
        for (size_t q = 0; q < len; q++) rms += (double)seg[q] * seg[q];
        rms = sqrt(rms / (double)len);
        const double amp = rms * pow(10.0, 12.0 / 20.0) * sqrt(3.0); /* uniform noise of that RMS */
        uint32_t lcg = 12345u;
        for (size_t q = 0; q < len; q++) {
            lcg = lcg * 1664525u + 1013904223u;
            seg[q] += (float)(amp * (2.0 * (double)lcg / 4294967296.0 - 1.0));
        }
        char part2[8300];
        snprintf(part2, sizeof part2, "%s/di_under_noise.wav", work);
        assert_int_equal(r2r_audio_write_wav(part2, seg, len, 1, 48000), R2R_OK);
        r2r_audio_free(&da);
        const char *ref_rep = ref;
        snprintf(out, sizeof out, "%s/out_repeat", work);
        o.out_dir = out, o.di_path = part2;
        if (r2r_match(ref_rep, &o, &sum) != R2R_OK) fail_msg("match --di (no null): %s", r2r_last_error());
        print_message("a DI that lines up but does not null: aligned %d, warnings: %s\n", sum.di_aligned, sum.warnings);
        assert_int_equal(sum.di_aligned, 0);
        assert_non_null(strstr(sum.warnings, "no capture nulls against it"));
        assert_null(strstr(sum.warnings, "no alignment found"));
        check_recipe(out, &r);
        assert_string_equal(s_of(cJSON_GetObjectItem(r, "di"), "role"), "take");
        const cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0);
        assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(c0, "loss"), "null_db"));
        cJSON_Delete(r);
    }

    /* Another take of the same guitar (the reference plays the DI's first 12 s, the DI given
     * is its last 13 s): every capture plays it, the ranking and the pick use its renders
     * (loss.identity_db), and the true amp leads. */
    char first[8300], last[8300]; /* the two takes, used again for the pedal below */
    {
        r2r_audio da;
        assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &da), R2R_OK);
        assert_true(da.frames > 26 * 48000);
        char ref_first[8300];
        snprintf(first, sizeof first, "%s/di_first.wav", work);
        snprintf(last, sizeof last, "%s/di_last.wav", work);
        snprintf(ref_first, sizeof ref_first, "%s/ref_first.wav", work);
        assert_int_equal(r2r_audio_write_wav(first, da.data, 12 * 48000, 1, 48000), R2R_OK);
        assert_int_equal(r2r_audio_write_wav(last, da.data + 14 * 48000, da.frames - 14 * 48000, 1, 48000), R2R_OK);
        r2r_audio_free(&da);
        make_reference("data/captures/jcm.nam", "data/irs/celestion.wav", 0.0, first, ref_first);
        snprintf(out, sizeof out, "%s/out_same_guitar", work);
        o.out_dir = out, o.di_path = last;
        if (r2r_match(ref_first, &o, &sum) != R2R_OK) fail_msg("match --di (same guitar): %s", r2r_last_error());
        check_recipe(out, &r);
        rt = cJSON_GetObjectItem(r, "retrieval");
        cr = rank_of(cJSON_GetObjectItem(rt, "captures"), "jcm");
        print_message("another take of the same guitar: aligned %d, capture rank %d, balanced = %s + %s at %+.1f dB\n",
                      sum.di_aligned, cr, sum.flavor[0].capture, sum.flavor[0].ir, sum.flavor[0].input_gain_db);
        assert_int_equal(sum.di_aligned, 0);
        assert_int_equal(cr, 0);
        assert_string_equal(sum.flavor[0].capture, "jcm.nam");
        L0 = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "loss");
        assert_true(cJSON_IsNumber(cJSON_GetObjectItem(L0, "identity_db")));
        assert_null(cJSON_GetObjectItem(L0, "null_db"));
        /* the same guitar's take explains the reference better than another guitar's: the
         * probes' share is smaller */
        const double same_share = cJSON_GetObjectItem(rt, "probe_share")->valuedouble;
        print_message("another take of the same guitar: the probes' share %.3f (another guitar's %.3f)\n", same_share,
                      other_share);
        assert_true(same_share < other_share);
        /* the level spread of the DI through the picked chain against the reference's:
         * measured (not 0), and near for the true rig */
        const double spread = cJSON_GetObjectItem(L0, "dynamics")->valuedouble;
        print_message("another take: loss.dynamics (the level spreads' distance, weighted) %.3f\n", spread);
        assert_true(spread > 0.0 && spread < 1.5);
        /* ... weighted as the nearest candidate's spread allows: at most 0.5 per dB */
        const double sw = cJSON_GetObjectItem(L0, "level_spread_weight")->valuedouble;
        const double sd = cJSON_GetObjectItem(L0, "level_spread_db")->valuedouble;
        print_message("another take: level spread %.3f dB at weight %.3f\n", sd, sw);
        assert_true(sw > 0.0 && sw <= 0.5);
        assert_float_equal(spread, sw * sd, 2e-3);
        if (sw == 0.5) assert_null(strstr(sum.warnings, "level moves unlike"));
        cJSON_Delete(r);
        /* Screened, all but one capture going on from the short stretch (and the ranked
         * list as long): jcm is still picked, the captures that went on keep their
         * distances (the whole stretch's renders), and the one left out is not ranked. */
        {
            char na[8][64], ns[8][64], out_screen[8300];
            double da[8], ds[8];
            const int n_all = ranked_captures(out, na, da, 8);
            snprintf(out_screen, sizeof out_screen, "%s/out_same_guitar_screen", work);
            o.out_dir = out_screen, o.screen = o.top_k = n_all - 1; /* the screen keeps at least top_k */
            if (r2r_match(ref_first, &o, &sum) != R2R_OK) fail_msg("match --di, screened: %s", r2r_last_error());
            o.screen = o.top_k = 0, o.out_dir = out;
            assert_int_equal(ranked_captures(out_screen, ns, ds, 8), n_all - 1);
            int same = 0;
            for (int k = 0; k < n_all; k++)
                for (int m = 0; m < n_all - 1; m++)
                    if (!strcmp(na[k], ns[m])) {
                        print_message("another take, screened to %d of %d captures: %s %.2f dB (unscreened %.2f)\n",
                                      n_all - 1, n_all, na[k], ds[m], da[k]);
                        same += ds[m] == da[k];
                    }
            assert_string_equal(sum.flavor[0].capture, "jcm.nam");
            assert_int_equal(same, n_all - 1);
        }
        /* The same take played otherwise (a ±12 dB tremolo at 1.5 Hz: its level moves as
         * the reference's never does): even the nearest chain's spread is far, so the
         * spread counts less, and the warning says why. */
        {
            r2r_audio tk;
            assert_int_equal(r2r_audio_read(last, R2R_READ_MONO, &tk), R2R_OK);
            for (size_t q = 0; q < tk.frames; q++)
                tk.data[q] *= (float)pow(10.0, 12.0 * sin(2 * M_PI * 1.5 * (double)q / 48000.0) / 20.0);
            char trem[8300];
            snprintf(trem, sizeof trem, "%s/di_tremolo.wav", work);
            assert_int_equal(r2r_audio_write_wav(trem, tk.data, tk.frames, 1, 48000), R2R_OK);
            r2r_audio_free(&tk);
            o.di_path = trem;
            snprintf(out, sizeof out, "%s/out_tremolo", work);
            if (r2r_match(ref_first, &o, &sum) != R2R_OK) fail_msg("match --di (tremolo): %s", r2r_last_error());
            check_recipe(out, &r);
            L0 = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "candidates"), 0), "loss");
            const double tw = cJSON_GetObjectItem(L0, "level_spread_weight")->valuedouble;
            const double td = cJSON_GetObjectItem(L0, "level_spread_db")->valuedouble;
            print_message("a take played with a tremolo: level spread %.3f dB at weight %.3f, balanced = %s\n", td, tw,
                          sum.flavor[0].capture);
            assert_true(td > sd && tw < 0.5);
            assert_float_equal(cJSON_GetObjectItem(L0, "dynamics")->valuedouble, tw * td, 2e-3);
            assert_non_null(strstr(sum.warnings, "your DI's level moves unlike the reference's"));
            cJSON_Delete(r);
        }
    }

    /* A pedal alone into a cabinet: never offered as the rig from the reference alone
     * (the library has amps), offered when the null test with the take's DI says so. */
    {
        char ref_pedal[8300];
        snprintf(ref_pedal, sizeof ref_pedal, "%s/ref_sd1.wav", work);
        make_reference("data/community-captures/Phillipe P BOSS-SD1-Feather-ESR0,001.nam", "data/irs/celestion.wav",
                       3.0, "data/di/power-guitar.wav", ref_pedal);
        snprintf(out, sizeof out, "%s/out_pedal", work);
        o.out_dir = out, o.di_path = di_true;
        if (r2r_match(ref_pedal, &o, &sum) != R2R_OK) fail_msg("match --di (pedal): %s", r2r_last_error());
        print_message("pedal into a cabinet, with its DI: balanced = %s + %s, null %.1f dB\n", sum.flavor[0].capture,
                      sum.flavor[0].ir, sum.null_db);
        assert_string_equal(sum.flavor[0].capture, "BOSS-SD1.nam");
        check_recipe(out, &r);
        cJSON_Delete(r);
        /* with another take of the same guitar (the reference plays the DI's first 12 s,
         * the take its last 13 s): the pedal competes in the loss like every capture */
        char ref_pedal_first[8300];
        snprintf(ref_pedal_first, sizeof ref_pedal_first, "%s/ref_sd1_first.wav", work);
        make_reference("data/community-captures/Phillipe P BOSS-SD1-Feather-ESR0,001.nam", "data/irs/celestion.wav",
                       3.0, first, ref_pedal_first);
        o.di_path = last;
        if (r2r_match(ref_pedal_first, &o, &sum) != R2R_OK) fail_msg("match --di (pedal, other take): %s", r2r_last_error());
        print_message("pedal into a cabinet, another take: balanced = %s + %s at %+.1f dB\n", sum.flavor[0].capture,
                      sum.flavor[0].ir, sum.flavor[0].input_gain_db);
        assert_int_equal(sum.di_aligned, 0);
        assert_string_equal(sum.flavor[0].capture, "BOSS-SD1.nam");
        check_recipe(out, &r);
        cJSON_Delete(r);
        o.di_path = NULL;
        if (r2r_match(ref_pedal, &o, &sum) != R2R_OK) fail_msg("match (pedal): %s", r2r_last_error());
        print_message("the same from the reference alone: balanced = %s + %s\n", sum.flavor[0].capture, sum.flavor[0].ir);
        assert_string_not_equal(sum.flavor[0].capture, "BOSS-SD1.nam");
    }
    o.di_path = NULL;

    /* The default isolation on an isolated take: recognised, matched untouched, said. */
    snprintf(out, sizeof out, "%s/out_auto", work);
    o.out_dir = out, o.isolation = -1;
    if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match (default isolation): %s", r2r_last_error());
    print_message("default isolation on an isolated take: %s (confidence %.2f)\n", sum.backend, sum.confidence);
    assert_string_equal(sum.backend, "none");
    assert_non_null(strstr(sum.warnings, "looks like an isolated guitar"));
    o.isolation = 0;

    /* The take in a band (panned 70/30 over centred drums as loud): the cabinet leaves
     * little above ~6 kHz, where the cymbals' residue would be all the separation keeps;
     * those bands are left out, said, and the cabinet is still found. */
    {
        r2r_audio t;
        float *dr = NULL;
        size_t nd = 0;
        assert_int_equal(r2r_audio_read(ref, R2R_READ_MONO, &t), R2R_OK);
        assert_int_equal(r2r_synth_drums(3, (double)t.frames / t.sample_rate, 120.0, t.sample_rate, &dr, &nd), R2R_OK);
        const size_t nm = t.frames < nd ? t.frames : nd;
        double eg = 0, ed = 0;
        for (size_t i = 0; i < nm; i++) eg += (double)t.data[i] * t.data[i], ed += (double)dr[i] * dr[i];
        const float k = (float)sqrt(eg / (ed + 1e-20));
        float *st = malloc(2 * nm * sizeof(float));
        for (size_t i = 0; i < nm; i++) {
            st[2 * i] = 0.7f * t.data[i] + 0.5f * k * dr[i];
            st[2 * i + 1] = 0.3f * t.data[i] + 0.5f * k * dr[i];
        }
        char mix[8300];
        snprintf(mix, sizeof mix, "%s/band_mix.wav", work);
        assert_int_equal(r2r_audio_write_wav(mix, st, nm, 2, t.sample_rate), R2R_OK);
        /* The same take in a mono recording with a bass (the bass DI through ampeg.nam)
         * and the drums, the guitar as loud as both: its confidence alone can pass for an
         * isolated guitar's, its energy below 50 Hz cannot. */
        {
            char bp[8300];
            snprintf(bp, sizeof bp, "%s/bass.wav", work);
            make_reference("data/captures/ampeg.nam", NULL, 0.0, "data/di/downtown-bass.wav", bp);
            r2r_audio ba;
            assert_int_equal(r2r_audio_read(bp, R2R_READ_MONO, &ba), R2R_OK);
            assert_true(ba.frames > 0);
            double eb = 0; /* the bass looped under the take */
            for (size_t i = 0; i < nm; i++) eb += (double)ba.data[i % ba.frames] * ba.data[i % ba.frames];
            float *mono = malloc(nm * sizeof(float));
            double eo = 0;
            for (size_t i = 0; i < nm; i++) {
                mono[i] = (float)(ba.data[i % ba.frames] / sqrt(eb / nm) + 0.8 * dr[i] / sqrt(ed / nm));
                eo += (double)mono[i] * mono[i];
            }
            const double kg = sqrt(eo / (eg + 1e-20));
            for (size_t i = 0; i < nm; i++) mono[i] = (float)(0.25 * (mono[i] + kg * t.data[i]));
            r2r_isolated im, ig;
            assert_int_equal(r2r_isolate(mono, nm, 1, t.sample_rate, R2R_ISO_DSP, &im), R2R_OK);
            assert_int_equal(r2r_isolate(t.data, nm, 1, t.sample_rate, R2R_ISO_DSP, &ig), R2R_OK);
            print_message("mono band mix: confidence %.2f, %.2f %% below 50 Hz; the take alone: %.2f, %.3f %%\n",
                          im.confidence, 100 * im.low_share, ig.confidence, 100 * ig.low_share);
            assert_false(r2r_isolated_alone(&im));
            assert_true(r2r_isolated_alone(&ig));
            r2r_isolated_free(&im), r2r_isolated_free(&ig);
            /* matched by default: separated, and the bands the bass fills are left out */
            char mp[8300];
            snprintf(mp, sizeof mp, "%s/mono_mix.wav", work);
            assert_int_equal(r2r_audio_write_wav(mp, mono, nm, 1, t.sample_rate), R2R_OK);
            snprintf(out, sizeof out, "%s/out_mono", work);
            o.out_dir = out, o.isolation = -1;
            if (r2r_match(mp, &o, &sum) != R2R_OK) fail_msg("match (mono band mix): %s", r2r_last_error());
            print_message("mono band mix: %s, balanced = %s + %s; %s\n", sum.backend, sum.flavor[0].capture,
                          sum.flavor[0].ir, sum.warnings);
            assert_string_equal(sum.backend, "dsp");
            assert_non_null(strstr(sum.warnings, "a bass or a kick drum is in the mix"));
            check_recipe(out, &r);
            const cJSON *mh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reference"), "matched_hz");
            assert_true(cJSON_GetArrayItem(mh, 0)->valuedouble > R2R_RETRIEVAL_FMIN_HZ);
            cJSON_Delete(r);
            o.isolation = 0;
            r2r_audio_free(&ba);
            free(mono);
        }
        free(st), free(dr);
        r2r_audio_free(&t);
        snprintf(out, sizeof out, "%s/out_mix", work);
        o.out_dir = out, o.isolation = R2R_ISO_DSP;
        if (r2r_match(mix, &o, &sum) != R2R_OK) fail_msg("match (band mix): %s", r2r_last_error());
        check_recipe(out, &r);
        const cJSON *mr = cJSON_GetObjectItem(r, "retrieval");
        const int mir = rank_of(cJSON_GetObjectItem(mr, "irs"), "celestion");
        print_message("band mix: balanced = %s + %s, IR rank %d; %s\n", sum.flavor[0].capture, sum.flavor[0].ir, mir,
                      sum.warnings);
        const char *cut = strstr(sum.warnings, "is under 1 % of the mix above ");
        assert_non_null(cut);
        const double top = atof(cut + strlen("is under 1 % of the mix above "));
        assert_true(top > 1000.0 && top < R2R_RETRIEVAL_FMAX_HZ);
        /* the recipe says which bands were compared */
        const cJSON *mh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reference"), "matched_hz");
        assert_int_equal(cJSON_GetArraySize(mh), 2);
        assert_float_equal(cJSON_GetArrayItem(mh, 0)->valuedouble, R2R_RETRIEVAL_FMIN_HZ, 1e-9);
        assert_float_equal(cJSON_GetArrayItem(mh, 1)->valuedouble, top, 1.0);
        assert_true(mir >= 0 && mir < 3);
        cJSON_Delete(r);
        o.isolation = 0;
    }

    /* r2r render: the recipe with another DI (stereo 44.1 kHz at another level). */
    r2r_audio d;
    assert_int_equal(r2r_audio_read(shared_path("data/di/lunar-guitar.wav"), R2R_READ_MONO, &d), R2R_OK);
    size_t n = 3 * (size_t)d.sample_rate;
    float *st = malloc(n * 2 * sizeof(float));
    for (size_t t = 0; t < n; t++) st[2 * t] = st[2 * t + 1] = 0.3f * d.data[t + (size_t)d.sample_rate];
    char di[8300], rendered[8300], recipe[9000];
    snprintf(di, sizeof di, "%s/di_stereo.wav", work);
    assert_int_equal(r2r_audio_write_wav(di, st, n, 2, d.sample_rate), R2R_OK);
    free(st);
    snprintf(recipe, sizeof recipe, "%s/recipe.json", out);
    snprintf(rendered, sizeof rendered, "%s/rendered.wav", work);
    const char *args[] = {"render", recipe, "--flavor", "thicker", "--di", di, rendered, NULL};
    assert_int_equal(run_cli(NULL, 0, args), 0);
    r2r_audio y;
    assert_int_equal(r2r_audio_read(rendered, 0, &y), R2R_OK);
    assert_int_equal(y.sample_rate, 48000);
    assert_true(labs((long)y.frames - (long)(n * 48000 / d.sample_rate)) <= 1);
    for (size_t t = 0; t < y.frames; t++) assert_true(isfinite(y.data[t]));
    assert_true(r2r_peak(y.data, y.frames) > 1e-4f);
    r2r_audio_free(&y);
    r2r_audio_free(&d);
    const char *badflavor[] = {"render", recipe, "--flavor", "darker", "--di", di, rendered, NULL};
    assert_int_equal(run_cli(NULL, 0, badflavor), 2);

    /* A full rig (cabinet inside): its candidate goes without an IR. */
    snprintf(ref, sizeof ref, "%s/ref_rig.wav", work);
    make_reference("data/community-captures/Phillipe P JVM-OD2-RD-NoDrive-Cab-ESR0,006.nam", NULL, 0.0,
                   "data/di/metalcore-guitar.wav", ref);
    snprintf(out, sizeof out, "%s/out2", work);
    o.out_dir = out;
    o.optimizer = R2R_OPT_CMAES; /* and the other optimizer */
    if (r2r_match(ref, &o, &sum) != R2R_OK) fail_msg("match: %s", r2r_last_error());
    check_recipe(out, &r);
    print_message("full-rig reference: balanced = %s + %s\n", sum.flavor[0].capture, sum.flavor[0].ir);
    cJSON_Delete(r);
}

static void write_tone(const char *path, int rate, double seconds, double amp, int channels)
{
    size_t n = (size_t)(rate * seconds);
    float *x = malloc(n * (size_t)channels * sizeof(float));
    r2r_audio g;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &g), R2R_OK);
    for (size_t t = 0; t < n; t++)
        for (int c = 0; c < channels; c++)
            x[t * (size_t)channels + (size_t)c] = (float)(amp * g.data[(t * (size_t)g.sample_rate / (size_t)rate) % g.frames] * 4.0);
    for (size_t t = 0; amp > 0 && t < n * (size_t)channels; t++) x[t] = x[t] > 1 ? 1 : x[t] < -1 ? -1 : x[t];
    r2r_audio_free(&g);
    assert_int_equal(r2r_audio_write_wav(path, x, n, channels, rate), R2R_OK);
    free(x);
}

/* `r2r match FILE` of a generated take (see write_tone) into DIR: its exit code. */
static int match_tone(const char *label, const char *name, int rate, double seconds, double amp, int channels,
                      const char *library, const char *out, char *buf, size_t bufsz)
{
    char p[9000];
    print_message("bad input: %s\n", label);
    snprintf(p, sizeof p, "%s/%s", work, name);
    write_tone(p, rate, seconds, amp, channels);
    const char *args[] = {"match", p, "--library", library, "--out", out, "--isolation", channels > 1 ? "none" : "dsp",
                          NULL};
    return run_cli(buf, bufsz, args);
}

static void test_bad_input(void **state)
{
    (void)state;
    char p[9000], out[8300], buf[8192];
    snprintf(out, sizeof out, "%s/bad", work);
    assert_int_equal(match_tone("silence", "silence.wav", 48000, 3.0, 0.0, 1, lib, out, NULL, 0), 1);
    /* not audio */
    print_message("bad input: %s\n", "a file that is not audio");
    snprintf(p, sizeof p, "%s/notes.wav", work);
    FILE *f = fopen(p, "w");
    fputs("these are not samples", f);
    fclose(f);
    const char *a2[] = {"match", p, "--library", lib, "--out", out, NULL};
    assert_int_equal(run_cli(NULL, 0, a2), 1);
    /* an unindexed library */
    char empty[8300];
    snprintf(empty, sizeof empty, "%s/empty-lib", work);
    mkdir(empty, 0755);
    { /* what an older build left in it */
        char stale[8400];
        snprintf(stale, sizeof stale, "%s/.r2r/catalog.sqlite", empty);
        unlink(stale);
        snprintf(stale, sizeof stale, "%s/.r2r", empty);
        rmdir(stale);
    }
    assert_int_equal(match_tone("an unindexed library", "ok.wav", 48000, 4.0, 0.2, 1, empty, out, NULL, 0), 1);
    snprintf(p, sizeof p, "%s/ok.wav", work);
    /* ... says so before any work, and writes nothing into it; nor a library not there */
    {
        r2r_match_options o = {0};
        r2r_match_summary sum;
        char state[8400], none[9100];
        o.library = empty, o.out_dir = out;
        assert_int_equal(r2r_match(p, &o, &sum), R2R_ERR_INPUT);
        print_message("  -> %s\n", r2r_last_error());
        assert_non_null(strstr(r2r_last_error(), "no index yet"));
        snprintf(state, sizeof state, "%s/.r2r", empty);
        struct stat st;
        assert_int_not_equal(stat(state, &st), 0);
        snprintf(none, sizeof none, "%s/no-such-library", work);
        o.library = none;
        assert_int_equal(r2r_match(p, &o, &sum), R2R_ERR_INPUT);
        print_message("  -> %s\n", r2r_last_error());
        assert_non_null(strstr(r2r_last_error(), "no such directory"));
        /* an output folder that cannot be made: said before any work too */
        snprintf(none, sizeof none, "%s/sub", p); /* p is a file */
        o.library = lib, o.out_dir = none;
        assert_int_equal(r2r_match(p, &o, &sum), R2R_ERR_IO);
        print_message("  -> %s\n", r2r_last_error());
        assert_non_null(strstr(r2r_last_error(), "is a file"));
    }
    /* an index rendered with other probes than this build's */
    print_message("bad input: %s\n", "an index made with other probes");
    {
        char db[8400];
        snprintf(db, sizeof db, "%s/.r2r/catalog.sqlite", lib);
        r2r_catalog *cat;
        assert_int_equal(r2r_catalog_open(db, &cat), R2R_OK);
        char *keep = NULL;
        assert_int_equal(r2r_catalog_get_setting(cat, "probe_fingerprint", &keep), R2R_OK);
        assert_non_null(keep);
        assert_int_equal(r2r_catalog_set_setting(cat, "probe_fingerprint", "0123abcd"), R2R_OK);
        r2r_match_options o = {0};
        o.library = lib, o.out_dir = out, o.isolation = 0;
        r2r_match_summary sum;
        assert_int_equal(r2r_match(p, &o, &sum), R2R_ERR_INPUT);
        print_message("  -> %s\n", r2r_last_error());
        assert_non_null(strstr(r2r_last_error(), "other probes"));
        assert_int_equal(r2r_catalog_set_setting(cat, "probe_fingerprint", keep), R2R_OK);
        free(keep);
        r2r_catalog_close(cat);
    }
    /* usage errors */
    print_message("bad input: %s\n", "usage errors");
    const char *a4[] = {"match", NULL};
    assert_int_equal(run_cli(NULL, 0, a4), 2);
    const char *a5[] = {"match", p, "--library", lib, "--isolation", "magic", NULL};
    assert_int_equal(run_cli(NULL, 0, a5), 2);
    const char *a6[] = {"match", p, "--library", lib, "--di-guitar", "banjo", NULL};
    assert_int_equal(run_cli(NULL, 0, a6), 2);
    /* too short */
    assert_int_equal(match_tone("a 0.5 s file", "short.wav", 48000, 0.5, 0.2, 1, lib, out, NULL, 0), 1);
    /* 10 minutes at 8 kHz, clipped, stereo: works, with warnings in the recipe */
    assert_int_equal(match_tone("10 min at 8 kHz, clipped, stereo", "long8k.wav", 8000, 600.0, 1.0, 2, lib, out, buf,
                                sizeof buf),
                     0);
    snprintf(p, sizeof p, "%s/recipe.json", out);
    cJSON *r = load_json(p);
    char *w = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "warnings"));
    print_message("warnings: %s\n", w);
    assert_non_null(strstr(w, "8000 Hz"));
    assert_non_null(strstr(w, "only the first"));
    assert_non_null(strstr(w, "clipped"));
    free(w);
    /* nothing above 0.45 x 8 kHz was compared */
    const cJSON *mh = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "reference"), "matched_hz");
    assert_float_equal(cJSON_GetArrayItem(mh, 1)->valuedouble, 3600.0, 1e-9);
    cJSON_Delete(r);
}

/* Malformed recipes: truncations, byte mutations and targeted damage → an error
 * naming the problem, never a crash. */
static void test_malformed_recipes(void **state)
{
    (void)state;
    char src[9000], p[8300], di[8300], outw[8300];
    snprintf(src, sizeof src, "%s/out1/recipe.json", work);
    snprintf(p, sizeof p, "%s/damaged.json", work);
    snprintf(di, sizeof di, "%s/ok.wav", work);
    snprintf(outw, sizeof outw, "%s/damaged.wav", work);
    size_t len;
    char *text = read_file(src, &len);
    if (!text) fail_msg("run test_match_end_to_end first");
    srand(77);
    int ok = 0, refused = 0;
    for (int it = 0; it < 120; it++) {
        char *m = malloc(len + 1);
        memcpy(m, text, len + 1);
        size_t n = len;
        if (it % 3 == 0) n = (size_t)rand() % len;
        else
            for (int j = 0; j < 1 + rand() % 6; j++) m[(size_t)rand() % len] = "0123456789-.e,:[]{}\"tfnul x"[rand() % 27];
        FILE *f = fopen(p, "wb");
        fwrite(m, 1, n, f);
        fclose(f);
        free(m);
        r2r_status s = r2r_recipe_render(p, "balanced", di, outw);
        if (s == R2R_OK) ok++;
        else {
            refused++;
            assert_true(strlen(r2r_last_error()) > 0);
        }
    }
    print_message("mutated recipes: %d rendered, %d refused with a message\n", ok, refused);
    assert_true(refused > 40);
    struct {
        const char *from, *to;
    } edits[] = {
        {"\"candidates\"", "\"kandidates\""},
        {"\"input_gain_db\"", "\"gain\""},
        {"\"lowshelf\"", "\"notch\""},
        {"\"freq_hz\"", "\"f\""},
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        char *at = strstr(text, edits[e].from);
        assert_non_null(at);
        FILE *f = fopen(p, "wb");
        fwrite(text, 1, (size_t)(at - text), f);
        fputs(edits[e].to, f);
        fputs(at + strlen(edits[e].from), f);
        fclose(f);
        assert_int_equal(r2r_recipe_render(p, "balanced", di, outw), R2R_ERR_INPUT);
        print_message("%-18s -> %s\n", edits[e].to, r2r_last_error());
    }
    free(text);
    assert_int_not_equal(r2r_recipe_render("/nonexistent/recipe.json", "balanced", di, outw), R2R_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_match_end_to_end, setup),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_malformed_recipes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
