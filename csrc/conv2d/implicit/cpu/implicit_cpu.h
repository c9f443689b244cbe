#pragma once

// Implicit GEMM's CPU kernel for float32 (oneDNN's method): every filter tap summed in
// registers, the input read straight from the image.
#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "conv2d/conv2d.h"

namespace convlab {
namespace ops {
namespace cpu {

// `count` consecutive h x w planes from `from`, each placed at row `top`, column `left` of a
// zero plane of `rows` x `width` at `to` (count x rows x width), each value written once.
void pad_planes(const float* from, int64_t count, int64_t h, int64_t w, int64_t top,
                int64_t left, int64_t rows, int64_t width, float* to);

// Where filter tap p = (input channel of the group, tap row, tap column) reads, relative to
// the position it serves, in planes of `rows` x `width` (a padded image's).
std::vector<int64_t> tap_offsets(const Conv2dGeometry& g, int64_t rows, int64_t width);

// conv2d(input, weight) + bias: a tile of output positions along one output row times a block
// of output channels, as registers (positions x channel vectors) accumulating one product per
// input channel and tap, the positions' input values broadcast straight from the (padded) image
// and the filters packed once per call. Float32 CPU tensors, stride 1; any padding, dilation
// and groups.
at::Tensor implicit_conv2d(const at::Tensor& input, const at::Tensor& weight,
                           const std::optional<at::Tensor>& bias, const Conv2dGeometry& g);

// grad_weight of that convolution: per block of output channels x filter taps, vector
// registers summing over every output position of a sample at once, the positions laid on rows
// as wide as the padded input so that each tap reads one contiguous stretch of the image.
at::Tensor implicit_conv2d_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                                       const Conv2dGeometry& g);

// Whether implicit_conv2d_grad_weight pays for `g`: enough positions per block of samples
// that summing each accumulator's lanes stays a small part of the work.
bool implicit_grad_weight_fills_registers(const Conv2dGeometry& g);

} // namespace cpu
} // namespace ops
} // namespace convlab
