#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {
namespace cpu {

// out[i] = a[i] @ b[i] (+ out[i] when `accumulate`) for every i of the batch: float32 on
// convlab's own GEMM (sgemm.h; half types are widened to it), float64 on ATen's BLAS.
void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);

} // namespace cpu
} // namespace ops
} // namespace convlab
