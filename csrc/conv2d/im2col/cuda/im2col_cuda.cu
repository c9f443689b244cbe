#include "conv2d/conv2d.h"

#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>

#include "conv2d/im2col/im2col.h"
#include "common/cuda/gemm.h"
#include "common/cuda/launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

namespace {

// One thread per (channel, sample, output position) writes that position's
// kernel_h * kernel_w column entries; one thread per input element gathers its sum. The
// per-element work is the shared im2col_value / col2im_sum.
template <typename scalar_t>
__global__ void im2col_kernel(const scalar_t* __restrict__ input, Conv2dGeometry g,
                              scalar_t* __restrict__ columns) {
  const int64_t spatial = g.out_h * g.out_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.in_channels * g.batch * spatial) {
    const int64_t ow = index % g.out_w;
    const int64_t oh = (index / g.out_w) % g.out_h;
    const int64_t sample = (index / spatial) % g.batch;
    const int64_t channel = index / (spatial * g.batch);
    const scalar_t* plane = input + (sample * g.in_channels + channel) * g.in_h * g.in_w;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        columns[column_index(g, channel, ki, kj, sample, oh, ow)] =
            im2col_value(plane, g, ki, kj, oh, ow);
      }
    }
  }
}

template <typename scalar_t>
__global__ void col2im_kernel(const scalar_t* __restrict__ columns, Conv2dGeometry g,
                              scalar_t* __restrict__ grad_input) {
  CONVLAB_CUDA_KERNEL_LOOP(index, g.batch * g.in_channels * g.in_h * g.in_w) {
    const int64_t iw = index % g.in_w;
    const int64_t ih = (index / g.in_w) % g.in_h;
    const int64_t channel = (index / (g.in_w * g.in_h)) % g.in_channels;
    const int64_t sample = index / (g.in_w * g.in_h * g.in_channels);
    grad_input[index] = static_cast<scalar_t>(col2im_sum(columns, g, sample, channel, ih, iw));
  }
}

} // namespace

void im2col(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns) {
  const int64_t threads = g.in_channels * g.batch * g.out_h * g.out_w;
  if (threads == 0) {
    return;
  }
  const auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_im2col_cuda", [&] {
    im2col_kernel<scalar_t><<<blocks_for(threads), kThreadsPerBlock, 0, stream>>>(
        input.const_data_ptr<scalar_t>(), g, columns.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input) {
  const int64_t threads = g.batch * g.in_channels * g.in_h * g.in_w;
  if (threads == 0) {
    return;
  }
  const auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, columns.scalar_type(), "convlab_col2im_cuda", [&] {
    col2im_kernel<scalar_t><<<blocks_for(threads), kThreadsPerBlock, 0, stream>>>(
        columns.const_data_ptr<scalar_t>(), g, grad_input.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

const bool registered [[maybe_unused]] =
    conv2d_device_kernels().add(c10::DeviceType::CUDA, {im2col, col2im, bmm});

} // namespace cuda
} // namespace ops
} // namespace convlab
