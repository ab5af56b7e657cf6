// SPDX-License-Identifier: GPL-3.0-or-later
// Philox4x32-10 and its Box–Muller normals; see cphilox.h for the stream layout.
#include "cphilox.h"
#include <math.h>
#include <string.h>

// No implicit fused multiply–add contraction: the polynomials below use explicit __builtin_fmaf (one rounding per
// step on every CPU: a vector FMA instruction, or libm's correctly rounded fmaf on a CPU without one) and every other
// operation rounds on its own, so every CPU path writes the same bits.
#pragma clang fp contract(off)

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline __attribute__((always_inline)) void philox_rounds(uint32_t c[4], uint32_t k0, uint32_t k1) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        uint64_t p0 = (uint64_t)PHILOX_M0 * c[0], p1 = (uint64_t)PHILOX_M1 * c[2];
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t n0 = hi1 ^ c[1] ^ k0, n2 = hi0 ^ c[3] ^ k1;
        c[0] = n0; c[1] = lo1; c[2] = n2; c[3] = lo0;
    }
}

void cphilox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c[4] = {counter[0], counter[1], counter[2], counter[3]};
    philox_rounds(c, key[0], key[1]);
    memcpy(out, c, sizeof c);
}

// ln(u) for u in (0, 1] in single precision: u = m·2^e with m in [√½, √2), ln m = 2·atanh(s), s = (m−1)/(m+1),
// |s| ≤ 0.1716; the series to s^11 is exact to ~1e-11 (float rounding dominates).
static inline __attribute__((always_inline)) float log_f32(float u) {
    uint32_t bits; memcpy(&bits, &u, 4);
    int32_t e = (int32_t)((bits >> 23) & 0xFF) - 126;          // u = m' · 2^e, m' in [0.5, 1)
    uint32_t mb = (bits & 0x007FFFFFu) | 0x3F000000u;
    float m; memcpy(&m, &mb, 4);
    if (m < 0.70710678f) { m *= 2.0f; e -= 1; }                 // m in [√½, √2)
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = 1.0f / 11.0f;
    p = __builtin_fmaf(p, s2, 1.0f / 9.0f); p = __builtin_fmaf(p, s2, 1.0f / 7.0f);
    p = __builtin_fmaf(p, s2, 1.0f / 5.0f); p = __builtin_fmaf(p, s2, 1.0f / 3.0f);
    p = __builtin_fmaf(p, s2, 1.0f);
    return __builtin_fmaf(2.0f * s, p, (float)e * 0.69314718f);
}

// (cos 2πv, sin 2πv) for v in [0, 1): quadrant q = ⌊4v⌋, x = (π/2)(4v − q) in [0, π/2), Taylor series of sin to
// x^11 and cos to x^12 (truncation < 6e-8, below the 2.3e-7 that single-precision rounding of x already costs), in
// fused multiply–adds, then rotated by q quarter turns.
static inline __attribute__((always_inline)) void sincos2pi_f32(float v, float *c, float *s) {
    float t = 4.0f * v;
    int q = (int)t;
    float x = (t - (float)q) * 1.5707963f, x2 = x * x;
    float sn = -1.0f / 39916800.0f;                           // −1/11!
    sn = __builtin_fmaf(sn, x2, 1.0f / 362880.0f); sn = __builtin_fmaf(sn, x2, -1.0f / 5040.0f);
    sn = __builtin_fmaf(sn, x2, 1.0f / 120.0f); sn = __builtin_fmaf(sn, x2, -1.0f / 6.0f);
    sn = __builtin_fmaf(sn, x2, 1.0f) * x;
    float cs = 1.0f / 479001600.0f;                           // 1/12!
    cs = __builtin_fmaf(cs, x2, -1.0f / 3628800.0f); cs = __builtin_fmaf(cs, x2, 1.0f / 40320.0f);
    cs = __builtin_fmaf(cs, x2, -1.0f / 720.0f); cs = __builtin_fmaf(cs, x2, 1.0f / 24.0f);
    cs = __builtin_fmaf(cs, x2, -0.5f); cs = __builtin_fmaf(cs, x2, 1.0f);
    // q = 0: (cs, sn); 1: (−sn, cs); 2: (−cs, −sn); 3: (sn, −cs)
    float cc = (q & 1) ? -sn : cs, ss = (q & 1) ? cs : sn;
    *c = (q & 2) ? -cc : cc;
    *s = (q & 2) ? -ss : ss;
}

