#include "common/checks.h"

namespace convlab {
namespace ops {

void check_4d(const at::Tensor& t, const char* op, const char* name) {
  TORCH_CHECK_VALUE(
      t.dim() == 4, op, ": expected ", name, " to be a 4-D tensor (N, C, H, W), got ", t.dim(),
      "-D with shape ", t.sizes());
}

void check_pair(at::IntArrayRef values, const char* op, const char* name, int64_t min_value) {
  TORCH_CHECK_VALUE(values.size() == 2, op, ": ", name, " must have 2 elements, got ", values);
  TORCH_CHECK_VALUE(
      values[0] >= min_value && values[1] >= min_value, op, ": ", name, " must be >= ", min_value,
      ", got ", values);
}

void check_same_device_and_dtype(
    const at::Tensor& a, const char* a_name, const at::Tensor& b, const char* b_name, const char* op) {
  TORCH_CHECK_VALUE(
      a.device() == b.device(), op, ": ", a_name, " is on ", a.device(), " but ", b_name, " is on ",
      b.device());
  TORCH_CHECK_TYPE(
      a.scalar_type() == b.scalar_type(), op, ": ", a_name, " has dtype ", a.scalar_type(), " but ",
      b_name, " has dtype ", b.scalar_type());
}

void check_floating_dtype(const at::Tensor& t, const char* op) {
  const auto type = t.scalar_type();
  const bool ok = type == at::kFloat || type == at::kDouble || type == at::kHalf ||
      type == at::kBFloat16;
  TORCH_CHECK_TYPE(
      ok, op, ": unsupported dtype ", type, " for input on ", t.device().type(),
      "; supported: float32, float64, float16, bfloat16");
}

void check_shape(const at::Tensor& t, at::IntArrayRef expected, const char* op, const char* name) {
  TORCH_CHECK_VALUE(
      t.sizes() == expected, op, ": expected ", name, " of shape ", expected, ", got ", t.sizes());
}

} // namespace ops
} // namespace convlab
