#pragma once

// adaptive_avg_pool2d's checks and its window rule (the averaging itself: window_average.h).
#include "pool2d/window_average.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_adaptive_avg_pool2d(const at::Tensor& input, at::IntArrayRef output_size);
// The output size is read off grad_output.
Pool2dGeometry check_adaptive_avg_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input);

// Filled by cpu/, cuda/ and emulated/ adaptive_avg_pool2d files.
DeviceTable<WindowAverageKernels>& adaptive_avg_pool2d_kernels();

// Adaptive pooling window [start, end) of output o along one axis.
C10_HOST_DEVICE inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) {
  return (o * in) / out;
}
C10_HOST_DEVICE inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) {
  return ((o + 1) * in + out - 1) / out;
}

// adaptive_avg_pool2d's window rule (the functor contract: avg_pool2d.h's SlidingWindow).
struct AdaptiveWindow {
  static constexpr const char* kForwardKernel = "adaptive_avg_pool2d";
  static constexpr const char* kBackwardKernel = "adaptive_avg_pool2d_backward";

  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h), h1 = adaptive_end(oh, g.out_h, g.in_h);
    const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w), w1 = adaptive_end(ow, g.out_w, g.in_w);
    return {h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  }
  // Window o holds i exactly when start(o) <= i < end(o), which solves to these bounds.
  C10_HOST_DEVICE OutputRange rows_holding(const Pool2dGeometry& g, int64_t ih) const {
    return {(ih * g.out_h) / g.in_h, ((ih + 1) * g.out_h + g.in_h - 1) / g.in_h};
  }
  C10_HOST_DEVICE OutputRange cols_holding(const Pool2dGeometry& g, int64_t iw) const {
    return {(iw * g.out_w) / g.in_w, ((iw + 1) * g.out_w + g.in_w - 1) / g.in_w};
  }
};

} // namespace ops
} // namespace convlab
