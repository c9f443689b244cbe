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

Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode) {
  constexpr const char* op = "convlab.max_pool2d_backward";
  const auto g = check_sliding_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, op);
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

} // namespace ops
} // namespace convlab
