// The sliding-window convolution: every output, input gradient and filter gradient computed
// straight from its definition by the device's loops (direct.h). No workspace at all.
#include "conv2d/algorithm.h"
#include "conv2d/direct/direct.h"

namespace convlab {
namespace ops {

namespace {

at::Tensor direct_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels&) {
  const auto& direct = direct_kernels().on(kernel_device(input));
  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, input.options());
  direct.forward(input.contiguous(), weight.contiguous(), contiguous_bias(bias), g, output);
  return output;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> direct_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels&) {
  const auto& direct = direct_kernels().on(kernel_device(input));
  const auto go = grad_output.contiguous();
  auto grad_input = unused_gradient(input);
  auto grad_weight = unused_gradient(input);
  if (output_mask[0]) {
    grad_input = at::empty({g.batch, g.in_channels, g.in_h, g.in_w}, input.options());
    direct.grad_input(go, weight.contiguous(), g, grad_input);
  }
  if (output_mask[1]) {
    grad_weight = at::empty(weight.sizes(), weight.options());
    direct.grad_weight(go, input.contiguous(), g, grad_weight);
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(go) : unused_gradient(input);
  return {grad_input, grad_weight, grad_bias};
}

} // namespace

DeviceTable<DirectKernels>& direct_kernels() {
  static DeviceTable<DirectKernels> table("direct conv2d");
  return table;
}

CONVLAB_CONV2D_ALGORITHM(direct, {"direct", nullptr, direct_forward, direct_backward});

} // namespace ops
} // namespace convlab
