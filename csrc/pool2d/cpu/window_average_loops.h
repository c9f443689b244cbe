#pragma once

// Average pooling over the windows of a rule (SlidingWindow or AdaptiveWindow), forward and
// backward, parallel over (sample, channel) planes; the windows and averages are pool2d.h's.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "pool2d/window_average.h"

namespace convlab {
namespace ops {
namespace cpu {

template <typename Window>
at::Tensor window_average(const at::Tensor& x, const Pool2dGeometry& g) {
  const Window window{};
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "convlab_window_average_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            out[(p * g.out_h + oh) * g.out_w + ow] = window_average_value(plane, g, window, oh, ow);
          }
        }
      }
    });
  });
  return output;
}

template <typename Window>
at::Tensor window_average_backward(const at::Tensor& go, const Pool2dGeometry& g) {
  const Window window{};
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_window_average_backward_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    const int64_t plane_in = g.in_h * g.in_w;
    // Per plane, each window's share (output gradient over divisor) is added to the window's
    // elements, windows in order: every input element receives window_average_grad's terms in
    // window_average_grad's order, and planes are independent tasks.
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      std::vector<opmath_t> sums(plane_in);
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* grad_plane = grad + p * g.out_h * g.out_w;
        std::fill(sums.begin(), sums.end(), opmath_t(0));
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const AvgWindow win = window(g, oh, ow);
            const opmath_t share = static_cast<opmath_t>(grad_plane[oh * g.out_w + ow]) /
                static_cast<opmath_t>(win.divisor);
            for (int64_t ih = win.h0; ih < win.h1; ++ih) {
              for (int64_t iw = win.w0; iw < win.w1; ++iw) {
                sums[ih * g.in_w + iw] += share;
              }
            }
          }
        }
        std::copy(sums.begin(), sums.end(), out + p * plane_in);
      }
    });
  });
  return grad_input;
}

} // namespace cpu
} // namespace ops
} // namespace convlab
