#pragma once

// Winograd's minimal filtering F(m x m, 3x3) (Lavin & Gray, 2015), written once for every
// variant: a variant V (winograd.h's Winograd4x4, winograd_2x2.h's Winograd2x2) names its
// output tile side V::kOut = m, input tile side V::kIn = m + 2, V::kPoints = kIn * kIn
// multiplies per tile, its three axis transforms V::FilterAxis (G), V::InputAxis (B^T) and
// V::OutputAxis (A^T), and their transposes for the filters' gradient, V::GradOutputAxis (A)
// and V::GradFilterAxis (G^T). The tile functions here apply them to one filter or tile (the
// GPU's threads, winograd_grid.h), winograd_sandwich to packs of tiles too (cpu/winograd_cpu.h).
//   filter:  U = G g G^T
//   input:   V = B^T d B
//   output:  Y = A^T M A, where M = sum over input channels of U * V
// The filters' gradient is the same product read the other way round (Lavin & Gray's F(r, m)
// from F(m, r)): with grad_output's m x m block e of each tile,
//   grad_output:  E = A e A^T
//   grad_filter:  dg = G^T Z G, where Z = sum over tiles of E * V
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"
#include "conv2d/conv2d.h"
#include "common/sliding_window.h"

namespace convlab {
namespace ops {

// A variant's sizes and transforms: output tile side m, input tile side m + 2 (a 3x3 filter),
// (m + 2)^2 points (multiplies per tile), and its axis transforms G (Filter: 3 -> m + 2),
// B^T (Input: m + 2 -> m + 2), A^T (Output: m + 2 -> m), A (GradOutput: m -> m + 2) and G^T
// (GradFilter: m + 2 -> 3). A variant derives from it and adds its names (kName, the GPU's
// k*Kernel and the dispatches' k*Dispatch) and kernels().
template <int64_t m, typename Filter, typename Input, typename Output, typename GradOutput,
          typename GradFilter>
struct WinogradShape {
  static constexpr int64_t kOut = m; // output tile side
  static constexpr int64_t kIn = m + 2; // input tile side: m + 3 - 1
  static constexpr int64_t kPoints = kIn * kIn; // multiplies per tile
  using FilterAxis = Filter;
  using InputAxis = Input;
  using OutputAxis = Output;
  using GradOutputAxis = GradOutput;
  using GradFilterAxis = GradFilter;
  static_assert(Filter::kIn == 3 && Filter::kOut == kIn && Input::kIn == kIn &&
                Input::kOut == kIn && Output::kIn == kIn && Output::kOut == kOut &&
                GradOutput::kIn == kOut && GradOutput::kOut == kIn &&
                GradFilter::kIn == kIn && GradFilter::kOut == 3);
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

// L d L^T for the axis transform L of `Axis` (Axis::kIn x Axis::kIn values of d in, its
// top-left corner at (h0, w0) of one plane, zeros outside the plane), written as Axis::kOut^2
// values `stride` apart: V = B^T d B of an input tile (its padding the zeros), and
// E = A e A^T of grad_output's block of an output tile (zeros past the output's edge).
template <typename Axis, typename scalar_t, typename Out>
C10_HOST_DEVICE inline void winograd_plane_tile(
    const scalar_t* plane, int64_t plane_h, int64_t plane_w, int64_t h0, int64_t w0, Out v,
    int64_t stride) {
  using opmath_t = at::opmath_type<scalar_t>;
  opmath_t d[Axis::kIn][Axis::kIn];
  for (int i = 0; i < Axis::kIn; ++i) {
    for (int j = 0; j < Axis::kIn; ++j) {
      const int64_t h = h0 + i, w = w0 + j;
      const bool inside = h >= 0 && h < plane_h && w >= 0 && w < plane_w;
      d[i][j] = inside ? static_cast<opmath_t>(plane[h * plane_w + w]) : opmath_t(0);
    }
  }
  opmath_t out[Axis::kOut][Axis::kOut];
  winograd_sandwich<Axis, opmath_t>(d, out);
  for (int i = 0; i < Axis::kOut * Axis::kOut; ++i) {
    v[i * stride] = out[i / Axis::kOut][i % Axis::kOut];
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

// dg = G^T Z G of one filter's V::kPoints summed products (`stride` apart): its 3x3 gradient,
// written as 9 consecutive values of scalar_t.
template <typename V, typename scalar_t, typename opmath_t, typename Out>
C10_HOST_DEVICE inline void winograd_grad_filter_tile(const opmath_t* z, int64_t stride,
                                                      Out grad) {
  opmath_t tile[V::kIn][V::kIn];
  for (int i = 0; i < V::kPoints; ++i) {
    tile[i / V::kIn][i % V::kIn] = z[i * stride];
  }
  opmath_t taps[3][3];
  winograd_sandwich<typename V::GradFilterAxis, opmath_t>(tile, taps);
  for (int i = 0; i < 9; ++i) {
    grad[i] = static_cast<scalar_t>(taps[i / 3][i % 3]);
  }
}

// A variant's transforms over whole tensors, per device, in the accumulation type, with
// T = batch * tiles_h * tiles_w tiles and P = V::kPoints: u (P, out_channels, in_channels /
// groups), v (P, in_channels, T), m (P, out_channels, T) = u @ v per transform point and group.
// The filters' gradient: e (P, out_channels, T) from grad_output, z (P, out_channels,
// in_channels / groups) = e @ v^T per transform point and group, summed over the batch, and
// grad_filters' output in the weight's layout and dtype.
struct WinogradKernels {
  void (*filters)(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u);
  void (*inputs)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v);
  void (*outputs)(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                  const Conv2dGeometry& g, at::Tensor& output);
  void (*grad_outputs)(const at::Tensor& grad_output, const Conv2dGeometry& g, at::Tensor& e);
  void (*grad_filters)(const at::Tensor& z, const Conv2dGeometry& g, at::Tensor& grad_weight);
};

} // namespace ops
} // namespace convlab
