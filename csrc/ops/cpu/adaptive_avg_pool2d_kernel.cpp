#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include "../pool2d.h"

namespace convlab {
namespace ops {

namespace {

at::Tensor adaptive_avg_pool2d_cpu(const at::Tensor& input, at::IntArrayRef output_size) {
  const auto g = check_adaptive_avg_pool2d(input, output_size);
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "convlab_adaptive_avg_pool2d_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h);
          const int64_t h1 = adaptive_end(oh, g.out_h, g.in_h);
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w);
            const int64_t w1 = adaptive_end(ow, g.out_w, g.in_w);
            scalar_t sum = 0;
            for (int64_t ih = h0; ih < h1; ++ih) {
              for (int64_t iw = w0; iw < w1; ++iw) {
                sum += plane[ih * g.in_w + iw];
              }
            }
            out[(p * g.out_h + oh) * g.out_w + ow] = sum / static_cast<scalar_t>((h1 - h0) * (w1 - w0));
          }
        }
      }
    });
  });
  return output;
}

at::Tensor adaptive_avg_pool2d_backward_cpu(const at::Tensor& grad_output, const at::Tensor& input) {
  const auto g = check_adaptive_avg_pool2d_backward(grad_output, input);
  const auto go = grad_output.contiguous();
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "convlab_adaptive_avg_pool2d_backward_cpu", [&] {
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        scalar_t* plane = out + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          const int64_t h0 = adaptive_start(oh, g.out_h, g.in_h);
          const int64_t h1 = adaptive_end(oh, g.out_h, g.in_h);
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const int64_t w0 = adaptive_start(ow, g.out_w, g.in_w);
            const int64_t w1 = adaptive_end(ow, g.out_w, g.in_w);
            const scalar_t share = grad[(p * g.out_h + oh) * g.out_w + ow] /
                static_cast<scalar_t>((h1 - h0) * (w1 - w0));
            for (int64_t ih = h0; ih < h1; ++ih) {
              for (int64_t iw = w0; iw < w1; ++iw) {
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
  m.impl("adaptive_avg_pool2d", &adaptive_avg_pool2d_cpu);
  m.impl("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
