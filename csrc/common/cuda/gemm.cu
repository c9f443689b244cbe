#include "common/cuda/gemm.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/Exceptions.h>

#include "common/gemm_call.h"

namespace convlab {
namespace ops {
namespace cuda {

namespace {

cublasOperation_t cublas_op(BlasOp op) {
  return op == BlasOp::N ? CUBLAS_OP_N : CUBLAS_OP_T;
}

cudaDataType_t cuda_type(BlasType type) {
  switch (type) {
    case BlasType::Float32: return CUDA_R_32F;
    case BlasType::Float64: return CUDA_R_64F;
    case BlasType::Float16: return CUDA_R_16F;
    case BlasType::BFloat16: return CUDA_R_16BF;
  }
  TORCH_INTERNAL_ASSERT(false, "convlab bmm: unknown BlasType");
}

cublasComputeType_t compute_type(BlasCompute compute) {
  switch (compute) {
    case BlasCompute::Float32: return CUBLAS_COMPUTE_32F;
    case BlasCompute::Float32FastTF32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case BlasCompute::Float64: return CUBLAS_COMPUTE_64F;
  }
  TORCH_INTERNAL_ASSERT(false, "convlab bmm: unknown BlasCompute");
}

void call_cublas(const StridedBatchedGemm& c) {
  cublasHandle_t handle = at::cuda::getCurrentCUDABlasHandle();
  // The handle belongs to this thread and torch sets its math mode on every fetch, so this
  // choice stays local to this call.
  const bool tf32 = c.compute == BlasCompute::Float32FastTF32;
  TORCH_CUDABLAS_CHECK(
      cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  // alpha and beta in the compute type's precision.
  const bool is_double = c.compute == BlasCompute::Float64;
  const double alpha64 = c.alpha, beta64 = c.beta;
  const float alpha32 = static_cast<float>(c.alpha), beta32 = static_cast<float>(c.beta);
  TORCH_CUDABLAS_CHECK(cublasGemmStridedBatchedEx(
      handle, cublas_op(c.transa), cublas_op(c.transb), static_cast<int>(c.m),
      static_cast<int>(c.n), static_cast<int>(c.k),
      is_double ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32),
      c.a, cuda_type(c.a_type), static_cast<int>(c.lda), c.stride_a, c.b, cuda_type(c.b_type),
      static_cast<int>(c.ldb), c.stride_b,
      is_double ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32), c.c,
      cuda_type(c.c_type), static_cast<int>(c.ldc), c.stride_c, static_cast<int>(c.batch),
      compute_type(c.compute), CUBLAS_GEMM_DEFAULT));
}

} // namespace

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  strided_batched_gemm(a, b, out, accumulate, &call_cublas);
}

} // namespace cuda
} // namespace ops
} // namespace convlab
