#pragma once

// Average pooling over the windows of a rule (SlidingWindow or AdaptiveWindow), forward and
// backward, parallel over (sample, channel) planes.
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "../pool2d.h"

namespace convlab {
namespace ops {
namespace cpu {

template <typename Window>
at::Tensor window_average(const at::Tensor& input, const Pool2dGeometry& g, Window window) {
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "convlab_window_average_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const AvgWindow win = window(g, oh, ow);
            scalar_t sum = 0;
            for (int64_t ih = win.h0; ih < win.h1; ++ih) {
              for (int64_t iw = win.w0; iw < win.w1; ++iw) {
                sum += plane[ih * g.in_w + iw];
              }
            }
            out[(p * g.out_h + oh) * g.out_w + ow] = sum / static_cast<scalar_t>(win.divisor);
          }
        }
      }
    });
  });
  return output;
}

template <typename Window>
at::Tensor window_average_backward(
    const at::Tensor& grad_output, const Pool2dGeometry& g, Window window) {
  const auto go = grad_output.contiguous();
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "convlab_window_average_backward_cpu", [&] {
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    // Windows overlap only within a plane, and each plane belongs to one task.
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        scalar_t* plane = out + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const AvgWindow win = window(g, oh, ow);
            const scalar_t share =
                grad[(p * g.out_h + oh) * g.out_w + ow] / static_cast<scalar_t>(win.divisor);
            for (int64_t ih = win.h0; ih < win.h1; ++ih) {
              for (int64_t iw = win.w0; iw < win.w1; ++iw) {
                plane[ih * g.in_w + iw] += share;
              }
            }
          }
        }
      }
    });
  });
  return grad_input;
}

} // namespace cpu
} // namespace ops
} // namespace convlab
