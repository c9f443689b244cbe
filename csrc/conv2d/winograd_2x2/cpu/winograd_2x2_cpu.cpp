// Winograd F(2x2, 3x3)'s transforms on the CPU (conv2d/winograd/cpu/winograd_cpu.h).
#include "conv2d/winograd/cpu/winograd_cpu.h"
#include "conv2d/winograd_2x2/winograd_2x2.h"

namespace convlab {
namespace ops {
namespace cpu {

const bool winograd_2x2_registered [[maybe_unused]] =
    winograd_2x2_kernels().add(KernelDevice::CPU, winograd_cpu_kernels<Winograd2x2>());

} // namespace cpu
} // namespace ops
} // namespace convlab
