// Winograd F(2x2, 3x3)'s GPU transforms replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/launch.h"
#include "conv2d/winograd/winograd_grid.h"
#include "conv2d/winograd_2x2/winograd_2x2.h"

namespace convlab {
namespace ops {

const bool winograd_2x2_emulated_registered [[maybe_unused]] = winograd_2x2_kernels().add(
    KernelDevice::EmulatedCUDA, winograd_grid_kernels<Winograd2x2, emulated::EmulatedLaunch>());

} // namespace ops
} // namespace convlab
