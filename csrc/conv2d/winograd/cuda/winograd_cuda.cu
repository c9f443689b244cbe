// Winograd's transforms on the GPU (winograd_grid.h).
#include "common/cuda/launch.cuh"
#include "conv2d/winograd/winograd.h"
#include "conv2d/winograd/winograd_grid.h"

namespace convlab {
namespace ops {

const bool winograd_cuda_registered [[maybe_unused]] =
    winograd_kernels().add(KernelDevice::CUDA, winograd_grid_kernels<Winograd4x4, cuda::CudaLaunch>());

} // namespace ops
} // namespace convlab
