#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {
namespace emulated {

// The GPU's bmm (common/cuda/gemm.h) with cuBLAS replaced by a column-major reference GEMM
// that executes the planned cublasGemmStridedBatchedEx call exactly as given, after checking
// it against cuBLAS's documented argument rules.
void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);

} // namespace emulated
} // namespace ops
} // namespace convlab
