#pragma once

#include "conv2d/conv2d.h"

namespace convlab {
namespace ops {

// Whether implicit GEMM's CPU float32 kernels (cpu/implicit_cpu.h) take this convolution's
// forward, grad_input and grad_weight: output rows at least 8 long and 8 times the padding, so
// that the register tiles along them are long and the padding they multiply small. Smaller
// planes, other dtypes and devices run the tap GEMMs, which skip the padding.
bool implicit_rows_fill_registers(const Conv2dGeometry& g);

} // namespace ops
} // namespace convlab
