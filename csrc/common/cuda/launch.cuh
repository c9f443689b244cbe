#pragma once

// The GPU's launcher: every convlab kernel is a per-index body (a C10_HOST_DEVICE functor in
// its family's *_grid.h) run by this one grid-stride kernel on the current stream. The
// emulated launcher (common/emulated/launch.h) has the same interface.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>

#include "common/grid.h"

namespace convlab {
namespace ops {
namespace cuda {

template <typename Body>
__global__ void grid_stride_kernel(int64_t n, Body body) {
  grid_stride_loop(blockIdx.x, threadIdx.x, gridDim.x, n, body);
}

class CudaLaunch {
 public:
  // What a body writes through: plain device pointers.
  template <typename T>
  using Out = T*;

  explicit CudaLaunch(const char* /*kernel: named for the emulation's counts*/) {}

  template <typename T>
  T* output(at::Tensor& t) const {
    return t.mutable_data_ptr<T>();
  }

  template <typename Body>
  void operator()(int64_t n, const Body& body) const {
    if (n == 0) {
      return;
    }
    const int64_t multiprocessors = at::cuda::getCurrentDeviceProperties()->multiProcessorCount;
    grid_stride_kernel<<<static_cast<unsigned int>(blocks_for(n, multiprocessors)),
                         kThreadsPerBlock, 0, at::cuda::getCurrentCUDAStream()>>>(n, body);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  }
};

} // namespace cuda
} // namespace ops
} // namespace convlab
