/* Fitting the 6-band EQ to a spectral difference, analytically (never by rendering):
 * the seed's loss (spectral distance + EQ penalty + flavor constraint) minimized by
 * coordinate descent or CMA-ES over gains, frequencies and Qs within the seed's ranges. */
#ifndef R2R_EQFIT_H
#define R2R_EQFIT_H

#include <stddef.h>

#include "r2r/dsp.h"
#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { R2R_FLAVOR_BALANCED, R2R_FLAVOR_BRIGHTER, R2R_FLAVOR_THICKER, R2R_FLAVOR_COUNT } r2r_flavor;
typedef enum { R2R_OPT_COORD, R2R_OPT_CMAES } r2r_optimizer;

const char *r2r_flavor_name(r2r_flavor f);

typedef struct {
    double spectral_db;  /* RMS over the bands of (target − EQ) after the level offset */
    double eq_penalty;   /* Σ|band gain| / 50, the seed's preference for subtle moves */
    double flavor;       /* flavor constraint penalty (0 when met) */
    double total;
    int evals;
} r2r_eqfit_loss;

/* target_db[i] at freq_hz[i]: how much louder the reference is than the candidate in
 * band i (any offset; the level is matched separately). Fills `eq` (flat HP/LP). */
r2r_status r2r_eq_fit(const double *freq_hz, const double *target_db, size_t n, r2r_flavor flavor,
                      r2r_optimizer opt, unsigned seed, r2r_eq *eq, r2r_eqfit_loss *loss);

#ifdef __cplusplus
}
#endif
#endif
