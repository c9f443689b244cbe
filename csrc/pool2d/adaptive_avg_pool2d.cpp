#include "pool2d/adaptive_avg_pool2d.h"

#include <ATen/DeviceGuard.h>
#include <torch/library.h>

#include "common/checks.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_adaptive_avg_pool2d(const at::Tensor& input, at::IntArrayRef output_size) {
  constexpr const char* op = "convlab.adaptive_avg_pool2d";
  check_pool2d_input(input, op);
  check_pair(output_size, op, "output_size", 1);
  Pool2dGeometry g{};
  g.batch = input.size(0);
  g.channels = input.size(1);
  g.in_h = input.size(2);
  g.in_w = input.size(3);
  g.out_h = output_size[0];
  g.out_w = output_size[1];
  return g;
}

Pool2dGeometry check_adaptive_avg_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input) {
  constexpr const char* op = "convlab.adaptive_avg_pool2d_backward";
  check_pool2d_input(input, op);
  check_4d(grad_output, op, "grad_output");
  const auto g = check_adaptive_avg_pool2d(input, grad_output.sizes().slice(2));
  check_pool2d_grad_output(grad_output, input, g, op);
  return g;
}

DeviceTable<WindowAverageKernels>& adaptive_avg_pool2d_kernels() {
  static DeviceTable<WindowAverageKernels> table("adaptive_avg_pool2d");
  return table;
}

namespace {

// The ops on every device: checks, the device guard, then the device's kernels.
at::Tensor adaptive_avg_pool2d_op(const at::Tensor& input, at::IntArrayRef output_size) {
  const auto g = check_adaptive_avg_pool2d(input, output_size);
  const at::DeviceGuard device_guard(input.device());
  return adaptive_avg_pool2d_kernels().on(kernel_device(input)).forward(input.contiguous(), g);
}

at::Tensor adaptive_avg_pool2d_backward_op(const at::Tensor& grad_output, const at::Tensor& input) {
  const auto g = check_adaptive_avg_pool2d_backward(grad_output, input);
  const at::DeviceGuard device_guard(input.device());
  return adaptive_avg_pool2d_kernels().on(kernel_device(input))
      .backward(grad_output.contiguous(), g);
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("adaptive_avg_pool2d(Tensor input, int[2] output_size) -> Tensor");
  m.def("adaptive_avg_pool2d_backward(Tensor grad_output, Tensor input) -> Tensor");
}

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("adaptive_avg_pool2d", &adaptive_avg_pool2d_op);
  m.impl("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward_op);
}

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("adaptive_avg_pool2d", &adaptive_avg_pool2d_op);
  m.impl("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward_op);
}

} // namespace ops
} // namespace convlab
