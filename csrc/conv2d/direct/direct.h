#pragma once

// The sliding-window (direct) convolution, one element at a time: what each CUDA thread
// (direct_grid.h, launched by cuda/direct_cuda.cu) computes. The CPU loops
// (cpu/direct_cpu.cpp) add the same terms in the same order, with a channel axis innermost so
// they vectorise; both walk the window with sliding_window.h. The lecture's first algorithm
// and convlab's most literal reference: no lowering, no transform.
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include "common/device_table.h"
#include "conv2d/conv2d.h"
#include "common/sliding_window.h"

namespace convlab {
namespace ops {

// Output (sample, oc, oh, ow): bias plus the window of every input channel of oc's group
// weighted by oc's filter, summed in the order channel, tap row, tap column. Tensors are
// contiguous NCHW / (out, in/groups, kh, kw).
template <typename scalar_t>
C10_HOST_DEVICE inline scalar_t direct_conv_output(
    const scalar_t* input, const scalar_t* weight, const scalar_t* bias, const Conv2dGeometry& g,
    int64_t sample, int64_t oc, int64_t oh, int64_t ow) {
  using opmath_t = at::opmath_type<scalar_t>;
  const int64_t first_channel = (oc / g.out_channels_per_group()) * g.in_channels_per_group();
  opmath_t sum = bias == nullptr ? opmath_t(0) : static_cast<opmath_t>(bias[oc]);
  for (int64_t c = 0; c < g.in_channels_per_group(); ++c) {
    const scalar_t* plane = input + (sample * g.in_channels + first_channel + c) * g.in_h * g.in_w;
    const scalar_t* filter = weight + (oc * g.in_channels_per_group() + c) * g.kernel_h * g.kernel_w;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      const OutputRange rows =
          outputs_reading_inside(ki, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h);
      if (oh < rows.begin || oh >= rows.end) {
        continue;
      }
      const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        const OutputRange cols =
            outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
        if (ow >= cols.begin && ow < cols.end) {
          const int64_t iw = tap_position(ow, kj, g.stride_w, g.pad_w, g.dilation_w);
          sum += static_cast<opmath_t>(plane[ih * g.in_w + iw]) *
              static_cast<opmath_t>(filter[ki * g.kernel_w + kj]);
        }
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

// Gradient of input element (sample, ic, ih, iw): every output of ic's group whose window
// reads it, times the filter tap that read it (the transposed convolution, as a gather),
// summed in the order output channel, output row, output column.
template <typename scalar_t>
C10_HOST_DEVICE inline scalar_t direct_conv_grad_input(
    const scalar_t* grad_output, const scalar_t* weight, const Conv2dGeometry& g,
    int64_t sample, int64_t ic, int64_t ih, int64_t iw) {
  using opmath_t = at::opmath_type<scalar_t>;
  const int64_t group = ic / g.in_channels_per_group();
  const int64_t c = ic % g.in_channels_per_group();
  const OutputRange rows = outputs_spanning(
      ih, g.pad_h, (g.kernel_h - 1) * g.dilation_h + 1, g.stride_h, g.out_h);
  const OutputRange cols = outputs_spanning(
      iw, g.pad_w, (g.kernel_w - 1) * g.dilation_w + 1, g.stride_w, g.out_w);
  opmath_t sum = 0;
  for (int64_t oc = group * g.out_channels_per_group(); oc < (group + 1) * g.out_channels_per_group(); ++oc) {
    const scalar_t* plane = grad_output + (sample * g.out_channels + oc) * g.out_h * g.out_w;
    const scalar_t* filter = weight + (oc * g.in_channels_per_group() + c) * g.kernel_h * g.kernel_w;
    for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
      const int64_t ki = tap_reading(ih, oh, g.pad_h, g.kernel_h, g.stride_h, g.dilation_h);
      if (ki < 0) {
        continue;
      }
      for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
        const int64_t kj = tap_reading(iw, ow, g.pad_w, g.kernel_w, g.stride_w, g.dilation_w);
        if (kj >= 0) {
          sum += static_cast<opmath_t>(plane[oh * g.out_w + ow]) *
              static_cast<opmath_t>(filter[ki * g.kernel_w + kj]);
        }
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

// Gradient of filter tap (oc, c, ki, kj): over the batch, every output of oc times the input
// element that tap read for it, summed in the order sample, output row, output column.
template <typename scalar_t>
C10_HOST_DEVICE inline scalar_t direct_conv_grad_weight(
    const scalar_t* grad_output, const scalar_t* input, const Conv2dGeometry& g, int64_t oc,
    int64_t c, int64_t ki, int64_t kj) {
  using opmath_t = at::opmath_type<scalar_t>;
  const int64_t ic = (oc / g.out_channels_per_group()) * g.in_channels_per_group() + c;
  const OutputRange rows =
      outputs_reading_inside(ki, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h);
  const OutputRange cols =
      outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
  const int64_t first_iw = tap_position(0, kj, g.stride_w, g.pad_w, g.dilation_w);
  opmath_t sum = 0;
  for (int64_t sample = 0; sample < g.batch; ++sample) {
    const scalar_t* plane = input + (sample * g.in_channels + ic) * g.in_h * g.in_w;
    const scalar_t* grad_plane = grad_output + (sample * g.out_channels + oc) * g.out_h * g.out_w;
    for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
      const scalar_t* in_row =
          plane + tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h) * g.in_w;
      const scalar_t* grad_row = grad_plane + oh * g.out_w;
      for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
        sum += static_cast<opmath_t>(grad_row[ow]) *
            static_cast<opmath_t>(in_row[ow * g.stride_w + first_iw]);
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

// The direct algorithm's loops over whole tensors, per device: each output, input gradient
// and filter gradient computed from its definition (the element functions above).
struct DirectKernels {
  void (*forward)(const at::Tensor& input, const at::Tensor& weight,
                  const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                  at::Tensor& output);
  void (*grad_input)(const at::Tensor& grad_output, const at::Tensor& weight,
                     const Conv2dGeometry& g, at::Tensor& grad_input);
  void (*grad_weight)(const at::Tensor& grad_output, const at::Tensor& input,
                      const Conv2dGeometry& g, at::Tensor& grad_weight);
};

// Filled by this algorithm's cpu/ and cuda/ kernel files.
DeviceTable<DirectKernels>& direct_kernels();

} // namespace ops
} // namespace convlab
