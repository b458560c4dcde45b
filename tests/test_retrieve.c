/* Joint retrieval consistency: a reference made of the index's own probe through a
 * capture (at a grid gain) and an IR must come back as the best combination, with
 * a small spectral distance; a cabinet-less reference must rank "no IR" first. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r2r/amp.h"
#include "r2r/audio.h"
#include "r2r/dsp.h"
#include "r2r/features.h"
#include "r2r/index.h"
#include "r2r/ltas.h"
#include "r2r/nam.h"
#include "r2r/retrieve.h"
#include "r2r/synth.h"

static void test_self_consistency(void **state)
{
    (void)state;
    char lib[4200], cmd[20000], p[8400], probes[4200];
    snprintf(lib, sizeof lib, "%s", test_tmpdir("retrieve_lib"));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/* '%s'/.r2r && mkdir -p '%s/nam_models' '%s/cab_irs'", lib, lib, lib, lib);
    assert_int_equal(system(cmd), 0);
    const char *caps[] = {"dumble.nam", "jcm.nam", "example_wavenet.nam"}, *irs[] = {"mesa.wav", "celestion.wav"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "data/captures/%s", caps[i]);
        link_shared(lib, p, "nam_models", caps[i]);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "data/irs/%s", irs[i]);
        link_shared(lib, p, "cab_irs", irs[i]);
    }
    /* One probe: a second of power chord at the DI level convention. */
    snprintf(probes, sizeof probes, "%s", test_tmpdir("retrieve_probes"));
    float *x;
    size_t n;
    assert_int_equal(r2r_synth_probe(R2R_PROBE_POWER_CHORD, 48000, &x, &n), R2R_OK);
    n = 48000;
    float pk = r2r_peak(x, n), g = (float)(pow(10.0, R2R_DI_PEAK_DBFS / 20.0) / pk);
    for (size_t i = 0; i < n; i++) x[i] *= g;
    snprintf(p, sizeof p, "%s/chord.wav", probes);
    assert_int_equal(r2r_audio_write_wav(p, x, n, 1, 48000), R2R_OK);
    r2r_index_options opt = {0};
    opt.probes_dir = probes;
    r2r_index_report rep;
    assert_int_equal(r2r_index_build(lib, &opt, &rep), R2R_OK);
    assert_int_equal(rep.captures_indexed, 3);

    r2r_retrieval_db *db;
    assert_int_equal(r2r_retrieval_open(lib, &db), R2R_OK);
    /* one probe: no mixture, no band weights */
    for (int b = 0; b < R2R_LTAS_BANDS; b++) assert_float_equal(r2r_retrieval_band_weight(db, b), 1.0, 1e-12);
    assert_int_equal(r2r_retrieval_captures(db), 3);
    assert_int_equal(r2r_retrieval_irs(db), 2);
    /* Reference: the probe +6 dB through jcm, then the celestion IR. */
    float *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float)), *h;
    size_t hn;
    for (size_t i = 0; i < n; i++) x[i] *= 1.9952623f; /* +6 dB */
    snprintf(p, sizeof p, "%s/nam_models/jcm.nam", lib);
    r2r_nam *m;
    assert_int_equal(r2r_nam_load(p, 0, &m), R2R_OK);
    assert_int_equal(r2r_nam_render(m, x, y, n), R2R_OK);
    snprintf(p, sizeof p, "%s/cab_irs/celestion.wav", lib);
    assert_int_equal(r2r_ir_load(p, &h, &hn), R2R_OK);
    assert_int_equal(r2r_convolve(y, n, h, hn, z), R2R_OK);
    r2r_gain_apply(z, n, -7.0); /* level does not matter */
    float ref[R2R_LTAS_BANDS], feat[R2R_FEATURES_DIM];
    r2r_ltas_compute(z, n, ref);
    r2r_features *fx;
    assert_int_equal(r2r_features_create(&fx), R2R_OK);
    assert_int_equal(r2r_features_extract_raw(fx, z, n, feat), R2R_OK);
    r2r_combo top[8];
    size_t got;
    for (int mode = 0; mode < 2; mode++) {
        assert_int_equal(r2r_retrieval_rank(db, ref, mode ? feat : NULL, top, 8, &got), R2R_OK);
        assert_int_equal(got, 8);
        print_message("mode %d best: %s gain %+.0f dB, %s, %.3f dB\n", mode,
                      r2r_retrieval_capture_path(db, (size_t)top[0].capture),
                      r2r_retrieval_gain_db(db, top[0].gain),
                      top[0].ir < 2 ? r2r_retrieval_ir_path(db, (size_t)top[0].ir) : "no IR", top[0].distance_db);
        assert_string_equal(r2r_retrieval_capture_path(db, (size_t)top[0].capture), "nam_models/jcm.nam");
        assert_string_equal(r2r_retrieval_ir_path(db, (size_t)top[0].ir), "cab_irs/celestion.wav");
        /* The dynamics dims are measured on capture-only renders, and a cabinet moves
         * them a little (crest factor), so only the spectral mode pins the gain. */
        if (mode == 0) assert_float_equal(r2r_retrieval_gain_db(db, top[0].gain), 6.0, 0);
        /* ~0.7 dB: a convolution only approximately multiplies band powers */
        if (mode == 0) assert_true(top[0].distance_db < 1.0);
        for (size_t i = 1; i < got; i++) assert_true(top[i].distance_db >= top[i - 1].distance_db);
    }
    /* The gain prior adds gain_prior_db · (gain / 12 dB)² to every combination's
     * distance and nothing else: the reference at +6 dB is still found at +6 dB. */
    {
        const size_t all = 3 * R2R_INDEX_N_GAINS * 3;
        r2r_combo *a = malloc(all * sizeof *a), *b = malloc(all * sizeof *b);
        size_t na, nb;
        r2r_rank_options o0 = {.pair_rules = 1, .eq_invariant = 1, .source_mix = 1}, o1 = o0;
        o1.gain_prior_db = 0.5;
        assert_int_equal(r2r_retrieval_rank_ex(db, ref, NULL, &o0, a, all, &na), R2R_OK);
        assert_int_equal(r2r_retrieval_rank_ex(db, ref, NULL, &o1, b, all, &nb), R2R_OK);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++)
                if (a[i].capture == b[j].capture && a[i].gain == b[j].gain && a[i].ir == b[j].ir) {
                    const double g = r2r_retrieval_gain_db(db, a[i].gain) / 12.0;
                    assert_true(fabs(b[j].distance_db - a[i].distance_db - 0.5 * g * g) < 1e-9);
                }
        assert_float_equal(r2r_retrieval_gain_db(db, b[0].gain), 6.0, 0);
        free(a), free(b);
    }
    /* The reference in parts: each combination's distance is the RMS of its distances
     * on the parts (each ranked as a whole reference would be); 2 s parts, 1..6 of them. */
    {
        const size_t all = 3 * R2R_INDEX_N_GAINS * 3;
        r2r_combo *a = malloc(all * sizeof *a), *b = malloc(all * sizeof *b), *c = malloc(all * sizeof *c);
        float two[2 * R2R_LTAS_BANDS], amp_only[R2R_LTAS_BANDS];
        size_t na, nb, nc;
        const r2r_rank_options o = {.pair_rules = 1, .eq_invariant = 1, .source_mix = 1};
        r2r_ltas_compute(y, n, amp_only); /* jcm without its cabinet: another "part" */
        memcpy(two, ref, sizeof ref);
        memcpy(two + R2R_LTAS_BANDS, amp_only, sizeof amp_only);
        assert_int_equal(r2r_retrieval_rank_ex(db, ref, NULL, &o, a, all, &na), R2R_OK);
        assert_int_equal(r2r_retrieval_rank_ex(db, amp_only, NULL, &o, b, all, &nb), R2R_OK);
        assert_int_equal(r2r_retrieval_rank_parts(db, two, 2, NULL, &o, c, all, &nc), R2R_OK);
        assert_int_equal(na, nc);
        int checked = 0;
        for (size_t i = 0; i < nc; i++)
            for (size_t j = 0; j < na; j++)
                for (size_t k = 0; k < nb; k++)
                    if (c[i].capture == a[j].capture && c[i].gain == a[j].gain && c[i].ir == a[j].ir &&
                        c[i].capture == b[k].capture && c[i].gain == b[k].gain && c[i].ir == b[k].ir) {
                        const double rms = sqrt(0.5 * (a[j].distance_db * a[j].distance_db +
                                                       b[k].distance_db * b[k].distance_db));
                        assert_true(fabs(c[i].distance_db - rms) < 1e-9);
                        checked++;
                    }
        assert_int_equal(checked, (int)nc);
        assert_int_equal(r2r_retrieval_rank_parts(db, two, 0, NULL, &o, c, all, &nc), R2R_ERR_INPUT);
        assert_int_equal(r2r_retrieval_rank_parts(db, two, R2R_RANK_MAX_PARTS + 1, NULL, &o, c, all, &nc),
                         R2R_ERR_INPUT);
        assert_int_equal(r2r_retrieval_part_count(24000), 1);
        assert_int_equal(r2r_retrieval_part_count(6 * 48000), 3);
        assert_int_equal(r2r_retrieval_part_count(600 * 48000), R2R_RANK_MAX_PARTS);
        /* 5 s: two parts of 2.5 s, each the band power of its own stretch */
        float parts[R2R_RANK_MAX_PARTS * R2R_LTAS_BANDS], own[R2R_LTAS_BANDS];
        float *w = malloc(5 * n * sizeof(float));
        for (size_t k = 0; k < 5; k++)
            for (size_t i = 0; i < n; i++) w[k * n + i] = (k < 3 ? z[i] : y[i]) * (float)(k + 1);
        size_t np;
        assert_int_equal(r2r_retrieval_part_ltas(w, 5 * n, parts, &np), R2R_OK);
        assert_int_equal(np, 2);
        for (size_t q = 0; q < np; q++) {
            r2r_ltas_compute(w + q * (5 * n / 2), 5 * n / 2, own);
            for (int k = 0; k < R2R_LTAS_BANDS; k++)
                assert_float_equal(parts[q * R2R_LTAS_BANDS + k], own[k], 1e-6 * own[k] + 1e-20);
        }
        free(w), free(a), free(b), free(c);
    }
    /* A known source in place of the probes (r2r match with another take of the user's
     * DI): a lead line, not the probe, through every capture at every grid gain. The
     * reference made of it through jcm at +6 dB and the cabinet is found there, nearer
     * than the probes explain it; a capture whose renders failed (NaN) is left out. */
    {
        const size_t G = R2R_INDEX_N_GAINS, K = R2R_LTAS_BANDS, all = 3 * G * 3;
        float *lead, *srcl = malloc(3 * G * K * sizeof(float)), *u = malloc(n * sizeof(float));
        float *v = malloc(n * sizeof(float)), *vz = malloc(n * sizeof(float)), ref2[R2R_LTAS_BANDS];
        float *srcd = malloc(3 * G * R2R_DYNSIG_DIM * sizeof(float)), refd[R2R_DYNSIG_DIM];
        size_t ln;
        assert_int_equal(r2r_synth_probe(R2R_PROBE_LEAD_LINE, 48000, &lead, &ln), R2R_OK);
        assert_true(ln >= n);
        const float lg = (float)(pow(10.0, R2R_DI_PEAK_DBFS / 20.0) / r2r_peak(lead, n));
        int jcm = -1;
        for (size_t c = 0; c < 3; c++) {
            if (!strcmp(r2r_retrieval_capture_path(db, c), "nam_models/jcm.nam")) jcm = (int)c;
            snprintf(p, sizeof p, "%s/%s", lib, r2r_retrieval_capture_path(db, c));
            r2r_nam *mc;
            assert_int_equal(r2r_nam_load(p, 0, &mc), R2R_OK);
            for (size_t g = 0; g < G; g++) {
                for (size_t i = 0; i < n; i++) u[i] = lead[i] * lg;
                r2r_gain_apply(u, n, r2r_retrieval_gain_db(db, (int)g));
                assert_int_equal(r2r_nam_render(mc, u, v, n), R2R_OK);
                r2r_ltas_compute(v, n, srcl + (c * G + g) * K);
                assert_int_equal(r2r_ltas_dynamics(v, n, srcd + (c * G + g) * R2R_DYNSIG_DIM), R2R_OK);
                if (c == (size_t)jcm && r2r_retrieval_gain_db(db, (int)g) == 6.0) {
                    assert_int_equal(r2r_convolve(v, n, h, hn, vz), R2R_OK);
                    r2r_ltas_compute(vz, n, ref2);
                    assert_int_equal(r2r_ltas_dynamics(vz, n, refd), R2R_OK);
                }
            }
            r2r_nam_free(mc);
        }
        assert_true(jcm >= 0);
        r2r_combo *a = malloc(all * sizeof *a), *b = malloc(all * sizeof *b);
        size_t na, nb;
        const r2r_rank_options probes = {.pair_rules = 1, .eq_invariant = 1, .source_mix = 1};
        r2r_rank_options known = probes;
        known.source_ltas = srcl;
        assert_int_equal(r2r_retrieval_rank_ex(db, ref2, NULL, &known, a, all, &na), R2R_OK);
        assert_int_equal(r2r_retrieval_rank_ex(db, ref2, NULL, &probes, b, all, &nb), R2R_OK);
        assert_int_equal(na, all);
        print_message("known source: %s %+.0f dB %.3f dB\n", r2r_retrieval_capture_path(db, (size_t)a[0].capture),
                      r2r_retrieval_gain_db(db, a[0].gain), a[0].distance_db);
        assert_int_equal(a[0].capture, jcm);
        assert_string_equal(r2r_retrieval_ir_path(db, (size_t)a[0].ir), "cab_irs/celestion.wav");
        assert_float_equal(r2r_retrieval_gain_db(db, a[0].gain), 6.0, 0);
        assert_true(a[0].distance_db < 1.0); /* as above: the IR only approximately multiplies */
        for (size_t i = 0; i < nb; i++)
            if (b[i].capture == a[0].capture && b[i].gain == a[0].gain && b[i].ir == a[0].ir)
                assert_true(b[i].distance_db > a[0].distance_db + 0.1);
        /* With the renders' level spreads: each combination costs weight × the spread
         * distance of its (capture, gain) more, and the true one stays first (the
         * cabinet moves the spread of this lead line's amp render by a few dB: its
         * resonance and roll-off tilt octave bands whose content moves from note to note). */
        {
            r2r_rank_options spread = known;
            spread.source_dyn = srcd, spread.ref_dyn = refd, spread.dyn_weight = 0.5;
            r2r_combo *d = malloc(all * sizeof *d);
            size_t nd;
            assert_int_equal(r2r_retrieval_rank_ex(db, ref2, NULL, &spread, d, all, &nd), R2R_OK);
            assert_int_equal(nd, na);
            assert_int_equal(d[0].capture, jcm);
            assert_float_equal(r2r_retrieval_gain_db(db, d[0].gain), 6.0, 0);
            for (size_t i = 0; i < nd; i++)
                for (size_t q = 0; q < na; q++)
                    if (a[q].capture == d[i].capture && a[q].gain == d[i].gain && a[q].ir == d[i].ir) {
                        const double sp = r2r_retrieval_spread_distance(
                            srcd + ((size_t)d[i].capture * G + (size_t)d[i].gain) * R2R_DYNSIG_DIM, refd);
                        assert_true(isfinite(sp));
                        assert_float_equal(d[i].distance_db, a[q].distance_db + 0.5 * sp, 1e-9);
                    }
            print_message("level spread of jcm +6 dB through the cabinet against its render alone: %.3f dB\n",
                          r2r_retrieval_spread_distance(srcd + ((size_t)jcm * G + 3) * R2R_DYNSIG_DIM, refd));
            free(d);
            /* the distance itself: RMS over the bands both measured, NaN when none */
            float e1[R2R_DYNSIG_DIM], e2[R2R_DYNSIG_DIM];
            for (int q = 0; q < R2R_DYNSIG_DIM; q++) e1[q] = 5.0f, e2[q] = q < 2 ? 8.0f : q < 4 ? NAN : 5.0f;
            assert_float_equal(r2r_retrieval_spread_distance(e1, e2), sqrt(2.0 * 9.0 / (R2R_DYNSIG_DIM - 2)), 1e-6);
            for (int q = 0; q < R2R_DYNSIG_DIM; q++) e2[q] = NAN;
            assert_true(isnan(r2r_retrieval_spread_distance(e1, e2)));
            /* how far it is trusted, from the nearest chain's spread: fully when a chain
             * moves its level as the reference does, less and less as even the nearest is
             * further away, not at all when nothing was measured */
            assert_float_equal(r2r_retrieval_spread_trust(0.2), 1.0, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(R2R_SPREAD_FULL_DB), 1.0, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(0.5 * (R2R_SPREAD_FULL_DB + R2R_SPREAD_NONE_DB)), 0.5, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(R2R_SPREAD_NONE_DB), 0.0, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(6.0), 0.0, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(NAN), 0.0, 1e-12);
            assert_float_equal(r2r_retrieval_spread_trust(INFINITY), 0.0, 1e-12);
            assert_true(r2r_retrieval_spread_trust(0.9) > r2r_retrieval_spread_trust(1.2));
        }
        /* One render of the whole chain against the reference's parts: nothing from itself;
         * bands 90 or 120 dB down both sit at the floor, so they differ by nothing; an
         * audible change of the top octaves costs. */
        float dark9[R2R_LTAS_BANDS], dark12[R2R_LTAS_BANDS], lift[R2R_LTAS_BANDS];
        for (int q = 0; q < R2R_LTAS_BANDS; q++) {
            const int top = r2r_ltas_band_hz(q) > 6000.0;
            dark9[q] = ref2[q] * (top ? 1e-9f : 1.0f), dark12[q] = ref2[q] * (top ? 1e-12f : 1.0f);
            lift[q] = ref2[q] * (top ? 4.0f : 1.0f);
        }
        assert_float_equal(r2r_retrieval_source_distance(db, ref2, ref2, 1, 0.0), 0.0, 1e-9);
        const double dd = r2r_retrieval_source_distance(db, dark9, dark12, 1, 0.0);
        const double dl = r2r_retrieval_source_distance(db, lift, ref2, 1, 0.0);
        print_message("source distance: 90 vs 120 dB down %.4f dB, +6 dB over 6 kHz %.3f dB\n", dd, dl);
        assert_true(dd < 1e-3);
        assert_true(dl > 0.3);
        float two2[2 * R2R_LTAS_BANDS];
        memcpy(two2, ref2, sizeof ref2), memcpy(two2 + R2R_LTAS_BANDS, lift, sizeof lift);
        assert_float_equal(r2r_retrieval_source_distance(db, ref2, two2, 2, 0.0), dl / sqrt(2.0), 1e-3);
        assert_true(isnan(r2r_retrieval_source_distance(db, ref2, ref2, 0, 0.0)));
        for (size_t q = 0; q < G * K; q++) srcl[(size_t)jcm * G * K + q] = NAN;
        assert_int_equal(r2r_retrieval_rank_ex(db, ref2, NULL, &known, a, all, &na), R2R_OK);
        assert_int_equal(na, all - G * 3);
        for (size_t i = 0; i < na; i++) assert_true(a[i].capture != jcm && isfinite(a[i].distance_db));
        free(a), free(b), free(lead), free(srcl), free(srcd), free(u), free(v), free(vz);
    }
    /* A known amp spectrum (the same stretch through jcm alone) against the reference:
     * the IR that explains the difference, even under an EQ; a full rig takes none. */
    {
        float amp[R2R_LTAS_BANDS], eqd[R2R_LTAS_BANDS];
        r2r_ltas_compute(y, n, amp);
        double dist = -1;
        const int bi = r2r_retrieval_best_ir(db, amp, ref, 0.0, 0, &dist);
        print_message("best IR over the amp's own spectrum: %s (%.2f dB)\n",
                      bi < 2 ? r2r_retrieval_ir_path(db, (size_t)bi) : "no IR", dist);
        assert_string_equal(r2r_retrieval_ir_path(db, (size_t)bi), "cab_irs/celestion.wav");
        assert_true(dist >= 0 && dist < 1.0);
        r2r_eq eq;
        r2r_eq_flat(&eq);
        eq.band[1].gain_db = 2.0, eq.band[4].gain_db = -2.0;
        r2r_eq_runner run;
        r2r_eq_runner_init(&run, &eq, 48000);
        memcpy(y + 0, z, n * sizeof(float)); /* y is rendered again below */
        r2r_eq_runner_process(&run, y, n);
        r2r_ltas_compute(y, n, eqd);
        assert_string_equal(r2r_retrieval_ir_path(db, (size_t)r2r_retrieval_best_ir(db, amp, eqd, 0.0, 0, NULL)),
                            "cab_irs/celestion.wav");
        /* the EQ the source model attributes to that difference: the two bands, shrunk by
         * the estimate's prior on the EQ (to about 40 % here), and less elsewhere */
        double gz[R2R_EQ_BANDS];
        assert_int_equal(r2r_retrieval_eq_estimate(db, ref, eqd, 0.0, gz), 0);
        print_message("EQ estimate: %.2f %.2f %.2f %.2f %.2f %.2f dB\n", gz[0], gz[1], gz[2], gz[3], gz[4], gz[5]);
        assert_true(gz[1] > 0.5 && gz[1] < 2.0 && gz[4] < -0.5 && gz[4] > -2.0);
        for (int j = 0; j < R2R_EQ_BANDS; j++)
            if (j != 1 && j != 4) assert_true(fabs(gz[j]) < 0.6 * fmin(gz[1], -gz[4]));
        assert_int_equal(r2r_retrieval_best_ir(db, amp, ref, 0.0, 1, NULL), 2);
        assert_int_equal(r2r_nam_render(m, x, y, n), R2R_OK);
    }
    /* The source as a mixture of probes: a "performance" that is 80 % chords and 20 %
     * high single notes (band powers mixed by time share) through jcm and the cabinet.
     * The fit finds those shares (the prior pulls them a little toward even) and
     * explains the reference better than the even mean does. */
    {
        const r2r_probe_kind kinds[2] = {R2R_PROBE_POWER_CHORD, R2R_PROBE_HIGH_E_SUSTAIN};
        float each[2 * R2R_LTAS_BANDS], mixed[R2R_LTAS_BANDS], even[R2R_LTAS_BANDS];
        for (int k = 0; k < 2; k++) {
            float *px, *py = malloc(48000 * sizeof(float)), *pz = malloc(48000 * sizeof(float));
            size_t pn;
            assert_int_equal(r2r_synth_probe(kinds[k], 48000, &px, &pn), R2R_OK);
            assert_int_equal(r2r_nam_render(m, px, py, 48000), R2R_OK);
            assert_int_equal(r2r_convolve(py, 48000, h, hn, pz), R2R_OK);
            r2r_ltas_compute(pz, 48000, each + k * R2R_LTAS_BANDS);
            free(px), free(py), free(pz);
        }
        for (int share = 0; share < 2; share++) {
            const double a = share ? 0.2 : 0.8;
            for (int b = 0; b < R2R_LTAS_BANDS; b++) {
                mixed[b] = (float)(3.0 * (a * each[b] + (1 - a) * each[R2R_LTAS_BANDS + b]));
                even[b] = 0.5f * (each[b] + each[R2R_LTAS_BANDS + b]);
            }
            double w[2];
            const double dm = r2r_retrieval_mix_fit(db, each, 2, mixed, 0.0, w);
            const double de = r2r_retrieval_shape_distance(db, even, mixed, 0.0);
            print_message("mixture %.1f/%.1f: fitted %.2f/%.2f, %.2f dB (even mean %.2f dB)\n", a, 1 - a, w[0], w[1], dm,
                          de);
            assert_float_equal(w[0] + w[1], 1.0, 1e-9);
            assert_true(fabs(w[0] - a) < 0.15);
            assert_true(dm < 0.5 * de);
        }
        double w1;
        assert_true(isnan(r2r_retrieval_mix_fit(db, each, 1, mixed, 0.0, &w1)) || fabs(w1 - 1.0) < 1e-9);
        assert_float_equal(r2r_retrieval_shape_distance(db, mixed, mixed, 0.0), 0.0, 1e-6);
        /* over parts: the RMS of each part's own fit */
        float two[2 * R2R_LTAS_BANDS];
        memcpy(two, mixed, sizeof mixed);
        memcpy(two + R2R_LTAS_BANDS, each + R2R_LTAS_BANDS, sizeof mixed);
        double w2[2];
        const double d0 = r2r_retrieval_mix_fit(db, each, 2, two, 0.0, w2);
        const double d1 = r2r_retrieval_mix_fit(db, each, 2, two + R2R_LTAS_BANDS, 0.0, w2);
        assert_float_equal(r2r_retrieval_mix_fit_parts(db, each, 2, two, 2, 0.0), sqrt(0.5 * (d0 * d0 + d1 * d1)),
                           1e-12);
        assert_true(isnan(r2r_retrieval_mix_fit_parts(db, each, 2, two, 0, 0.0)));
        assert_true(isnan(r2r_retrieval_mix_fit_parts(db, each, 1, two, 2, 0.0)));
    }
    /* Without a cabinet: "no IR" wins. */
    r2r_ltas_compute(y, n, ref);
    assert_int_equal(r2r_retrieval_rank(db, ref, NULL, top, 8, &got), R2R_OK);
    assert_int_equal(top[0].ir, 2);
    assert_null(r2r_retrieval_ir_path(db, 2));
    r2r_features_destroy(fx);
    r2r_retrieval_close(db);
    r2r_nam_free(m);
    free(x), free(y), free(z), free(h);
    /* An empty library is a clear error. */
    snprintf(p, sizeof p, "%s", test_tmpdir("retrieve_empty"));
    assert_int_equal(r2r_retrieval_open(p, &db), R2R_ERR_INPUT);
}

