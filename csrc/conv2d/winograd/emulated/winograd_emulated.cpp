// Winograd's GPU transforms replayed on the CPU (common/emulated/launch.h).
#include "common/emulated/launch.h"
#include "conv2d/winograd/winograd.h"
#include "conv2d/winograd/winograd_grid.h"

namespace convlab {
namespace ops {

const bool winograd_emulated_registered [[maybe_unused]] = winograd_kernels().add(
    KernelDevice::EmulatedCUDA, winograd_grid_kernels<Winograd4x4, emulated::EmulatedLaunch>());

} // namespace ops
} // namespace convlab
