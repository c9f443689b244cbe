#include "im2col.h"

#include <ATen/AccumulateType.h>
#include <ATen/Dispatch.h>
#include <c10/cuda/CUDAException.h>

#include "launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

namespace {

// One thread per (channel, sample, output position) writes that position's
// kernel_h * kernel_w column entries.
template <typename scalar_t>
__global__ void im2col_kernel(const scalar_t* __restrict__ input, Conv2dGeometry g,
                              scalar_t* __restrict__ columns) {
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t row_stride = g.batch * spatial;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.in_channels * row_stride) {
    const int64_t position = index % spatial;
    const int64_t sample = (index / spatial) % g.batch;
    const int64_t channel = index / row_stride;
    const int64_t oh = position / g.out_w;
    const int64_t ow = position % g.out_w;
    const scalar_t* plane = input + (sample * g.in_channels + channel) * g.in_h * g.in_w;
    scalar_t* out = columns + channel * g.kernel_h * g.kernel_w * row_stride + sample * spatial + position;
    for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
      const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
      for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
        const int64_t iw = ow * g.stride_w - g.pad_w + kj * g.dilation_w;
        const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
        *out = inside ? plane[ih * g.in_w + iw] : scalar_t(0);
        out += row_stride;
      }
    }
  }
}

// One thread per input element gathers every column entry that came from it (Caffe's
// col2im), so no two threads write the same element and no atomics are needed.
template <typename scalar_t>
__global__ void col2im_kernel(const scalar_t* __restrict__ columns, Conv2dGeometry g,
                              scalar_t* __restrict__ grad_input) {
  using acc_t = at::acc_type<scalar_t, true>;
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t row_stride = g.batch * spatial;
  const int64_t extent_h = (g.kernel_h - 1) * g.dilation_h + 1;
  const int64_t extent_w = (g.kernel_w - 1) * g.dilation_w + 1;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.batch * g.in_channels * g.in_h * g.in_w) {
    const int64_t w = index % g.in_w + g.pad_w;
    const int64_t h = (index / g.in_w) % g.in_h + g.pad_h;
    const int64_t channel = (index / (g.in_w * g.in_h)) % g.in_channels;
    const int64_t sample = index / (g.in_w * g.in_h * g.in_channels);
    const int64_t oh_start = h < extent_h ? 0 : (h - extent_h) / g.stride_h + 1;
    const int64_t oh_end = min(h / g.stride_h + 1, g.out_h);
    const int64_t ow_start = w < extent_w ? 0 : (w - extent_w) / g.stride_w + 1;
    const int64_t ow_end = min(w / g.stride_w + 1, g.out_w);
    acc_t sum = 0;
    for (int64_t oh = oh_start; oh < oh_end; ++oh) {
      int64_t ki = h - oh * g.stride_h;
      if (ki % g.dilation_h != 0) {
        continue;
      }
      ki /= g.dilation_h;
      for (int64_t ow = ow_start; ow < ow_end; ++ow) {
        int64_t kj = w - ow * g.stride_w;
        if (kj % g.dilation_w != 0) {
          continue;
        }
        kj /= g.dilation_w;
        const int64_t row = (channel * g.kernel_h + ki) * g.kernel_w + kj;
        sum += static_cast<acc_t>(columns[row * row_stride + sample * spatial + oh * g.out_w + ow]);
      }
    }
    grad_input[index] = static_cast<scalar_t>(static_cast<acc_t>(grad_input[index]) + sum);
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

} // namespace cuda
} // namespace ops
} // namespace convlab
