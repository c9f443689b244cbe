// max_pool2d's GPU loops replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/launch.h"
#include "pool2d/max_pool2d_grid.h"

namespace convlab {
namespace ops {

const bool max_pool2d_emulated_registered [[maybe_unused]] = max_pool2d_kernels().add(
    KernelDevice::EmulatedCUDA, max_pool2d_grid_kernels<emulated::EmulatedLaunch>());

} // namespace ops
} // namespace convlab
