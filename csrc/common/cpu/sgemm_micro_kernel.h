#pragma once

// The GEMM's innermost loop (BLIS's micro-kernel): a kRows x kCols tile of C from a packed
// A sliver (kRows values per step of k) and a packed B sliver (kCols values per step of k),
// all accumulators in registers for the whole k loop, C read and written once per call.
#include <array>
#include <cstdint>
#include <utility>

#include "common/cpu/sgemm_vector.h"

namespace convlab {
namespace ops {
namespace cpu {
namespace sgemm {

// c[i * ldc + j] (+ c's old value when `accumulate`) = sum over p of a[p * kRows + i] *
// b[p * kCols + j], for i < rows and j < cols, with Rows x Vectors accumulators: a tile at
// C's edges runs the instance of its own height and width, so padding rows and columns cost
// no FMAs (the packed slivers are zero-padded; only the stores are clipped).
template <int Rows, int Vectors>
C10_ALWAYS_INLINE void micro_kernel(int64_t kc, const float* a, const float* b, float* c,
                                    int64_t ldc, bool accumulate, int cols) {
  Vec acc[Rows][Vectors];
#pragma GCC unroll 14
  for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      acc[i][v] = zero();
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    Vec bv[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      bv[v] = load(b + v * kLanes);
    }
#pragma GCC unroll 14
    for (int i = 0; i < Rows; ++i) {
      const Vec ai = broadcast(a + i);
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) {
        acc[i][v] = fma(ai, bv[v], acc[i][v]);
      }
    }
    a += kRows;
    b += kCols;
  }
  if (cols == Vectors * kLanes) {
#pragma GCC unroll 14
    for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) {
        float* to = c + i * ldc + v * kLanes;
        store(to, accumulate ? add(load(to), acc[i][v]) : acc[i][v]);
      }
    }
    return;
  }
  alignas(64) float tile[Vectors * kLanes];
  for (int i = 0; i < Rows; ++i) {
    for (int v = 0; v < Vectors; ++v) {
      store(tile + v * kLanes, acc[i][v]);
    }
    float* row = c + i * ldc;
    for (int j = 0; j < cols; ++j) {
      row[j] = accumulate ? row[j] + tile[j] : tile[j];
    }
  }
}

namespace detail {

template <int Rows>
void micro_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                bool accumulate, int cols) {
  if (cols > kLanes) {
    micro_kernel<Rows, 2>(kc, a, b, c, ldc, accumulate, cols);
  } else {
    micro_kernel<Rows, 1>(kc, a, b, c, ldc, accumulate, cols);
  }
}

template <int... Rows>
constexpr auto tile_table(std::integer_sequence<int, Rows...>) {
  using Tile = void (*)(int64_t, const float*, const float*, float*, int64_t, bool, int);
  return std::array<Tile, sizeof...(Rows)>{&micro_tile<Rows + 1>...};
}

} // namespace detail

// The micro-kernel for a tile of `rows` (1..kRows) x `cols` (1..kCols).
inline void micro_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                       bool accumulate, int rows, int cols) {
  static constexpr auto table = detail::tile_table(std::make_integer_sequence<int, kRows>{});
  table[rows - 1](kc, a, b, c, ldc, accumulate, cols);
}

} // namespace sgemm
} // namespace cpu
} // namespace ops
} // namespace convlab
