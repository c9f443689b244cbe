// The GPU's im2col, col2im and GEMM replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/gemm.h"
#include "common/emulated/launch.h"
#include "conv2d/im2col/im2col_grid.h"

namespace convlab {
namespace ops {

const bool im2col_emulated_registered [[maybe_unused]] = conv2d_device_kernels().add(
    KernelDevice::EmulatedCUDA,
    {im2col_grid<emulated::EmulatedLaunch>, col2im_grid<emulated::EmulatedLaunch>, emulated::bmm});

} // namespace ops
} // namespace convlab
