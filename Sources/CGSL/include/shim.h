// Shim over the GNU Scientific Library: the headers Langevin uses, plus prefixed accessors for GSL's
// global generator-type variables (Swift 6 rejects reading shared mutable C globals directly).
#ifndef LANGEVIN_CGSL_SHIM_H
#define LANGEVIN_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
/* gsl_randist.h is not included: it pulls in GSL's own cblas header, whose enums clash with OpenBLAS's cblas.h
   in any Swift module that sees both. The one sampler Langevin uses is declared here exactly as in gsl_randist.h. */
double gsl_ran_gaussian_ziggurat(const gsl_rng *r, const double sigma);
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_math.h>

static inline const gsl_rng_type *cgsl_rng_type_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *cgsl_rng_type_taus2(void) { return gsl_rng_taus2; }
static inline const gsl_rng_type *cgsl_rng_type_ranlxd2(void) { return gsl_rng_ranlxd2; }
static inline const gsl_rng_type *cgsl_rng_type_gfsr4(void) { return gsl_rng_gfsr4; }

/// Fills `out[0..<n]` with `sigma`-scaled standard normal draws (ziggurat), in stream order.
static inline void cgsl_fill_gaussian_ziggurat(gsl_rng *r, double sigma, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gsl_ran_gaussian_ziggurat(r, sigma);
}

/// Same as `cgsl_fill_gaussian_ziggurat`, rounded to single precision.
static inline void cgsl_fill_gaussian_ziggurat_float(gsl_rng *r, double sigma, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = (float)gsl_ran_gaussian_ziggurat(r, sigma);
}

#endif