/* Full rig and pedal from metadata or names: the community captures' own file names (an
 * amp's "OD2" channel is no overdrive pedal, an MXR is), and gear_type over any name. */
static void test_capture_kind(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int cab, pedal;
    } cases[] = {
        {"Peter N HM-2_SWEDE_Lite_ESR-0.0057.nam", 0, 1},
        {"Phillipe P BOSS-SD1-Feather-ESR0,001.nam", 0, 1},
        {"Phillipe P Maxon-OD808-Feather-ESR0,001.nam", 0, 1},
        {"Tudor N Demonfx Dual Boost - Xotic EP boost side Knob@5_SW1@down_SW2@down ESR_0.0013_lite.nam", 0, 1},
        {"Tudor N Ibanez Tube Screamer Mini Tone@5_Level@5_Overdrive@5 ESR_0.0005_lite.nam", 0, 1},
        {"Tudor N MXR M77 Custom Badass Modified OD Tone@5_Output@10_Gain@0_100HZ@2_Bump@off ESR_0.0018_lite.nam", 0, 1},
        {"Phillipe P Bugera6262-Lead-NoDrive-Cab-ESR0,009.nam", 1, 0},
        {"Phillipe P JVM-OD2-RD-NoDrive-Cab-ESR0,006.nam", 1, 0},
        {"Tim R Splawn Pro Mod G10 Gear 2 OD2.nam", 0, 0},
        {"Tim R JCM2000 Crunch.nam", 0, 0},
        {"Helga B 5150 BlockLetter - NoBoost.nam", 0, 0}, /* whole words only */
        {"Tudor N [Suhr RL] Poweramp_Dep@8_Gir@5_Pres@8_Mas@5 ESR_0.0128_normalized-6dB.nam", 0, 0},
        {"Generated WaveNet Model", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int cab = -1, pedal = -1;
        char path[600];
        snprintf(path, sizeof path, "nam_models/%s", cases[i].name);
        const char *why = r2r_capture_kind(NULL, NULL, path, &cab, &pedal);
        if (cab != cases[i].cab || pedal != cases[i].pedal)
            fail_msg("%s: cabinet %d pedal %d, expected %d %d", cases[i].name, cab, pedal, cases[i].cab, cases[i].pedal);
        if (cab) assert_string_equal(why, "name");
    }
    int cab, pedal;
    /* the metadata's gear_type wins over the name, at the top or under "nam" */
    assert_null(r2r_capture_kind("{\"nam\":{\"gear_type\":\"amp\"}}", "MXR boost", "x.nam", &cab, &pedal));
    assert_int_equal(cab + pedal, 0);
    assert_string_equal(r2r_capture_kind("{\"gear_type\":\"amp_cab\"}", "plain", "x.nam", &cab, &pedal), "metadata");
    assert_int_equal(cab, 1);
    r2r_capture_kind("{\"library\":{\"gear_type\":\"pedal\"}}", "Plexi", NULL, &cab, &pedal);
    assert_int_equal(pedal, 1);
    /* unreadable metadata: the name decides */
    r2r_capture_kind("{not json", "JHS Morning Glory", NULL, &cab, &pedal);
    assert_int_equal(pedal, 1);
}

