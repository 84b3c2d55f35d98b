/* Lets Cython ask about OpenMP whether or not the build has it. */
#ifndef LOSSMETRICS_OPENMP_SHIM_H
#define LOSSMETRICS_OPENMP_SHIM_H
#ifdef _OPENMP
#include <omp.h>
#define LM_OPENMP_ENABLED 1
#define LM_OPENMP_VERSION _OPENMP
#else
#define LM_OPENMP_ENABLED 0
#define LM_OPENMP_VERSION 0
static inline int omp_get_max_threads(void) { return 1; }
#endif
#endif