// One block of 64 normals from 16 consecutive counters 16·block + l (l < 16), computed lane-parallel: counter l
// gives uniforms from its words (2p, 2p + 1), p = 0, 1, as u = (top 24 bits + ½)·2^−24 in (0, 1) and
// v = (top 24 bits)·2^−24 in [0, 1), and z[32p + l] = σ·r·cos 2πv, z[32p + 16 + l] = σ·r·sin 2πv, r = √(−2 ln u).
#define LANES 16

// The Box–Muller half of a block: the 16 counters' output words w0…w3 (lane l = counter l) to 64 normals.
static inline __attribute__((always_inline)) void normals64(const uint32_t *restrict w0, const uint32_t *restrict w1,
                                                            const uint32_t *restrict w2, const uint32_t *restrict w3,
                                                            float sigma, float *restrict z) {
    for (int l = 0; l < LANES; l++) {
        float u0 = ((float)(w0[l] >> 8) + 0.5f) * 0x1.0p-24f, v0 = (float)(w1[l] >> 8) * 0x1.0p-24f;
        float u1 = ((float)(w2[l] >> 8) + 0.5f) * 0x1.0p-24f, v1 = (float)(w3[l] >> 8) * 0x1.0p-24f;
        float r0 = sigma * __builtin_elementwise_sqrt(-2.0f * log_f32(u0)), r1 = sigma * __builtin_elementwise_sqrt(-2.0f * log_f32(u1));
        float cv0, sv0, cv1, sv1;
        sincos2pi_f32(v0, &cv0, &sv0);
        sincos2pi_f32(v1, &cv1, &sv1);
        z[l] = r0 * cv0; z[16 + l] = r0 * sv0; z[32 + l] = r1 * cv1; z[48 + l] = r1 * sv1;
    }
}

// The Philox half of a block in portable C (the compiler vectorises it for the target it is inlined into).
static inline __attribute__((always_inline)) void block64(uint64_t block, uint64_t key, uint64_t domain, float sigma,
                                                          float *restrict z) {
    uint32_t c0[LANES], c1[LANES], c2[LANES], c3[LANES];
    for (int l = 0; l < LANES; l++) {
        uint64_t index = block * LANES + (uint64_t)l;
        c0[l] = (uint32_t)index; c1[l] = (uint32_t)(index >> 32);
        c2[l] = (uint32_t)domain; c3[l] = (uint32_t)(domain >> 32);
    }
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        for (int l = 0; l < LANES; l++) {
            uint64_t p0 = (uint64_t)PHILOX_M0 * c0[l], p1 = (uint64_t)PHILOX_M1 * c2[l];
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[l] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[l] ^ k1;
            c0[l] = n0; c1[l] = (uint32_t)p1; c2[l] = n2; c3[l] = (uint32_t)p0;
        }
    }
    normals64(c0, c1, c2, c3, sigma, z);
}

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX512_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

// The Philox half of a block with AVX-512 integer instructions: each 32-bit word lives in the low half of a 64-bit
// lane (8 counters per register, two registers per word), so one vpmuludq gives the whole 64-bit product — high
// and low words at once — where the portable loop needs two multiplies and a shuffle per word. High halves of lanes
// carry garbage that vpmuludq ignores and the final pack drops. Same arithmetic, same bits.
static inline __attribute__((always_inline)) AVX512_TARGET void block64_avx512(uint64_t block, uint64_t key,
                                                                                uint64_t domain, float sigma,
                                                                                float *restrict z) {
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    __m512i a0 = _mm512_add_epi64(_mm512_set1_epi64((long long)(block * LANES)), lane);
    __m512i b0 = _mm512_add_epi64(_mm512_set1_epi64((long long)(block * LANES + 8)), lane);
    __m512i a1 = _mm512_srli_epi64(a0, 32), b1 = _mm512_srli_epi64(b0, 32);
    __m512i a2 = _mm512_set1_epi64((long long)(uint32_t)domain), b2 = a2;
    __m512i a3 = _mm512_set1_epi64((long long)(domain >> 32)), b3 = a3;
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M0), m1 = _mm512_set1_epi64(PHILOX_M1);
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        const __m512i kk0 = _mm512_set1_epi64(k0), kk1 = _mm512_set1_epi64(k1);
        __m512i pa0 = _mm512_mul_epu32(a0, m0), pa1 = _mm512_mul_epu32(a2, m1);
        __m512i pb0 = _mm512_mul_epu32(b0, m0), pb1 = _mm512_mul_epu32(b2, m1);
        a0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa1, 32), a1, kk0, 0x96);
        a2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pa0, 32), a3, kk1, 0x96);
        b0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb1, 32), b1, kk0, 0x96);
        b2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(pb0, 32), b3, kk1, 0x96);
        a1 = pa1; a3 = pa0; b1 = pb1; b3 = pb0;
    }
    // Low words of a (counters 0…7) then b (8…15), in counter order.
    const __m512i pack = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    _Alignas(64) uint32_t w0[LANES], w1[LANES], w2[LANES], w3[LANES];
    _mm512_store_si512((void *)w0, _mm512_permutex2var_epi32(a0, pack, b0));
    _mm512_store_si512((void *)w1, _mm512_permutex2var_epi32(a1, pack, b1));
    _mm512_store_si512((void *)w2, _mm512_permutex2var_epi32(a2, pack, b2));
    _mm512_store_si512((void *)w3, _mm512_permutex2var_epi32(a3, pack, b3));
    normals64(w0, w1, w2, w3, sigma, z);
}

