#pragma once

// What one element of im2col and of col2im computes: the CUDA threads (im2col_grid.h) call
// these; the CPU loops (cpu/im2col_cpu.cpp) produce the same values, in the same summation order,
// a row at a time with the same sliding_window.h ranges, so the CPU tests prove that index
// arithmetic.
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "conv2d/conv2d.h"
#include "common/sliding_window.h"

namespace convlab {
namespace ops {

// Position of column entry (channel, ki, kj; sample, oh, ow) in the columns buffer, laid out
// (in_channels * kernel_h * kernel_w, batch, out_h * out_w).
C10_HOST_DEVICE inline int64_t column_index(
    const Conv2dGeometry& g, int64_t channel, int64_t ki, int64_t kj, int64_t sample, int64_t oh,
    int64_t ow) {
  return ((((channel * g.kernel_h + ki) * g.kernel_w + kj) * g.batch + sample) * g.out_h + oh) *
      g.out_w + ow;
}

// im2col: the input value that kernel tap (ki, kj) of output (oh, ow) reads from one
// (sample, channel) plane; zero in the padding. (The CPU copies whole rows: the outputs
// inside the input are the same outputs_reading_inside ranges.)
template <typename scalar_t>
C10_HOST_DEVICE inline scalar_t im2col_value(
    const scalar_t* plane, const Conv2dGeometry& g, int64_t ki, int64_t kj, int64_t oh,
    int64_t ow) {
  const OutputRange rows =
      outputs_reading_inside(ki, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h);
  const OutputRange cols =
      outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
  if (oh < rows.begin || oh >= rows.end || ow < cols.begin || ow >= cols.end) {
    return scalar_t(0);
  }
  const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
  const int64_t iw = tap_position(ow, kj, g.stride_w, g.pad_w, g.dilation_w);
  return plane[ih * g.in_w + iw];
}

// col2im as a gather: the sum of every column entry that read input element
// (sample, channel, ih, iw), in the order output row, output column. Each input element is
// one independent sum, so no two CUDA threads write the same element and the result does not
// depend on scheduling. (The CPU adds the same terms in the same order a plane at a time.)
template <typename scalar_t>
C10_HOST_DEVICE inline at::opmath_type<scalar_t> col2im_sum(
    const scalar_t* columns, const Conv2dGeometry& g, int64_t sample, int64_t channel, int64_t ih,
    int64_t iw) {
  const OutputRange rows = outputs_spanning(
      ih, g.pad_h, (g.kernel_h - 1) * g.dilation_h + 1, g.stride_h, g.out_h);
  const OutputRange cols = outputs_spanning(
      iw, g.pad_w, (g.kernel_w - 1) * g.dilation_w + 1, g.stride_w, g.out_w);
  at::opmath_type<scalar_t> sum = 0;
  for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
    const int64_t ki = tap_reading(ih, oh, g.pad_h, g.kernel_h, g.stride_h, g.dilation_h);
    if (ki < 0) {
      continue;
    }
    for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
      const int64_t kj = tap_reading(iw, ow, g.pad_w, g.kernel_w, g.stride_w, g.dilation_w);
      if (kj >= 0) {
        sum += static_cast<at::opmath_type<scalar_t>>(
            columns[column_index(g, channel, ki, kj, sample, oh, ow)]);
      }
    }
  }
  return sum;
}

} // namespace ops
} // namespace convlab
