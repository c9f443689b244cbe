// avg_pool2d's loops on the GPU (window_average_grid.h).
#include "common/cuda/launch.cuh"
#include "pool2d/avg_pool2d.h"
#include "pool2d/window_average_grid.h"

namespace convlab {
namespace ops {

const bool avg_pool2d_cuda_registered [[maybe_unused]] = avg_pool2d_kernels().add(
    KernelDevice::CUDA, window_average_grid_kernels<cuda::CudaLaunch, SlidingWindow>());

} // namespace ops
} // namespace convlab
