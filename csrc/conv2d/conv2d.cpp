#include "conv2d/conv2d.h"

#include <algorithm>

#include <ATen/DeviceGuard.h>
#include <torch/library.h>

#include "common/checks.h"
#include "common/workspace.h"
#include "conv2d/algorithm.h"

namespace convlab {
namespace ops {

namespace {
constexpr const char* kOp = "convlab.conv2d";

int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation) {
  return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}
} // namespace

Conv2dGeometry check_conv2d(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  check_4d(input, kOp, "input");
  check_4d(weight, kOp, "weight");
  check_same_device_and_dtype(input, "input", weight, "weight", kOp);
  check_floating_dtype(input, kOp);
  check_pair(stride, kOp, "stride", 1);
  check_pair(padding, kOp, "padding", 0);
  check_pair(dilation, kOp, "dilation", 1);
  TORCH_CHECK_VALUE(groups >= 1, kOp, ": groups must be >= 1, got ", groups);

  Conv2dGeometry g;
  g.batch = input.size(0);
  g.in_channels = input.size(1);
  g.in_h = input.size(2);
  g.in_w = input.size(3);
  g.out_channels = weight.size(0);
  g.kernel_h = weight.size(2);
  g.kernel_w = weight.size(3);
  g.stride_h = stride[0];
  g.stride_w = stride[1];
  g.pad_h = padding[0];
  g.pad_w = padding[1];
  g.dilation_h = dilation[0];
  g.dilation_w = dilation[1];
  g.groups = groups;

  TORCH_CHECK_VALUE(
      g.in_channels % groups == 0, kOp, ": input channels (", g.in_channels,
      ") must be divisible by groups (", groups, ")");
  TORCH_CHECK_VALUE(
      g.out_channels >= 1 && g.out_channels % groups == 0, kOp, ": weight.size(0) (out_channels = ",
      g.out_channels, ") must be a positive multiple of groups (", groups, ")");
  TORCH_CHECK_VALUE(
      weight.size(1) * groups == g.in_channels, kOp, ": input has ", g.in_channels,
      " channels but weight of shape ", weight.sizes(), " with groups=", groups, " expects ",
      weight.size(1) * groups);
  TORCH_CHECK_VALUE(
      g.kernel_h >= 1 && g.kernel_w >= 1, kOp, ": weight kernel size must be >= 1, got ",
      weight.sizes());
  if (bias.has_value()) {
    check_same_device_and_dtype(input, "input", *bias, "bias", kOp);
    TORCH_CHECK_VALUE(
        bias->dim() == 1 && bias->size(0) == g.out_channels, kOp, ": expected bias of shape (",
        g.out_channels, "), got ", bias->sizes());
  }

  g.out_h = conv_output_size(g.in_h, g.kernel_h, g.stride_h, g.pad_h, g.dilation_h);
  g.out_w = conv_output_size(g.in_w, g.kernel_w, g.stride_w, g.pad_w, g.dilation_w);
  TORCH_CHECK_VALUE(
      g.in_h + 2 * g.pad_h >= g.dilation_h * (g.kernel_h - 1) + 1 &&
          g.in_w + 2 * g.pad_w >= g.dilation_w * (g.kernel_w - 1) + 1,
      kOp, ": kernel size (", g.kernel_h, ", ", g.kernel_w, ") with dilation ", dilation,
      " is larger than the padded input (", g.in_h + 2 * g.pad_h, ", ", g.in_w + 2 * g.pad_w, ")");
  return g;
}

Conv2dGeometry check_conv2d_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  const auto g = check_conv2d(input, weight, std::nullopt, stride, padding, dilation, groups);
  check_same_device_and_dtype(input, "input", grad_output, "grad_output", "convlab.conv2d_backward");
  check_shape(
      grad_output, {g.batch, g.out_channels, g.out_h, g.out_w}, "convlab.conv2d_backward",
      "grad_output");
  return g;
}

