#pragma once

// Average pooling over the windows of a rule (SlidingWindow or AdaptiveWindow) on the GPU's
// grid: one thread per output, and for the backward one thread per input element gathering
// from the windows that hold it (no atomics: bit-identical on every run). The per-element
// work is window_average.h's, shared with the CPU loops. Launch: common/cuda/launch.cuh or
// common/emulated/launch.h.
#include <ATen/Dispatch.h>

#include "pool2d/window_average.h"

namespace convlab {
namespace ops {

template <typename scalar_t, typename Window, typename Out>
struct WindowAverageThread {
  const scalar_t* input;
  Pool2dGeometry g;
  Window window;
  Out output;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const scalar_t* plane = input + (index / (g.out_w * g.out_h)) * g.in_h * g.in_w;
    output[index] = window_average_value(plane, g, window, oh, ow);
  }
};

template <typename scalar_t, typename Window, typename Out>
struct WindowAverageBackwardThread {
  const scalar_t* grad_output;
  Pool2dGeometry g;
  Window window;
  Out grad_input;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const scalar_t* grad_plane = grad_output + (index / (g.in_w * g.in_h)) * g.out_h * g.out_w;
    grad_input[index] = window_average_grad(grad_plane, g, window, ih, iw);
  }
};

template <typename Launch, typename Window>
at::Tensor window_average_grid(const at::Tensor& input, const Pool2dGeometry& g) {
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, input.options());
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_window_average", [&] {
    Launch launch(Window::kForwardKernel);
    using Out = typename Launch::template Out<scalar_t>;
    launch(output.numel(), WindowAverageThread<scalar_t, Window, Out>{
                               input.const_data_ptr<scalar_t>(), g, Window{},
                               launch.template output<scalar_t>(output)});
  });
  return output;
}

template <typename Launch, typename Window>
at::Tensor window_average_backward_grid(const at::Tensor& grad_output, const Pool2dGeometry& g) {
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, grad_output.options());
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_window_average_backward", [&] {
    Launch launch(Window::kBackwardKernel);
    using Out = typename Launch::template Out<scalar_t>;
    launch(grad_input.numel(), WindowAverageBackwardThread<scalar_t, Window, Out>{
                                   grad_output.const_data_ptr<scalar_t>(), g, Window{},
                                   launch.template output<scalar_t>(grad_input)});
  });
  return grad_input;
}

template <typename Launch, typename Window>
WindowAverageKernels window_average_grid_kernels() {
  return {window_average_grid<Launch, Window>, window_average_backward_grid<Launch, Window>};
}

} // namespace ops
} // namespace convlab
