/* Helpers shared by the benchmark programs: wall clock, peak RSS, medians. */
#ifndef R2R_BENCHUTIL_H
#define R2R_BENCHUTIL_H

#include <stddef.h>

#include "r2r/dsp.h"

double bench_now(void);             /* monotonic seconds */
double bench_peak_rss_mib(void);    /* peak resident set of this process */
double bench_median(double *v, size_t n); /* sorts v */
double bench_rms(const float *x, size_t n);
const char *bench_shared(const char *rel); /* path under R2R_SHARED_DIR (static buffer) */

/* A library of the whole dev set (captures, community captures, IRs) as symlinks in a
 * fresh folder under /tmp (name written to `dir`, at least 64 bytes), indexed; 0 on success.
 * With R2R_BENCH_LIB=DIR the library is DIR, built there once and reused; with
 * R2R_BENCH_COPIES=K (when it is built) K files of every capture, each a capture of its own. */
int bench_dev_library(char *dir, size_t n);
/* Removes it, unless it is the kept R2R_BENCH_LIB. */
void bench_remove_dev_library(const char *dir);
void bench_remove_tree(const char *dir);

/* n samples of a DI under R2R_SHARED_DIR (from offset_s on, looped), brought to the DI
 * level (peak R2R_DI_PEAK_DBFS) + gain_db, through a capture and, if ir_rel is not NULL,
 * a cabinet IR (paths under R2R_SHARED_DIR) into out; 0 on success, else r2r_last_error(). */
int bench_render_rig(const char *di_rel, double offset_s, const char *cap_rel, const char *ir_rel, double gain_db,
                     float *out, size_t n);

/* The other instruments of a band mix (isolate_eval, match_eval): the bass track (n
 * samples, e.g. bass DI through ampeg.nam) and synthesized drums, each at unit RMS, the
 * drums at 0.8. room = 0: both centred, the same in left and right. room = 1: as a
 * stereo recording — the kit through two overheads (the kick and the snare's body in
 * both, the noise of the snare and hats different in each) and a room reverb different
 * in each channel at -10 dB; nothing cancels exactly between the channels. 0 on success. */
int bench_band(const float *bass, size_t n, int room, float *left, float *right);

/* The evaluation protocol of DESIGN.md (match_eval, rank_eval): the DIs and cabinets
 * the references are made with — R2R_EVAL_DIS / R2R_EVAL_CABS (comma lists) replace
 * them for held-out runs (other DIs of shared/data/di; IRs in the library's cab_irs). */
typedef struct {
    const char *dis[8], *cabs[8];
    size_t ndis, ncabs;
} bench_protocol;
void bench_protocol_init(bench_protocol *p);
/* A reference's random draw (advances *seed): input gain in ±9 dB, a cabinet index,
 * a ±2 dB 6-band EQ. */
void bench_protocol_draw(const bench_protocol *p, unsigned *seed, double *gain_db, int *cab, r2r_eq *eq);
/* The DI excerpt of a reference: n samples of data/di/<di>.wav from from_s on (the
 * protocol: 1 s), its peak at the DI level; 0 on success, -1 when the DI is missing or
 * too short. */
int bench_protocol_excerpt(const char *di, double from_s, float *x, size_t n);
/* Another take of the same guitar (R2R_EVAL_ONLY=take): data/di/<di>.wav (48 kHz mono)
 * from BENCH_TAKE_FROM_S on, at most BENCH_TAKE_MAX_S, as it is (no level change); the
 * reference's excerpt plays 1-7 s. *x is malloc'd; 0 on success, -1 when the DI is
 * missing or leaves under a second. (The shortest DI, jazz_hop, leaves 5.2 s.) */
#define BENCH_TAKE_FROM_S 7.0
#define BENCH_TAKE_MAX_S 6.0
int bench_protocol_take(const char *di, float **x, size_t *n);
/* Which DI plays the take for the reference made from DI d: d itself, or with
 * R2R_EVAL_TAKE=other the next one of the list (another guitar and player); -1 (said on
 * stderr) when R2R_EVAL_TAKE is neither "same" nor "other". */
long bench_take_di(const bench_protocol *p, size_t d);
double bench_urand(unsigned *s); /* uniform in [0, 1), a small LCG */

/* A whole JSON file, parsed (NULL when missing or malformed; cJSON_Delete it). */
struct cJSON *bench_read_json(const char *path);

#endif
