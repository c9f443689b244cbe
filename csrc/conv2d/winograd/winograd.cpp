// Winograd F(4x4, 3x3) convolution (Lavin & Gray, 2015): winograd_conv.h's drivers with
// winograd.h's transforms, 36 products per tile pair.
#include "conv2d/winograd/winograd.h"
#include "conv2d/winograd/winograd_conv.h"

namespace convlab {
namespace ops {

DeviceTable<WinogradKernels>& winograd_kernels() {
  static DeviceTable<WinogradKernels> table("winograd conv2d");
  return table;
}

// Its transforms round several times (coefficients up to 8 and down to 1/24): the error
// table (docs/algorithms.md) has its forward error up to 43x im2col's, so it promises 64x
// native's.
CONVLAB_CONV2D_ALGORITHM(winograd, {"winograd", winograd_unsupported_because<Winograd4x4>,
                                    winograd_forward<Winograd4x4>,
                                    winograd_backward<Winograd4x4>, nullptr, nullptr, 64});

} // namespace ops
} // namespace convlab