namespace {

// The conv2d and conv2d_backward ops on every device: the device's kernels come from the
// tables its kernel files fill, so one entry serves the CPU and the GPU.
at::Tensor conv2d_op(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view algorithm) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  const at::DeviceGuard device_guard(input.device());
  const KernelDevice device = kernel_device(input);
  return choose_conv2d_algorithm(g, algorithm, device)
      .forward(input, weight, bias, g, conv2d_device_kernels().on(device));
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_op(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    std::array<bool, 3> output_mask,
    c10::string_view algorithm) {
  const auto g =
      check_conv2d_backward(grad_output, input, weight, stride, padding, dilation, groups);
  const at::DeviceGuard device_guard(input.device());
  const KernelDevice device = kernel_device(input);
  return choose_conv2d_algorithm(g, algorithm, device)
      .backward(grad_output, input, weight, g, output_mask, conv2d_device_kernels().on(device));
}

} // namespace

DeviceTable<Conv2dDeviceKernels>& conv2d_device_kernels() {
  static DeviceTable<Conv2dDeviceKernels> table("conv2d im2col/col2im/GEMM");
  return table;
}

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  // algorithm: "auto" (rule_table.cpp) or a registered algorithm's name
  // (torch.ops.convlab.conv2d_algorithms()).
  m.def(
      "conv2d(Tensor input, Tensor weight, Tensor? bias, int[2] stride, int[2] padding, "
      "int[2] dilation, int groups, str algorithm=\"auto\") -> Tensor");
  // Gradients not asked for in output_mask come back as empty tensors.
  m.def(
      "conv2d_backward(Tensor grad_output, Tensor input, Tensor weight, int[2] stride, "
      "int[2] padding, int[2] dilation, int groups, bool[3] output_mask, "
      "str algorithm=\"auto\") -> (Tensor, Tensor, Tensor)");
}

// One entry for both devices; a CPU-only build has no CUDA kernels in its tables and says so.
TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("conv2d", &conv2d_op);
  m.impl("conv2d_backward", &conv2d_backward_op);
}

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("conv2d", &conv2d_op);
  m.impl("conv2d_backward", &conv2d_backward_op);
}

int64_t samples_per_chunk(const Conv2dGeometry& g, int64_t workspace_per_sample,
                          const at::Tensor& input) {
  const int64_t per_sample = std::max<int64_t>(1, workspace_per_sample);
  const int64_t limit = workspace_limit(kernel_device(input));
  return std::max<int64_t>(1, std::min(g.batch, limit / per_sample));
}

std::optional<at::Tensor> contiguous_bias(const std::optional<at::Tensor>& bias) {
  if (!bias.has_value()) {
    return std::nullopt;
  }
  return bias->contiguous();
}

at::Tensor unused_gradient(const at::Tensor& like) {
  return at::empty({0}, like.options());
}

at::ScalarType accumulate_type(const at::Tensor& t) {
  const auto type = t.scalar_type();
  return (type == at::kHalf || type == at::kBFloat16) ? at::kFloat : type;
}

at::Tensor rotated_filters(const at::Tensor& weight, const Conv2dGeometry& g) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  return weight.reshape({g.groups, ocg, icg, g.kernel_h, g.kernel_w})
      .transpose(1, 2)
      .flip({3, 4})
      .reshape({g.in_channels, ocg, g.kernel_h, g.kernel_w});
}

Conv2dGeometry full_convolution_geometry(const Conv2dGeometry& g, int64_t in_h, int64_t in_w,
                                         int64_t pad_h, int64_t pad_w) {
  Conv2dGeometry full = g;
  full.in_channels = g.out_channels;
  full.out_channels = g.in_channels;
  full.in_h = in_h;
  full.in_w = in_w;
  full.pad_h = pad_h;
  full.pad_w = pad_w;
  full.out_h = g.in_h;
  full.out_w = g.in_w;
  return full;
}

at::Tensor conv2d_grad_bias(const at::Tensor& grad_output) {
  return at::sum(grad_output, {0, 2, 3}, false, accumulate_type(grad_output))
      .to(grad_output.scalar_type());
}

} // namespace ops
} // namespace convlab
