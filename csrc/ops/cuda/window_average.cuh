#pragma once

// Average pooling over the windows of a rule (SlidingWindow or AdaptiveWindow) on CUDA:
// one thread per output; the backward spreads each output's share with atomic adds, since
// windows can overlap, into a buffer of the accumulation type.
#include <ATen/AccumulateType.h>
#include <ATen/Dispatch.h>
#include <ATen/cuda/Atomic.cuh>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include "../pool2d.h"
#include "launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

template <typename scalar_t, typename Window>
__global__ void window_average_kernel(const scalar_t* __restrict__ input, Pool2dGeometry g,
                                      Window window, scalar_t* __restrict__ output) {
  using acc_t = at::acc_type<scalar_t, true>;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const scalar_t* plane = input + (index / (g.out_w * g.out_h)) * g.in_h * g.in_w;
    const AvgWindow win = window(g, oh, ow);
    acc_t sum = 0;
    for (int64_t ih = win.h0; ih < win.h1; ++ih) {
      for (int64_t iw = win.w0; iw < win.w1; ++iw) {
        sum += static_cast<acc_t>(plane[ih * g.in_w + iw]);
      }
    }
    output[index] = static_cast<scalar_t>(sum / static_cast<acc_t>(win.divisor));
  }
}

template <typename scalar_t, typename acc_t, typename Window>
__global__ void window_average_backward_kernel(const scalar_t* __restrict__ grad_output,
                                               Pool2dGeometry g, Window window,
                                               acc_t* __restrict__ grad_input) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    acc_t* plane = grad_input + (index / (g.out_w * g.out_h)) * g.in_h * g.in_w;
    const AvgWindow win = window(g, oh, ow);
    const acc_t share = static_cast<acc_t>(grad_output[index]) / static_cast<acc_t>(win.divisor);
    for (int64_t ih = win.h0; ih < win.h1; ++ih) {
      for (int64_t iw = win.w0; iw < win.w1; ++iw) {
        gpuAtomicAdd(plane + ih * g.in_w + iw, share);
      }
    }
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
  const auto acc_type = at::toAccumulateType(go.scalar_type(), /*is_cuda=*/true);
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options().dtype(acc_type));
  const int64_t threads = go.numel();
  if (threads > 0) {
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_window_average_backward_cuda", [&] {
      using acc_t = at::acc_type<scalar_t, true>;
      window_average_backward_kernel<scalar_t, acc_t, Window>
          <<<blocks_for(threads), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
              go.const_data_ptr<scalar_t>(), g, window, grad_input.mutable_data_ptr<acc_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return grad_input.to(go.scalar_type());
}

} // namespace cuda
} // namespace ops
} // namespace convlab