#define AVX2_TARGET __attribute__((target("avx2,fma")))

// Low 32-bit words of the 64-bit lanes of a then b (8 words, in lane order).
static inline __attribute__((always_inline)) AVX2_TARGET __m256i low_words_avx2(__m256i a, __m256i b) {
    const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    return _mm256_permute2x128_si256(_mm256_permutevar8x32_epi32(a, even), _mm256_permutevar8x32_epi32(b, even), 0x20);
}

// The Philox half of a block with AVX2 integer instructions, as block64_avx512 does it: a word in the low half of
// each 64-bit lane (4 counters per register, four registers per word), one vpmuludq per product. Same bits.
static inline __attribute__((always_inline)) AVX2_TARGET void block64_avx2(uint64_t block, uint64_t key,
                                                                            uint64_t domain, float sigma,
                                                                            float *restrict z) {
    const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
    __m256i c0[4], c1[4], c2[4], c3[4];
    for (int g = 0; g < 4; g++) {
        c0[g] = _mm256_add_epi64(_mm256_set1_epi64x((long long)(block * LANES + 4 * (uint64_t)g)), lane);
        c1[g] = _mm256_srli_epi64(c0[g], 32);
        c2[g] = _mm256_set1_epi64x((long long)(uint32_t)domain);
        c3[g] = _mm256_set1_epi64x((long long)(domain >> 32));
    }
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0), m1 = _mm256_set1_epi64x(PHILOX_M1);
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += PHILOX_W0; k1 += PHILOX_W1; }
        const __m256i kk0 = _mm256_set1_epi64x(k0), kk1 = _mm256_set1_epi64x(k1);
        for (int g = 0; g < 4; g++) {
            __m256i p0 = _mm256_mul_epu32(c0[g], m0), p1 = _mm256_mul_epu32(c2[g], m1);
            c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[g]), kk0);
            c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[g]), kk1);
            c1[g] = p1; c3[g] = p0;
        }
    }
    _Alignas(32) uint32_t w0[LANES], w1[LANES], w2[LANES], w3[LANES];
    for (int h = 0; h < 2; h++) {
        _mm256_store_si256((__m256i *)(w0 + 8 * h), low_words_avx2(c0[2 * h], c0[2 * h + 1]));
        _mm256_store_si256((__m256i *)(w1 + 8 * h), low_words_avx2(c1[2 * h], c1[2 * h + 1]));
        _mm256_store_si256((__m256i *)(w2 + 8 * h), low_words_avx2(c2[2 * h], c2[2 * h + 1]));
        _mm256_store_si256((__m256i *)(w3 + 8 * h), low_words_avx2(c3[2 * h], c3[2 * h + 1]));
    }
    normals64(w0, w1, w2, w3, sigma, z);
}
#endif

// The bulk of a fill: whole blocks written in place.
static inline __attribute__((always_inline)) void fill_blocks(float *restrict out, size_t blocks, uint64_t block,
                                                              uint64_t key, uint64_t domain, float sigma) {
    for (size_t b = 0; b < blocks; b++) block64(block + b, key, domain, sigma, out + 64 * b);
}

