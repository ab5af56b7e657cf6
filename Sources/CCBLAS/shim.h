// OpenBLAS's CBLAS interface (kept apart from GSL, whose gsl_cblas.h enums clash with cblas.h), and the CPU's
// vector-instruction support as the OS enables it (for choosing an OpenBLAS kernel when OpenBLAS's own detection
// does not know the CPU).
#ifndef LANGEVIN_CCBLAS_SHIM_H
#define LANGEVIN_CCBLAS_SHIM_H
#include <cblas.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// Bits of ccblas_cpu_vector_features().
#define CCBLAS_CPU_AVX 1u          // AVX, with the OS saving YMM state
#define CCBLAS_CPU_AVX2_FMA 2u     // AVX2 and FMA3
#define CCBLAS_CPU_AVX512 4u       // AVX-512 F, DQ, CD, BW and VL (the set OpenBLAS's SkylakeX kernel uses), ZMM state on
#define CCBLAS_CPU_AVX512_BF16 8u  // AVX-512 BF16 (OpenBLAS's Cooperlake kernel)

/// The vector instruction sets this CPU has and the OS has enabled (CPUID leaves 1 and 7, XGETBV); 0 off x86.
static inline unsigned ccblas_cpu_vector_features(void) {
    unsigned result = 0;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return 0;              // XMM and YMM state
    result |= CCBLAS_CPU_AVX;
    if (__get_cpuid_max(0, 0) < 7) return result;
    __cpuid_count(7, 0, a, b, c, d);
    if (((b >> 5) & 1) && fma) result |= CCBLAS_CPU_AVX2_FMA;
    unsigned avx512 = (1u << 16) | (1u << 17) | (1u << 28) | (1u << 30) | (1u << 31);   // F DQ CD BW VL
    if ((b & avx512) == avx512 && (lo & 0xE0) == 0xE0) {   // opmask, ZMM_Hi256, Hi16_ZMM state
        result |= CCBLAS_CPU_AVX512;
        __cpuid_count(7, 1, a, b, c, d);
        if ((a >> 5) & 1) result |= CCBLAS_CPU_AVX512_BF16;
    }
#endif
    return result;
}
#endif
