#pragma once

// Average pooling over the windows of a rule (SlidingWindow or AdaptiveWindow) on CUDA: one
// thread per output, and for the backward one thread per input element gathering from the
// windows that hold it (no atomics: bit-identical on every run). The per-element work is
// pool2d.h's, shared with the CPU kernels.
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include "pool2d/window_average.h"
#include "common/cuda/launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

template <typename scalar_t, typename Window>
__global__ void window_average_kernel(const scalar_t* __restrict__ input, Pool2dGeometry g,
                                      Window window, scalar_t* __restrict__ output) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const scalar_t* plane = input + (index / (g.out_w * g.out_h)) * g.in_h * g.in_w;
    output[index] = window_average_value(plane, g, window, oh, ow);
  }
}

template <typename scalar_t, typename Window>
__global__ void window_average_backward_kernel(const scalar_t* __restrict__ grad_output,
                                               Pool2dGeometry g, Window window,
                                               scalar_t* __restrict__ grad_input) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.in_h * g.in_w) {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const scalar_t* grad_plane = grad_output + (index / (g.in_w * g.in_h)) * g.out_h * g.out_w;
    grad_input[index] = window_average_grad(grad_plane, g, window, ih, iw);
  }
}

template <typename Window>
at::Tensor window_average(const at::Tensor& input, const Pool2dGeometry& g, Window window) {
  const c10::cuda::CUDAGuard device_guard(input.device());
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  const int64_t threads = output.numel();
  if (threads == 0) {
    return output;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "convlab_window_average_cuda", [&] {
    window_average_kernel<scalar_t, Window>
        <<<blocks_for(threads), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            x.const_data_ptr<scalar_t>(), g, window, output.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return output;
}

template <typename Window>
at::Tensor window_average_backward(
    const at::Tensor& grad_output, const Pool2dGeometry& g, Window window) {
  const c10::cuda::CUDAGuard device_guard(grad_output.device());
  const auto go = grad_output.contiguous();
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  const int64_t threads = grad_input.numel();
  if (threads > 0) {
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_window_average_backward_cuda", [&] {
      window_average_backward_kernel<scalar_t, Window>
          <<<blocks_for(threads), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
              go.const_data_ptr<scalar_t>(), g, window, grad_input.mutable_data_ptr<scalar_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return grad_input;
}

} // namespace cuda
} // namespace ops
} // namespace convlab
