#include "gemm.h"

#include <ATen/Context.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/Exceptions.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace convlab {
namespace ops {
namespace cuda {

namespace {

// How cuBLAS (column-major) sees one row-major matrix operand or its transposed view.
struct Operand {
  const void* data;
  cublasOperation_t op; // N: the row-major matrix read as its column-major transpose
  int64_t ld, batch_stride;
};

// A matrix cuBLAS can read in place: rows contiguous (read as N) or columns contiguous (T),
// with a leading dimension cuBLAS accepts.
std::optional<Operand> as_operand(const at::Tensor& t) {
  if (t.stride(2) == 1 && t.stride(1) >= std::max<int64_t>(1, t.size(2))) {
    return Operand{t.const_data_ptr(), CUBLAS_OP_N, t.stride(1), t.stride(0)};
  }
  if (t.stride(1) == 1 && t.stride(2) >= std::max<int64_t>(1, t.size(1))) {
    return Operand{t.const_data_ptr(), CUBLAS_OP_T, t.stride(2), t.stride(0)};
  }
  return std::nullopt;
}

cudaDataType_t cuda_type(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return CUDA_R_32F;
    case at::kDouble: return CUDA_R_64F;
    case at::kHalf: return CUDA_R_16F;
    case at::kBFloat16: return CUDA_R_16BF;
    default: TORCH_CHECK_TYPE(false, "convlab bmm: unsupported dtype ", type);
  }
}

int as_int(int64_t value, const char* what) {
  TORCH_CHECK_VALUE(
      value <= std::numeric_limits<int>::max(), "convlab bmm: ", what, " ", value,
      " exceeds cuBLAS's 32-bit limit");
  return static_cast<int>(value);
}

} // namespace

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  TORCH_INTERNAL_ASSERT(b.size(0) == batch && b.size(1) == k && out.size(0) == batch &&
                        out.size(1) == m && out.size(2) == n && out.stride(2) == 1);
  if (out.numel() == 0) {
    return;
  }
  if (k == 0) {
    if (!accumulate) {
      out.zero_();
    }
    return;
  }
  // Anything else (e.g. a broadcast view) is copied once into row-major form.
  const at::Tensor a_dense = as_operand(a) ? a : a.contiguous();
  const at::Tensor b_dense = as_operand(b) ? b : b.contiguous();
  const Operand lhs = *as_operand(a_dense), rhs = *as_operand(b_dense);
  // Row-major out = a @ b is column-major out^T = b^T @ a^T: cuBLAS gets b first.
  cublasHandle_t handle = at::cuda::getCurrentCUDABlasHandle();
  // A convolution's GEMM follows cuDNN's conv switch (torch.backends.cudnn.allow_tf32 or
  // .conv.fp32_precision); asked without an op, torch raises when conv and RNN differ.
  const bool tf32 =
      a.scalar_type() == at::kFloat && at::globalContext().allowTF32CuDNN(at::Float32Op::CONV);
  // The handle belongs to this thread and torch sets its math mode on every fetch, so this
  // choice stays local to this call.
  TORCH_CUDABLAS_CHECK(
      cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  const bool is_double = a.scalar_type() == at::kDouble;
  const cublasComputeType_t compute = is_double ? CUBLAS_COMPUTE_64F
      : tf32                                    ? CUBLAS_COMPUTE_32F_FAST_TF32
                                                : CUBLAS_COMPUTE_32F;
  const double alpha64 = 1.0, beta64 = accumulate ? 1.0 : 0.0;
  const float alpha32 = 1.0f, beta32 = accumulate ? 1.0f : 0.0f;
  TORCH_CUDABLAS_CHECK(cublasGemmStridedBatchedEx(
      handle, rhs.op, lhs.op, as_int(n, "columns"), as_int(m, "rows"), as_int(k, "inner size"),
      is_double ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32),
      rhs.data, cuda_type(b.scalar_type()), as_int(rhs.ld, "leading dimension"),
      rhs.batch_stride, lhs.data, cuda_type(a.scalar_type()), as_int(lhs.ld, "leading dimension"),
      lhs.batch_stride,
      is_double ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32),
      out.mutable_data_ptr(), cuda_type(out.scalar_type()), as_int(out.stride(1), "leading dimension"),
      out.stride(0), as_int(batch, "batch"), compute, CUBLAS_GEMM_DEFAULT));
}

} // namespace cuda
} // namespace ops
} // namespace convlab
