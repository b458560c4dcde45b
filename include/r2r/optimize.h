/* Box-constrained minimizers for the matcher: coordinate descent (the seed's method)
 * and CMA-ES (the stronger option), over any smooth or noisy objective. */
#ifndef R2R_OPTIMIZE_H
#define R2R_OPTIMIZE_H

#include <stdint.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef double (*r2r_objective)(const double *x, void *user);

typedef struct {
    int dim;
    const double *lo, *hi; /* bounds (dim each) */
    const double *x0;      /* start (dim), clamped into the box; NULL = box centre */
    double sigma0;         /* CMA-ES initial step as a fraction of each range (e.g. 0.3) */
    int max_evals;         /* budget of objective calls */
    uint64_t seed;         /* CMA-ES sampling seed: same seed, same result */
} r2r_opt_problem;

typedef struct {
    double f;   /* best objective value */
    int evals;  /* objective calls used */
} r2r_opt_result;

/* Cyclic coordinate descent with a shrinking step (golden-ratio line probes). */
r2r_status r2r_optimize_coord(const r2r_opt_problem *p, r2r_objective f, void *user, double *x,
                              r2r_opt_result *res);

/* (mu/mu_w, lambda)-CMA-ES (Hansen's tutorial defaults) in the box scaled to [0,1],
 * out-of-box samples are clamped and penalized by their distance. */
r2r_status r2r_optimize_cmaes(const r2r_opt_problem *p, r2r_objective f, void *user, double *x,
                              r2r_opt_result *res);

#ifdef __cplusplus
}
#endif
#endif