#if defined(__x86_64__)
AVX512_TARGET static void
fill_blocks_avx512(float *restrict out, size_t blocks, uint64_t block, uint64_t key, uint64_t domain, float sigma) {
    for (size_t b = 0; b < blocks; b++) block64_avx512(block + b, key, domain, sigma, out + 64 * b);
}
AVX2_TARGET static void
fill_blocks_avx2(float *restrict out, size_t blocks, uint64_t block, uint64_t key, uint64_t domain, float sigma) {
    for (size_t b = 0; b < blocks; b++) block64_avx2(block + b, key, domain, sigma, out + 64 * b);
}
#endif
static void fill_blocks_sse2(float *restrict out, size_t blocks, uint64_t block, uint64_t key, uint64_t domain,
                             float sigma) {
    fill_blocks(out, blocks, block, key, domain, sigma);
}

unsigned cphilox_available_paths(void) {
    unsigned paths = 1;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) paths |= 2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl")) paths |= 4;
#endif
    return paths;
}

typedef void (*fill_fn)(float *restrict, size_t, uint64_t, uint64_t, uint64_t, float);
static fill_fn choose_fill(void) {
    unsigned paths = cphilox_available_paths();
#if defined(__x86_64__)
    if (paths & 4) return fill_blocks_avx512;
    if (paths & 2) return fill_blocks_avx2;
#endif
    (void)paths;
    return fill_blocks_sse2;
}

int cphilox_fill_blocks_f32_path(unsigned path, float *out, size_t blocks, uint64_t block, uint64_t key,
                                 uint64_t domain, float sigma) {
    if ((cphilox_available_paths() & path) == 0) return -1;
    switch (path) {
    case 1: fill_blocks_sse2(out, blocks, block, key, domain, sigma); return 0;
#if defined(__x86_64__)
    case 2: fill_blocks_avx2(out, blocks, block, key, domain, sigma); return 0;
    case 4: fill_blocks_avx512(out, blocks, block, key, domain, sigma); return 0;
#endif
    default: return -1;
    }
}

void cphilox_fill_normal_f32(float *out, size_t count, uint64_t key, uint64_t domain, uint64_t first, float sigma) {
    static fill_fn fill = 0;                 // benign race: every thread computes the same pointer
    if (!fill) fill = choose_fill();
    size_t i = 0;
    uint64_t j = first;
    if (j % 64 != 0 && count > 0) {          // a partial first block
        float z[64];
        fill(z, 1, j / 64, key, domain, sigma);   // the CPU's path, as for whole blocks
        for (size_t lane = j % 64; lane < 64 && i < count; lane++) out[i++] = z[lane];
        j = first + i;
    }
    size_t blocks = (count - i) / 64;
    if (blocks > 0) fill(out + i, blocks, j / 64, key, domain, sigma);
    i += 64 * blocks;
    j += 64 * blocks;
    if (i < count) {                         // a partial last block
        float z[64];
        fill(z, 1, j / 64, key, domain, sigma);   // the CPU's path, as for whole blocks
        for (size_t lane = 0; i < count; lane++) out[i++] = z[lane];
    }
}

static inline void uniforms2(uint64_t index, uint64_t key, uint64_t domain, double u[2]) {
    uint32_t c[4] = {(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)domain, (uint32_t)(domain >> 32)};
    philox_rounds(c, (uint32_t)key, (uint32_t)(key >> 32));
    uint64_t a = ((uint64_t)c[1] << 32) | c[0], b = ((uint64_t)c[3] << 32) | c[2];
    u[0] = ((double)(a >> 11) + 0.5) * 0x1.0p-53;
    u[1] = ((double)(b >> 11) + 0.5) * 0x1.0p-53;
}

void cphilox_fill_uniform_f64(double *out, size_t count, uint64_t key, uint64_t domain, uint64_t first) {
    for (size_t i = 0; i < count; i++) {
        uint64_t j = first + i;
        double u[2];
        uniforms2(j / 2, key, domain, u);
        out[i] = u[j % 2];
    }
}

void cphilox_fill_normal_f64(double *out, size_t count, uint64_t key, uint64_t domain, uint64_t first, double sigma) {
    size_t i = 0;
    while (i < count) {
        uint64_t j = first + i;
        double u[2];
        uniforms2(j / 2, key, domain, u);
        double r = sigma * sqrt(-2.0 * log(u[0])), a = 6.283185307179586 * u[1];
        double z[2] = {r * cos(a), r * sin(a)};
        for (uint64_t lane = j % 2; lane < 2 && i < count; lane++) out[i++] = z[lane];
    }
}
