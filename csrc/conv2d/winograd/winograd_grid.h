#pragma once

// Winograd's transforms on the GPU's grid, for every variant V (winograd_tile.h): one thread
// per filter, input tile or output tile, each running winograd_tile.h's transform. Layouts:
// winograd_tile.h (WinogradKernels). Kernel names: V::kFiltersKernel, V::kInputsKernel,
// V::kOutputsKernel. Launch: common/cuda/launch.cuh or common/emulated/launch.h.
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

template <typename V, typename scalar_t, typename Out>
struct WinogradInputThread {
  const scalar_t* input;
  Conv2dGeometry g;
  Out v;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t columns = winograd_columns<V>(g);
    const int64_t ic = index / columns;
    const WinogradTile t = winograd_tile<V>(g, index % columns);
    winograd_input_tile<V>(input + (t.sample * g.in_channels + ic) * g.in_h * g.in_w, g.in_h,
                           g.in_w, t.th * V::kOut - g.pad_h, t.tw * V::kOut - g.pad_w, v + index,
                           g.in_channels * columns);
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

template <typename V, typename Launch>
void winograd_inputs_grid(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), V::kInputsDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch(V::kInputsKernel);
    launch(g.in_channels * winograd_columns<V>(g),
           WinogradInputThread<V, scalar_t, typename Launch::template Out<opmath_t>>{
               input.const_data_ptr<scalar_t>(), g, launch.template output<opmath_t>(v)});
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

// The three launches as variant V's kernels on a launcher's device.
template <typename V, typename Launch>
WinogradKernels winograd_grid_kernels() {
  return {winograd_filters_grid<V, Launch>, winograd_inputs_grid<V, Launch>,
          winograd_outputs_grid<V, Launch>};
}

} // namespace ops
} // namespace convlab
