#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cmath>
#include <limits>

#include "../pool2d.h"

namespace convlab {
namespace ops {

namespace {

template <typename scalar_t>
void max_pool_plane(
    const scalar_t* in, const Pool2dGeometry& g, scalar_t* out, int64_t* indices) {
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    int64_t h0 = oh * g.stride_h - g.pad_h;
    while (h0 < 0) {
      h0 += g.dilation_h;
    }
    const int64_t h1 = std::min(oh * g.stride_h - g.pad_h + (g.kernel_h - 1) * g.dilation_h + 1, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      int64_t w0 = ow * g.stride_w - g.pad_w;
      while (w0 < 0) {
        w0 += g.dilation_w;
      }
      const int64_t w1 = std::min(ow * g.stride_w - g.pad_w + (g.kernel_w - 1) * g.dilation_w + 1, g.in_w);
      // Like torch: the first maximum wins ties, and a NaN propagates.
      scalar_t best = -std::numeric_limits<scalar_t>::infinity();
      int64_t best_index = h0 * g.in_w + w0;
      for (int64_t ih = h0; ih < h1; ih += g.dilation_h) {
        for (int64_t iw = w0; iw < w1; iw += g.dilation_w) {
          const scalar_t value = in[ih * g.in_w + iw];
          if (value > best || std::isnan(value)) {
            best = value;
            best_index = ih * g.in_w + iw;
          }
        }
      }
      out[oh * g.out_w + ow] = best;
      indices[oh * g.out_w + ow] = best_index;
    }
  }
}

std::tuple<at::Tensor, at::Tensor> max_pool2d_cpu(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  auto indices = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "convlab_max_pool2d_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    int64_t* idx = indices.mutable_data_ptr<int64_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t offset = p * g.out_h * g.out_w;
        max_pool_plane(in + p * g.in_h * g.in_w, g, out + offset, idx + offset);
      }
    });
  });
  return {output, indices};
}

at::Tensor max_pool2d_backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices) {
  const auto g = check_max_pool2d_backward(grad_output, input, indices);
  const auto go = grad_output.contiguous();
  const auto idx = indices.contiguous();
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  const int64_t plane_in = g.in_h * g.in_w;
  const int64_t plane_out = g.out_h * g.out_w;
  AT_DISPATCH_FLOATING_TYPES(go.scalar_type(), "convlab_max_pool2d_backward_cpu", [&] {
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    const int64_t* where = idx.const_data_ptr<int64_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        for (int64_t o = 0; o < plane_out; ++o) {
          const int64_t i = where[p * plane_out + o];
          TORCH_CHECK_VALUE(
              i >= 0 && i < plane_in, "convlab.max_pool2d_backward: index ", i,
              " in indices is outside the input plane of ", plane_in, " elements");
          out[p * plane_in + i] += grad[p * plane_out + o];
        }
      }
    });
  });
  return grad_input;
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("max_pool2d", &max_pool2d_cpu);
  m.impl("max_pool2d_backward", &max_pool2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
