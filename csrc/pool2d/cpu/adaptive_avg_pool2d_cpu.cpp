#include <torch/library.h>

#include "pool2d/adaptive_avg_pool2d.h"
#include "pool2d/cpu/window_average_loops.h"

namespace convlab {
namespace ops {

namespace {

at::Tensor adaptive_avg_pool2d_cpu(const at::Tensor& input, at::IntArrayRef output_size) {
  const auto g = check_adaptive_avg_pool2d(input, output_size);
  return cpu::window_average(input, g, AdaptiveWindow{});
}

at::Tensor adaptive_avg_pool2d_backward_cpu(const at::Tensor& grad_output, const at::Tensor& input) {
  const auto g = check_adaptive_avg_pool2d_backward(grad_output, input);
  return cpu::window_average_backward(grad_output, g, AdaptiveWindow{});
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("adaptive_avg_pool2d", &adaptive_avg_pool2d_cpu);
  m.impl("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward_cpu);
}

} // namespace ops
} // namespace convlab
