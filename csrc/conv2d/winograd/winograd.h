#pragma once

// Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2015): a 4x4 block of outputs from
// a 6x6 input tile and a 3x3 filter with 36 multiplies instead of 144. Its transforms'
// coefficients are written here; winograd_tile.h's templates apply them (per tile on the
// GPU's threads, winograd_grid.h; on packs of tiles side by side on the CPU, cpu/winograd_cpu.h).
//   filter:  U = G g G^T    (6x3 . 3x3 . 3x6)
//   input:   V = B^T d B    (6x6 . 6x6 . 6x6)
//   output:  Y = A^T M A    (4x6 . 6x6 . 6x4), where M = sum over input channels of U * V
// and for the filters' gradient (F(3x3, 4x4), the same points):
//   grad_output:  E = A e A^T    (6x4 . 4x4 . 4x6)
//   grad_filter:  dg = G^T Z G   (3x6 . 6x6 . 6x3), where Z = sum over tiles of E * V
#include "conv2d/winograd/winograd_tile.h"

namespace convlab {
namespace ops {

// The transforms along one axis, as explicit sums: the zero entries of B^T, G and A^T
// are skipped (a generic matrix product spends most of its multiplies on them). T is one value
// (a CUDA thread's tile) or a pack of tiles side by side (cpu/lanes.h: the CPU transforms
// several tiles at once); S is its scalar type, in which the constants are written.
struct WinogradFilterAxis { // u = G x: 3 -> 6
  static constexpr int kIn = 3, kOut = 6;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[3], T (&u)[6]) {
    u[0] = x[0] * S(1.0 / 4);
    u[1] = (x[0] + x[1] + x[2]) * S(-1.0 / 6);
    u[2] = (x[0] - x[1] + x[2]) * S(-1.0 / 6);
    u[3] = x[0] * S(1.0 / 24) + x[1] * S(1.0 / 12) + x[2] * S(1.0 / 6);
    u[4] = x[0] * S(1.0 / 24) - x[1] * S(1.0 / 12) + x[2] * S(1.0 / 6);
    u[5] = x[2];
  }
};

struct WinogradInputAxis { // v = B^T x: 6 -> 6
  static constexpr int kIn = 6, kOut = 6;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[6], T (&v)[6]) {
    v[0] = x[0] * S(4) - x[2] * S(5) + x[4];
    v[1] = x[3] + x[4] - (x[1] + x[2]) * S(4);
    v[2] = x[4] - x[3] + (x[1] - x[2]) * S(4);
    v[3] = x[4] - x[2] + (x[3] - x[1]) * S(2);
    v[4] = x[4] - x[2] - (x[3] - x[1]) * S(2);
    v[5] = x[1] * S(4) - x[3] * S(5) + x[5];
  }
};

struct WinogradOutputAxis { // y = A^T x: 6 -> 4
  static constexpr int kIn = 6, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[6], T (&y)[4]) {
    y[0] = x[0] + x[1] + x[2] + x[3] + x[4];
    y[1] = x[1] - x[2] + (x[3] - x[4]) * S(2);
    y[2] = x[1] + x[2] + (x[3] + x[4]) * S(4);
    y[3] = x[1] - x[2] + (x[3] - x[4]) * S(8) + x[5];
  }
};

// The transposes of A^T and G, written out the same way: the filters' gradient.
struct WinogradGradOutputAxis { // e = A x: 4 -> 6
  static constexpr int kIn = 4, kOut = 6;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&e)[6]) {
    e[0] = x[0];
    e[1] = x[0] + x[1] + x[2] + x[3];
    e[2] = x[0] - x[1] + x[2] - x[3];
    e[3] = x[0] + x[1] * S(2) + x[2] * S(4) + x[3] * S(8);
    e[4] = x[0] - x[1] * S(2) + x[2] * S(4) - x[3] * S(8);
    e[5] = x[3];
  }
};

struct WinogradGradFilterAxis { // dg = G^T x: 6 -> 3
  static constexpr int kIn = 6, kOut = 3;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[6], T (&g)[3]) {
    g[0] = x[0] * S(1.0 / 4) - (x[1] + x[2]) * S(1.0 / 6) + (x[3] + x[4]) * S(1.0 / 24);
    g[1] = (x[2] - x[1]) * S(1.0 / 6) + (x[3] - x[4]) * S(1.0 / 12);
    g[2] = (x[3] + x[4] - x[1] - x[2]) * S(1.0 / 6) + x[5];
  }
};

// Filled by this algorithm's cpu/ and cuda/ kernel files (layouts: WinogradKernels).
DeviceTable<WinogradKernels>& winograd_kernels();

// F(4x4, 3x3) as a variant of winograd_tile.h's templates: its tile sizes, transforms, kernel
// names (the GPU's and the dispatches') and kernel table.
struct Winograd4x4 : WinogradShape<4, WinogradFilterAxis, WinogradInputAxis, WinogradOutputAxis,
                                   WinogradGradOutputAxis, WinogradGradFilterAxis> {
  static constexpr const char* kName = "winograd";
  static constexpr const char* kFiltersKernel = "winograd_filters";
  static constexpr const char* kInputsKernel = "winograd_inputs";
  static constexpr const char* kOutputsKernel = "winograd_outputs";
  static constexpr const char* kGradOutputsKernel = "winograd_grad_outputs";
  static constexpr const char* kGradFiltersKernel = "winograd_grad_filters";
  static constexpr const char* kFiltersDispatch = "convlab_winograd_filters";
  static constexpr const char* kInputsDispatch = "convlab_winograd_inputs";
  static constexpr const char* kOutputsDispatch = "convlab_winograd_outputs";
  static constexpr const char* kGradOutputsDispatch = "convlab_winograd_grad_outputs";
  static constexpr const char* kGradFiltersDispatch = "convlab_winograd_grad_filters";
  static constexpr const char* kFiltersCpuDispatch = "convlab_winograd_filters_cpu";
  static constexpr const char* kInputsCpuDispatch = "convlab_winograd_inputs_cpu";
  static constexpr const char* kOutputsCpuDispatch = "convlab_winograd_outputs_cpu";
  static constexpr const char* kGradOutputsCpuDispatch = "convlab_winograd_grad_outputs_cpu";
  static constexpr const char* kGradFiltersCpuDispatch = "convlab_winograd_grad_filters_cpu";
  static DeviceTable<WinogradKernels>& kernels() { return winograd_kernels(); }
};

} // namespace ops
} // namespace convlab
