#pragma once

// The GPU's batched GEMM as cuBLAS receives it, planned in host code that both builds
// compile: convlab's row-major operands turned into one cublasGemmStridedBatchedEx call
// (column-major: transposes, m/n/k, leading dimensions, batch strides, alpha/beta, data and
// compute types). On a GPU cuda/gemm.cu hands the call to cuBLAS; in emulation
// emulated/emulated_gemm.cpp checks cuBLAS's argument rules and executes exactly that call.
#include <ATen/ATen.h>

#include <cstdint>

namespace convlab {
namespace ops {

enum class BlasOp { N, T };
enum class BlasType { Float32, Float64, Float16, BFloat16 };
enum class BlasCompute { Float32, Float32FastTF32, Float64 };

// C[p] = alpha * op(A[p]) @ op(B[p]) + beta * C[p] for p < batch, every matrix column-major:
// element (i, j) of a matrix at data + i + j * ld.
struct StridedBatchedGemm {
  BlasOp transa, transb;
  int64_t m, n, k;
  const void* a;
  BlasType a_type;
  int64_t lda, stride_a;
  const void* b;
  BlasType b_type;
  int64_t ldb, stride_b;
  void* c;
  BlasType c_type;
  int64_t ldc, stride_c;
  int64_t batch;
  double alpha, beta;
  BlasCompute compute;
};

// out[i] = a[i] @ b[i] (+ out[i] when `accumulate`) for every i of the batch (a, b: 3-D, each
// matrix row-major or a transposed view; out: rows contiguous) as at most one call of
// `execute`. Float32 computes in TF32 exactly when torch.backends.cudnn.allow_tf32 is set
// (torch's own convolution follows that switch); half types multiply in float32 and may
// accumulate into a float32 `out`. Sizes past cuBLAS's 32-bit arguments raise a ValueError.
void strided_batched_gemm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out,
                          bool accumulate, void (*execute)(const StridedBatchedGemm& call));

} // namespace ops
} // namespace convlab
