// Winograd F(4x4, 3x3)'s transforms on the CPU (winograd_cpu.h).
#include "conv2d/winograd/cpu/winograd_cpu.h"
#include "conv2d/winograd/winograd.h"

namespace convlab {
namespace ops {
namespace cpu {

const bool registered [[maybe_unused]] =
    winograd_kernels().add(KernelDevice::CPU, winograd_cpu_kernels<Winograd4x4>());

} // namespace cpu
} // namespace ops
} // namespace convlab
