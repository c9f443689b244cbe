#include "conv2d.h"

#include <algorithm>

#include "checks.h"
#include "winograd.h"
#include "workspace.h"

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

constexpr Conv2dAlgorithm kAlgorithms[] = {
    Conv2dAlgorithm::Direct, Conv2dAlgorithm::Im2col, Conv2dAlgorithm::Winograd,
    Conv2dAlgorithm::Fft};

// Why `algorithm` cannot compute geometry `g`, or empty when it can.
std::string unsupported_because(Conv2dAlgorithm algorithm, const Conv2dGeometry& g) {
  if (algorithm == Conv2dAlgorithm::Winograd &&
      (g.kernel_h != 3 || g.kernel_w != 3 || g.stride_h != 1 || g.stride_w != 1 ||
       g.dilation_h != 1 || g.dilation_w != 1)) {
    return c10::str(
        "winograd needs a 3x3 kernel with stride 1 and dilation 1, got a ", g.kernel_h, "x",
        g.kernel_w, " kernel with stride (", g.stride_h, ", ", g.stride_w, ") and dilation (",
        g.dilation_h, ", ", g.dilation_w, ")");
  }
  return "";
}

// The rule table behind "auto", read off the benchmark suite on this project's 2-core CPU
// (README, "Choosing an algorithm"; one thread, 2026-11-27); the GPU uses it too until
// measured there.
// - Winograd for 3x3 kernels with stride 1 and dilation 1, at least 16 input channels per
//   group, outputs of at least 4x4 and at least 64 tiles in the batch (batch x 4x4 output
//   tiles: the columns of its 36 GEMMs), 128 from 256 input channels per group. Forward +
//   backward, ms, Winograd / im2col / native: VGG-16 (batch 32) 64->64 at 32x32 74 / 99 /
//   107, 128->256 at 8x8 37 / 45 / 43, 256->256 at 8x8 70 / 89 / 86; AlexNet's 192->384 at
//   8x8 80 / 98 / 98. At 4x4 (one tile per plane, mostly border) the GEMMs need the columns,
//   deep ones more: 128->128 at batch 128 22 / 31, at 64 14.0 / 15.9, at 32 9.0 / 8.1;
//   256->256 at 64 49 / 54; 256->512 at 64 99 / 91; 512->512 at batch 128 341 / 382, at 64
//   250 / 192, at 32 161 / 95. Fewer input channels leave the GEMMs too shallow for the
//   transforms: VGG's 3-channel first layer 8.8 / 5.0 / 4.5.
// - im2col everywhere else: it wins or ties every other conv layer of LeNet-5, AlexNet and
//   VGG-11/16 (LeNet-5's C1, batch 256: im2col 7.2 ms, native 12.9).
// - Direct never wins: it is the readable reference.
constexpr int64_t kWinogradMinChannels = 16;
constexpr int64_t kWinogradMinOutputSide = 4;
constexpr int64_t kWinogradMinTiles = 64;
constexpr int64_t kWinogradDeepChannels = 256;
constexpr int64_t kWinogradMinTilesDeep = 128;

Conv2dAlgorithm rule_table(const Conv2dGeometry& g) {
  const int64_t tiles = g.batch * winograd_tiles(g.out_h) * winograd_tiles(g.out_w);
  const int64_t min_tiles = g.in_channels_per_group() >= kWinogradDeepChannels
      ? kWinogradMinTilesDeep
      : kWinogradMinTiles;
  if (unsupported_because(Conv2dAlgorithm::Winograd, g).empty() &&
      g.in_channels_per_group() >= kWinogradMinChannels &&
      std::min(g.out_h, g.out_w) >= kWinogradMinOutputSide && tiles >= min_tiles) {
    return Conv2dAlgorithm::Winograd;
  }
  return Conv2dAlgorithm::Im2col;
}

} // namespace

const char* conv2d_algorithm_name(Conv2dAlgorithm algorithm) {
  switch (algorithm) {
    case Conv2dAlgorithm::Direct: return "direct";
    case Conv2dAlgorithm::Im2col: return "im2col";
    case Conv2dAlgorithm::Winograd: return "winograd";
    case Conv2dAlgorithm::Fft: return "fft";
  }
  TORCH_INTERNAL_ASSERT(false, "unknown conv2d algorithm");
}

Conv2dAlgorithm choose_conv2d_algorithm(const Conv2dGeometry& g, c10::string_view requested) {
  if (requested == "auto") {
    return rule_table(g);
  }
  for (const auto algorithm : kAlgorithms) {
    if (requested == conv2d_algorithm_name(algorithm)) {
      const auto reason = unsupported_because(algorithm, g);
      TORCH_CHECK_VALUE(reason.empty(), "convlab.conv2d: algorithm '", requested, "' cannot do this convolution: ", reason);
      return algorithm;
    }
  }
  TORCH_CHECK_VALUE(
      false, "convlab.conv2d: algorithm must be one of 'auto', 'direct', 'im2col', 'winograd', "
      "'fft'; got '", requested, "'");
}

std::string conv2d_algorithm(
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view requested) {
  const auto g = check_conv2d(input, weight, std::nullopt, stride, padding, dilation, groups);
  return conv2d_algorithm_name(choose_conv2d_algorithm(g, requested));
}

at::Tensor conv2d_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    c10::string_view requested,
    const Conv2dDeviceKernels& device) {
  switch (choose_conv2d_algorithm(g, requested)) {
    case Conv2dAlgorithm::Direct: return conv2d_direct(input, weight, bias, g, device);
    case Conv2dAlgorithm::Im2col: return conv2d_im2col_gemm(input, weight, bias, g, device);
    case Conv2dAlgorithm::Winograd: return conv2d_winograd(input, weight, bias, g, device);
    case Conv2dAlgorithm::Fft: return conv2d_fft(input, weight, bias, g);
  }
  TORCH_INTERNAL_ASSERT(false, "unknown conv2d algorithm");
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    c10::string_view requested,
    const Conv2dDeviceKernels& device) {
  switch (choose_conv2d_algorithm(g, requested)) {
    case Conv2dAlgorithm::Direct:
      return conv2d_backward_direct(grad_output, input, weight, g, output_mask, device);
    case Conv2dAlgorithm::Im2col:
      return conv2d_backward_im2col_gemm(grad_output, input, weight, g, output_mask, device);
    case Conv2dAlgorithm::Winograd:
      return conv2d_backward_winograd(grad_output, input, weight, g, output_mask, device);
    case Conv2dAlgorithm::Fft:
      return conv2d_backward_fft(grad_output, input, weight, g, output_mask);
  }
  TORCH_INTERNAL_ASSERT(false, "unknown conv2d algorithm");
}

int64_t samples_per_chunk(const Conv2dGeometry& g, int64_t workspace_per_sample,
                          const at::Tensor& input) {
  const int64_t per_sample = std::max<int64_t>(1, workspace_per_sample);
  const int64_t limit = workspace_limit(input.device().type());
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

at::Tensor conv2d_grad_bias(const at::Tensor& grad_output) {
  return at::sum(grad_output, {0, 2, 3}, false, accumulate_type(grad_output))
      .to(grad_output.scalar_type());
}

} // namespace ops
} // namespace convlab
