#pragma once

// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2015): a 2x2 block of outputs from a
// 4x4 input tile and a 3x3 filter with 16 multiplies instead of 36 (2.25x fewer). Its
// transforms' coefficients are 1 and 1/2 only (F(4x4, 3x3)'s run from 1/24 to 8), so it rounds
// far less: Lavin & Gray measure about ten times F(4x4)'s accuracy. Its transforms'
// coefficients are written here; conv2d/winograd/winograd_tile.h's templates apply them, as
// they do F(4x4, 3x3)'s (conv2d/winograd/winograd.h).
//   filter:  U = G g G^T    (4x3 . 3x3 . 3x4)
//   input:   V = B^T d B    (4x4 . 4x4 . 4x4)
//   output:  Y = A^T M A    (2x4 . 4x4 . 4x2), where M = sum over input channels of U * V
// and for the filters' gradient (F(3x3, 2x2)):
//   grad_output:  E = A e A^T    (4x2 . 2x2 . 2x4)
//   grad_filter:  dg = G^T Z G   (3x4 . 4x4 . 4x3), where Z = sum over tiles of E * V
#include "conv2d/winograd/winograd_tile.h"

namespace convlab {
namespace ops {

// The transforms along one axis (T: one value or a pack of tiles, S its scalar type).
struct Winograd2x2FilterAxis { // u = G x: 3 -> 4
  static constexpr int kIn = 3, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[3], T (&u)[4]) {
    u[0] = x[0];
    u[1] = (x[0] + x[1] + x[2]) * S(0.5);
    u[2] = (x[0] - x[1] + x[2]) * S(0.5);
    u[3] = x[2];
  }
};

struct Winograd2x2InputAxis { // v = B^T x: 4 -> 4
  static constexpr int kIn = 4, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&v)[4]) {
    v[0] = x[0] - x[2];
    v[1] = x[1] + x[2];
    v[2] = x[2] - x[1];
    v[3] = x[1] - x[3];
  }
};

struct Winograd2x2OutputAxis { // y = A^T x: 4 -> 2
  static constexpr int kIn = 4, kOut = 2;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&y)[2]) {
    y[0] = x[0] + x[1] + x[2];
    y[1] = x[1] - x[2] - x[3];
  }
};

struct Winograd2x2GradOutputAxis { // e = A x: 2 -> 4
  static constexpr int kIn = 2, kOut = 4;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[2], T (&e)[4]) {
    e[0] = x[0];
    e[1] = x[0] + x[1];
    e[2] = x[0] - x[1];
    e[3] = x[1] * S(-1);
  }
};

struct Winograd2x2GradFilterAxis { // dg = G^T x: 4 -> 3
  static constexpr int kIn = 4, kOut = 3;
  template <typename S, typename T>
  C10_ALWAYS_INLINE C10_HOST_DEVICE static void apply(const T (&x)[4], T (&g)[3]) {
    g[0] = x[0] + (x[1] + x[2]) * S(0.5);
    g[1] = (x[1] - x[2]) * S(0.5);
    g[2] = (x[1] + x[2]) * S(0.5) + x[3];
  }
};

// The transforms over whole tensors, per device, with WinogradKernels' signatures and layouts
// at 16 transform points. Filled by cpu/ and cuda/.
DeviceTable<WinogradKernels>& winograd_2x2_kernels();

// F(2x2, 3x3) as a variant of winograd_tile.h's templates (see conv2d/winograd/winograd.h's
// Winograd4x4).
struct Winograd2x2
    : WinogradShape<2, Winograd2x2FilterAxis, Winograd2x2InputAxis, Winograd2x2OutputAxis,
                    Winograd2x2GradOutputAxis, Winograd2x2GradFilterAxis> {
  static constexpr const char* kName = "winograd_2x2";
  static constexpr const char* kFiltersKernel = "winograd_2x2_filters";
  static constexpr const char* kInputsKernel = "winograd_2x2_inputs";
  static constexpr const char* kOutputsKernel = "winograd_2x2_outputs";
  static constexpr const char* kGradOutputsKernel = "winograd_2x2_grad_outputs";
  static constexpr const char* kGradFiltersKernel = "winograd_2x2_grad_filters";
  static constexpr const char* kFiltersDispatch = "convlab_winograd_2x2_filters";
  static constexpr const char* kInputsDispatch = "convlab_winograd_2x2_inputs";
  static constexpr const char* kOutputsDispatch = "convlab_winograd_2x2_outputs";
  static constexpr const char* kGradOutputsDispatch = "convlab_winograd_2x2_grad_outputs";
  static constexpr const char* kGradFiltersDispatch = "convlab_winograd_2x2_grad_filters";
  static constexpr const char* kFiltersCpuDispatch = "convlab_winograd_2x2_filters_cpu";
  static constexpr const char* kInputsCpuDispatch = "convlab_winograd_2x2_inputs_cpu";
  static constexpr const char* kOutputsCpuDispatch = "convlab_winograd_2x2_outputs_cpu";
  static constexpr const char* kGradOutputsCpuDispatch = "convlab_winograd_2x2_grad_outputs_cpu";
  static constexpr const char* kGradFiltersCpuDispatch = "convlab_winograd_2x2_grad_filters_cpu";
  static DeviceTable<WinogradKernels>& kernels() { return winograd_2x2_kernels(); }
};

} // namespace ops
} // namespace convlab
