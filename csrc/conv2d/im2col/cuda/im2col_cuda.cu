// The GPU's im2col, col2im and GEMM for every conv algorithm (conv2d.h's Conv2dDeviceKernels).
#include "common/cuda/gemm.h"
#include "common/cuda/launch.cuh"
#include "conv2d/im2col/im2col_grid.h"

namespace convlab {
namespace ops {

const bool im2col_cuda_registered [[maybe_unused]] = conv2d_device_kernels().add(
    KernelDevice::CUDA,
    {im2col_grid<cuda::CudaLaunch>, col2im_grid<cuda::CudaLaunch>, cuda::bmm});

} // namespace ops
} // namespace convlab
