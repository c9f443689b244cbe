#pragma once

// Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2015): a 4x4 block of outputs from
// a 6x6 input tile and a 3x3 filter with 36 multiplies instead of 144. Each transform is
// written once here; the CPU loops (cpu/winograd.cpp) and the CUDA threads (cuda/winograd.cu)
// call them per tile.
//   filter:  U = G g G^T    (6x3 . 3x3 . 3x6)
//   input:   V = B^T d B    (6x6 . 6x6 . 6x6)
//   output:  Y = A^T M A    (4x6 . 6x6 . 6x4), where M = sum over input channels of U * V
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "conv2d.h"
#include "sliding_window.h"

namespace convlab {
namespace ops {

constexpr int64_t kWinogradOut = 4; // output tile side
constexpr int64_t kWinogradIn = 6; // input tile side: 4 + 3 - 1
constexpr int64_t kWinogradPoints = kWinogradIn * kWinogradIn; // multiplies per tile

// Output tiles along each axis; the last may stick out of the output and is clipped.
C10_HOST_DEVICE inline int64_t winograd_tiles(int64_t out_size) {
  return (out_size + kWinogradOut - 1) / kWinogradOut;
}

// out = L x L^T for an R x K matrix L and a K x K tile x.
template <int R, int K, typename T>
C10_HOST_DEVICE inline void winograd_sandwich(const double (&L)[R][K], const T (&x)[K][K], T (&out)[R][R]) {
  T left[R][K];
  for (int r = 0; r < R; ++r) {
    for (int k = 0; k < K; ++k) {
      T sum = 0;
      for (int j = 0; j < K; ++j) {
        sum += static_cast<T>(L[r][j]) * x[j][k];
      }
      left[r][k] = sum;
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int c = 0; c < R; ++c) {
      T sum = 0;
      for (int k = 0; k < K; ++k) {
        sum += left[r][k] * static_cast<T>(L[c][k]);
      }
      out[r][c] = sum;
    }
  }
}

// U = G g G^T of one 3x3 filter, written as 36 values `stride` apart.
template <typename scalar_t, typename opmath_t>
C10_HOST_DEVICE inline void winograd_filter_tile(const scalar_t* filter, opmath_t* u, int64_t stride) {
  constexpr double G[6][3] = {
      {1.0 / 4, 0, 0},
      {-1.0 / 6, -1.0 / 6, -1.0 / 6},
      {-1.0 / 6, 1.0 / 6, -1.0 / 6},
      {1.0 / 24, 1.0 / 12, 1.0 / 6},
      {1.0 / 24, -1.0 / 12, 1.0 / 6},
      {0, 0, 1},
  };
  opmath_t g[3][3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      g[i][j] = static_cast<opmath_t>(filter[i * 3 + j]);
    }
  }
  opmath_t out[6][6];
  winograd_sandwich(G, g, out);
  for (int i = 0; i < kWinogradPoints; ++i) {
    u[i * stride] = out[i / 6][i % 6];
  }
}

// V = B^T d B of the 6x6 input tile whose top-left corner is at (h0, w0) of one plane
// (zeros outside the plane: the padding), written as 36 values `stride` apart.
template <typename scalar_t, typename opmath_t>
C10_HOST_DEVICE inline void winograd_input_tile(
    const scalar_t* plane, int64_t in_h, int64_t in_w, int64_t h0, int64_t w0, opmath_t* v,
    int64_t stride) {
  constexpr double BT[6][6] = {
      {4, 0, -5, 0, 1, 0},
      {0, -4, -4, 1, 1, 0},
      {0, 4, -4, -1, 1, 0},
      {0, -2, -1, 2, 1, 0},
      {0, 2, -1, -2, 1, 0},
      {0, 4, 0, -5, 0, 1},
  };
  opmath_t d[6][6];
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) {
      const int64_t h = h0 + i, w = w0 + j;
      const bool inside = h >= 0 && h < in_h && w >= 0 && w < in_w;
      d[i][j] = inside ? static_cast<opmath_t>(plane[h * in_w + w]) : opmath_t(0);
    }
  }
  opmath_t out[6][6];
  winograd_sandwich(BT, d, out);
  for (int i = 0; i < kWinogradPoints; ++i) {
    v[i * stride] = out[i / 6][i % 6];
  }
}

// Y = A^T M A of one tile's 36 products (`stride` apart), plus `bias`, written into the
// 4x4 block at (h0, w0) of an output plane, clipped to the plane.
template <typename scalar_t, typename opmath_t>
C10_HOST_DEVICE inline void winograd_output_tile(
    const opmath_t* m, int64_t stride, opmath_t bias, scalar_t* plane, int64_t out_h,
    int64_t out_w, int64_t h0, int64_t w0) {
  constexpr double AT[4][6] = {
      {1, 1, 1, 1, 1, 0},
      {0, 1, -1, 2, -2, 0},
      {0, 1, 1, 4, 4, 0},
      {0, 1, -1, 8, -8, 1},
  };
  opmath_t tile[6][6];
  for (int i = 0; i < kWinogradPoints; ++i) {
    tile[i / 6][i % 6] = m[i * stride];
  }
  opmath_t out[4][4];
  winograd_sandwich(AT, tile, out);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      if (h0 + i < out_h && w0 + j < out_w) {
        plane[(h0 + i) * out_w + w0 + j] = static_cast<scalar_t>(out[i][j] + bias);
      }
    }
  }
}

} // namespace ops
} // namespace convlab
