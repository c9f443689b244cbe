#include "pool2d/avg_pool2d.h"

#include <torch/library.h>

#include "common/checks.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_avg_pool2d(
    const at::Tensor& input, at::IntArrayRef kernel_size, at::IntArrayRef stride,
    at::IntArrayRef padding, bool ceil_mode, bool count_include_pad,
    std::optional<int64_t> divisor_override) {
  constexpr const char* op = "convlab.avg_pool2d";
  const int64_t no_dilation[2] = {1, 1};
  auto g = check_sliding_pool2d(input, kernel_size, stride, padding, no_dilation, ceil_mode, op);
  TORCH_CHECK_VALUE(
      !divisor_override.has_value() || *divisor_override != 0, op,
      ": divisor_override must be non-zero");
  g.count_include_pad = count_include_pad;
  g.divisor_override = divisor_override.value_or(0);
  return g;
}

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def(
      "avg_pool2d(Tensor input, int[2] kernel_size, int[2] stride, int[2] padding, "
      "bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
  m.def(
      "avg_pool2d_backward(Tensor grad_output, Tensor input, int[2] kernel_size, int[2] stride, "
      "int[2] padding, bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
}

} // namespace ops
} // namespace convlab
