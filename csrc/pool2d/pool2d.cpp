#include "pool2d/pool2d.h"

#include "common/checks.h"

namespace convlab {
namespace ops {

void check_pool2d_input(const at::Tensor& input, const char* op) {
  check_4d(input, op, "input");
  check_floating_dtype(input, op);
  TORCH_CHECK_VALUE(
      input.size(1) > 0 && input.size(2) > 0 && input.size(3) > 0, op,
      ": expected input with non-zero channels, height and width, got shape ", input.sizes());
}

int64_t pool_output_size(
    int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // Floor division that rounds towards -inf, as torch does for negative spans.
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) {
    --out;
  }
  return out;
}

Pool2dGeometry check_sliding_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode, const char* op) {
  check_pool2d_input(input, op);
  check_pair(kernel_size, op, "kernel_size", 1);
  check_pair(stride, op, "stride", 1);
  check_pair(padding, op, "padding", 0);
  check_pair(dilation, op, "dilation", 1);
  TORCH_CHECK_VALUE(
      padding[0] <= kernel_size[0] / 2 && padding[1] <= kernel_size[1] / 2, op,
      ": padding ", padding, " must be at most half of kernel_size ", kernel_size);

  Pool2dGeometry g{};
  g.batch = input.size(0);
  g.channels = input.size(1);
  g.in_h = input.size(2);
  g.in_w = input.size(3);
  g.kernel_h = kernel_size[0];
  g.kernel_w = kernel_size[1];
  g.stride_h = stride[0];
  g.stride_w = stride[1];
  g.pad_h = padding[0];
  g.pad_w = padding[1];
  g.dilation_h = dilation[0];
  g.dilation_w = dilation[1];
  g.out_h = pool_output_size(g.in_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h, ceil_mode);
  g.out_w = pool_output_size(g.in_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w, ceil_mode);
  TORCH_CHECK_VALUE(
      g.out_h >= 1 && g.out_w >= 1, op, ": kernel_size ", kernel_size, " with dilation ", dilation,
      " is larger than the padded input (", g.in_h + 2 * g.pad_h, ", ", g.in_w + 2 * g.pad_w, ")");
  return g;
}

void check_pool2d_grad_output(const at::Tensor& grad_output, const at::Tensor& input,
    const Pool2dGeometry& g, const char* op) {
  check_same_device_and_dtype(input, "input", grad_output, "grad_output", op);
  check_shape(grad_output, {g.batch, g.channels, g.out_h, g.out_w}, op, "grad_output");
}

} // namespace ops
} // namespace convlab
