// max_pool2d's loops on the GPU (max_pool2d_grid.h).
#include "common/cuda/launch.cuh"
#include "pool2d/max_pool2d_grid.h"

namespace convlab {
namespace ops {

const bool max_pool2d_cuda_registered [[maybe_unused]] =
    max_pool2d_kernels().add(KernelDevice::CUDA, max_pool2d_grid_kernels<cuda::CudaLaunch>());

} // namespace ops
} // namespace convlab
