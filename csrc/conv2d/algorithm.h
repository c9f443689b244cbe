#pragma once

// The conv2d algorithm registry: each algorithm's own file registers its name, what it cannot
// do and why, its forward and its backward (CONVLAB_CONV2D_ALGORITHM below). The error
// messages, "auto", torch.ops.convlab.conv2d_algorithms and everything in Python that lists
// algorithms read this registry, so adding an algorithm edits no other file.
#include <functional>
#include <string>
#include <vector>

#include "conv2d/conv2d.h"

namespace convlab {
namespace ops {

struct Conv2dAlgorithm {
  // For an algorithm registered from Python, the registry points this at its own copy.
  const char* name;
  // Why this algorithm cannot compute `g` (the ValueError's reason when it is forced), or ""
  // when it can. Empty: it computes every convolution. (Functions rather than pointers: a
  // Python algorithm's entry carries its name, python_algorithms.cpp.)
  std::function<std::string(const Conv2dGeometry& g)> unsupported_because;
  std::function<at::Tensor(const at::Tensor& input, const at::Tensor& weight,
                           const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                           const Conv2dDeviceKernels& device)>
      forward;
  // Gradients not asked for in output_mask come back as unused_gradient(...).
  std::function<std::tuple<at::Tensor, at::Tensor, at::Tensor>(
      const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
      const Conv2dGeometry& g, std::array<bool, 3> output_mask,
      const Conv2dDeviceKernels& device)>
      backward;
  // The algorithms whose arithmetic computes grad_input and grad_weight (nullptr: this one),
  // as `backward` runs them: what recording_algorithms and the TensorBoard table report.
  const char* grad_input_algorithm = nullptr;
  const char* grad_weight_algorithm = nullptr;
  // The most times native's float32 error (forward and each gradient, against float64) this
  // algorithm promises: what prove.py holds it to.
  double float32_error_ratio = 10;

  std::string why_not(const Conv2dGeometry& g) const {
    return unsupported_because ? unsupported_because(g) : std::string();
  }
};

// Returns true, for CONVLAB_CONV2D_ALGORITHM's initialiser; a second algorithm of the same name
// is an error at load time.
bool register_conv2d_algorithm(const Conv2dAlgorithm& algorithm);

// An algorithm written in Python (python_algorithms.cpp): added, or replacing the Python
// algorithm of that name; a built-in name is a ValueError. Removal is of Python ones only.
void register_python_conv2d_algorithm(const std::string& name, Conv2dAlgorithm algorithm);
void unregister_python_conv2d_algorithm(c10::string_view name);

// Every registered algorithm, by name.
std::vector<const Conv2dAlgorithm*> conv2d_algorithms();
// The algorithm called `name`; a ValueError lists the registered names.
const Conv2dAlgorithm& conv2d_algorithm_named(c10::string_view name);

// The one place that decides how a convolution is computed: `requested` is an algorithm's
// name, or "auto" for the rule table of the device whose kernels run (rule_table.cpp). A
// named algorithm that cannot do this geometry raises a ValueError saying why.
const Conv2dAlgorithm& choose_conv2d_algorithm(const Conv2dGeometry& g, c10::string_view requested,
                                               KernelDevice device);
// What "auto" picks on `device` (rule_table.cpp).
const Conv2dAlgorithm& conv2d_rule_table(const Conv2dGeometry& g, KernelDevice device);

} // namespace ops
} // namespace convlab

// In an algorithm's file, at namespace scope: CONVLAB_CONV2D_ALGORITHM(my_algorithm, {...});
#define CONVLAB_CONV2D_ALGORITHM(id, ...)                                       \
  static const bool convlab_conv2d_algorithm_##id [[maybe_unused]] =           \
      ::convlab::ops::register_conv2d_algorithm(::convlab::ops::Conv2dAlgorithm __VA_ARGS__)
