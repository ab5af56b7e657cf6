// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), a
// counter-based generator: output = bijection_key(counter), 4 × 32 bits per 128-bit counter, and standard normal
// variates from it by the Box–Muller transform. Written for this project; Random123's known-answer vectors are
// the reference (the tests check them).
//
// Stream layout used by the fills: counter i of stream (key, domain) is (i mod 2^32, i / 2^32, domain mod 2^32,
// domain / 2^32). In single precision, normals come in blocks of 64 from counters 16b … 16b + 15 (two Box–Muller
// pairs per counter from 24-bit uniforms, stored lane by lane: see block64 in philox.c); in double precision, normal
// j comes from counter j / 2 (one pair from 53-bit uniforms). Any element of any stream is a function of its index
// alone, so fills split into blocks give the same numbers for any split and any thread count, and all CPU paths
// round identically (explicit fused multiply–adds in the Box–Muller polynomials, no implicit contraction).
#ifndef LANGEVIN_CPHILOX_H
#define LANGEVIN_CPHILOX_H
#include <stddef.h>
#include <stdint.h>

/// out ← Philox4x32-10_key(counter); counter and out are 4 words, key 2.
void cphilox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/// out[i] ← σ·z_(first + i) for i < count: normals of stream (key, domain), single-precision layout (64 per block).
/// The transform runs in single precision (|z| < 5.9 by construction: 24-bit uniforms); vectorised for the CPU
/// (AVX-512, AVX2 or SSE2 chosen at run time).
void cphilox_fill_normal_f32(float *out, size_t count, uint64_t key, uint64_t domain, uint64_t first, float sigma);

/// out[i] ← σ·z_(first + i): normals of stream (key, domain), double-precision layout (2 per counter, 53-bit
/// uniforms on (0, 1), libm's log, sqrt, sin and cos).
void cphilox_fill_normal_f64(double *out, size_t count, uint64_t key, uint64_t domain, uint64_t first, double sigma);

/// out[i] ← uniform number first + i of stream (key, domain) on (0, 1) with 53 bits (2 per counter).
void cphilox_fill_uniform_f64(double *out, size_t count, uint64_t key, uint64_t domain, uint64_t first);

/// For tests and benchmarks: the bulk paths this CPU can run, as bits (1 portable, 2 AVX2 + FMA, 4 AVX-512).
unsigned cphilox_available_paths(void);

/// Whole blocks 64·block … through one path (a single bit of cphilox_available_paths); −1 if the CPU lacks it.
/// Every path writes the same bits as the portable one.
int cphilox_fill_blocks_f32_path(unsigned path, float *out, size_t blocks, uint64_t block, uint64_t key,
                                 uint64_t domain, float sigma);
#endif
