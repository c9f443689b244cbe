#include <torch/library.h>

#include "gemm.h"
#include "conv2d_loops.h"

namespace convlab {
namespace ops {

namespace {

const Conv2dDeviceKernels kCpu{
    cpu::im2col, cpu::col2im, cpu::direct_conv, cpu::direct_conv_grad_input,
    cpu::direct_conv_grad_weight, cpu::winograd_filters, cpu::winograd_inputs,
    cpu::winograd_outputs, cpu::bmm};

at::Tensor conv2d_cpu(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view algorithm) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  return conv2d_forward(input, weight, bias, g, algorithm, kCpu);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_cpu(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    std::array<bool, 3> output_mask,
    c10::string_view algorithm) {
  const auto g =
      check_conv2d_backward(grad_output, input, weight, stride, padding, dilation, groups);
  return conv2d_backward(grad_output, input, weight, g, output_mask, algorithm, kCpu);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("conv2d", &conv2d_cpu);
  m.impl("conv2d_backward", &conv2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
