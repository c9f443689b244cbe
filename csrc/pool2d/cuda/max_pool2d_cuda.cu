#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "pool2d/max_pool2d.h"
#include "common/cuda/launch.cuh"

namespace convlab {
namespace ops {

namespace {

// One thread per output (forward, index check) or per input element (backward gather);
// the per-element work is pool2d.h's (the CPU adds the same terms in the same order).
template <typename scalar_t>
__global__ void max_pool2d_kernel(const scalar_t* __restrict__ input, Pool2dGeometry g,
                                  scalar_t* __restrict__ output, int64_t* __restrict__ indices) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t plane = index / (g.out_w * g.out_h);
    const auto best = max_pool_value(input + plane * g.in_h * g.in_w, g, oh, ow);
    output[index] = best.value;
    indices[index] = best.index;
  }
}

// Hand-made indices outside their window would be silently skipped by the gather; checking
// them on the host would cost a synchronisation, so a device assert stops the program.
__global__ void max_pool2d_check_indices_kernel(const int64_t* __restrict__ indices,
                                                Pool2dGeometry g) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    CUDA_KERNEL_ASSERT(max_pool_index_in_window(g, oh, ow, indices[index]));
  }
}

template <typename scalar_t>
__global__ void max_pool2d_backward_kernel(const scalar_t* __restrict__ grad_output,
                                           const int64_t* __restrict__ indices, Pool2dGeometry g,
                                           scalar_t* __restrict__ grad_input) {
  const int64_t plane_out = g.out_h * g.out_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.planes() * g.in_h * g.in_w) {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t plane = index / (g.in_w * g.in_h);
    grad_input[index] = max_pool_grad(
        grad_output + plane * plane_out, indices + plane * plane_out, g, ih, iw);
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
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& indices,
    at::IntArrayRef kernel_size, at::IntArrayRef stride, at::IntArrayRef padding,
    at::IntArrayRef dilation, bool ceil_mode) {
  const auto g = check_max_pool2d_backward(
      grad_output, input, indices, kernel_size, stride, padding, dilation, ceil_mode);
  const c10::cuda::CUDAGuard device_guard(input.device());
  const auto go = grad_output.contiguous();
  const auto idx = indices.contiguous();
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  if (go.numel() == 0 || grad_input.numel() == 0) {
    return grad_input.zero_();
  }
  const auto stream = at::cuda::getCurrentCUDAStream();
  max_pool2d_check_indices_kernel<<<cuda::blocks_for(go.numel()), cuda::kThreadsPerBlock, 0, stream>>>(
      idx.const_data_ptr<int64_t>(), g);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_max_pool2d_backward_cuda", [&] {
    max_pool2d_backward_kernel<scalar_t>
        <<<cuda::blocks_for(grad_input.numel()), cuda::kThreadsPerBlock, 0, stream>>>(
            go.const_data_ptr<scalar_t>(), idx.const_data_ptr<int64_t>(), g,
            grad_input.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return grad_input;
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("max_pool2d", &max_pool2d_cuda);
  m.impl("max_pool2d_backward", &max_pool2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
