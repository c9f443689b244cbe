#include <torch/library.h>

#include "im2col.h"

namespace convlab {
namespace ops {

namespace {

// Columns buffers up to 64 MiB of float32 per chunk of the batch.
const Im2colKernels kCpuIm2col{cpu::im2col, cpu::col2im, int64_t{1} << 24};

at::Tensor conv2d_cpu(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  return conv2d_im2col_gemm(input, weight, bias, g, kCpuIm2col);
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
  return conv2d_backward_im2col_gemm(grad_output, input, weight, g, output_mask, kCpuIm2col);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("conv2d", &conv2d_cpu);
  m.impl("conv2d_backward", &conv2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
