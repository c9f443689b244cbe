#pragma once

// What every pooling op shares: its geometry and the checks of its arguments. Each op's own
// element math (what one output or one input gradient computes, for the CPU loops and the
// CUDA threads alike) lives in its header: max_pool2d.h, avg_pool2d.h, adaptive_avg_pool2d.h.
#include <ATen/ATen.h>
#include <ATen/NumericUtils.h>
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include <limits>

#include "common/sliding_window.h"

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

void check_pool2d_grad_output(const at::Tensor& grad_output, const at::Tensor& input,
    const Pool2dGeometry& g, const char* op);

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

} // namespace ops
} // namespace convlab
