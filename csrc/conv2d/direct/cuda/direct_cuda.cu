// The direct algorithm's loops on the GPU (direct_grid.h).
#include "common/cuda/launch.cuh"
#include "conv2d/direct/direct_grid.h"

namespace convlab {
namespace ops {

const bool direct_cuda_registered [[maybe_unused]] =
    direct_kernels().add(KernelDevice::CUDA, direct_grid_kernels<cuda::CudaLaunch>());

} // namespace ops
} // namespace convlab
