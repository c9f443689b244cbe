#include "gemm.h"

namespace convlab {
namespace ops {
namespace cpu {

void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate) {
  if (accumulate) {
    out.baddbmm_(a, b);
  } else {
    at::bmm_out(out, a, b);
  }
}

} // namespace cpu
} // namespace ops
} // namespace convlab
