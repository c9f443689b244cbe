#pragma once

#include <ATen/cuda/CUDAContext.h>

#include <algorithm>

namespace convlab {
namespace ops {
namespace cuda {

constexpr int kThreadsPerBlock = 256;

// Enough blocks to fill the GPU; kernels walk any remainder with a grid-stride loop, so
// element counts past 2^31 need no larger grid.
inline unsigned int blocks_for(int64_t elements) {
  const int64_t wanted = (elements + kThreadsPerBlock - 1) / kThreadsPerBlock;
  const int64_t cap =
      int64_t{at::cuda::getCurrentDeviceProperties()->multiProcessorCount} * 32;
  return static_cast<unsigned int>(std::max<int64_t>(1, std::min(wanted, cap)));
}

} // namespace cuda
} // namespace ops
} // namespace convlab

// Grid-stride loop over [0, n) with a 64-bit index.
#define CONVLAB_CUDA_KERNEL_LOOP(i, n)                                               \
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < (n);           \
       i += int64_t{blockDim.x} * gridDim.x)
