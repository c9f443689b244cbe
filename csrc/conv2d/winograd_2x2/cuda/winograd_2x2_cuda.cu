// Winograd F(2x2, 3x3)'s transforms on the GPU (conv2d/winograd/winograd_grid.h).
#include "common/cuda/launch.cuh"
#include "conv2d/winograd/winograd_grid.h"
#include "conv2d/winograd_2x2/winograd_2x2.h"

namespace convlab {
namespace ops {

const bool winograd_2x2_cuda_registered [[maybe_unused]] = winograd_2x2_kernels().add(
    KernelDevice::CUDA, winograd_grid_kernels<Winograd2x2, cuda::CudaLaunch>());

} // namespace ops
} // namespace convlab
