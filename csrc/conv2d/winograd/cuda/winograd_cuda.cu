#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <c10/cuda/CUDAException.h>

#include "conv2d/winograd/winograd.h"
#include "common/cuda/launch.cuh"

namespace convlab {
namespace ops {
namespace cuda {

namespace {

// One thread per filter, input tile or output tile; each runs the shared winograd.h
// transform. Layouts: conv2d.h (Conv2dDeviceKernels).
template <typename scalar_t, typename opmath_t>
__global__ void winograd_filters_kernel(const scalar_t* __restrict__ w, int64_t filters,
                                        opmath_t* __restrict__ u) {
  CONVLAB_CUDA_KERNEL_LOOP(f, filters) {
    winograd_filter_tile(w + f * 9, u + f, filters);
  }
}

template <typename scalar_t, typename opmath_t>
__global__ void winograd_inputs_kernel(const scalar_t* __restrict__ x, Conv2dGeometry g,
                                       opmath_t* __restrict__ v) {
  const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
  const int64_t columns = g.batch * tiles_h * tiles_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.in_channels * columns) {
    const int64_t column = index % columns;
    const int64_t ic = index / columns;
    const int64_t tw = column % tiles_w;
    const int64_t th = (column / tiles_w) % tiles_h;
    const int64_t sample = column / (tiles_w * tiles_h);
    winograd_input_tile(x + (sample * g.in_channels + ic) * g.in_h * g.in_w, g.in_h, g.in_w,
                        th * kWinogradOut - g.pad_h, tw * kWinogradOut - g.pad_w, v + index,
                        g.in_channels * columns);
  }
}

template <typename scalar_t, typename opmath_t>
__global__ void winograd_outputs_kernel(const opmath_t* __restrict__ m,
                                        const scalar_t* __restrict__ b, Conv2dGeometry g,
                                        scalar_t* __restrict__ out) {
  const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
  const int64_t columns = g.batch * tiles_h * tiles_w;
  CONVLAB_CUDA_KERNEL_LOOP(index, g.out_channels * columns) {
    const int64_t column = index % columns;
    const int64_t oc = index / columns;
    const int64_t tw = column % tiles_w;
    const int64_t th = (column / tiles_w) % tiles_h;
    const int64_t sample = column / (tiles_w * tiles_h);
    const opmath_t shift = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[oc]);
    winograd_output_tile(m + index, g.out_channels * columns, shift,
                         out + (sample * g.out_channels + oc) * g.out_h * g.out_w, g.out_h,
                         g.out_w, th * kWinogradOut, tw * kWinogradOut);
  }
}

} // namespace

void winograd_filters(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  const int64_t filters = g.out_channels * g.in_channels_per_group();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), "convlab_winograd_filters_cuda", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    winograd_filters_kernel<scalar_t, opmath_t>
        <<<blocks_for(filters), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            weight.const_data_ptr<scalar_t>(), filters, u.mutable_data_ptr<opmath_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void winograd_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  const int64_t threads = g.in_channels * g.batch * winograd_tiles(g.out_h) * winograd_tiles(g.out_w);
  if (threads == 0) {
    return;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_winograd_inputs_cuda", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    winograd_inputs_kernel<scalar_t, opmath_t>
        <<<blocks_for(threads), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            input.const_data_ptr<scalar_t>(), g, v.mutable_data_ptr<opmath_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void winograd_outputs(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                      const Conv2dGeometry& g, at::Tensor& output) {
  const int64_t threads = g.out_channels * g.batch * winograd_tiles(g.out_h) * winograd_tiles(g.out_w);
  if (threads == 0) {
    return;
  }
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), "convlab_winograd_outputs_cuda", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    winograd_outputs_kernel<scalar_t, opmath_t>
        <<<blocks_for(threads), kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(
            m.const_data_ptr<opmath_t>(), bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr,
            g, output.mutable_data_ptr<scalar_t>());
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

const bool registered [[maybe_unused]] =
    winograd_kernels().add(c10::DeviceType::CUDA, {winograd_filters, winograd_inputs, winograd_outputs});

} // namespace cuda
} // namespace ops
} // namespace convlab
