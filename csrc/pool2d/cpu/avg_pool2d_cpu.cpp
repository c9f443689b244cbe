// avg_pool2d's CPU loops (cpu/window_average_loops.h).
#include "pool2d/avg_pool2d.h"
#include "pool2d/cpu/window_average_loops.h"

namespace convlab {
namespace ops {

const bool avg_pool2d_cpu_registered [[maybe_unused]] = avg_pool2d_kernels().add(
    KernelDevice::CPU, {cpu::window_average<SlidingWindow>, cpu::window_average_backward<SlidingWindow>});

} // namespace ops
} // namespace convlab
