#pragma once

// max_pool2d on the GPU's grid: one thread per output (forward; index check) or per input
// element (backward gather); the per-element work is max_pool2d.h's, the CPU's loops add
// the same terms in the same order. Launch: common/cuda/launch.cuh or
// common/emulated/launch.h.
#include <ATen/Dispatch.h>

#include <limits>

#include "pool2d/max_pool2d.h"

namespace convlab {
namespace ops {

template <typename scalar_t, typename Out, typename Indices>
struct MaxPoolThread {
  const scalar_t* input;
  Pool2dGeometry g;
  Out output;
  Indices indices;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t plane = index / (g.out_w * g.out_h);
    const auto best = max_pool_value(input + plane * g.in_h * g.in_w, g, oh, ow);
    output[index] = best.value;
    indices[index] = best.index;
  }
};

// Marks the planes holding an index outside its output's window (hand-made indices; the
// gather would skip them silently). A flag, not a device assert: an assert kills the CUDA
// context and every later call of the process, a host check costs a synchronisation.
struct MaxPoolIndexCheckThread {
  const int64_t* indices;
  Pool2dGeometry g;
  int32_t* bad_planes; // zeroed by the host; any number of threads may set a plane's flag

  C10_HOST_DEVICE void operator()(int64_t index) const {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    if (!max_pool_index_in_window(g, oh, ow, indices[index])) {
      bad_planes[index / (g.out_w * g.out_h)] = 1;
    }
  }
};

// A plane with a bad index gets NaN for its whole gradient: loud in the loss, and the process
// stays usable.
template <typename scalar_t, typename Out>
struct MaxPoolBackwardThread {
  const scalar_t* grad_output;
  const int64_t* indices;
  const int32_t* bad_planes;
  Pool2dGeometry g;
  Out grad_input;

  C10_HOST_DEVICE void operator()(int64_t index) const {
    using opmath_t = at::opmath_type<scalar_t>;
    const int64_t plane_out = g.out_h * g.out_w;
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t plane = index / (g.in_w * g.in_h);
    grad_input[index] = bad_planes[plane]
        ? static_cast<scalar_t>(std::numeric_limits<opmath_t>::quiet_NaN())
        : max_pool_grad(grad_output + plane * plane_out, indices + plane * plane_out, g, ih, iw);
  }
};

template <typename Launch>
std::tuple<at::Tensor, at::Tensor> max_pool2d_grid(const at::Tensor& input, const Pool2dGeometry& g) {
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, input.options());
  auto indices = at::empty({g.batch, g.channels, g.out_h, g.out_w}, input.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_max_pool2d", [&] {
    Launch launch("max_pool2d");
    using Out = typename Launch::template Out<scalar_t>;
    using Indices = typename Launch::template Out<int64_t>;
    launch(output.numel(),
           MaxPoolThread<scalar_t, Out, Indices>{input.const_data_ptr<scalar_t>(), g,
                                                 launch.template output<scalar_t>(output),
                                                 launch.template output<int64_t>(indices)});
  });
  return {output, indices};
}

template <typename Launch>
at::Tensor max_pool2d_backward_grid(const at::Tensor& grad_output, const at::Tensor& indices,
                                    const Pool2dGeometry& g) {
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, grad_output.options());
  auto bad_planes = at::zeros({g.planes()}, indices.options().dtype(at::kInt));
  Launch check("max_pool2d_check_indices");
  check(indices.numel(), MaxPoolIndexCheckThread{indices.const_data_ptr<int64_t>(), g,
                                                 bad_planes.mutable_data_ptr<int32_t>()});
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_max_pool2d_backward", [&] {
    Launch launch("max_pool2d_backward");
    using Out = typename Launch::template Out<scalar_t>;
    launch(grad_input.numel(),
           MaxPoolBackwardThread<scalar_t, Out>{
               grad_output.const_data_ptr<scalar_t>(), indices.const_data_ptr<int64_t>(),
               bad_planes.const_data_ptr<int32_t>(), g,
               launch.template output<scalar_t>(grad_input)});
  });
  return grad_input;
}

template <typename Launch>
MaxPool2dKernels max_pool2d_grid_kernels() {
  return {max_pool2d_grid<Launch>, max_pool2d_backward_grid<Launch>};
}

} // namespace ops
} // namespace convlab
