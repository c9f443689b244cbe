// adaptive_avg_pool2d's loops on the GPU (window_average_grid.h).
#include "common/cuda/launch.cuh"
#include "pool2d/adaptive_avg_pool2d.h"
#include "pool2d/window_average_grid.h"

namespace convlab {
namespace ops {

const bool adaptive_avg_pool2d_cuda_registered [[maybe_unused]] = adaptive_avg_pool2d_kernels().add(
    KernelDevice::CUDA, window_average_grid_kernels<cuda::CudaLaunch, AdaptiveWindow>());

} // namespace ops
} // namespace convlab
