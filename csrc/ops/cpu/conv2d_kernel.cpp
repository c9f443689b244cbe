#include <torch/library.h>

#include "gemm.h"
#include "im2col.h"

namespace convlab {
namespace ops {

namespace {

// Columns buffers up to 64 MiB of float32 per chunk of the batch.
const Conv2dDeviceKernels kCpu{cpu::im2col, cpu::col2im, cpu::bmm, int64_t{1} << 24};

at::Tensor conv2d_cpu(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  return conv2d_forward(input, weight, bias, g, kCpu);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_cpu(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    std::array<bool, 3> output_mask) {
  const auto g =
      check_conv2d_backward(grad_output, input, weight, stride, padding, dilation, groups);
  return conv2d_backward(grad_output, input, weight, g, output_mask, kCpu);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("conv2d", &conv2d_cpu);
  m.impl("conv2d_backward", &conv2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
