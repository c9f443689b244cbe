#include <ATen/AccumulateType.h>
#include <ATen/Dispatch.h>
#include <ATen/cuda/Atomic.cuh>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <torch/library.h>

#include <limits>

#include "../pool2d.h"
#include "launch.cuh"

namespace convlab {
namespace ops {

namespace {

// One thread per output; like torch, the first maximum wins ties and a NaN propagates.
template <typename scalar_t>
__global__ void max_pool2d_kernel(const scalar_t* __restrict__ input, Pool2dGeometry g,
                                  scalar_t* __restrict__ output, int64_t* __restrict__ indices) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t plane = index / (g.out_w * g.out_h);
    const scalar_t* in = input + plane * g.in_h * g.in_w;
    int64_t h0 = oh * g.stride_h - g.pad_h;
    int64_t w0 = ow * g.stride_w - g.pad_w;
    const int64_t h1 = min(h0 + (g.kernel_h - 1) * g.dilation_h + 1, g.in_h);
    const int64_t w1 = min(w0 + (g.kernel_w - 1) * g.dilation_w + 1, g.in_w);
    while (h0 < 0) {
      h0 += g.dilation_h;
    }
    while (w0 < 0) {
      w0 += g.dilation_w;
    }
    using acc_t = at::acc_type<scalar_t, true>;
    acc_t best = -std::numeric_limits<acc_t>::infinity();
    int64_t best_index = h0 * g.in_w + w0;
    for (int64_t ih = h0; ih < h1; ih += g.dilation_h) {
      for (int64_t iw = w0; iw < w1; iw += g.dilation_w) {
        const acc_t value = static_cast<acc_t>(in[ih * g.in_w + iw]);
        if (value > best || isnan(value)) {
          best = value;
          best_index = ih * g.in_w + iw;
        }
      }
    }
    output[index] = static_cast<scalar_t>(best);
    indices[index] = best_index;
  }
}

// One thread per output adds its gradient to the input element it came from; windows can
// overlap, hence the atomic add (into a float32 buffer for the half types).
template <typename scalar_t, typename acc_t>
__global__ void max_pool2d_backward_kernel(const scalar_t* __restrict__ grad_output,
                                           const int64_t* __restrict__ indices, Pool2dGeometry g,
                                           acc_t* __restrict__ grad_input) {
  const int64_t plane_in = g.in_h * g.in_w;
  const int64_t plane_out = g.out_h * g.out_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * plane_out) {
    const int64_t source = indices[index];
    CUDA_KERNEL_ASSERT(source >= 0 && source < plane_in);
    gpuAtomicAdd(grad_input + (index / plane_out) * plane_in + source,
                 static_cast<acc_t>(grad_output[index]));
  }
}

std::tuple<at::Tensor, at::Tensor> max_pool2d_cuda(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
  const c10::cuda::CUDAGuard device_guard(input.device());
  const auto x = input.contiguous();
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  auto indices = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options().dtype(at::kLong));
  const int64_t threads = output.numel();
  if (threads == 0) {
    return {output, indices};
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "convlab_max_pool2d_cuda", [&] {
    max_pool2d_kernel<scalar_t>
        <<<cuda::blocks_for(threads), cuda::kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            x.const_data_ptr<scalar_t>(), g, output.mutable_data_ptr<scalar_t>(),
            indices.mutable_data_ptr<int64_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return {output, indices};
}

at::Tensor max_pool2d_backward_cuda(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices) {
  const auto g = check_max_pool2d_backward(grad_output, input, indices);
  const c10::cuda::CUDAGuard device_guard(input.device());
  const auto go = grad_output.contiguous();
  const auto idx = indices.contiguous();
  const auto acc_type = at::toAccumulateType(go.scalar_type(), /*is_cuda=*/true);
  auto grad_input = at::zeros({g.batch, g.channels, g.in_h, g.in_w}, go.options().dtype(acc_type));
  const int64_t threads = go.numel();
  if (threads > 0) {
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_max_pool2d_backward_cuda", [&] {
      using acc_t = at::acc_type<scalar_t, true>;
      max_pool2d_backward_kernel<scalar_t, acc_t>
          <<<cuda::blocks_for(threads), cuda::kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
              go.const_data_ptr<scalar_t>(), idx.const_data_ptr<int64_t>(), g,
              grad_input.mutable_data_ptr<acc_t>());
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return grad_input.to(go.scalar_type());
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("max_pool2d", &max_pool2d_cuda);
  m.impl("max_pool2d_backward", &max_pool2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
