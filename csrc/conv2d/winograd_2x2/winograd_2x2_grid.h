#pragma once

// Winograd F(2x2, 3x3)'s transforms on the GPU's grid: one thread per filter, input tile or
// output tile, each running winograd_2x2.h's transform. Layouts: winograd_2x2.h. Launch:
// common/cuda/launch.cuh or common/emulated/launch.h.
#include <ATen/Dispatch.h>

#include "conv2d/winograd_2x2/winograd_2x2.h"

namespace convlab {
namespace ops {

template <typename scalar_t, typename Out>
struct Winograd2x2FilterThread {
  const scalar_t* weight;
  int64_t filters;
  Out u;

  C10_HOST_DEVICE void operator()(int64_t f) const {
    winograd_2x2_filter_tile(weight + f * 9, u + f, filters);
  }
};

// Tile `column` of a plane: (sample, tile row, tile column) of batch * tiles_h * tiles_w.
struct Winograd2x2Tile {
  int64_t sample, th, tw;
};

C10_HOST_DEVICE inline Winograd2x2Tile winograd_2x2_tile(const Conv2dGeometry& g, int64_t column) {
  const int64_t tiles_h = winograd_2x2_tiles(g.out_h), tiles_w = winograd_2x2_tiles(g.out_w);
  return {column / (tiles_w * tiles_h), (column / tiles_w) % tiles_h, column % tiles_w};
}

C10_HOST_DEVICE inline int64_t winograd_2x2_columns(const Conv2dGeometry& g) {
  return g.batch * winograd_2x2_tiles(g.out_h) * winograd_2x2_tiles(g.out_w);
}

template <typename scalar_t, typename Out>
struct Winograd2x2InputThread {
  const scalar_t* input;
  Conv2dGeometry g;
  Out v;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t columns = winograd_2x2_columns(g);
    const int64_t ic = index / columns;
    const Winograd2x2Tile t = winograd_2x2_tile(g, index % columns);
    winograd_2x2_input_tile(input + (t.sample * g.in_channels + ic) * g.in_h * g.in_w, g.in_h,
                            g.in_w, t.th * kWinograd2x2Out - g.pad_h,
                            t.tw * kWinograd2x2Out - g.pad_w, v + index,
                            g.in_channels * columns);
  }
};

template <typename scalar_t, typename Out>
struct Winograd2x2OutputThread {
  using opmath_t = at::opmath_type<scalar_t>;
  const opmath_t* m;
  const scalar_t* bias; // nullptr: none
  Conv2dGeometry g;
  Out output;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t columns = winograd_2x2_columns(g);
    const int64_t oc = index / columns;
    const Winograd2x2Tile t = winograd_2x2_tile(g, index % columns);
    const opmath_t shift = bias == nullptr ? opmath_t(0) : static_cast<opmath_t>(bias[oc]);
    winograd_2x2_output_tile<scalar_t>(
        m + index, g.out_channels * columns, shift,
        output + (t.sample * g.out_channels + oc) * g.out_h * g.out_w, g.out_h, g.out_w,
        t.th * kWinograd2x2Out, t.tw * kWinograd2x2Out);
  }
};

template <typename Launch>
void winograd_2x2_filters_grid(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), "convlab_winograd_2x2_filters", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch("winograd_2x2_filters");
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    launch(filters, Winograd2x2FilterThread<scalar_t, typename Launch::template Out<opmath_t>>{
                        weight.const_data_ptr<scalar_t>(), filters,
                        launch.template output<opmath_t>(u)});
  });
}

template <typename Launch>
void winograd_2x2_inputs_grid(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_winograd_2x2_inputs", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch("winograd_2x2_inputs");
    launch(g.in_channels * winograd_2x2_columns(g),
           Winograd2x2InputThread<scalar_t, typename Launch::template Out<opmath_t>>{
               input.const_data_ptr<scalar_t>(), g, launch.template output<opmath_t>(v)});
  });
}

template <typename Launch>
void winograd_2x2_outputs_grid(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                               const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), "convlab_winograd_2x2_outputs", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    Launch launch("winograd_2x2_outputs");
    launch(g.out_channels * winograd_2x2_columns(g),
           Winograd2x2OutputThread<scalar_t, typename Launch::template Out<scalar_t>>{
               m.const_data_ptr<opmath_t>(),
               bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr, g,
               launch.template output<scalar_t>(output)});
  });
}

// The three launches as F(2x2, 3x3)'s kernels on a launcher's device.
template <typename Launch>
WinogradKernels winograd_2x2_grid_kernels() {
  return {winograd_2x2_filters_grid<Launch>, winograd_2x2_inputs_grid<Launch>,
          winograd_2x2_outputs_grid<Launch>};
}

} // namespace ops
} // namespace convlab
