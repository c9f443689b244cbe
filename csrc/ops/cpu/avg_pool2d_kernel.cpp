#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include "../pool2d.h"

namespace convlab {
namespace ops {

namespace {

at::Tensor avg_pool2d_cpu(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "convlab_avg_pool2d_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const auto win = avg_pool_window(g, oh, ow);
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

at::Tensor avg_pool2d_backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, at::IntArrayRef kernel_size,
    at::IntArrayRef stride, at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  const auto g = check_avg_pool2d(
      input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
  check_pool2d_grad_output(grad_output, input, g, "convlab.avg_pool2d_backward");
  const auto go = grad_output.contiguous();
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "convlab_avg_pool2d_backward_cpu", [&] {
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        scalar_t* plane = out + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const auto win = avg_pool_window(g, oh, ow);
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

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("avg_pool2d", &avg_pool2d_cpu);
  m.impl("avg_pool2d_backward", &avg_pool2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
