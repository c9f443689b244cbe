#pragma once

// Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray, 2015), written once for every
// variant: a variant V (winograd.h's Winograd4x4, winograd_2x2.h's Winograd2x2) names its
// output tile side V::kOut = m, input tile side V::kIn = m + 2, V::kPoints = kIn * kIn
// multiplies per tile, and its three axis transforms V::FilterAxis (G), V::InputAxis (B^T)
// and V::OutputAxis (A^T). The tile functions here apply them to one filter or tile (the GPU's
// threads, winograd_grid.h), winograd_sandwich to packs of tiles too (cpu/winograd_cpu.h).
//   filter:  U = G g G^T
//   input:   V = B^T d B
//   output:  Y = A^T M A, where M = sum over input channels of U * V
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"
#include "conv2d/conv2d.h"
#include "common/sliding_window.h"

namespace convlab {
namespace ops {

// A variant's sizes and transforms: output tile side m, input tile side m + 2 (a 3x3 filter),
// (m + 2)^2 points (multiplies per tile), and its axis transforms G (Filter: 3 -> m + 2),
// B^T (Input: m + 2 -> m + 2) and A^T (Output: m + 2 -> m). A variant derives from it and adds
// its names (kName, the GPU's k*Kernel and the dispatches' k*Dispatch) and kernels().
template <int64_t m, typename Filter, typename Input, typename Output>
struct WinogradShape {
  static constexpr int64_t kOut = m; // output tile side
  static constexpr int64_t kIn = m + 2; // input tile side: m + 3 - 1
  static constexpr int64_t kPoints = kIn * kIn; // multiplies per tile
  using FilterAxis = Filter;
  using InputAxis = Input;
  using OutputAxis = Output;
  static_assert(Filter::kIn == 3 && Filter::kOut == kIn && Input::kIn == kIn &&
                Input::kOut == kIn && Output::kIn == kIn && Output::kOut == kOut);
};

// Output tiles along each axis; the last may stick out of the output and is clipped.
template <typename V>
C10_HOST_DEVICE inline int64_t winograd_tiles(int64_t out_size) {
  return (out_size + V::kOut - 1) / V::kOut;
}

// out = L x L^T for the axis transform L of `Axis`: L applied down each column of the tile x,
// then along each row of the result. T is one value (a CUDA thread's tile) or a pack of tiles
// side by side (cpu/lanes.h); S is its scalar type, in which the constants are written.
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

// U = G g G^T of one 3x3 filter, written as V::kPoints values `stride` apart. Out: an opmath_t
// pointer (or the emulated GPU's counting pointer, common/emulated/launch.h).
template <typename V, typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_filter_tile(const scalar_t* filter, Out u, int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t g[3][3];
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      g[i][j] = static_cast<opmath_t>(filter[i * 3 + j]);
    }
  }
  opmath_t out[V::kIn][V::kIn];
  winograd_sandwich<typename V::FilterAxis, opmath_t>(g, out);
  for (int i = 0; i < V::kPoints; ++i) {
    u[i * stride] = out[i / V::kIn][i % V::kIn];
  }
}

// V = B^T d B of the kIn x kIn input tile whose top-left corner is at (h0, w0) of one plane
// (zeros outside the plane: the padding), written as V::kPoints values `stride` apart.
template <typename V, typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_input_tile(
    const scalar_t* plane, int64_t in_h, int64_t in_w, int64_t h0, int64_t w0, Out v,
    int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t d[V::kIn][V::kIn];
  for (int i = 0; i < V::kIn; ++i) {
    for (int j = 0; j < V::kIn; ++j) {
      const int64_t h = h0 + i, w = w0 + j;
      const bool inside = h >= 0 && h < in_h && w >= 0 && w < in_w;
      d[i][j] = inside ? static_cast<opmath_t>(plane[h * in_w + w]) : opmath_t(0);
    }
  }
  opmath_t out[V::kIn][V::kIn];
  winograd_sandwich<typename V::InputAxis, opmath_t>(d, out);
  for (int i = 0; i < V::kPoints; ++i) {
    v[i * stride] = out[i / V::kIn][i % V::kIn];
  }
}

// Y = A^T M A of one tile's V::kPoints products (`stride` apart), plus `bias`, written into
// the kOut x kOut block at (h0, w0) of an output plane of scalar_t, clipped to the plane.
template <typename V, typename scalar_t, typename opmath_t, typename Out>
C10_HOST_DEVICE inline void winograd_output_tile(
    const opmath_t* m, int64_t stride, opmath_t bias, Out plane, int64_t out_h,
    int64_t out_w, int64_t h0, int64_t w0) {
  opmath_t tile[V::kIn][V::kIn];
  for (int i = 0; i < V::kPoints; ++i) {
    tile[i / V::kIn][i % V::kIn] = m[i * stride];
  }
  opmath_t out[V::kOut][V::kOut];
  winograd_sandwich<typename V::OutputAxis, opmath_t>(tile, out);
  for (int i = 0; i < V::kOut; ++i) {
    for (int j = 0; j < V::kOut; ++j) {
      if (h0 + i < out_h && w0 + j < out_w) {
        plane[(h0 + i) * out_w + w0 + j] = static_cast<scalar_t>(out[i][j] + bias);
      }
    }
  }
}

// A variant's transforms over whole tensors, per device, in the accumulation type, with
// T = batch * tiles_h * tiles_w tiles and P = V::kPoints: u (P, out_channels, in_channels /
// groups), v (P, in_channels, T), m (P, out_channels, T) = u @ v per transform point and group.
struct WinogradKernels {
  void (*filters)(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u);
  void (*inputs)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v);
  void (*outputs)(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                  const Conv2dGeometry& g, at::Tensor& output);
};

} // namespace ops
} // namespace convlab
