#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {
namespace cpu {

// out[i] = a[i] @ b[i] (+ out[i] when `accumulate`) for every i of the batch, on ATen's BLAS
// (oneDNN's for bfloat16, accumulating in float32).
void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);

} // namespace cpu
} // namespace ops
} // namespace convlab
