#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>

#include "conv2d/direct/direct.h"
#include "common/cuda/launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

namespace {

// One thread per output element, input element or filter tap; each runs the shared
// direct_conv.h function.
template <typename scalar_t>
__global__ void direct_conv_kernel(const scalar_t* __restrict__ x, const scalar_t* __restrict__ w,
                                   const scalar_t* __restrict__ b, Conv2dGeometry g,
                                   scalar_t* __restrict__ out) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.batch * g.out_channels * g.out_h * g.out_w) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t oc = (index / (g.out_w * g.out_h)) % g.out_channels;
    const int64_t sample = index / (g.out_w * g.out_h * g.out_channels);
    out[index] = direct_conv_output(x, w, b, g, sample, oc, oh, ow);
  }
}

template <typename scalar_t>
__global__ void direct_conv_grad_input_kernel(const scalar_t* __restrict__ go,
                                              const scalar_t* __restrict__ w, Conv2dGeometry g,
                                              scalar_t* __restrict__ out) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.batch * g.in_channels * g.in_h * g.in_w) {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t ic = (index / (g.in_w * g.in_h)) % g.in_channels;
    const int64_t sample = index / (g.in_w * g.in_h * g.in_channels);
    out[index] = direct_conv_grad_input(go, w, g, sample, ic, ih, iw);
  }
}

template <typename scalar_t>
__global__ void direct_conv_grad_weight_kernel(const scalar_t* __restrict__ go,
                                               const scalar_t* __restrict__ x, Conv2dGeometry g,
                                               scalar_t* __restrict__ out) {
  const int64_t taps = g.kernel_h * g.kernel_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.out_channels * g.in_channels_per_group() * taps) {
    const int64_t k = index % taps;
    const int64_t c = (index / taps) % g.in_channels_per_group();
    const int64_t oc = index / (taps * g.in_channels_per_group());
    out[index] = direct_conv_grad_weight(go, x, g, oc, c, k / g.kernel_w, k % g.kernel_w);
  }
}

} // namespace

void direct_conv(const at::Tensor& input, const at::Tensor& weight,
                 const std::optional<at::Tensor>& bias, const Conv2dGeometry& g, at::Tensor& output) {
  if (output.numel() == 0) {
    return;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_cuda", [&] {
    direct_conv_kernel<scalar_t>
        <<<blocks_for(output.numel()), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            input.const_data_ptr<scalar_t>(), weight.const_data_ptr<scalar_t>(),
            bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr, g,
            output.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void direct_conv_grad_input(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g, at::Tensor& grad_input) {
  if (grad_input.numel() == 0) {
    return;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_direct_conv_grad_input_cuda", [&] {
    direct_conv_grad_input_kernel<scalar_t>
        <<<blocks_for(grad_input.numel()), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            grad_output.const_data_ptr<scalar_t>(), weight.const_data_ptr<scalar_t>(), g,
            grad_input.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void direct_conv_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                             const Conv2dGeometry& g, at::Tensor& grad_weight) {
  if (grad_weight.numel() == 0) {
    return;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_grad_weight_cuda", [&] {
    direct_conv_grad_weight_kernel<scalar_t>
        <<<blocks_for(grad_weight.numel()), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            grad_output.const_data_ptr<scalar_t>(), input.const_data_ptr<scalar_t>(), g,
            grad_weight.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

const bool registered [[maybe_unused]] =
    direct_kernels().add(c10::DeviceType::CUDA, {direct_conv, direct_conv_grad_input, direct_conv_grad_weight});

} // namespace cuda
} // namespace ops
} // namespace convlab
