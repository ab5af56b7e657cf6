/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef LANGEVIN_W1_REFERENCE_H
#define LANGEVIN_W1_REFERENCE_H
/// Runs the W1a loop in C for `steps` steps with the named GSL generator; returns steps per second and stores the
/// running mean of x^2 in `mean_x2` (if not NULL).
double w1_reference_steps_per_second(const char *generator, long steps, double *mean_x2);
#endif
