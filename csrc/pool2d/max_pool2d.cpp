#include "pool2d/max_pool2d.h"

#include <ATen/DeviceGuard.h>
#include <torch/library.h>

#include "common/checks.h"

namespace convlab {
namespace ops {

namespace {

// With dilation, a window's taps can all land in the padding (or jump over the input): its
// maximum would be -inf with no element to route the gradient to. torch reads out of bounds
// there; convlab refuses the arguments.
void check_no_empty_window(const Pool2dGeometry& g, at::IntArrayRef kernel_size,
                           at::IntArrayRef stride, at::IntArrayRef padding,
                           at::IntArrayRef dilation, const char* op) {
  const int64_t out[2] = {g.out_h, g.out_w}, in[2] = {g.in_h, g.in_w};
  const char* axis[2] = {"row", "column"};
  for (int d = 0; d < 2; ++d) {
    for (int64_t o = 0; o < out[d]; ++o) {
      const WindowSpan span = max_window_span(o, stride[d], padding[d], kernel_size[d], dilation[d], in[d]);
      TORCH_CHECK_VALUE(
          span.first < span.end, op, ": with kernel_size ", kernel_size,
          ", stride ", stride, ", padding ", padding, " and dilation ", dilation,
          " the window of output ", axis[d], " ", o, " holds no input element (only padding); ",
          "reduce padding or dilation");
    }
  }
}

} // namespace

Pool2dGeometry check_max_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_sliding_pool2d(
      input, kernel_size, stride, padding, dilation, ceil_mode, "convlab.max_pool2d");
  check_no_empty_window(g, kernel_size, stride, padding, dilation, "convlab.max_pool2d");
  return g;
}

Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode) {
  constexpr const char* op = "convlab.max_pool2d_backward";
  const auto g = check_sliding_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, op);
  check_no_empty_window(g, kernel_size, stride, padding, dilation, op);
  TORCH_CHECK_TYPE(
      indices.scalar_type() == at::kLong, op, ": indices must be int64, got ",
      indices.scalar_type());
  TORCH_CHECK_VALUE(
      indices.device() == input.device(), op, ": indices is on ", indices.device(),
      " but input is on ", input.device());
  check_shape(indices, {g.batch, g.channels, g.out_h, g.out_w}, op, "indices");
  check_pool2d_grad_output(grad_output, input, g, op);
  return g;
}

DeviceTable<MaxPool2dKernels>& max_pool2d_kernels() {
  static DeviceTable<MaxPool2dKernels> table("max_pool2d");
  return table;
}

namespace {

// The ops on every device: checks, the device guard, then the device's kernels.
std::tuple<at::Tensor, at::Tensor> max_pool2d_op(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
  const at::DeviceGuard device_guard(input.device());
  return max_pool2d_kernels().on(kernel_device(input)).forward(input.contiguous(), g);
}

at::Tensor max_pool2d_backward_op(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d_backward(
      grad_output, input, indices, kernel_size, stride, padding, dilation, ceil_mode);
  const at::DeviceGuard device_guard(input.device());
  return max_pool2d_kernels().on(kernel_device(input))
      .backward(grad_output.contiguous(), indices.contiguous(), g);
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def(
      "max_pool2d(Tensor input, int[2] kernel_size, int[2] stride, int[2] padding, "
      "int[2] dilation, bool ceil_mode) -> (Tensor, Tensor)");
  // The window arguments let the backward gather each input's gradient from the windows that
  // can hold it (no scatter, so no atomics on the GPU).
  m.def(
      "max_pool2d_backward(Tensor grad_output, Tensor input, Tensor indices, int[2] kernel_size, "
      "int[2] stride, int[2] padding, int[2] dilation, bool ceil_mode) -> Tensor");
}

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("max_pool2d", &max_pool2d_op);
  m.impl("max_pool2d_backward", &max_pool2d_backward_op);
}

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("max_pool2d", &max_pool2d_op);
  m.impl("max_pool2d_backward", &max_pool2d_backward_op);
}

} // namespace ops
} // namespace convlab
