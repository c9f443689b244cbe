#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "gemm.h"
#include "im2col.h"

namespace convlab {
namespace ops {

namespace {

// Columns buffers up to 1 GiB of float32 per chunk of the batch.
const Conv2dDeviceKernels kCuda{cuda::im2col, cuda::col2im, cuda::bmm, int64_t{1} << 28};

at::Tensor conv2d_cuda(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  const c10::cuda::CUDAGuard device_guard(input.device());
  return conv2d_forward(input, weight, bias, g, kCuda);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_cuda(
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
  const c10::cuda::CUDAGuard device_guard(input.device());
  return conv2d_backward(grad_output, input, weight, g, output_mask, kCuda);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("conv2d", &conv2d_cuda);
  m.impl("conv2d_backward", &conv2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
