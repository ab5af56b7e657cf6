// OpenBLAS's CBLAS interface (kept apart from GSL, whose gsl_cblas.h enums clash with cblas.h).
#ifndef LANGEVIN_CCBLAS_SHIM_H
#define LANGEVIN_CCBLAS_SHIM_H
#include <cblas.h>
#endif
