#include "checks.h"
#include "pool2d.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_max_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  return check_sliding_pool2d(
      input, kernel_size, stride, padding, dilation, ceil_mode, "convlab.max_pool2d");
}

// The backward needs only where each maximum came from: the geometry is read off
// the input and the indices.
Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices) {
  constexpr const char* op = "convlab.max_pool2d_backward";
  check_pool2d_input(input, op);
  check_4d(indices, op, "indices");
  TORCH_CHECK_TYPE(
      indices.scalar_type() == at::kLong, op, ": indices must be int64, got ",
      indices.scalar_type());
  TORCH_CHECK_VALUE(
      indices.device() == input.device(), op, ": indices is on ", indices.device(),
      " but input is on ", input.device());
  Pool2dGeometry g{};
  g.batch = input.size(0);
  g.channels = input.size(1);
  g.in_h = input.size(2);
  g.in_w = input.size(3);
  g.out_h = indices.size(2);
  g.out_w = indices.size(3);
  check_shape(indices, {g.batch, g.channels, g.out_h, g.out_w}, op, "indices");
  check_pool2d_grad_output(grad_output, input, g, op);
  return g;
}

} // namespace ops
} // namespace convlab
