#pragma once

// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2015): a 2x2 block of outputs from a
// 4x4 input tile and a 3x3 filter with 16 multiplies instead of 36 (2.25x fewer). Its
// transforms' coefficients are 1 and 1/2 only (F(4x4, 3x3)'s run from 1/24 to 8), so it rounds
// far less: Lavin & Gray measure about ten times F(4x4)'s accuracy. Each transform is written
// once here, as in conv2d/winograd/winograd.h, whose winograd_sandwich applies them: the GPU's
// threads (winograd_2x2_grid.h) call them per tile, the CPU loops (cpu/) on packs of tiles.
//   filter:  U = G g G^T    (4x3 . 3x3 . 3x4)
//   input:   V = B^T d B    (4x4 . 4x4 . 4x4)
//   output:  Y = A^T M A    (2x4 . 4x4 . 4x2), where M = sum over input channels of U * V
#include "conv2d/winograd/winograd.h"

namespace convlab {
namespace ops {

constexpr int64_t kWinograd2x2Out = 2; // output tile side
constexpr int64_t kWinograd2x2In = 4; // input tile side: 2 + 3 - 1
constexpr int64_t kWinograd2x2Points = kWinograd2x2In * kWinograd2x2In; // multiplies per tile

// Output tiles along each axis; the last may stick out of the output and is clipped.
C10_HOST_DEVICE inline int64_t winograd_2x2_tiles(int64_t out_size) {
  return (out_size + kWinograd2x2Out - 1) / kWinograd2x2Out;
}

// The three transforms along one axis (T: one value or a pack of tiles, S its scalar type).
struct Winograd2x2FilterAxis { // u = G x: 3 -> 4
  static constexpr int kIn = 3, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[3], T (&u)[4]) {
    u[0] = x[0];
    u[1] = (x[0] + x[1] + x[2]) * S(0.5);
    u[2] = (x[0] - x[1] + x[2]) * S(0.5);
    u[3] = x[2];
  }
};

struct Winograd2x2InputAxis { // v = B^T x: 4 -> 4
  static constexpr int kIn = 4, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&v)[4]) {
    v[0] = x[0] - x[2];
    v[1] = x[1] + x[2];
    v[2] = x[2] - x[1];
    v[3] = x[1] - x[3];
  }
};

struct Winograd2x2OutputAxis { // y = A^T x: 4 -> 2
  static constexpr int kIn = 4, kOut = 2;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&y)[2]) {
    y[0] = x[0] + x[1] + x[2];
    y[1] = x[1] - x[2] - x[3];
  }
};

// U = G g G^T of one 3x3 filter, written as 16 values `stride` apart. Out: an opmath_t
// pointer (or the emulated GPU's counting pointer, common/emulated/launch.h).
template <typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_2x2_filter_tile(const scalar_t* filter, Out u,
                                                     int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t g[3][3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      g[i][j] = static_cast<opmath_t>(filter[i * 3 + j]);
    }
  }
  opmath_t out[4][4];
  winograd_sandwich<Winograd2x2FilterAxis, opmath_t>(g, out);
  for (int i = 0; i < kWinograd2x2Points; ++i) {
    u[i * stride] = out[i / 4][i % 4];
  }
}

// V = B^T d B of the 4x4 input tile whose top-left corner is at (h0, w0) of one plane
// (zeros outside the plane: the padding), written as 16 values `stride` apart.
template <typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_2x2_input_tile(
    const scalar_t* plane, int64_t in_h, int64_t in_w, int64_t h0, int64_t w0, Out v,
    int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t d[4][4];
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      const int64_t h = h0 + i, w = w0 + j;
      const bool inside = h >= 0 && h < in_h && w >= 0 && w < in_w;
      d[i][j] = inside ? static_cast<opmath_t>(plane[h * in_w + w]) : opmath_t(0);
    }
  }
  opmath_t out[4][4];
  winograd_sandwich<Winograd2x2InputAxis, opmath_t>(d, out);
  for (int i = 0; i < kWinograd2x2Points; ++i) {
    v[i * stride] = out[i / 4][i % 4];
  }
}

// Y = A^T M A of one tile's 16 products (`stride` apart), plus `bias`, written into the 2x2
// block at (h0, w0) of an output plane of scalar_t, clipped to the plane.
template <typename scalar_t, typename opmath_t, typename Out>
C10_HOST_DEVICE inline void winograd_2x2_output_tile(
    const opmath_t* m, int64_t stride, opmath_t bias, Out plane, int64_t out_h,
    int64_t out_w, int64_t h0, int64_t w0) {
  opmath_t tile[4][4];
  for (int i = 0; i < kWinograd2x2Points; ++i) {
    tile[i / 4][i % 4] = m[i * stride];
  }
  opmath_t out[2][2];
  winograd_sandwich<Winograd2x2OutputAxis, opmath_t>(tile, out);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      if (h0 + i < out_h && w0 + j < out_w) {
        plane[(h0 + i) * out_w + w0 + j] = static_cast<scalar_t>(out[i][j] + bias);
      }
    }
  }
}

// The transforms over whole tensors, per device, with WinogradKernels' signatures and layouts
// at 16 transform points: u (16, out_channels, in_channels / groups), v (16, in_channels, T),
// m (16, out_channels, T) for T = batch * tiles_h * tiles_w. Filled by cpu/ and cuda/.
DeviceTable<WinogradKernels>& winograd_2x2_kernels();

} // namespace ops
} // namespace convlab
