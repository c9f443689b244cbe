#pragma once

// Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2015): a 4x4 block of outputs from
// a 6x6 input tile and a 3x3 filter with 36 multiplies instead of 144. Each transform is
// written once here; the GPU's threads (winograd_grid.h) call them per tile, the CPU loops
// (cpu/winograd_cpu.cpp) on packs of tiles side by side.
//   filter:  U = G g G^T    (6x3 . 3x3 . 3x6)
//   input:   V = B^T d B    (6x6 . 6x6 . 6x6)
//   output:  Y = A^T M A    (4x6 . 6x6 . 6x4), where M = sum over input channels of U * V
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"
#include "conv2d/conv2d.h"
#include "common/sliding_window.h"

namespace convlab {
namespace ops {

constexpr int64_t kWinogradOut = 4; // output tile side
constexpr int64_t kWinogradIn = 6; // input tile side: 4 + 3 - 1
constexpr int64_t kWinogradPoints = kWinogradIn * kWinogradIn; // multiplies per tile

// Output tiles along each axis; the last may stick out of the output and is clipped.
C10_HOST_DEVICE inline int64_t winograd_tiles(int64_t out_size) {
  return (out_size + kWinogradOut - 1) / kWinogradOut;
}

// The three transforms along one axis, as explicit sums: the zero entries of B^T, G and A^T
// are skipped (a generic matrix product spends most of its multiplies on them). T is one value
// (a CUDA thread's tile) or a pack of tiles side by side (cpu/lanes.h: the CPU transforms
// several tiles at once); S is its scalar type, in which the constants are written.
struct WinogradFilterAxis { // u = G x: 3 -> 6
  static constexpr int kIn = 3, kOut = 6;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[3], T (&u)[6]) {
    u[0] = x[0] * S(1.0 / 4);
    u[1] = (x[0] + x[1] + x[2]) * S(-1.0 / 6);
    u[2] = (x[0] - x[1] + x[2]) * S(-1.0 / 6);
    u[3] = x[0] * S(1.0 / 24) + x[1] * S(1.0 / 12) + x[2] * S(1.0 / 6);
    u[4] = x[0] * S(1.0 / 24) - x[1] * S(1.0 / 12) + x[2] * S(1.0 / 6);
    u[5] = x[2];
  }
};

struct WinogradInputAxis { // v = B^T x: 6 -> 6
  static constexpr int kIn = 6, kOut = 6;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[6], T (&v)[6]) {
    v[0] = x[0] * S(4) - x[2] * S(5) + x[4];
    v[1] = x[3] + x[4] - (x[1] + x[2]) * S(4);
    v[2] = x[4] - x[3] + (x[1] - x[2]) * S(4);
    v[3] = x[4] - x[2] + (x[3] - x[1]) * S(2);
    v[4] = x[4] - x[2] - (x[3] - x[1]) * S(2);
    v[5] = x[1] * S(4) - x[3] * S(5) + x[5];
  }
};

struct WinogradOutputAxis { // y = A^T x: 6 -> 4
  static constexpr int kIn = 6, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[6], T (&y)[4]) {
    y[0] = x[0] + x[1] + x[2] + x[3] + x[4];
    y[1] = x[1] - x[2] + (x[3] - x[4]) * S(2);
    y[2] = x[1] + x[2] + (x[3] + x[4]) * S(4);
    y[3] = x[1] - x[2] + (x[3] - x[4]) * S(8) + x[5];
  }
};

// out = L x L^T for the axis transform L of `Axis`: L applied down each column of the tile x,
// then along each row of the result.
template <typename Axis, typename S, typename T>
C10_ALWAYS_INLINE C10_HOST_DEVICE void winograd_sandwich(
    const T (&x)[Axis::kIn][Axis::kIn], T (&out)[Axis::kOut][Axis::kOut]) {
  T left[Axis::kOut][Axis::kIn];
  for (int k = 0; k < Axis::kIn; ++k) {
    T column[Axis::kIn], moved[Axis::kOut];
    for (int j = 0; j < Axis::kIn; ++j) {
      column[j] = x[j][k];
    }
    Axis::template apply<S>(column, moved);
    for (int r = 0; r < Axis::kOut; ++r) {
      left[r][k] = moved[r];
    }
  }
  for (int r = 0; r < Axis::kOut; ++r) {
    Axis::template apply<S>(left[r], out[r]);
  }
}

// U = G g G^T of one 3x3 filter, written as 36 values `stride` apart. Out: an opmath_t
// pointer (or the emulated GPU's counting pointer, common/emulated/launch.h).
template <typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_filter_tile(const scalar_t* filter, Out u, int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t g[3][3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      g[i][j] = static_cast<opmath_t>(filter[i * 3 + j]);
    }
  }
  opmath_t out[6][6];
  winograd_sandwich<WinogradFilterAxis, opmath_t>(g, out);
  for (int i = 0; i < kWinogradPoints; ++i) {
    u[i * stride] = out[i / 6][i % 6];
  }
}

// V = B^T d B of the 6x6 input tile whose top-left corner is at (h0, w0) of one plane
// (zeros outside the plane: the padding), written as 36 values `stride` apart.
template <typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_input_tile(
    const scalar_t* plane, int64_t in_h, int64_t in_w, int64_t h0, int64_t w0, Out v,
    int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t d[6][6];
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 6; ++j) {
      const int64_t h = h0 + i, w = w0 + j;
      const bool inside = h >= 0 && h < in_h && w >= 0 && w < in_w;
      d[i][j] = inside ? static_cast<opmath_t>(plane[h * in_w + w]) : opmath_t(0);
    }
  }
  opmath_t out[6][6];
  winograd_sandwich<WinogradInputAxis, opmath_t>(d, out);
  for (int i = 0; i < kWinogradPoints; ++i) {
    v[i * stride] = out[i / 6][i % 6];
  }
}

// Y = A^T M A of one tile's 36 products (`stride` apart), plus `bias`, written into the
// 4x4 block at (h0, w0) of an output plane of scalar_t, clipped to the plane.
template <typename scalar_t, typename opmath_t, typename Out>
C10_HOST_DEVICE inline void winograd_output_tile(
    const opmath_t* m, int64_t stride, opmath_t bias, Out plane, int64_t out_h,
    int64_t out_w, int64_t h0, int64_t w0) {
  opmath_t tile[6][6];
  for (int i = 0; i < kWinogradPoints; ++i) {
    tile[i / 6][i % 6] = m[i * stride];
  }
  opmath_t out[4][4];
  winograd_sandwich<WinogradOutputAxis, opmath_t>(tile, out);
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      if (h0 + i < out_h && w0 + j < out_w) {
        plane[(h0 + i) * out_w + w0 + j] = static_cast<scalar_t>(out[i][j] + bias);
      }
    }
  }
}

// Winograd's transforms over whole tensors, per device, in the accumulation type, with
// T = batch * tiles_h * tiles_w tiles: u (36, out_channels, in_channels / groups),
// v (36, in_channels, T), m (36, out_channels, T) = u @ v per transform point and group.
struct WinogradKernels {
  void (*filters)(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u);
  void (*inputs)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v);
  void (*outputs)(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                  const Conv2dGeometry& g, at::Tensor& output);
};

// Filled by this algorithm's cpu/ and cuda/ kernel files.
DeviceTable<WinogradKernels>& winograd_kernels();

} // namespace ops
} // namespace convlab
