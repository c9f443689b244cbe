#include "pool2d/adaptive_avg_pool2d.h"

#include <torch/library.h>

#include "common/checks.h"

namespace convlab {
namespace ops {

Pool2dGeometry check_adaptive_avg_pool2d(const at::Tensor& input, at::IntArrayRef output_size) {
  constexpr const char* op = "convlab.adaptive_avg_pool2d";
  check_pool2d_input(input, op);
  check_pair(output_size, op, "output_size", 1);
  Pool2dGeometry g{};
  g.batch = input.size(0);
  g.channels = input.size(1);
  g.in_h = input.size(2);
  g.in_w = input.size(3);
  g.out_h = output_size[0];
  g.out_w = output_size[1];
  return g;
}

Pool2dGeometry check_adaptive_avg_pool2d_backward(
    const at::Tensor& grad_output, const at::Tensor& input) {
  constexpr const char* op = "convlab.adaptive_avg_pool2d_backward";
  check_pool2d_input(input, op);
  check_4d(grad_output, op, "grad_output");
  const auto g = check_adaptive_avg_pool2d(input, grad_output.sizes().slice(2));
  check_pool2d_grad_output(grad_output, input, g, op);
  return g;
}

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("adaptive_avg_pool2d(Tensor input, int[2] output_size) -> Tensor");
  m.def("adaptive_avg_pool2d_backward(Tensor grad_output, Tensor input) -> Tensor");
}

} // namespace ops
} // namespace convlab
