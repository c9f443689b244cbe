// adaptive_avg_pool2d's CPU loops (cpu/window_average_loops.h).
#include "pool2d/adaptive_avg_pool2d.h"
#include "pool2d/cpu/window_average_loops.h"

namespace convlab {
namespace ops {

const bool adaptive_avg_pool2d_cpu_registered [[maybe_unused]] = adaptive_avg_pool2d_kernels().add(
    KernelDevice::CPU, {cpu::window_average<AdaptiveWindow>, cpu::window_average_backward<AdaptiveWindow>});

} // namespace ops
} // namespace convlab
