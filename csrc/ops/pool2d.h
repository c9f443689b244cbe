#pragma once

// Pooling geometry, checks, and what one output (forward) or one input element (backward)
// computes, written once: the CPU loops and the CUDA threads call the same functions.
#include <ATen/ATen.h>
#include <ATen/NumericUtils.h>
#include <ATen/OpMathType.h>
#include <c10/macros/Macros.h>

#include <limits>

#include "sliding_window.h"

namespace convlab {
namespace ops {

// Sizes of one pooling call, validated once and shared by the CPU and CUDA kernels
// (passed by value into CUDA kernels, so plain data only).
struct Pool2dGeometry {
  int64_t batch, channels, in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
  int64_t dilation_h, dilation_w;
  bool count_include_pad;
  int64_t divisor_override; // 0 when not given

  C10_HOST_DEVICE int64_t planes() const { return batch * channels; }
};

Pool2dGeometry check_max_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode);
Pool2dGeometry check_max_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode);

Pool2dGeometry check_avg_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override);
void check_pool2d_grad_output(const at::Tensor& grad_output, const at::Tensor& input,
    const Pool2dGeometry& g, const char* op);

Pool2dGeometry check_adaptive_avg_pool2d(const at::Tensor& input, at::IntArrayRef output_size);
// The output size is read off grad_output.
Pool2dGeometry check_adaptive_avg_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input);

// Shape checks common to every pooling op: 4-D, floating dtype, non-empty planes.
void check_pool2d_input(const at::Tensor& input, const char* op);

// Geometry of a sliding-window pooling (max or average) after checking its arguments.
Pool2dGeometry check_sliding_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode, const char* op);

// torch's pooling output size, including its ceil_mode rule that the last window must
// start inside the input or the left padding.
int64_t pool_output_size(
    int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode);

// Clipped window of one average-pooling output and the number it is divided by.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};

C10_HOST_DEVICE inline AvgWindow avg_pool_window(const Pool2dGeometry& g, int64_t oh, int64_t ow) {
  int64_t h0 = oh * g.stride_h - g.pad_h;
  int64_t w0 = ow * g.stride_w - g.pad_w;
  int64_t h1 = h0 + g.kernel_h < g.in_h + g.pad_h ? h0 + g.kernel_h : g.in_h + g.pad_h;
  int64_t w1 = w0 + g.kernel_w < g.in_w + g.pad_w ? w0 + g.kernel_w : g.in_w + g.pad_w;
  const int64_t padded_area = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < g.in_h ? h1 : g.in_h;
  w1 = w1 < g.in_w ? w1 : g.in_w;
  int64_t divisor = g.divisor_override;
  if (divisor == 0) {
    divisor = g.count_include_pad ? padded_area : (h1 - h0) * (w1 - w0);
  }
  return {h0, h1, w0, w1, divisor};
}

// Adaptive pooling window [start, end) of output o along one axis.
C10_HOST_DEVICE inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) {
  return (o * in) / out;
}
C10_HOST_DEVICE inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) {
  return ((o + 1) * in + out - 1) / out;
}

// The two window rules of average pooling, as functors so one CPU loop and one CUDA kernel
// serve both avg_pool2d and adaptive_avg_pool2d. Each also names the outputs whose window may
// hold an input row or column (a superset: the backward checks each window).
struct SlidingWindow {
  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    return avg_pool_window(g, oh, ow);
  }
  C10_HOST_DEVICE OutputRange rows_holding(const Pool2dGeometry& g, int64_t ih) const {
    return outputs_spanning(ih, g.pad_h, g.kernel_h, g.stride_h, g.out_h);
  }
  C10_HOST_DEVICE OutputRange cols_holding(const Pool2dGeometry& g, int64_t iw) const {
    return outputs_spanning(iw, g.pad_w, g.kernel_w, g.stride_w, g.out_w);
  }
};

struct AdaptiveWindow {
  C10_HOST_DEVICE AvgWindow operator()(const Pool2dGeometry& g, int64_t oh, int64_t ow) const {
    const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h), h1 = adaptive_end(oh, g.out_h, g.in_h);
    const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w), w1 = adaptive_end(ow, g.out_w, g.in_w);
    return {h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  }
  // Window o holds i exactly when start(o) <= i < end(o), which solves to these bounds.
  C10_HOST_DEVICE OutputRange rows_holding(const Pool2dGeometry& g, int64_t ih) const {
    return {(ih * g.out_h) / g.in_h, ((ih + 1) * g.out_h + g.in_h - 1) / g.in_h};
  }
  C10_HOST_DEVICE OutputRange cols_holding(const Pool2dGeometry& g, int64_t iw) const {
    return {(iw * g.out_w) / g.in_w, ((iw + 1) * g.out_w + g.in_w - 1) / g.in_w};
  }
};

// Average of output (oh, ow)'s window over one input plane.
template <typename scalar_t, typename Window>
C10_HOST_DEVICE inline scalar_t window_average_value(
    const scalar_t* plane, const Pool2dGeometry& g, Window window, int64_t oh, int64_t ow) {
  using opmath_t = at::opmath_type<scalar_t>;
  const AvgWindow win = window(g, oh, ow);
  opmath_t sum = 0;
  for (int64_t ih = win.h0; ih < win.h1; ++ih) {
    for (int64_t iw = win.w0; iw < win.w1; ++iw) {
      sum += static_cast<opmath_t>(plane[ih * g.in_w + iw]);
    }
  }
  return static_cast<scalar_t>(sum / static_cast<opmath_t>(win.divisor));
}

// Average-pooling backward as a gather: the gradient of input element (ih, iw), summed over
// the windows that hold it, each contributing its output gradient over its divisor.
template <typename scalar_t, typename Window>
C10_HOST_DEVICE inline scalar_t window_average_grad(
    const scalar_t* grad_plane, const Pool2dGeometry& g, Window window, int64_t ih, int64_t iw) {
  using opmath_t = at::opmath_type<scalar_t>;
  const OutputRange rows = window.rows_holding(g, ih);
  const OutputRange cols = window.cols_holding(g, iw);
  opmath_t sum = 0;
  for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
    for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
      const AvgWindow win = window(g, oh, ow);
      if (ih >= win.h0 && ih < win.h1 && iw >= win.w0 && iw < win.w1) {
        sum += static_cast<opmath_t>(grad_plane[oh * g.out_w + ow]) /
            static_cast<opmath_t>(win.divisor);
      }
    }
  }
  return static_cast<scalar_t>(sum);
}

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
