// Winograd F(2x2, 3x3) convolution: conv2d/winograd/winograd_conv.h's drivers with
// winograd_2x2.h's transforms, 16 products per tile pair.
#include "conv2d/winograd/winograd_conv.h"
#include "conv2d/winograd_2x2/winograd_2x2.h"

namespace convlab {
namespace ops {

DeviceTable<WinogradKernels>& winograd_2x2_kernels() {
  static DeviceTable<WinogradKernels> table("winograd_2x2 conv2d");
  return table;
}

// Its transforms' coefficients (1 and 1/2) keep its float32 error near im2col's, so it
// promises what a GEMM algorithm does: 10x native's.
CONVLAB_CONV2D_ALGORITHM(winograd_2x2, {"winograd_2x2", winograd_unsupported_because<Winograd2x2>,
                                        winograd_forward<Winograd2x2>,
                                        winograd_backward<Winograd2x2>, nullptr, nullptr, 10});

} // namespace ops
} // namespace convlab
