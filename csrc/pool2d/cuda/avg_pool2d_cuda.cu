#include <torch/library.h>

#include "pool2d/avg_pool2d.h"
#include "pool2d/cuda/window_average_loops.cuh"

namespace convlab {
namespace ops {

namespace {

at::Tensor avg_pool2d_cuda(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  return cuda::window_average(input, g, SlidingWindow{});
}

at::Tensor avg_pool2d_backward_cuda(
    const at::Tensor& grad_output, const at::Tensor& input, at::IntArrayRef kernel_size,
    at::IntArrayRef stride, at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  check_pool2d_grad_output(grad_output, input, g, "convlab.avg_pool2d_backward");
  return cuda::window_average_backward(grad_output, g, SlidingWindow{});
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("avg_pool2d", &avg_pool2d_cuda);
  m.impl("avg_pool2d_backward", &avg_pool2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
