#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {
namespace cuda {

// out[i] = a[i] @ b[i] (+ out[i] when `accumulate`) on cuBLAS on the current stream: the call
// common/gemm_call.h plans, with the TF32 math mode chosen per call without touching any
// process-wide flag.
void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);

} // namespace cuda
} // namespace ops
} // namespace convlab
