#pragma once

// im2col and col2im on the GPU's grid: one thread per (channel, sample, output position)
// writes that position's kernel_h * kernel_w column entries; one thread per input element
// gathers its sum. Launch is the GPU's launcher (common/cuda/launch.cuh) or its emulation
// (common/emulated/launch.h); the per-element work is im2col.h's.
#include <ATen/Dispatch.h>

#include "conv2d/im2col/im2col.h"

namespace convlab {
namespace ops {

template <typename scalar_t, typename Columns>
struct Im2colThread {
  const scalar_t* input;
  Conv2dGeometry g;
  Columns columns;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t spatial = g.out_h * g.out_w;
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t sample = (index / spatial) % g.batch;
    const int64_t channel = index / (spatial * g.batch);
    const scalar_t* plane = input + (sample * g.in_channels + channel) * g.in_h * g.in_w;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        columns[column_index(g, channel, ki, kj, sample, oh, ow)] =
            im2col_value(plane, g, ki, kj, oh, ow);
      }
    }
  }
};

template <typename scalar_t, typename GradInput>
struct Col2imThread {
  const scalar_t* columns;
  Conv2dGeometry g;
  GradInput grad_input;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t channel = (index / (g.in_w * g.in_h)) % g.in_channels;
    const int64_t sample = index / (g.in_w * g.in_h * g.in_channels);
    grad_input[index] = static_cast<scalar_t>(col2im_sum(columns, g, sample, channel, ih, iw));
  }
};

template <typename Launch>
void im2col_grid(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_im2col", [&] {
    Launch launch("im2col");
    using Out = typename Launch::template Out<scalar_t>;
    launch(g.in_channels * g.batch * g.out_h * g.out_w,
           Im2colThread<scalar_t, Out>{input.const_data_ptr<scalar_t>(), g,
                                       launch.template output<scalar_t>(columns)});
  });
}

template <typename Launch>
void col2im_grid(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, columns.scalar_type(), "convlab_col2im", [&] {
    Launch launch("col2im");
    using Out = typename Launch::template Out<scalar_t>;
    launch(g.batch * g.in_channels * g.in_h * g.in_w,
           Col2imThread<scalar_t, Out>{columns.const_data_ptr<scalar_t>(), g,
                                       launch.template output<scalar_t>(grad_input)});
  });
}

} // namespace ops
} // namespace convlab
