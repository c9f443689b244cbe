#pragma once

// One small tile of a transpose, the step both the tiled transpose (common/transpose.cpp) and
// the GEMM's packing of operands stored the other way round (sgemm.cpp) are made of.
#include <c10/macros/Macros.h>

#include <cstdint>

#ifdef __AVX__
#include <immintrin.h>
#endif

namespace convlab {
namespace ops {
namespace cpu {

// The side of a whole tile: its 8 source rows and 8 destination rows stay in L1 even when the
// rows lie a multiple of 4 KiB apart (they then share an L1 set, which holds 8 lines).
constexpr int64_t kTransposeTile = 8;

// to[c * to_stride + r] = from[r * from_stride + c] for r < height, c < width (at most
// kTransposeTile each).
template <typename T>
C10_ALWAYS_INLINE void transpose_tile(const T* from, int64_t from_stride, T* to, int64_t to_stride,
                                      int64_t height, int64_t width) {
#ifdef __AVX__
  if constexpr (sizeof(T) == 4) {
    if (height == kTransposeTile && width == kTransposeTile) {
      // The 8 x 8 transpose of 32-bit lanes in three shuffle stages (unpack pairs, shuffle
      // quads, swap 128-bit halves), as oneDNN's and Eigen's AVX transposes do.
      __m256 r[8], t[8];
      for (int i = 0; i < 8; ++i) {
        r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(from + i * from_stride));
      }
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
      }
      for (int i = 0; i < 4; ++i) {
        t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
      }
      for (int i = 0; i < 8; ++i) {
        _mm256_storeu_ps(reinterpret_cast<float*>(to + i * to_stride), t[i]);
      }
      return;
    }
  }
#endif
  for (int64_t c = 0; c < width; ++c) {
    for (int64_t r = 0; r < height; ++r) {
      to[c * to_stride + r] = from[r * from_stride + c];
    }
  }
}

} // namespace cpu
} // namespace ops
} // namespace convlab