/* A fresh library `name` (its folder in lib) of the shared captures caps (no IRs),
 * indexed with the built-in probes, and opened. */
static r2r_retrieval_db *captures_library(const char *name, const char *const *caps, int n, char *lib, size_t len)
{
    char cmd[20000];
    snprintf(lib, len, "%s", test_tmpdir(name));
    snprintf(cmd, sizeof cmd, "rm -rf '%s'/* '%s'/.r2r && mkdir -p '%s/nam_models'", lib, lib, lib);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < n; i++) {
        snprintf(cmd, sizeof cmd, "data/captures/%s", caps[i]);
        link_shared(lib, cmd, "nam_models", caps[i]);
    }
    r2r_index_report rep;
    assert_int_equal(r2r_index_build(lib, NULL, &rep), R2R_OK);
    assert_int_equal(rep.captures_indexed, n);
    r2r_retrieval_db *db;
    assert_int_equal(r2r_retrieval_open(lib, &db), R2R_OK);
    return db;
}

/* The source model's band weights, on a library indexed with the built-in probes: where
 * the notes played shape the spectrum (the low harmonics) the probes' mixture misses
 * more than where the rig does (the upper mids and treble), so the low bands weigh less;
 * the weights average 1 over the scored bands (R2R_RETRIEVAL_FMIN_HZ to _FMAX_HZ). */
