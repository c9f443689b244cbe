#pragma once

// max_pool2d's checks and what one output (forward) or one input gradient (backward)
// computes: the CPU loops and the CUDA threads call the same functions.
#include <ATen/NumericUtils.h>
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include <limits>

#include "common/device_table.h"
#include "pool2d/pool2d.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_max_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode);
Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode);

// max_pool2d's loops per device, on contiguous tensors: the output and its arg-max indices;
// the gradient of the input from grad_output and those indices.
struct MaxPool2dKernels {
  std::tuple<at::Tensor, at::Tensor> (*forward)(const at::Tensor& input, const Pool2dGeometry& g);
  at::Tensor (*backward)(const at::Tensor& grad_output, const at::Tensor& indices,
                         const Pool2dGeometry& g);
};

// Filled by cpu/, cuda/ and emulated/ max_pool2d files.
DeviceTable<MaxPool2dKernels>& max_pool2d_kernels();

// First valid position of output o's dilated window along one axis (skipping taps in the
// left padding) and the end of its span clipped to the input.
struct WindowSpan {
  int64_t first, end;
};

C10_HOST_DEVICE inline WindowSpan max_window_span(
    int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t dilation, int64_t in_size) {
  int64_t first = o * stride - pad;
  const int64_t span_end = first + (kernel - 1) * dilation + 1;
  while (first < 0) {
    first += dilation;
  }
  return {first, span_end < in_size ? span_end : in_size};
}

template <typename scalar_t>
struct MaxAndIndex {
  scalar_t value;
  int64_t index; // within the plane: ih * in_w + iw
};

// Max pooling of output (oh, ow) over one plane. Like torch, the first maximum wins ties
// and a NaN propagates.
template <typename scalar_t>
C10_HOST_DEVICE inline MaxAndIndex<scalar_t> max_pool_value(
    const scalar_t* plane, const Pool2dGeometry& g, int64_t oh, int64_t ow) {
  using opmath_t = at::opmath_type<scalar_t>;
  const WindowSpan rows = max_window_span(oh, g.stride_h, g.pad_h, g.kernel_h, g.dilation_h, g.in_h);
  const WindowSpan cols = max_window_span(ow, g.stride_w, g.pad_w, g.kernel_w, g.dilation_w, g.in_w);
  opmath_t best = -std::numeric_limits<opmath_t>::infinity();
  int64_t best_index = rows.first * g.in_w + cols.first;
  for (int64_t ih = rows.first; ih < rows.end; ih += g.dilation_h) {
    for (int64_t iw = cols.first; iw < cols.end; iw += g.dilation_w) {
      const opmath_t value = static_cast<opmath_t>(plane[ih * g.in_w + iw]);
      if (value > best || at::_isnan(value)) {
        best = value;
        best_index = ih * g.in_w + iw;
      }
    }
  }
  return {static_cast<scalar_t>(best), best_index};
}

// Whether `index` (within the plane) is a tap of output (oh, ow)'s window: the backward
// trusts nothing else, since it only looks for an element in the windows that can hold it.
// It runs once per output, so it avoids divisions and data-dependent branches (on the CPU a
// mispredicted "which window row" costs more than the rest): every window row is tested,
// and at most one can hold `index`, since a column inside the input fixes the row.
C10_HOST_DEVICE inline bool max_pool_index_in_window(
    const Pool2dGeometry& g, int64_t oh, int64_t ow, int64_t index) {
  if (index < 0 || index >= g.in_h * g.in_w) {
    return false;
  }
  const int64_t first_iw = tap_position(ow, 0, g.stride_w, g.pad_w, g.dilation_w);
  const int64_t extent = (g.kernel_w - 1) * g.dilation_w;
  bool found = false;
  for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
    const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
    const int64_t iw = index - ih * g.in_w;
    const int64_t offset = iw - first_iw;
    found |= (ih >= 0) & (ih < g.in_h) & (iw >= 0) & (iw < g.in_w) & (offset >= 0) &
        (offset <= extent);
  }
  // A dilated window skips the columns between its taps.
  return found && (g.dilation_w == 1 || (index % g.in_w - first_iw) % g.dilation_w == 0);
}

// Max-pooling backward as a gather: the gradient of input element (ih, iw), summed over the
// windows that can hold it and recorded it as their maximum.
template <typename scalar_t>
C10_HOST_DEVICE inline scalar_t max_pool_grad(
    const scalar_t* grad_plane, const int64_t* index_plane, const Pool2dGeometry& g, int64_t ih,
    int64_t iw) {
  using opmath_t = at::opmath_type<scalar_t>;
  const OutputRange rows = outputs_spanning(
      ih, g.pad_h, (g.kernel_h - 1) * g.dilation_h + 1, g.stride_h, g.out_h);
  const OutputRange cols = outputs_spanning(
      iw, g.pad_w, (g.kernel_w - 1) * g.dilation_w + 1, g.stride_w, g.out_w);
  const int64_t self = ih * g.in_w + iw;
  opmath_t sum = 0;
  for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
    for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
      if (index_plane[oh * g.out_w + ow] == self) {
        sum += static_cast<opmath_t>(grad_plane[oh * g.out_w + ow]);
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

} // namespace ops
} // namespace convlab
