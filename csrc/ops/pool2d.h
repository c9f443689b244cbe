#pragma once

#include <ATen/ATen.h>
#include <c10/macros/Macros.h>

namespace convlab {
namespace ops {

// Sizes of one pooling call, validated once and shared by the CPU and CUDA kernels
// (passed by value into CUDA kernels, so plain data only).
struct Pool2dGeometry {
  int64_t batch, channels, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  int64_t dilation_h, dilation_w;
  bool count_include_pad;
  int64_t divisor_override; // 0 when not given

  C10_HOST_DEVICE int64_t planes() const { return batch * channels; }
};

Pool2dGeometry check_max_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode);
Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices);

Pool2dGeometry check_avg_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override);
void check_pool2d_grad_output(const at::Tensor& grad_output, const at::Tensor& input,
    const Pool2dGeometry& g, const char* op);

Pool2dGeometry check_adaptive_avg_pool2d(const at::Tensor& input, at::IntArrayRef output_size);
// The output size is read off grad_output.
Pool2dGeometry check_adaptive_avg_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input);

// Shape checks common to every pooling op: 4-D, floating dtype, non-empty planes.
void check_pool2d_input(const at::Tensor& input, const char* op);

// Geometry of a sliding-window pooling (max or average) after checking its arguments.
Pool2dGeometry check_sliding_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode, const char* op);

// torch's pooling output size, including its ceil_mode rule that the last window must
// start inside the input or the left padding.
int64_t pool_output_size(
    int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode);

// Clipped window of one average-pooling output and the number it is divided by.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};

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

// Adaptive pooling window [start, end) of output o along one axis.
C10_HOST_DEVICE inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) {
  return (o * in) / out;
}
C10_HOST_DEVICE inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) {
  return ((o + 1) * in + out - 1) / out;
}

// The two window rules of average pooling, as functors so one CPU loop and one CUDA kernel
// serve both avg_pool2d and adaptive_avg_pool2d.
struct SlidingWindow {
  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    return avg_pool_window(g, oh, ow);
  }
};

struct AdaptiveWindow {
  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h), h1 = adaptive_end(oh, g.out_h, g.in_h);
    const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w), w1 = adaptive_end(ow, g.out_w, g.in_w);
    return {h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  }
};

} // namespace ops
} // namespace convlab