static void test_source_weights(void **state)
{
    (void)state;
    const char *caps[] = {"dumble.nam", "jcm.nam"};
    char lib[4200];
    r2r_retrieval_db *db = captures_library("retrieve_weights", caps, 2, lib, sizeof lib);
    double all = 0, low = 0, high = 0;
    int n = 0, nl = 0, nh = 0;
    for (int b = 0; b < R2R_LTAS_BANDS; b++) {
        const double hz = r2r_ltas_band_hz(b), w = r2r_retrieval_band_weight(db, b);
        if (hz < R2R_RETRIEVAL_FMIN_HZ || hz > R2R_RETRIEVAL_FMAX_HZ) continue;
        assert_true(w > 0.0);
        all += w, n++;
        if (hz < 400.0) low += w, nl++;
        if (hz > 2000.0 && hz < 6000.0) high += w, nh++;
    }
    print_message("band weights: mean %.3f, 80-400 Hz %.3f, 2-6 kHz %.3f\n", all / n, low / nl, high / nh);
    assert_float_equal(all / n, 1.0, 1e-6);
    assert_true(low / nl < 0.8 * (high / nh));
    r2r_retrieval_close(db);
}

/* The shortlist: with one capture fitted, that capture's combinations are scored as
 * with every capture fitted, the others keep the even mixture of the probes' distance,
 * never below their fitted one, and the first combination is the same. A real DI
 * through jcm.nam, the index's own probes (a mixture needs several). */
