#pragma once

// Average pooling over the windows of a rule (a functor: avg_pool2d.h's SlidingWindow,
// adaptive_avg_pool2d.h's AdaptiveWindow), one output or one input gradient at a time: what
// the CPU loops (cpu/window_average_loops.h) and the GPU's threads (window_average_grid.h)
// both compute.
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"
#include "pool2d/pool2d.h"

namespace convlab {
namespace ops {

// An average pooling's loops per device, on contiguous tensors (one table per window rule:
// avg_pool2d_kernels, adaptive_avg_pool2d_kernels).
struct WindowAverageKernels {
  at::Tensor (*forward)(const at::Tensor& input, const Pool2dGeometry& g);
  at::Tensor (*backward)(const at::Tensor& grad_output, const Pool2dGeometry& g);
};

// Clipped window of one average-pooling output and the number it is divided by.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};

// Average of output (oh, ow)'s window over one input plane.
template <typename scalar_t, typename Window>
C10_HOST_DEVICE inline scalar_t window_average_value(
    const scalar_t* plane, const Pool2dGeometry& g, Window window, int64_t oh, int64_t ow) {
  using opmath_t = at::opmath_type<scalar_t>;
  const AvgWindow win = window(g, oh, ow);
  opmath_t sum = 0;
  for (int64_t ih = win.h0; ih < win.h1; ++ih) {
    for (int64_t iw = win.w0; iw < win.w1; ++iw) {
      sum += static_cast<opmath_t>(plane[ih * g.in_w + iw]);
    }
  }
  return static_cast<scalar_t>(sum / static_cast<opmath_t>(win.divisor));
}

// Average-pooling backward as a gather: the gradient of input element (ih, iw), summed over
// the windows that hold it, each contributing its output gradient over its divisor.
template <typename scalar_t, typename Window>
C10_HOST_DEVICE inline scalar_t window_average_grad(
    const scalar_t* grad_plane, const Pool2dGeometry& g, Window window, int64_t ih, int64_t iw) {
  using opmath_t = at::opmath_type<scalar_t>;
  const OutputRange rows = window.rows_holding(g, ih);
  const OutputRange cols = window.cols_holding(g, iw);
  opmath_t sum = 0;
  for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
    for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
      const AvgWindow win = window(g, oh, ow);
      if (ih >= win.h0 && ih < win.h1 && iw >= win.w0 && iw < win.w1) {
        sum += static_cast<opmath_t>(grad_plane[oh * g.out_w + ow]) /
            static_cast<opmath_t>(win.divisor);
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

} // namespace ops
} // namespace convlab
