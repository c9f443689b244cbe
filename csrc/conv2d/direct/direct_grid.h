#pragma once

// The direct algorithm on the GPU's grid: one thread per output element, input element or
// filter tap, each running direct.h's element function. Launch: common/cuda/launch.cuh or
// common/emulated/launch.h.
#include <ATen/Dispatch.h>

#include "conv2d/direct/direct.h"

namespace convlab {
namespace ops {

template <typename scalar_t, typename Out>
struct DirectOutputThread {
  const scalar_t* input;
  const scalar_t* weight;
  const scalar_t* bias; // nullptr: none
  Conv2dGeometry g;
  Out output;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t oc = (index / (g.out_w * g.out_h)) % g.out_channels;
    const int64_t sample = index / (g.out_w * g.out_h * g.out_channels);
    output[index] = direct_conv_output(input, weight, bias, g, sample, oc, oh, ow);
  }
};

template <typename scalar_t, typename Out>
struct DirectGradInputThread {
  const scalar_t* grad_output;
  const scalar_t* weight;
  Conv2dGeometry g;
  Out grad_input;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t ic = (index / (g.in_w * g.in_h)) % g.in_channels;
    const int64_t sample = index / (g.in_w * g.in_h * g.in_channels);
    grad_input[index] = direct_conv_grad_input(grad_output, weight, g, sample, ic, ih, iw);
  }
};

template <typename scalar_t, typename Out>
struct DirectGradWeightThread {
  const scalar_t* grad_output;
  const scalar_t* input;
  Conv2dGeometry g;
  Out grad_weight;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t taps = g.kernel_h * g.kernel_w;
    const int64_t k = index % taps;
    const int64_t c = (index / taps) % g.in_channels_per_group();
    const int64_t oc = index / (taps * g.in_channels_per_group());
    grad_weight[index] =
        direct_conv_grad_weight(grad_output, input, g, oc, c, k / g.kernel_w, k % g.kernel_w);
  }
};

template <typename Launch>
void direct_forward_grid(const at::Tensor& input, const at::Tensor& weight,
                         const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                         at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv", [&] {
    Launch launch("direct_conv");
    using Out = typename Launch::template Out<scalar_t>;
    launch(output.numel(),
           DirectOutputThread<scalar_t, Out>{
               input.const_data_ptr<scalar_t>(), weight.const_data_ptr<scalar_t>(),
               bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr, g,
               launch.template output<scalar_t>(output)});
  });
}

template <typename Launch>
void direct_grad_input_grid(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g, at::Tensor& grad_input) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_direct_conv_grad_input", [&] {
    Launch launch("direct_conv_grad_input");
    using Out = typename Launch::template Out<scalar_t>;
    launch(grad_input.numel(),
           DirectGradInputThread<scalar_t, Out>{
               grad_output.const_data_ptr<scalar_t>(), weight.const_data_ptr<scalar_t>(), g,
               launch.template output<scalar_t>(grad_input)});
  });
}

template <typename Launch>
void direct_grad_weight_grid(const at::Tensor& grad_output, const at::Tensor& input,
                             const Conv2dGeometry& g, at::Tensor& grad_weight) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_grad_weight", [&] {
    Launch launch("direct_conv_grad_weight");
    using Out = typename Launch::template Out<scalar_t>;
    launch(grad_weight.numel(),
           DirectGradWeightThread<scalar_t, Out>{
               grad_output.const_data_ptr<scalar_t>(), input.const_data_ptr<scalar_t>(), g,
               launch.template output<scalar_t>(grad_weight)});
  });
}

// The three launches as the direct algorithm's kernels on a launcher's device.
template <typename Launch>
DirectKernels direct_grid_kernels() {
  return {direct_forward_grid<Launch>, direct_grad_input_grid<Launch>, direct_grad_weight_grid<Launch>};
}

} // namespace ops
} // namespace convlab