static void test_shortlist(void **state)
{
    (void)state;
    const char *caps[] = {"dumble.nam", "jcm.nam", "example_lstm.nam"};
    char lib[4200], cmd[4300];
    r2r_retrieval_db *db = captures_library("retrieve_shortlist", caps, 3, lib, sizeof lib);
    r2r_audio di;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &di), R2R_OK);
    const size_t n = 3 * 48000;
    assert_true(di.frames >= 48000 + n);
    float *y = malloc(n * sizeof(float)), ref[R2R_LTAS_BANDS];
    r2r_amp *amp;
    snprintf(cmd, sizeof cmd, "%s/nam_models/jcm.nam", lib);
    assert_int_equal(r2r_amp_open(cmd, &amp), R2R_OK);
    assert_int_equal(r2r_amp_render(amp, di.data + 48000, y, n), R2R_OK);
    assert_int_equal(r2r_ltas_compute(y, n, ref), R2R_OK);
    const size_t all = 3 * R2R_INDEX_N_GAINS;
    r2r_combo *a = malloc(all * sizeof *a), *b = malloc(all * sizeof *b);
    size_t na, nb;
    r2r_rank_options every = {.pair_rules = 1, .eq_invariant = 1, .source_mix = 1, .shortlist = 3}, one = every;
    one.shortlist = 1;
    assert_int_equal(r2r_retrieval_rank_ex(db, ref, NULL, &every, a, all, &na), R2R_OK);
    assert_int_equal(r2r_retrieval_rank_ex(db, ref, NULL, &one, b, all, &nb), R2R_OK);
    assert_int_equal(na, all);
    assert_int_equal(nb, all);
    assert_string_equal(r2r_retrieval_capture_path(db, (size_t)a[0].capture), "nam_models/jcm.nam");
    assert_int_equal(b[0].capture, a[0].capture);
    assert_int_equal(b[0].gain, a[0].gain);
    int same = 0, above = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i].capture == b[j].capture && a[i].gain == b[j].gain && a[i].ir == b[j].ir) {
                assert_true(b[j].distance_db >= a[i].distance_db - 1e-9);
                if (a[i].capture == a[0].capture) assert_true(fabs(b[j].distance_db - a[i].distance_db) < 1e-9);
                same += a[i].capture == a[0].capture;
                above += b[j].distance_db > a[i].distance_db + 1e-6;
            }
    assert_int_equal(same, R2R_INDEX_N_GAINS);
    assert_true(above > 0); /* the other two were not fitted */
    free(a), free(b), free(y);
    r2r_amp_free(amp);
    r2r_audio_free(&di);
    r2r_retrieval_close(db);
}

