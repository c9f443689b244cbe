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
  // The same convolution over `n` samples (a chunk of the batch).
  Conv2dGeometry with_batch(int64_t n) const {
    Conv2dGeometry chunk = *this;
    chunk.batch = n;
    return chunk;
  }
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

// What a device supplies to the conv algorithms: loops that compute the shared element
// functions (im2col.h, direct_conv.h, winograd.h) over whole tensors (the CUDA threads call
// them; the CPU runs im2col, col2im and direct a row or a channel run at a time, with the same
// values in the same summation order), and a batched GEMM. All tensors
// are contiguous. Layouts:
//   columns (im2col): (in_channels * kernel_h * kernel_w, batch, out_h * out_w), so one
//     group's rows form a (patch_size, batch * out_h * out_w) matrix: one GEMM per group;
//   Winograd, in the accumulation type, with T = batch * tiles_h * tiles_w tiles:
//     u (36, out_channels, in_channels / groups), v (36, in_channels, T),
//     m (36, out_channels, T) = u @ v per transform point and group.
struct Conv2dDeviceKernels {
  void (*im2col)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns);
  // Writes into every element of `grad_input` the sum of the columns that read it.
  void (*col2im)(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input);
  void (*direct_conv)(const at::Tensor& input, const at::Tensor& weight,
                      const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                      at::Tensor& output);
  void (*direct_conv_grad_input)(const at::Tensor& grad_output, const at::Tensor& weight,
                                 const Conv2dGeometry& g, at::Tensor& grad_input);
  void (*direct_conv_grad_weight)(const at::Tensor& grad_output, const at::Tensor& input,
                                  const Conv2dGeometry& g, at::Tensor& grad_weight);
  void (*winograd_filters)(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u);
  void (*winograd_inputs)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v);
  void (*winograd_outputs)(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                           const Conv2dGeometry& g, at::Tensor& output);
  // out[i] = a[i] @ b[i] (+ out[i] when accumulate); a, b row-major or transposed views.
  void (*bmm)(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);
};

// The ways convlab computes a convolution; every device offers each of them.
enum class Conv2dAlgorithm { Direct, Im2col, Winograd, Fft };

// The one place that decides how a convolution is computed: `requested` is an algorithm's
// name, or "auto" for the rule table (conv2d.cpp). A named algorithm that cannot do this
// geometry raises a ValueError saying why.
Conv2dAlgorithm choose_conv2d_algorithm(const Conv2dGeometry& g, c10::string_view requested);
const char* conv2d_algorithm_name(Conv2dAlgorithm algorithm);

// The convlab::conv2d_algorithm op: the name of the algorithm a call would run.
std::string conv2d_algorithm(
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view requested);

// Forward and backward through `requested`'s algorithm (see choose_conv2d_algorithm), with
// `device`'s kernels.
at::Tensor conv2d_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    c10::string_view requested,
    const Conv2dDeviceKernels& device);

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    c10::string_view requested,
    const Conv2dDeviceKernels& device);

// The algorithms, each in its own file (conv2d_<algorithm>.cpp).
at::Tensor conv2d_direct(const at::Tensor& input, const at::Tensor& weight,
                         const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                         const Conv2dDeviceKernels& device);
std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_direct(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device);

at::Tensor conv2d_im2col_gemm(const at::Tensor& input, const at::Tensor& weight,
                              const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                              const Conv2dDeviceKernels& device);
std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_im2col_gemm(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device);

at::Tensor conv2d_winograd(const at::Tensor& input, const at::Tensor& weight,
                           const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                           const Conv2dDeviceKernels& device);
std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_winograd(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device);

at::Tensor conv2d_fft(const at::Tensor& input, const at::Tensor& weight,
                      const std::optional<at::Tensor>& bias, const Conv2dGeometry& g);
std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_fft(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask);

// Samples per chunk of the batch when each sample needs `workspace_per_sample` elements of
// lowered data: as many as fit the workspace limit of `input`'s device (workspace.h), at
// least one.
int64_t samples_per_chunk(const Conv2dGeometry& g, int64_t workspace_per_sample,
                          const at::Tensor& input);
// The bias, contiguous, for the device loops that read it by pointer.
std::optional<at::Tensor> contiguous_bias(const std::optional<at::Tensor>& bias);

// What every algorithm's backward shares: gradients not asked for come back empty, each its
// own tensor (outputs must not alias); grad_bias is the sum of grad_output per channel.
at::Tensor unused_gradient(const at::Tensor& like);
at::Tensor conv2d_grad_bias(const at::Tensor& grad_output);
// Half types accumulate reductions and transforms in float32.
at::ScalarType accumulate_type(const at::Tensor& t);

} // namespace ops
} // namespace convlab
