/* Coordinate descent and CMA-ES over a box. CMA-ES follows Hansen's "The CMA Evolution
 * Strategy: A Tutorial" defaults; the covariance is diagonalized with LAPACKE (dsyev). */
#include "r2r/optimize.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIM 64

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static int check(const r2r_opt_problem *p)
{
    if (p->dim < 1 || p->dim > MAX_DIM || !p->lo || !p->hi || p->max_evals < 1) return 0;
    for (int i = 0; i < p->dim; i++)
        if (!(p->hi[i] >= p->lo[i])) return 0;
    return 1;
}

r2r_status r2r_optimize_coord(const r2r_opt_problem *p, r2r_objective f, void *user, double *x,
                              r2r_opt_result *res)
{
    if (!check(p)) return r2r_fail(R2R_ERR_INPUT, "optimize: invalid problem");
    const int d = p->dim;
    for (int i = 0; i < d; i++)
        x[i] = clampd(p->x0 ? p->x0[i] : 0.5 * (p->lo[i] + p->hi[i]), p->lo[i], p->hi[i]);
    double best = f(x, user);
    int evals = 1;
    double step[MAX_DIM];
    for (int i = 0; i < d; i++) step[i] = 0.25 * (p->hi[i] - p->lo[i]);
    /* Each sweep tries ±step on every coordinate, keeps improvements (and tries a
     * doubled step in the same direction), and halves steps that failed. */
    while (evals < p->max_evals) {
        int improved = 0;
        for (int i = 0; i < d && evals < p->max_evals; i++) {
            if (step[i] <= 1e-6 * (p->hi[i] - p->lo[i])) continue;
            double keep = x[i];
            int moved = 0;
            for (int dir = -1; dir <= 1 && evals < p->max_evals; dir += 2) {
                double cand = clampd(keep + dir * step[i], p->lo[i], p->hi[i]);
                if (cand == keep) continue;
                x[i] = cand;
                double v = f(x, user);
                evals++;
                if (v < best) {
                    best = v;
                    moved = 1;
                    double further = clampd(keep + 2 * dir * step[i], p->lo[i], p->hi[i]);
                    if (further != cand && evals < p->max_evals) {
                        x[i] = further;
                        double v2 = f(x, user);
                        evals++;
                        if (v2 < best) best = v2;
                        else x[i] = cand;
                    }
                    break;
                }
                x[i] = keep;
            }
            if (moved) improved = 1;
            else step[i] *= 0.5;
        }
        int alive = 0;
        for (int i = 0; i < d; i++) alive |= step[i] > 1e-6 * (p->hi[i] - p->lo[i]);
        if (!alive) break;
        (void)improved;
    }
    if (res) {
        res->f = best;
        res->evals = evals;
    }
    return R2R_OK;
}

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double gauss(uint64_t *s)
{
    double u1 = ((next_u64(s) >> 11) + 0.5) * 0x1.0p-53, u2 = (next_u64(s) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

r2r_status r2r_optimize_cmaes(const r2r_opt_problem *p, r2r_objective f, void *user, double *x,
                              r2r_opt_result *res)
{
    if (!check(p)) return r2r_fail(R2R_ERR_INPUT, "optimize: invalid problem");
    const int n = p->dim;
    const int lambda = 4 + (int)floor(3.0 * log((double)n));
    const int mu = lambda / 2;
    double w[64], wsum = 0, w2 = 0;
    for (int i = 0; i < mu; i++) {
        w[i] = log(mu + 0.5) - log(i + 1.0);
        wsum += w[i];
    }
    for (int i = 0; i < mu; i++) {
        w[i] /= wsum;
        w2 += w[i] * w[i];
    }
    const double mueff = 1.0 / w2;
    const double cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
    const double cs = (mueff + 2) / (n + mueff + 5);
    const double c1 = 2 / ((n + 1.3) * (n + 1.3) + mueff);
    const double cmu = fmin(1 - c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + mueff));
    const double damps = 1 + 2 * fmax(0, sqrt((mueff - 1) / (n + 1)) - 1) + cs;
    const double chin = sqrt((double)n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));

    double *C = calloc((size_t)n * n, sizeof(double)), *B = calloc((size_t)n * n, sizeof(double));
    double *arz = calloc((size_t)lambda * n, sizeof(double)), *arx = calloc((size_t)lambda * n, sizeof(double));
    double *fit = calloc((size_t)lambda, sizeof(double));
    int *idx = calloc((size_t)lambda, sizeof(int));
    if (!C || !B || !arz || !arx || !fit || !idx) {
        free(C), free(B), free(arz), free(arx), free(fit), free(idx);
        return r2r_fail(R2R_ERR_NOMEM, "optimize: out of memory");
    }
    double m[MAX_DIM], D[MAX_DIM], pc[MAX_DIM] = {0}, ps[MAX_DIM] = {0}, xb[MAX_DIM], tmp[MAX_DIM];
    /* Work in the unit box: u = (x - lo) / (hi - lo). */
    for (int i = 0; i < n; i++) {
        double span = p->hi[i] - p->lo[i];
        double x0 = p->x0 ? p->x0[i] : 0.5 * (p->lo[i] + p->hi[i]);
        m[i] = span > 0 ? clampd((x0 - p->lo[i]) / span, 0, 1) : 0.5;
        D[i] = 1;
        B[i * n + i] = 1;
        C[i * n + i] = 1;
    }
    double sigma = p->sigma0 > 0 ? p->sigma0 : 0.3;
    uint64_t rng = p->seed ^ 0xC3A5C85C97CB3127ull;
    double best = INFINITY;
    int evals = 0, gen = 0, eigen_gen = 0;
    while (evals + lambda <= p->max_evals || evals == 0) {
        for (int k = 0; k < lambda; k++) {
            double *z = arz + (size_t)k * n, *xs = arx + (size_t)k * n;
            for (int i = 0; i < n; i++) z[i] = gauss(&rng);
            double pen = 0;
            for (int i = 0; i < n; i++) {
                double y = 0;
                for (int j = 0; j < n; j++) y += B[i * n + j] * D[j] * z[j];
                xs[i] = m[i] + sigma * y;
                double cl = clampd(xs[i], 0, 1);
                pen += (xs[i] - cl) * (xs[i] - cl);
                tmp[i] = p->lo[i] + cl * (p->hi[i] - p->lo[i]);
            }
            double v = f(tmp, user);
            evals++;
            if (v < best) {
                best = v;
                memcpy(xb, tmp, n * sizeof(double));
            }
            fit[k] = v + pen * (1.0 + fabs(v)); /* a clamped sample ranks behind its twin */
            idx[k] = k;
        }
        for (int a = 1; a < lambda; a++) { /* rank by fitness (insertion sort, tiny λ) */
            int t = idx[a], b = a;
            while (b > 0 && fit[idx[b - 1]] > fit[t]) {
                idx[b] = idx[b - 1];
                b--;
            }
            idx[b] = t;
        }
        double mold[MAX_DIM], zmean[MAX_DIM] = {0};
        memcpy(mold, m, n * sizeof(double));
        for (int i = 0; i < n; i++) {
            m[i] = 0;
            for (int k = 0; k < mu; k++) {
                m[i] += w[k] * arx[(size_t)idx[k] * n + i];
                zmean[i] += w[k] * arz[(size_t)idx[k] * n + i];
            }
        }
        /* ps ← (1-cs) ps + sqrt(cs(2-cs)mueff) B zmean */
        double psn = 0;
        for (int i = 0; i < n; i++) {
            double bz = 0;
            for (int j = 0; j < n; j++) bz += B[i * n + j] * zmean[j];
            ps[i] = (1 - cs) * ps[i] + sqrt(cs * (2 - cs) * mueff) * bz;
            psn += ps[i] * ps[i];
        }
        psn = sqrt(psn);
        gen++;
        int hsig = psn / sqrt(1 - pow(1 - cs, 2.0 * gen)) / chin < 1.4 + 2.0 / (n + 1);
        for (int i = 0; i < n; i++)
            pc[i] = (1 - cc) * pc[i] + hsig * sqrt(cc * (2 - cc) * mueff) * (m[i] - mold[i]) / sigma;
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) {
                double rank_mu = 0;
                for (int k = 0; k < mu; k++) {
                    const double *xs = arx + (size_t)idx[k] * n;
                    rank_mu += w[k] * (xs[i] - mold[i]) * (xs[j] - mold[j]) / (sigma * sigma);
                }
                double v = (1 - c1 - cmu) * C[i * n + j] +
                           c1 * (pc[i] * pc[j] + (1 - hsig) * cc * (2 - cc) * C[i * n + j]) +
                           cmu * rank_mu;
                C[i * n + j] = C[j * n + i] = v;
            }
        sigma *= exp((cs / damps) * (psn / chin - 1));
        if (sigma > 1.0) sigma = 1.0;
        /* Re-diagonalize every few generations, as the tutorial suggests (O(n³)). */
        if (gen - eigen_gen > lambda / (c1 + cmu) / n / 10) {
            eigen_gen = gen;
            memcpy(B, C, (size_t)n * n * sizeof(double));
            if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', n, B, n, D) != 0) break;
            for (int i = 0; i < n; i++) D[i] = sqrt(fmax(D[i], 1e-20));
        }
        double maxd = 0;
        for (int i = 0; i < n; i++) maxd = fmax(maxd, D[i]);
        if (sigma * maxd < 1e-7) break; /* converged in the unit box */
    }
    memcpy(x, xb, n * sizeof(double));
    if (res) {
        res->f = best;
        res->evals = evals;
    }
    free(C), free(B), free(arz), free(arx), free(fit), free(idx);
    return R2R_OK;
}
