#include "common/gemm_call.h"

#include <ATen/Context.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace convlab {
namespace ops {

namespace {

// How cuBLAS (column-major) sees one row-major matrix operand or its transposed view.
struct Operand {
  const void* data;
  BlasOp op; // N: the row-major matrix read as its column-major transpose
  int64_t ld, batch_stride;
};

// A matrix cuBLAS can read in place: rows contiguous (read as N) or columns contiguous (T),
// with a leading dimension cuBLAS accepts.
std::optional<Operand> as_operand(const at::Tensor& t) {
  if (t.stride(2) == 1 && t.stride(1) >= std::max<int64_t>(1, t.size(2))) {
    return Operand{t.const_data_ptr(), BlasOp::N, t.stride(1), t.stride(0)};
  }
  if (t.stride(1) == 1 && t.stride(2) >= std::max<int64_t>(1, t.size(1))) {
    return Operand{t.const_data_ptr(), BlasOp::T, t.stride(2), t.stride(0)};
  }
  return std::nullopt;
}

BlasType blas_type(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return BlasType::Float32;
    case at::kDouble: return BlasType::Float64;
    case at::kHalf: return BlasType::Float16;
    case at::kBFloat16: return BlasType::BFloat16;
    default: TORCH_CHECK_TYPE(false, "convlab bmm: unsupported dtype ", type);
  }
}

// cuBLAS takes its sizes as int.
int64_t within_int(int64_t value, const char* what) {
  TORCH_CHECK_VALUE(
      value <= std::numeric_limits<int>::max(), "convlab bmm: ", what, " ", value,
      " exceeds cuBLAS's 32-bit limit");
  return value;
}

} // namespace

void strided_batched_gemm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out,
                          bool accumulate, void (*execute)(const StridedBatchedGemm& call)) {
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
  // A convolution's GEMM follows cuDNN's conv switch (torch.backends.cudnn.allow_tf32 or
  // .conv.fp32_precision); asked without an op, torch raises when conv and RNN differ.
  const bool tf32 =
      a.scalar_type() == at::kFloat && at::globalContext().allowTF32CuDNN(at::Float32Op::CONV);
  const bool is_double = a.scalar_type() == at::kDouble;
  // Row-major out = a @ b is column-major out^T = b^T @ a^T: cuBLAS gets b first.
  StridedBatchedGemm call;
  call.transa = rhs.op;
  call.transb = lhs.op;
  call.m = within_int(n, "columns");
  call.n = within_int(m, "rows");
  call.k = within_int(k, "inner size");
  call.a = rhs.data;
  call.a_type = blas_type(b.scalar_type());
  call.lda = within_int(rhs.ld, "leading dimension");
  call.stride_a = rhs.batch_stride;
  call.b = lhs.data;
  call.b_type = blas_type(a.scalar_type());
  call.ldb = within_int(lhs.ld, "leading dimension");
  call.stride_b = lhs.batch_stride;
  call.c = out.mutable_data_ptr();
  call.c_type = blas_type(out.scalar_type());
  call.ldc = within_int(out.stride(1), "leading dimension");
  call.stride_c = out.stride(0);
  call.batch = within_int(batch, "batch");
  call.alpha = 1.0;
  call.beta = accumulate ? 1.0 : 0.0;
  call.compute = is_double ? BlasCompute::Float64
      : tf32               ? BlasCompute::Float32FastTF32
                           : BlasCompute::Float32;
  execute(call);
}

} // namespace ops
} // namespace convlab
