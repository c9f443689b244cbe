#pragma once

// Winograd's transforms on the GPU's grid, for every variant V (winograd_tile.h): one thread
// per filter, input tile, output tile, grad_output tile or filter gradient, each running
// winograd_tile.h's transform. Layouts: winograd_tile.h (WinogradKernels). Kernel names:
// V::k*Kernel. Launch: common/cuda/launch.cuh or common/emulated/launch.h.
#include <ATen/Dispatch.h>

#include "conv2d/winograd/winograd_tile.h"

namespace convlab {
namespace ops {

template <typename V, typename scalar_t, typename Out>
struct WinogradFilterThread {
  const scalar_t* weight;
  int64_t filters;
  Out u;

  C10_HOST_DEVICE void operator()(int64_t f) const {
    winograd_filter_tile<V>(weight + f * 9, u + f, filters);
  }
};

// Tile `column` of a plane: (sample, tile row, tile column) of batch * tiles_h * tiles_w.
struct WinogradTile {
  int64_t sample, th, tw;
};

template <typename V>
C10_HOST_DEVICE inline WinogradTile winograd_tile(const Conv2dGeometry& g, int64_t column) {
  const int64_t tiles_h = winograd_tiles<V>(g.out_h), tiles_w = winograd_tiles<V>(g.out_w);
  return {column / (tiles_w * tiles_h), (column / tiles_w) % tiles_h, column % tiles_w};
}

template <typename V>
C10_HOST_DEVICE inline int64_t winograd_columns(const Conv2dGeometry& g) {
  return g.batch * winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
}

// L d L^T (winograd_plane_tile) of one tile of one channel's planes, its Axis::kIn x
// Axis::kIn values from its output tile's corner less (shift_h, shift_w): the input's tiles
// (B^T, shifted by the padding) or grad_output's (A).
template <typename V, typename Axis, typename scalar_t, typename Out>
struct WinogradPlaneTileThread {
  const scalar_t* planes;
  int64_t channels, plane_h, plane_w, shift_h, shift_w;
  Conv2dGeometry g;
  Out v;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t columns = winograd_columns<V>(g);
    const int64_t c = index / columns;
    const WinogradTile t = winograd_tile<V>(g, index % columns);
    winograd_plane_tile<Axis>(planes + (t.sample * channels + c) * plane_h * plane_w, plane_h,
                              plane_w, t.th * V::kOut - shift_h, t.tw * V::kOut - shift_w,
                              v + index, channels * columns);
  }
};

template <typename V, typename scalar_t, typename Out>
struct WinogradOutputThread {
  using opmath_t = at::opmath_type<scalar_t>;
  const opmath_t* m;
  const scalar_t* bias; // nullptr: none
  Conv2dGeometry g;
  Out output;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t columns = winograd_columns<V>(g);
    const int64_t oc = index / columns;
    const WinogradTile t = winograd_tile<V>(g, index % columns);
    const opmath_t shift = bias == nullptr ? opmath_t(0) : static_cast<opmath_t>(bias[oc]);
    winograd_output_tile<V, scalar_t>(
        m + index, g.out_channels * columns, shift,
        output + (t.sample * g.out_channels + oc) * g.out_h * g.out_w, g.out_h, g.out_w,
        t.th * V::kOut, t.tw * V::kOut);
  }
};

template <typename V, typename Launch>
void winograd_filters_grid(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), V::kFiltersDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch(V::kFiltersKernel);
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    launch(filters, WinogradFilterThread<V, scalar_t, typename Launch::template Out<opmath_t>>{
                        weight.const_data_ptr<scalar_t>(), filters,
                        launch.template output<opmath_t>(u)});
  });
}

template <typename V, typename scalar_t, typename Out>
struct WinogradGradFilterThread {
  using opmath_t = at::opmath_type<scalar_t>;
  const opmath_t* z;
  int64_t filters;
  Out grad_weight;

  C10_HOST_DEVICE void operator()(int64_t f) const {
    winograd_grad_filter_tile<V, scalar_t>(z + f, filters, grad_weight + f * 9);
  }
};

template <typename V, typename Axis, typename Launch, typename scalar_t>
void winograd_plane_tiles_grid(const scalar_t* planes, int64_t channels, int64_t plane_h,
                               int64_t plane_w, int64_t shift_h, int64_t shift_w,
                               const Conv2dGeometry& g, at::Tensor& out, const char* kernel) {
  using opmath_t = at::opmath_type<scalar_t>;
  Launch launch(kernel);
  launch(channels * winograd_columns<V>(g),
         WinogradPlaneTileThread<V, Axis, scalar_t, typename Launch::template Out<opmath_t>>{
             planes, channels, plane_h, plane_w, shift_h, shift_w, g,
             launch.template output<opmath_t>(out)});
}

template <typename V, typename Launch>
void winograd_inputs_grid(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), V::kInputsDispatch, [&] {
    winograd_plane_tiles_grid<V, typename V::InputAxis, Launch>(
        input.const_data_ptr<scalar_t>(), g.in_channels, g.in_h, g.in_w, g.pad_h, g.pad_w, g, v,
        V::kInputsKernel);
  });
}

template <typename V, typename Launch>
void winograd_grad_outputs_grid(const at::Tensor& grad_output, const Conv2dGeometry& g,
                                at::Tensor& e) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), V::kGradOutputsDispatch, [&] {
    winograd_plane_tiles_grid<V, typename V::GradOutputAxis, Launch>(
        grad_output.const_data_ptr<scalar_t>(), g.out_channels, g.out_h, g.out_w, 0, 0, g, e,
        V::kGradOutputsKernel);
  });
}

template <typename V, typename Launch>
void winograd_grad_filters_grid(const at::Tensor& z, const Conv2dGeometry& g,
                                at::Tensor& grad_weight) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_weight.scalar_type(), V::kGradFiltersDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch(V::kGradFiltersKernel);
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    launch(filters, WinogradGradFilterThread<V, scalar_t, typename Launch::template Out<scalar_t>>{
                        z.const_data_ptr<opmath_t>(), filters,
                        launch.template output<scalar_t>(grad_weight)});
  });
}

template <typename V, typename Launch>
void winograd_outputs_grid(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                           const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), V::kOutputsDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch(V::kOutputsKernel);
    launch(g.out_channels * winograd_columns<V>(g),
           WinogradOutputThread<V, scalar_t, typename Launch::template Out<scalar_t>>{
               m.const_data_ptr<opmath_t>(),
               bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr, g,
               launch.template output<scalar_t>(output)});
  });
}

// The launches as variant V's kernels on a launcher's device.
template <typename V, typename Launch>
WinogradKernels winograd_grid_kernels() {
  return {winograd_filters_grid<V, Launch>, winograd_inputs_grid<V, Launch>,
          winograd_outputs_grid<V, Launch>, winograd_grad_outputs_grid<V, Launch>,
          winograd_grad_filters_grid<V, Launch>};
}

} // namespace ops
} // namespace convlab
