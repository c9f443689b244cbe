// Conv2d algorithms written in Python (ops.register_conv2d_algorithm) enter the registry the C++
// ones use: their entry calls back into Python through the ops below, passing the algorithm's
// name, so choosing, the ValueError of a forced algorithm, "auto"'s benchmark mode and every
// list of names treat them like the C++ ones. ops/registered_algorithms.py implements the ops.
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

#include "conv2d/algorithm.h"

namespace convlab {
namespace ops {

namespace {

std::vector<int64_t> pair(int64_t a, int64_t b) {
  return {a, b};
}

std::string python_unsupported_because(const std::string& name, const Conv2dGeometry& g) {
  static const auto op =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow("convlab::python_conv2d_unsupported", "")
          .typed<std::string(c10::string_view, at::IntArrayRef, at::IntArrayRef,
                             at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, int64_t)>();
  const std::vector<int64_t> input{g.batch, g.in_channels, g.in_h, g.in_w};
  const std::vector<int64_t> weight{g.out_channels, g.in_channels_per_group(), g.kernel_h,
                                    g.kernel_w};
  return op.call(name, input, weight, pair(g.stride_h, g.stride_w), pair(g.pad_h, g.pad_w),
                 pair(g.dilation_h, g.dilation_w), g.groups);
}

at::Tensor python_forward(const std::string& name, const at::Tensor& input,
                          const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                          const Conv2dGeometry& g) {
  static const auto op =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow("convlab::python_conv2d_forward", "")
          .typed<at::Tensor(c10::string_view, const at::Tensor&, const at::Tensor&,
                            const std::optional<at::Tensor>&, at::IntArrayRef, at::IntArrayRef,
                            at::IntArrayRef, int64_t)>();
  // Below autograd, as the op's own kernel runs: the Python code's tensor ops record nothing.
  const at::AutoDispatchBelowADInplaceOrView below_autograd;
  return op.call(name, input, weight, bias, pair(g.stride_h, g.stride_w),
                 pair(g.pad_h, g.pad_w), pair(g.dilation_h, g.dilation_w), g.groups);
}

// grad_input or grad_weight from the Python function `which` names.
at::Tensor python_gradient(const char* which, const std::string& name,
                           const at::Tensor& grad_output, const at::Tensor& input,
                           const at::Tensor& weight, const Conv2dGeometry& g) {
  static const auto op =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow("convlab::python_conv2d_gradient", "")
          .typed<at::Tensor(c10::string_view, c10::string_view, const at::Tensor&,
                            const at::Tensor&, const at::Tensor&, at::IntArrayRef,
                            at::IntArrayRef, at::IntArrayRef, int64_t)>();
  const at::AutoDispatchBelowADInplaceOrView below_autograd;
  return op.call(name, which, grad_output, input, weight, pair(g.stride_h, g.stride_w),
                 pair(g.pad_h, g.pad_w), pair(g.dilation_h, g.dilation_w), g.groups);
}

void register_python_algorithm(c10::string_view name_view, bool has_grad_input,
                               bool has_grad_weight, double float32_error_ratio) {
  const std::string name(name_view);
  Conv2dAlgorithm algorithm{};
  algorithm.unsupported_because = [name](const Conv2dGeometry& g) {
    return python_unsupported_because(name, g);
  };
  algorithm.forward = [name](const at::Tensor& input, const at::Tensor& weight,
                             const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                             const Conv2dDeviceKernels&) {
    return python_forward(name, input, weight, bias, g);
  };
  // A gradient the algorithm leaves out is im2col's, as Winograd's grad_weight is.
  algorithm.backward = [name, has_grad_input, has_grad_weight](
                           const at::Tensor& grad_output, const at::Tensor& input,
                           const at::Tensor& weight, const Conv2dGeometry& g,
                           std::array<bool, 3> mask, const Conv2dDeviceKernels& device) {
    const std::array<bool, 3> from_im2col{mask[0] && !has_grad_input,
                                          mask[1] && !has_grad_weight, false};
    auto [grad_input, grad_weight, unused] =
        from_im2col[0] || from_im2col[1]
            ? conv2d_algorithm_named("im2col").backward(grad_output, input, weight, g,
                                                        from_im2col, device)
            : std::make_tuple(unused_gradient(input), unused_gradient(weight),
                              unused_gradient(weight));
    if (mask[0] && has_grad_input) {
      grad_input = python_gradient("grad_input", name, grad_output, input, weight, g);
    }
    if (mask[1] && has_grad_weight) {
      grad_weight = python_gradient("grad_weight", name, grad_output, input, weight, g);
    }
    return std::make_tuple(grad_input, grad_weight,
                           mask[2] ? conv2d_grad_bias(grad_output) : unused_gradient(weight));
  };
  algorithm.grad_input_algorithm = has_grad_input ? nullptr : "im2col";
  algorithm.grad_weight_algorithm = has_grad_weight ? nullptr : "im2col";
  algorithm.float32_error_ratio = float32_error_ratio;
  register_python_conv2d_algorithm(name, std::move(algorithm));
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  // Called by ops.register_conv2d_algorithm / unregister_conv2d_algorithm only.
  m.def(
      "_register_python_conv2d_algorithm(str name, bool has_grad_input, bool has_grad_weight, "
      "float float32_error_ratio) -> ()",
      &register_python_algorithm);
  m.def("_unregister_python_conv2d_algorithm(str name) -> ()",
        [](c10::string_view name) { unregister_python_conv2d_algorithm(name); });
  // Implemented in Python (ops/registered_algorithms.py): a registered algorithm's reason it
  // cannot do a shape ("" when it can), its forward, and its grad_input or grad_weight.
  m.def(
      "python_conv2d_unsupported(str algorithm, int[] input_shape, int[] weight_shape, "
      "int[2] stride, int[2] padding, int[2] dilation, int groups) -> str");
  m.def(
      "python_conv2d_forward(str algorithm, Tensor input, Tensor weight, Tensor? bias, "
      "int[2] stride, int[2] padding, int[2] dilation, int groups) -> Tensor");
  m.def(
      "python_conv2d_gradient(str algorithm, str gradient, Tensor grad_output, Tensor input, "
      "Tensor weight, int[2] stride, int[2] padding, int[2] dilation, int groups) -> Tensor");
}

} // namespace ops
} // namespace convlab
