// Schemas of every convlab operator. Kernels register per device in ops/cpu and ops/cuda;
// autograd and fake (meta) kernels are added from Python (ops/_autograd.py, ops/_fake.py).
#include <torch/library.h>

#include "ops/conv2d.h"
#include "ops/workspace.h"

TORCH_LIBRARY(convlab, m) {
  // algorithm: "auto" (the rule table in ops/conv2d.cpp), "direct", "im2col", "winograd" or
  // "fft".
  m.def(
      "conv2d(Tensor input, Tensor weight, Tensor? bias, int[2] stride, int[2] padding, "
      "int[2] dilation, int groups, str algorithm=\"auto\") -> Tensor");
  // Gradients not asked for in output_mask come back as empty tensors.
  m.def(
      "conv2d_backward(Tensor grad_output, Tensor input, Tensor weight, int[2] stride, "
      "int[2] padding, int[2] dilation, int groups, bool[3] output_mask, "
      "str algorithm=\"auto\") -> (Tensor, Tensor, Tensor)");
  // The algorithm a conv2d call with these arguments runs (what "auto" resolves to), or the
  // ValueError a forced algorithm raises. Reads only shapes, so it works on any device.
  m.def(
      "conv2d_algorithm(Tensor input, Tensor weight, int[2] stride, int[2] padding, "
      "int[2] dilation, int groups, str algorithm) -> str",
      &convlab::ops::conv2d_algorithm);
  // The most elements one lowered buffer (im2col columns, Winograd tiles) may hold on a device
  // ("cpu" or "cuda"); larger batches run in chunks. set_ returns the previous limit.
  m.def("workspace_limit(str device) -> int", &convlab::ops::workspace_limit_op);
  m.def("set_workspace_limit(str device, int elements) -> int",
        &convlab::ops::set_workspace_limit_op);
  m.def(
      "max_pool2d(Tensor input, int[2] kernel_size, int[2] stride, int[2] padding, "
      "int[2] dilation, bool ceil_mode) -> (Tensor, Tensor)");
  // The window arguments let the backward gather each input's gradient from the windows that
  // can hold it (no scatter, so no atomics on the GPU).
  m.def(
      "max_pool2d_backward(Tensor grad_output, Tensor input, Tensor indices, int[2] kernel_size, "
      "int[2] stride, int[2] padding, int[2] dilation, bool ceil_mode) -> Tensor");
  m.def(
      "avg_pool2d(Tensor input, int[2] kernel_size, int[2] stride, int[2] padding, "
      "bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
  m.def(
      "avg_pool2d_backward(Tensor grad_output, Tensor input, int[2] kernel_size, int[2] stride, "
      "int[2] padding, bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor");
  m.def("adaptive_avg_pool2d(Tensor input, int[2] output_size) -> Tensor");
  m.def("adaptive_avg_pool2d_backward(Tensor grad_output, Tensor input) -> Tensor");
}
