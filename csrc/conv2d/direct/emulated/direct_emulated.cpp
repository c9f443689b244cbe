// The direct algorithm's GPU loops replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/launch.h"
#include "conv2d/direct/direct_grid.h"

namespace convlab {
namespace ops {

const bool direct_emulated_registered [[maybe_unused]] =
    direct_kernels().add(KernelDevice::EmulatedCUDA, direct_grid_kernels<emulated::EmulatedLaunch>());

} // namespace ops
} // namespace convlab
