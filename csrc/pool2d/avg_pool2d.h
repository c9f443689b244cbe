#pragma once

// avg_pool2d's checks and its window rule (the averaging itself: window_average.h).
#include "pool2d/window_average.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_avg_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override);

// Filled by cpu/, cuda/ and emulated/ avg_pool2d files.
DeviceTable<WindowAverageKernels>& avg_pool2d_kernels();

C10_HOST_DEVICE inline AvgWindow avg_pool_window(const Pool2dGeometry& g, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.stride_h - g.pad_h;
  int64_t w0 = ow * g.stride_w - g.pad_w;
  int64_t h1 = h0 + g.kernel_h < g.in_h + g.pad_h ? h0 + g.kernel_h : g.in_h + g.pad_h;
  int64_t w1 = w0 + g.kernel_w < g.in_w + g.pad_w ? w0 + g.kernel_w : g.in_w + g.pad_w;
  const int64_t padded_area = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g.in_h ? h1 : g.in_h;
  w1 = w1 < g.in_w ? w1 : g.in_w;
  int64_t divisor = g.divisor_override;
  if (divisor == 0) {
    divisor = g.count_include_pad ? padded_area : (h1 - h0) * (w1 - w0);
  }
  return {h0, h1, w0, w1, divisor};
}

// The two window rules of average pooling, as functors so one CPU loop and one CUDA kernel
// serve both avg_pool2d and adaptive_avg_pool2d. Each also names the outputs whose window may
// hold an input row or column (a superset: the backward checks each window).
struct SlidingWindow {
  // The names its GPU kernels are counted under (common/emulated/launch.h).
  static constexpr const char* kForwardKernel = "avg_pool2d";
  static constexpr const char* kBackwardKernel = "avg_pool2d_backward";

  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    return avg_pool_window(g, oh, ow);
  }
  C10_HOST_DEVICE OutputRange rows_holding(const Pool2dGeometry& g, int64_t ih) const {
    return outputs_spanning(ih, g.pad_h, g.kernel_h, g.stride_h, g.out_h);
  }
  C10_HOST_DEVICE OutputRange cols_holding(const Pool2dGeometry& g, int64_t iw) const {
    return outputs_spanning(iw, g.pad_w, g.kernel_w, g.stride_w, g.out_w);
  }
};

} // namespace ops
} // namespace convlab
