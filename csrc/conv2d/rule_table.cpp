// The rule tables behind "auto", one per device, each read off measurements on that device.
// CPU (this project's CPUs: python3 -m benchmarks.suite --full; docs/algorithms.md, "How
// auto chooses", and docs/benchmarks.md):
// - Implicit GEMM, first, for stride-1 convolutions with at most 16 input and 64 output channels
//   per group whose output rows fill its CPU register tiles (implicit_rows_fill_registers):
//   LeNet-5's first two layers, VGG-11 width 1/4's first two, the first of VGG-16 and AlexNet.
//   Its register kernels there beat im2col, whose lowering copies each input value once per
//   tap and costs as much as its GEMM (with 64 filters they tie at one thread and win at two),
//   and Winograd, whose transforms outweigh GEMMs 16 channels deep. (Measured in float32, the
//   kernels' dtype.)
// - Winograd for 3x3 kernels with stride 1 and dilation 1 when its 36 GEMMs are deep and wide
//   enough to pay for the transforms: at least 16 input channels per group, outputs of at
//   least 4x4, and at least 64 output tiles in the batch (128 from 256 input channels, where
//   the GEMMs need more columns). That includes VGG-11 width 1/4's 4x4 layers at batch 64
//   (one tile per plane), where it beats implicit GEMM at one thread and at two.
// - Implicit GEMM for the other padded stride-1 convolutions whose output planes have at most
//   16 positions (VGG-16's 4x4 layers at batch 32, VGG's 2x2 layers): im2col's columns there
//   are mostly padding zeros, which implicit GEMM never multiplies, and with fewer tiles than
//   that Winograd's filter transforms cost more than its GEMMs save.
// - im2col everywhere else: it wins or ties every other conv layer of LeNet-5, AlexNet and VGG.
// - Direct and FFT never win here: they are the readable reference and the lecture's third way.
// GPU (and its emulation, which must choose as a GPU does): not measured yet, so im2col
// everywhere, the one algorithm whose GPU work is cuBLAS's. The CPU's Winograd thresholds do
// not carry over: on a GPU Winograd keeps float32 buffers for half inputs (no tensor cores
// under autocast) and amplifies TF32's rounding, which is on by default for convolutions.
#include <algorithm>

#include "conv2d/algorithm.h"
#include "conv2d/implicit/implicit.h"
#include "conv2d/winograd/winograd.h"

namespace convlab {
namespace ops {

namespace {
constexpr int64_t kWinogradMinChannels = 16;
constexpr int64_t kWinogradMinOutputSide = 4;
constexpr int64_t kWinogradMinTiles = 64;
constexpr int64_t kWinogradDeepChannels = 256;
constexpr int64_t kWinogradMinTilesDeep = 128;
constexpr int64_t kImplicitMaxPositions = 16;
constexpr int64_t kImplicitMaxInChannels = 16;
constexpr int64_t kImplicitMaxOutChannels = 64;
} // namespace

const Conv2dAlgorithm& conv2d_rule_table(const Conv2dGeometry& g, KernelDevice device) {
  if (runs_cuda_code(device)) {
    return conv2d_algorithm_named("im2col");
  }
  const auto& implicit = conv2d_algorithm_named("implicit");
  const int64_t positions = g.out_h * g.out_w;
  if (implicit.why_not(g).empty() && implicit_rows_fill_registers(g) &&
      g.in_channels_per_group() <= kImplicitMaxInChannels &&
      g.out_channels_per_group() <= kImplicitMaxOutChannels) {
    return implicit;
  }
  const auto& winograd = conv2d_algorithm_named("winograd");
  const int64_t tiles =
      g.batch * winograd_tiles<Winograd4x4>(g.out_h) * winograd_tiles<Winograd4x4>(g.out_w);
  const int64_t min_tiles = g.in_channels_per_group() >= kWinogradDeepChannels
      ? kWinogradMinTilesDeep
      : kWinogradMinTiles;
  if (winograd.why_not(g).empty() && g.in_channels_per_group() >= kWinogradMinChannels &&
      std::min(g.out_h, g.out_w) >= kWinogradMinOutputSide && tiles >= min_tiles) {
    return winograd;
  }
  if (implicit.why_not(g).empty() && (g.pad_h > 0 || g.pad_w > 0) &&
      positions <= kImplicitMaxPositions) {
    return implicit;
  }
  return conv2d_algorithm_named("im2col");
}

} // namespace ops
} // namespace convlab
