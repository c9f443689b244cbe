#include "gemm.h"

namespace convlab {
namespace ops {
namespace cpu {

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  // A float32 `out` for half-type a, b (grad_weight accumulated over chunks): multiply in
  // float32 too.
  const auto& lhs = a.scalar_type() == out.scalar_type() ? a : a.to(out.scalar_type());
  const auto& rhs = b.scalar_type() == out.scalar_type() ? b : b.to(out.scalar_type());
  if (accumulate) {
    out.baddbmm_(lhs, rhs);
  } else {
    at::bmm_out(out, lhs, rhs);
  }
}

} // namespace cpu
} // namespace ops
} // namespace convlab
