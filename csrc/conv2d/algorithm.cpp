#include "conv2d/algorithm.h"

#include <map>
#include <set>

#include <torch/library.h>

namespace convlab {
namespace ops {

namespace {

// By name, so every list of algorithms comes out in one order whatever the load order.
std::map<std::string, Conv2dAlgorithm, std::less<>>& registry() {
  static std::map<std::string, Conv2dAlgorithm, std::less<>> algorithms;
  return algorithms;
}

// The names registered from Python: the only ones that may be replaced or removed.
std::set<std::string, std::less<>>& python_names() {
  static std::set<std::string, std::less<>> names;
  return names;
}

std::string registered_names() {
  std::string names = "'auto'";
  for (const auto& entry : registry()) {
    names += ", '" + entry.first + "'";
  }
  return names;
}

} // namespace

bool register_conv2d_algorithm(const Conv2dAlgorithm& algorithm) {
  TORCH_CHECK(algorithm.name != nullptr && algorithm.forward != nullptr &&
                  algorithm.backward != nullptr,
              "convlab: a conv2d algorithm needs a name, a forward and a backward");
  const bool added = registry().emplace(algorithm.name, algorithm).second;
  TORCH_CHECK(added, "convlab: two conv2d algorithms are called '", algorithm.name, "'");
  return true;
}

void register_python_conv2d_algorithm(const std::string& name, Conv2dAlgorithm algorithm) {
  TORCH_CHECK_VALUE(registry().count(name) == 0 || python_names().count(name) == 1,
                    "convlab: '", name, "' is a built-in conv2d algorithm");
  python_names().insert(name);
  auto& entry = registry().insert_or_assign(name, std::move(algorithm)).first->second;
  entry.name = registry().find(name)->first.c_str();
}

void unregister_python_conv2d_algorithm(c10::string_view name) {
  const auto found = python_names().find(name);
  TORCH_CHECK_VALUE(found != python_names().end(), "convlab: '", name,
                    "' is not a conv2d algorithm registered from Python");
  registry().erase(registry().find(name));
  python_names().erase(found);
}

std::vector<const Conv2dAlgorithm*> conv2d_algorithms() {
  std::vector<const Conv2dAlgorithm*> all;
  for (const auto& entry : registry()) {
    all.push_back(&entry.second);
  }
  return all;
}

const Conv2dAlgorithm& conv2d_algorithm_named(c10::string_view name) {
  const auto found = registry().find(name);
  TORCH_CHECK_VALUE(found != registry().end(), "convlab.conv2d: algorithm must be one of ",
                    registered_names(), "; got '", name, "'");
  return found->second;
}

const Conv2dAlgorithm& choose_conv2d_algorithm(const Conv2dGeometry& g, c10::string_view requested,
                                               KernelDevice device) {
  if (requested == "auto") {
    return conv2d_rule_table(g, device);
  }
  const auto& algorithm = conv2d_algorithm_named(requested);
  const auto reason = algorithm.why_not(g);
  TORCH_CHECK_VALUE(reason.empty(), "convlab.conv2d: algorithm '", requested,
                    "' cannot do this convolution: ", reason);
  return algorithm;
}

namespace {

std::string conv2d_algorithm_op(
    const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef stride,
    at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups,
    c10::string_view requested) {
  const auto g = check_conv2d(input, weight, std::nullopt, stride, padding, dilation, groups);
  return choose_conv2d_algorithm(g, requested, kernel_device(input)).name;
}

std::vector<std::string> conv2d_algorithms_op() {
  std::vector<std::string> names;
  for (const auto* algorithm : conv2d_algorithms()) {
    names.emplace_back(algorithm->name);
  }
  return names;
}

std::vector<std::string> conv2d_gradient_algorithms_op(c10::string_view forward) {
  const auto& algorithm = conv2d_algorithm_named(forward);
  const auto either = [&](const char* other) { return std::string(other ? other : algorithm.name); };
  return {either(algorithm.grad_input_algorithm), either(algorithm.grad_weight_algorithm)};
}

double conv2d_float32_error_ratio_op(c10::string_view algorithm) {
  return conv2d_algorithm_named(algorithm).float32_error_ratio;
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  // The algorithm a conv2d call with these arguments runs (what "auto" resolves to), or the
  // ValueError a forced algorithm raises. Reads only shapes, so it works on any device.
  m.def(
      "conv2d_algorithm(Tensor input, Tensor weight, int[2] stride, int[2] padding, "
      "int[2] dilation, int groups, str algorithm) -> str",
      &conv2d_algorithm_op);
  // The registered algorithms' names, sorted.
  m.def("conv2d_algorithms() -> str[]", &conv2d_algorithms_op);
  // [grad_input's algorithm, grad_weight's algorithm] when the forward ran `algorithm`.
  m.def("conv2d_gradient_algorithms(str algorithm) -> str[]", &conv2d_gradient_algorithms_op);
  // The most times native's float32 error the algorithm promises (prove.py checks it).
  m.def("conv2d_float32_error_ratio(str algorithm) -> float", &conv2d_float32_error_ratio_op);
}

} // namespace ops
} // namespace convlab
