#include <torch/library.h>

#include "pool2d/avg_pool2d.h"
#include "pool2d/cpu/window_average_loops.h"

namespace convlab {
namespace ops {

namespace {

at::Tensor avg_pool2d_cpu(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  return cpu::window_average(input, g, SlidingWindow{});
}

at::Tensor avg_pool2d_backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, at::IntArrayRef kernel_size,
    at::IntArrayRef stride, at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  check_pool2d_grad_output(grad_output, input, g, "convlab.avg_pool2d_backward");
  return cpu::window_average_backward(grad_output, g, SlidingWindow{});
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("avg_pool2d", &avg_pool2d_cpu);
  m.impl("avg_pool2d_backward", &avg_pool2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
