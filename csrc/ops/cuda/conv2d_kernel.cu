#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "gemm.h"
#include "conv2d_loops.h"

namespace convlab {
namespace ops {

namespace {

const Conv2dDeviceKernels kCuda{
    cuda::im2col, cuda::col2im, cuda::direct_conv, cuda::direct_conv_grad_input,
    cuda::direct_conv_grad_weight, cuda::winograd_filters, cuda::winograd_inputs,
    cuda::winograd_outputs, cuda::bmm};

at::Tensor conv2d_cuda(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view algorithm) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  const c10::cuda::CUDAGuard device_guard(input.device());
  return conv2d_forward(input, weight, bias, g, algorithm, kCuda);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_cuda(
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
  const c10::cuda::CUDAGuard device_guard(input.device());
  return conv2d_backward(grad_output, input, weight, g, output_mask, algorithm, kCuda);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("conv2d", &conv2d_cuda);
  m.impl("conv2d_backward", &conv2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
