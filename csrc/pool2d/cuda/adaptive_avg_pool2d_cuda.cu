#include <torch/library.h>

#include "pool2d/adaptive_avg_pool2d.h"
#include "pool2d/cuda/window_average_loops.cuh"

namespace convlab {
namespace ops {

namespace {

at::Tensor adaptive_avg_pool2d_cuda(const at::Tensor& input, at::IntArrayRef output_size) {
  const auto g = check_adaptive_avg_pool2d(input, output_size);
  return cuda::window_average(input, g, AdaptiveWindow{});
}

at::Tensor adaptive_avg_pool2d_backward_cuda(const at::Tensor& grad_output, const at::Tensor& input) {
  const auto g = check_adaptive_avg_pool2d_backward(grad_output, input);
  return cuda::window_average_backward(grad_output, g, AdaptiveWindow{});
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("adaptive_avg_pool2d", &adaptive_avg_pool2d_cuda);
  m.impl("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
