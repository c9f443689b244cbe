#include "pool2d/avg_pool2d.h"

#include <ATen/DeviceGuard.h>
#include <torch/library.h>

#include "common/checks.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_avg_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  constexpr const char* op = "convlab.avg_pool2d";
  const int64_t no_dilation[2] = {1, 1};
  auto g = check_sliding_pool2d(input, kernel_size, stride, padding, no_dilation, ceil_mode, op);
  TORCH_CHECK_VALUE(
      !divisor_override.has_value() || *divisor_override != 0, op,
      ": divisor_override must be non-zero");
  g.count_include_pad = count_include_pad;
  g.divisor_override = divisor_override.value_or(0);
  return g;
}

DeviceTable<WindowAverageKernels>& avg_pool2d_kernels() {
  static DeviceTable<WindowAverageKernels> table("avg_pool2d");
  return table;
}

namespace {

// The ops on every device: checks, the device guard, then the device's kernels.
at::Tensor avg_pool2d_op(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  const at::DeviceGuard device_guard(input.device());
  return avg_pool2d_kernels().on(kernel_device(input)).forward(input.contiguous(), g);
}

at::Tensor avg_pool2d_backward_op(
    const at::Tensor& grad_output, const at::Tensor& input, at::IntArrayRef kernel_size,
    at::IntArrayRef stride, at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  check_pool2d_grad_output(grad_output, input, g, "convlab.avg_pool2d_backward");
  const at::DeviceGuard device_guard(input.device());
  return avg_pool2d_kernels().on(kernel_device(input)).backward(grad_output.contiguous(), g);
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def(
      "avg_pool2d(Tensor input, int[2] kernel_size, int[2] stride, int[2] padding, "
      "bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
  m.def(
      "avg_pool2d_backward(Tensor grad_output, Tensor input, int[2] kernel_size, int[2] stride, "
      "int[2] padding, bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
}

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("avg_pool2d", &avg_pool2d_op);
  m.impl("avg_pool2d_backward", &avg_pool2d_backward_op);
}

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("avg_pool2d", &avg_pool2d_op);
  m.impl("avg_pool2d_backward", &avg_pool2d_backward_op);
}

} // namespace ops
} // namespace convlab
