/* SPDX-License-Identifier: GPL-3.0-or-later
 * W1a reference loop in C (the loop of the peer benchmark): 2-D double well U = (x^2-1)^2 + y^2/2, overdamped
 * Euler-Maruyama, T = 1, dt = 0.01, start (1, 0), ziggurat Gaussian draws from a GSL generator seeded with 42. */
#include "w1_reference.h"
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

double w1_reference_steps_per_second(const char *generator, long steps, double *mean_x2) {
    const gsl_rng_type *type = gsl_rng_mt19937;
    if (strcmp(generator, "taus2") == 0) type = gsl_rng_taus2;
    else if (strcmp(generator, "ranlxd2") == 0) type = gsl_rng_ranlxd2;
    else if (strcmp(generator, "gfsr4") == 0) type = gsl_rng_gfsr4;
    gsl_rng *r = gsl_rng_alloc(type);
    gsl_rng_set(r, 42);
    double x = 1, y = 0, dt = 0.01, temperature = 1, s = sqrt(2 * dt * temperature), sx2 = 0;
    double t0 = seconds();
    for (long i = 0; i < steps; i++) {
        double gx = 4 * x * (x * x - 1), gy = y;
        x += -dt * gx + s * gsl_ran_gaussian_ziggurat(r, 1.0);
        y += -dt * gy + s * gsl_ran_gaussian_ziggurat(r, 1.0);
        sx2 += x * x;
    }
    double t1 = seconds();
    if (mean_x2) *mean_x2 = sx2 / steps;
    gsl_rng_free(r);
    return steps / (t1 - t0);
}
