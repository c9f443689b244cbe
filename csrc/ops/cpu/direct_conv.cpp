#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "../direct_conv.h"
#include "conv2d_loops.h"

namespace convlab {
namespace ops {
namespace cpu {

// Parallel over output planes, input planes and filters respectively; each element is the
// shared direct_conv.h function.

void direct_conv(const at::Tensor& input, const at::Tensor& weight,
                 const std::optional<at::Tensor>& bias, const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_cpu", [&] {
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    const scalar_t* w = weight.const_data_ptr<scalar_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.batch * g.out_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.out_channels, oc = p % g.out_channels;
        for (int64_t oh = 0; oh < g.out_h; ++oh) {
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            out[(p * g.out_h + oh) * g.out_w + ow] = direct_conv_output(x, w, b, g, sample, oc, oh, ow);
          }
        }
      }
    });
  });
}

void direct_conv_grad_input(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g, at::Tensor& grad_input) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_direct_conv_grad_input_cpu", [&] {
    const scalar_t* go = grad_output.const_data_ptr<scalar_t>();
    const scalar_t* w = weight.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels, ic = p % g.in_channels;
        for (int64_t ih = 0; ih < g.in_h; ++ih) {
          for (int64_t iw = 0; iw < g.in_w; ++iw) {
            out[(p * g.in_h + ih) * g.in_w + iw] = direct_conv_grad_input(go, w, g, sample, ic, ih, iw);
          }
        }
      }
    });
  });
}

void direct_conv_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                             const Conv2dGeometry& g, at::Tensor& grad_weight) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_grad_weight_cpu", [&] {
    const scalar_t* go = grad_output.const_data_ptr<scalar_t>();
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    scalar_t* out = grad_weight.mutable_data_ptr<scalar_t>();
    const int64_t taps = g.kernel_h * g.kernel_w;
    at::parallel_for(0, g.out_channels * g.in_channels_per_group(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t f = begin; f < end; ++f) {
        const int64_t oc = f / g.in_channels_per_group(), c = f % g.in_channels_per_group();
        for (int64_t k = 0; k < taps; ++k) {
          out[f * taps + k] = direct_conv_grad_weight(go, x, g, oc, c, k / g.kernel_w, k % g.kernel_w);
        }
      }
    });
  });
}

} // namespace cpu
} // namespace ops
} // namespace convlab
