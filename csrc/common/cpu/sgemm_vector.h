#pragma once

// The float vector convlab's GEMM micro-kernel (sgemm_micro_kernel.h) is written in: four
// operations, defined once per instruction set the compiler targets (the build uses
// -march=native), so the one kernel source compiles to AVX-512, AVX2 + FMA or plain C++.
// kRows is how many rows of C a micro-tile holds: as many as the vector registers allow
// (rows x 2 accumulators + 2 loaded B vectors + 1 broadcast A value).
#include <c10/macros/Macros.h>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace convlab {
namespace ops {
namespace cpu {
namespace sgemm {

#if defined(__AVX512F__)

constexpr const char* kInstructionSet = "AVX-512";
constexpr int kLanes = 16;
constexpr int kRows = 14;  // 28 accumulators of 32 zmm registers
using Vec = __m512;
C10_ALWAYS_INLINE Vec zero() { return _mm512_setzero_ps(); }
C10_ALWAYS_INLINE Vec load(const float* p) { return _mm512_loadu_ps(p); }
C10_ALWAYS_INLINE Vec broadcast(const float* p) { return _mm512_set1_ps(*p); }
C10_ALWAYS_INLINE Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
C10_ALWAYS_INLINE Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
C10_ALWAYS_INLINE void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }

#elif defined(__AVX2__) && defined(__FMA__)

constexpr const char* kInstructionSet = "AVX2";
constexpr int kLanes = 8;
constexpr int kRows = 6;  // 12 accumulators of 16 ymm registers
using Vec = __m256;
C10_ALWAYS_INLINE Vec zero() { return _mm256_setzero_ps(); }
C10_ALWAYS_INLINE Vec load(const float* p) { return _mm256_loadu_ps(p); }
C10_ALWAYS_INLINE Vec broadcast(const float* p) { return _mm256_broadcast_ss(p); }
C10_ALWAYS_INLINE Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
C10_ALWAYS_INLINE Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
C10_ALWAYS_INLINE void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }

#else

constexpr const char* kInstructionSet = "scalar";
constexpr int kLanes = 4;
constexpr int kRows = 4;
struct Vec {
  float v[kLanes];
};
C10_ALWAYS_INLINE Vec zero() { return Vec{}; }
C10_ALWAYS_INLINE Vec load(const float* p) {
  Vec r;
  for (int i = 0; i < kLanes; ++i) {
    r.v[i] = p[i];
  }
  return r;
}
C10_ALWAYS_INLINE Vec broadcast(const float* p) {
  Vec r;
  for (int i = 0; i < kLanes; ++i) {
    r.v[i] = *p;
  }
  return r;
}
C10_ALWAYS_INLINE Vec fma(Vec a, Vec b, Vec c) {
  for (int i = 0; i < kLanes; ++i) {
    c.v[i] += a.v[i] * b.v[i];
  }
  return c;
}
C10_ALWAYS_INLINE Vec add(Vec a, Vec b) {
  for (int i = 0; i < kLanes; ++i) {
    a.v[i] += b.v[i];
  }
  return a;
}
C10_ALWAYS_INLINE void store(float* p, Vec v) {
  for (int i = 0; i < kLanes; ++i) {
    p[i] = v.v[i];
  }
}

#endif

// Keeps a loaded vector in a register for the FMAs that reuse it: without this the compiler
// may fold the load into every one of them as a memory operand, reloading it each time.
C10_ALWAYS_INLINE void keep_in_register(Vec& v) {
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
  __asm__("" : "+v"(v));
#else
  (void)v;
#endif
}

// A micro-tile's columns: two vectors, so each broadcast A value feeds two FMAs.
constexpr int kCols = 2 * kLanes;

} // namespace sgemm
} // namespace cpu
} // namespace ops
} // namespace convlab
