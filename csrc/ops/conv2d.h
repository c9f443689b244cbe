#pragma once

#include <ATen/ATen.h>
#include <c10/macros/Macros.h>

namespace convlab {
namespace ops {

// Sizes of one conv2d call, validated once and shared by every kernel.
struct Conv2dGeometry {
  int64_t batch, in_channels, in_h, in_w;
  int64_t out_channels, kernel_h, kernel_w;
  int64_t stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int64_t groups;
  int64_t out_h, out_w;

  C10_HOST_DEVICE int64_t in_channels_per_group() const { return in_channels / groups; }
  C10_HOST_DEVICE int64_t out_channels_per_group() const { return out_channels / groups; }
  // Rows of one group's lowered (im2col) matrix.
  C10_HOST_DEVICE int64_t patch_size() const { return in_channels_per_group() * kernel_h * kernel_w; }
};

// Raise a Python-visible error naming the offending argument on bad input. Half types
// are accepted on CUDA only.
Conv2dGeometry check_conv2d(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups);

Conv2dGeometry check_conv2d_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups);

// What a device supplies to the conv algorithms: kernels that lower image patches to columns
// and back, and a batched GEMM. Layout of `columns`: (in_channels * kernel_h * kernel_w,
// batch, out_h * out_w), so one group's rows form a (patch_size, batch * out_h * out_w)
// matrix and a whole chunk of the batch is one GEMM.
struct Conv2dDeviceKernels {
  void (*im2col)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns);
  // Writes into every element of `grad_input` the sum of the columns that read it.
  void (*col2im)(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input);
  // out[i] = a[i] @ b[i] (+ out[i] when accumulate); a, b row-major or transposed views.
  void (*bmm)(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);
  // Upper bound on elements of one columns buffer; the batch is processed in chunks below it.
  int64_t max_column_elements;
};

// The ways convlab computes a convolution; every device offers each of them.
enum class Conv2dAlgorithm { Im2colGemm };

// The one place that decides how a convolution of geometry `g` is computed.
Conv2dAlgorithm choose_conv2d_algorithm(const Conv2dGeometry& g);

// Forward and backward through the chosen algorithm, with `device`'s kernels.
at::Tensor conv2d_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels& device);

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels& device);

at::Tensor conv2d_im2col_gemm(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels& device);

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_im2col_gemm(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels& device);

} // namespace ops
} // namespace convlab
