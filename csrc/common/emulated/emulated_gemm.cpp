#include "common/emulated/gemm.h"

#include <ATen/Parallel.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#include "common/emulated/launch.h"
#include "common/gemm_call.h"

namespace convlab {
namespace ops {
namespace emulated {

namespace {

constexpr const char* kCall = "cublasGemmStridedBatchedEx";

// cuBLAS's rules for cublasGemmStridedBatchedEx (its documentation: "cublasGemmEx" types
// table and CUBLAS_STATUS_INVALID_VALUE / NOT_SUPPORTED conditions).
void check_cublas_rules(const StridedBatchedGemm& c) {
  const auto fits_int = [](int64_t v) { return v >= 0 && v <= std::numeric_limits<int>::max(); };
  TORCH_CHECK(fits_int(c.m) && fits_int(c.n) && fits_int(c.k) && fits_int(c.batch) &&
                  fits_int(c.lda) && fits_int(c.ldb) && fits_int(c.ldc),
              kCall, ": m, n, k, batchCount and the leading dimensions are non-negative ints; got m=",
              c.m, " n=", c.n, " k=", c.k, " batch=", c.batch, " lda=", c.lda, " ldb=", c.ldb,
              " ldc=", c.ldc, " (CUBLAS_STATUS_INVALID_VALUE)");
  const int64_t a_rows = c.transa == BlasOp::N ? c.m : c.k;
  const int64_t b_rows = c.transb == BlasOp::N ? c.k : c.n;
  TORCH_CHECK(c.lda >= std::max<int64_t>(1, a_rows), kCall, ": lda ", c.lda, " < ", a_rows,
              " rows of A (CUBLAS_STATUS_INVALID_VALUE)");
  TORCH_CHECK(c.ldb >= std::max<int64_t>(1, b_rows), kCall, ": ldb ", c.ldb, " < ", b_rows,
              " rows of B (CUBLAS_STATUS_INVALID_VALUE)");
  TORCH_CHECK(c.ldc >= std::max<int64_t>(1, c.m), kCall, ": ldc ", c.ldc, " < m = ", c.m,
              " (CUBLAS_STATUS_INVALID_VALUE)");
  TORCH_CHECK(c.a_type == c.b_type, kCall, ": A and B of different types (CUBLAS_STATUS_NOT_SUPPORTED)");
  bool supported = false;
  switch (c.compute) {
    case BlasCompute::Float64:
      supported = c.a_type == BlasType::Float64 && c.c_type == BlasType::Float64;
      break;
    case BlasCompute::Float32FastTF32:
      supported = c.a_type == BlasType::Float32 && c.c_type == BlasType::Float32;
      break;
    case BlasCompute::Float32:
      supported = c.c_type == BlasType::Float32 ||
          (c.a_type != BlasType::Float64 && c.c_type == c.a_type);
      supported = supported && c.a_type != BlasType::Float64;
      break;
  }
  TORCH_CHECK(supported, kCall, ": this combination of A/B type, C type and compute type is not ",
              "in cuBLAS's table (CUBLAS_STATUS_NOT_SUPPORTED)");
}

// A float rounded to TF32's 10 mantissa bits (to nearest, ties to even), as the tensor cores
// read float32 operands under CUBLAS_COMPUTE_32F_FAST_TF32.
float round_to_tf32(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7f800000u) != 0x7f800000u) { // not inf or NaN
    bits += 0xfffu + ((bits >> 13) & 1u);
    bits &= 0xffffe000u;
  }
  std::memcpy(&x, &bits, sizeof bits);
  return x;
}

template <typename T, typename Acc>
Acc operand(const T* data, BlasOp op, int64_t ld, int64_t row, int64_t col, bool tf32) {
  const T value = op == BlasOp::N ? data[row + col * ld] : data[col + row * ld];
  if constexpr (std::is_same_v<T, float>) {
    return tf32 ? round_to_tf32(value) : value;
  } else {
    return static_cast<Acc>(value);
  }
}

// The call as written, one column of C per task, each sum in k order in the compute type.
template <typename AB, typename C, typename Acc>
void execute(const StridedBatchedGemm& c) {
  const bool tf32 = c.compute == BlasCompute::Float32FastTF32;
  const auto* a = static_cast<const AB*>(c.a);
  const auto* b = static_cast<const AB*>(c.b);
  auto* out = static_cast<C*>(c.c);
  const Acc alpha = static_cast<Acc>(c.alpha), beta = static_cast<Acc>(c.beta);
  at::parallel_for(0, c.batch * c.n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t p = task / c.n, j = task % c.n;
      const AB* a_p = a + p * c.stride_a;
      const AB* b_p = b + p * c.stride_b;
      C* column = out + p * c.stride_c + j * c.ldc;
      for (int64_t i = 0; i < c.m; ++i) {
        Acc sum = 0;
        for (int64_t l = 0; l < c.k; ++l) {
          sum += operand<AB, Acc>(a_p, c.transa, c.lda, i, l, tf32) *
              operand<AB, Acc>(b_p, c.transb, c.ldb, l, j, tf32);
        }
        // Like cuBLAS, C is not read when beta is 0.
        const Acc old = c.beta == 0 ? Acc(0) : beta * static_cast<Acc>(column[i]);
        column[i] = static_cast<C>(alpha * sum + old);
      }
    }
  });
}

void execute_call(const StridedBatchedGemm& c) {
  check_cublas_rules(c);
  count_call(kCall);
  const bool c_is_float = c.c_type == BlasType::Float32;
  switch (c.a_type) {
    case BlasType::Float64: return execute<double, double, double>(c);
    case BlasType::Float32: return execute<float, float, float>(c);
    case BlasType::Float16:
      return c_is_float ? execute<c10::Half, float, float>(c) : execute<c10::Half, c10::Half, float>(c);
    case BlasType::BFloat16:
      return c_is_float ? execute<c10::BFloat16, float, float>(c)
                        : execute<c10::BFloat16, c10::BFloat16, float>(c);
  }
}

} // namespace

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  // An element the planned call does not cover stays NaN (cuBLAS does not read C when beta
  // is 0, so this is what a GPU would leave there: whatever the buffer held).
  if (!accumulate) {
    fill_unwritten(out);
  }
  strided_batched_gemm(a, b, out, accumulate, &execute_call);
}

} // namespace emulated
} // namespace ops
} // namespace convlab
