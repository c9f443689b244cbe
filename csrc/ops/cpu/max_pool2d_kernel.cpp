#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "../pool2d.h"

namespace convlab {
namespace ops {

namespace {

std::tuple<at::Tensor, at::Tensor> max_pool2d_cpu(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  auto indices = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "convlab_max_pool2d_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    int64_t* idx = indices.mutable_data_ptr<int64_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const auto best = max_pool_value(plane, g, oh, ow);
            const int64_t o = (p * g.out_h + oh) * g.out_w + ow;
            out[o] = best.value;
            idx[o] = best.index;
          }
        }
      }
    });
  });
  return {output, indices};
}

at::Tensor max_pool2d_backward_cpu(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d_backward(
      grad_output, input, indices, kernel_size, stride, padding, dilation, ceil_mode);
  const auto go = grad_output.contiguous();
  const auto idx = indices.contiguous();
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  const int64_t plane_in = g.in_h * g.in_w;
  const int64_t plane_out = g.out_h * g.out_w;
  const int64_t* where = idx.const_data_ptr<int64_t>();
  // Per plane, each output's gradient is added to the element its index names, outputs in
  // order: every input element receives max_pool_grad's terms in max_pool_grad's order, and
  // planes are independent tasks. Each index is checked before it is used.
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_max_pool2d_backward_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      std::vector<opmath_t> sums(plane_in);
      for (int64_t p = begin; p < end; ++p) {
        std::fill(sums.begin(), sums.end(), opmath_t(0));
        for (int64_t o = 0; o < plane_out; ++o) {
          const int64_t i = where[p * plane_out + o];
          TORCH_CHECK_VALUE(
              max_pool_index_in_window(g, o / g.out_w, o % g.out_w, i),
              "convlab.max_pool2d_backward: index ", i, " in indices is not in the window of ",
              "output (", o / g.out_w, ", ", o % g.out_w, ") of an input plane of ", plane_in,
              " elements");
          sums[i] += static_cast<opmath_t>(grad[p * plane_out + o]);
        }
        std::copy(sums.begin(), sums.end(), out + p * plane_in);
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
