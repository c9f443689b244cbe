#pragma once

#include <ATen/ATen.h>
#include <torch/library.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"

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

// What every device supplies to every conv algorithm: lowering patches to columns (im2col)
// and back (col2im), and a batched GEMM. Algorithms with loops of their own keep them in a
// DeviceTable of their own (direct/direct.h, winograd/winograd.h). All tensors are
// contiguous. columns: (in_channels * kernel_h * kernel_w, batch, out_h * out_w), so one
// group's rows form a (patch_size, batch * out_h * out_w) matrix: one GEMM per group.
struct Conv2dDeviceKernels {
  void (*im2col)(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns);
  // Writes into every element of `grad_input` the sum of the columns that read it.
  void (*col2im)(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input);
  // out[i] = a[i] @ b[i] (+ out[i] when accumulate); a, b row-major or transposed views.
  void (*bmm)(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);
};

// Filled by conv2d/im2col/cpu, cuda and emulated.
DeviceTable<Conv2dDeviceKernels>& conv2d_device_kernels();

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
// grad_input of a stride-1 convolution as a convolution of grad_output (the "full" one, which
// Winograd and implicit GEMM run): the filters rotated 180 degrees with input and output
// channels swapped within each group, and the geometry over a grad_output plane of
// in_h x in_w padded by (pad_h, pad_w), whose output is g's input plane.
at::Tensor rotated_filters(const at::Tensor& weight, const Conv2dGeometry& g);
Conv2dGeometry full_convolution_geometry(const Conv2dGeometry& g, int64_t in_h, int64_t in_w,
                                         int64_t pad_h, int64_t pad_w);
// Half types accumulate reductions and transforms in float32.
at::ScalarType accumulate_type(const at::Tensor& t);

} // namespace ops
} // namespace convlab
