#pragma once

// Index arithmetic of a window sliding along one axis, shared by convolution (im2col/col2im)
// and pooling on every device.
#include <c10/macros/Macros.h>

#include <cstdint>

namespace convlab {
namespace ops {

// Input position read by kernel tap k of output o along one axis (may lie in the padding).
C10_HOST_DEVICE inline int64_t tap_position(
    int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
  return o * stride - pad + k * dilation;
}

// Outputs [begin, end) along one axis.
struct OutputRange {
  int64_t begin, end;
};

// The outputs whose window (`extent` = (kernel - 1) * dilation + 1 input positions, the
// first at o * stride - pad) spans input position `in`. With dilation > 1 the window may
// still skip `in`: the caller checks the tap.
C10_HOST_DEVICE inline OutputRange outputs_spanning(
    int64_t in, int64_t pad, int64_t extent, int64_t stride, int64_t out_size) {
  const int64_t padded = in + pad;
  const int64_t begin = padded < extent ? 0 : (padded - extent) / stride + 1;
  const int64_t last = padded / stride + 1;
  return {begin, last < out_size ? last : out_size};
}

// The kernel tap of output `o` that reads input position `in`, or -1 when none does
// (outside the window, or between two dilated taps).
C10_HOST_DEVICE inline int64_t tap_reading(
    int64_t in, int64_t o, int64_t pad, int64_t kernel, int64_t stride, int64_t dilation) {
  const int64_t offset = in + pad - o * stride;
  if (offset < 0 || offset % dilation != 0 || offset / dilation >= kernel) {
    return -1;
  }
  return offset / dilation;
}

// Outputs [begin, end) along one axis whose tap k reads inside the input [0, in_size): the
// outputs a loop over one tap can run without bounds checks.
C10_HOST_DEVICE inline OutputRange outputs_reading_inside(
    int64_t k, int64_t stride, int64_t pad, int64_t dilation, int64_t in_size,
    int64_t out_size) {
  const int64_t first = tap_position(0, k, stride, pad, dilation);
  const int64_t begin = first >= 0 ? 0 : (-first + stride - 1) / stride;
  const int64_t last = in_size - 1 - first;
  const int64_t end = last < 0 ? 0 : (last / stride + 1 < out_size ? last / stride + 1 : out_size);
  return {begin < end ? begin : end, end};
}

} // namespace ops
} // namespace convlab
