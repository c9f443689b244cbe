#include "gemm.h"

#include <torch/library.h>

#include "common/cpu/sgemm.h"

namespace convlab {
namespace ops {
namespace cpu {

namespace {

sgemm::Matrix matrix_of(const at::Tensor& t) {
  return {t.const_data_ptr<float>(), t.stride(0), t.stride(1), t.stride(2)};
}

} // namespace

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  // A float32 `out` for half-type a, b (grad_weight accumulated over chunks): multiply in
  // float32 too.
  const auto& lhs = a.scalar_type() == out.scalar_type() ? a : a.to(out.scalar_type());
  const auto& rhs = b.scalar_type() == out.scalar_type() ? b : b.to(out.scalar_type());
  if (out.scalar_type() == at::kFloat && out.stride(2) == 1) {
    sgemm::batched_gemm(out.size(0), out.size(1), out.size(2), lhs.size(2), matrix_of(lhs),
                        matrix_of(rhs), out.mutable_data_ptr<float>(), out.stride(0),
                        out.stride(1), accumulate);
  } else if (accumulate) {
    out.baddbmm_(lhs, rhs);
  } else {
    at::bmm_out(out, lhs, rhs);
  }
}

namespace {

// a @ b (+ c) through the GEMM every CPU algorithm runs, for its tests and benchmarks/gemm.py.
at::Tensor gemm_op(const at::Tensor& a, const at::Tensor& b, const std::optional<at::Tensor>& c) {
  TORCH_CHECK_VALUE(a.dim() == 3 && b.dim() == 3, "gemm: a and b must be 3-D (batch, rows, "
                    "columns), got ", a.dim(), "-D and ", b.dim(), "-D");
  TORCH_CHECK_VALUE(a.size(0) == b.size(0) && a.size(2) == b.size(1), "gemm: a ", a.sizes(),
                    " and b ", b.sizes(), " do not multiply");
  TORCH_CHECK_TYPE(a.scalar_type() == b.scalar_type(), "gemm: a and b must have one dtype");
  TORCH_CHECK_VALUE(a.device().is_cpu() && b.device().is_cpu(), "gemm: CPU tensors only");
  at::Tensor out = c.has_value() ? c->clone(at::MemoryFormat::Contiguous)
                                 : at::empty({a.size(0), a.size(1), b.size(2)}, a.options());
  TORCH_CHECK_VALUE(out.sizes() == at::IntArrayRef({a.size(0), a.size(1), b.size(2)}),
                    "gemm: c must be ", at::IntArrayRef({a.size(0), a.size(1), b.size(2)}),
                    ", got ", out.sizes());
  bmm(a, b, out, c.has_value());
  return out;
}

std::string gemm_instruction_set() {
  return sgemm::instruction_set();
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("gemm(Tensor a, Tensor b, Tensor? c=None) -> Tensor");
  m.def("gemm_instruction_set() -> str", &gemm_instruction_set);
}

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("gemm", &gemm_op);
}

} // namespace cpu
} // namespace ops
} // namespace convlab
