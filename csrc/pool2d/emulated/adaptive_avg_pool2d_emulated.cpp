// adaptive_avg_pool2d's GPU loops replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/launch.h"
#include "pool2d/adaptive_avg_pool2d.h"
#include "pool2d/window_average_grid.h"

namespace convlab {
namespace ops {

const bool adaptive_avg_pool2d_emulated_registered [[maybe_unused]] = adaptive_avg_pool2d_kernels().add(
    KernelDevice::EmulatedCUDA, window_average_grid_kernels<emulated::EmulatedLaunch, AdaptiveWindow>());

} // namespace ops
} // namespace convlab