/* Another take: the probes' share of the ranking, and the blend of the two rankings. */
static void test_probe_share(void **state)
{
    (void)state;
    assert_float_equal(r2r_retrieval_probe_share(1.0, 1.0), 0.5, 1e-12);
    assert_float_equal(r2r_retrieval_probe_share(0.0, 0.0), 0.5, 1e-12);
    assert_float_equal(r2r_retrieval_probe_share(2.0, 1.0), 16.0 / 17.0, 1e-12); /* the take explains it worse */
    assert_float_equal(r2r_retrieval_probe_share(1.0, 2.0), 1.0 / 17.0, 1e-12);
    assert_float_equal(r2r_retrieval_probe_share(NAN, 1.0), 1.0, 1e-12); /* no ranking with the take */
    assert_float_equal(r2r_retrieval_probe_share(1.0, INFINITY), 0.0, 1e-12);
    assert_true(r2r_retrieval_probe_share(1.2, 1.0) < r2r_retrieval_probe_share(1.4, 1.0));
    /* a ranking with the take: capture 0 first, capture 1 twice, capture 2 unknown to the probes */
    r2r_combo all[4] = {{.capture = 0, .distance_db = 1.0},
                        {.capture = 1, .distance_db = 1.2},
                        {.capture = 1, .distance_db = 1.3},
                        {.capture = 2, .distance_db = 1.6}};
    const double probe_best[3] = {2.0, 1.0, NAN};
    double best[4];
    r2r_retrieval_capture_best(all, 4, 4, best);
    assert_float_equal(best[0], 1.0, 1e-12);
    assert_float_equal(best[1], 1.2, 1e-12);
    assert_float_equal(best[2], 1.6, 1e-12);
    assert_true(isnan(best[3])); /* not in the ranking */
    r2r_retrieval_blend(all, 4, probe_best, 3, 0.0); /* no share: as it was */
    assert_int_equal(all[0].capture, 0);
    assert_float_equal(all[0].distance_db, 1.0, 1e-12);
    r2r_retrieval_blend(all, 4, probe_best, 3, 0.5); /* half: capture 1 leads, capture 2 keeps its own */
    const int order[4] = {1, 1, 0, 2};
    const double dist[4] = {1.1, 1.15, 1.5, 1.6};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(all[k].capture, order[k]);
        assert_float_equal(all[k].distance_db, dist[k], 1e-12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_self_consistency), cmocka_unit_test(test_source_weights),
                                       cmocka_unit_test(test_shortlist), cmocka_unit_test(test_capture_kind),
                                       cmocka_unit_test(test_probe_share)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
