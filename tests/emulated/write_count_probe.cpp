// Test-only kernels for the emulated launcher's write counter (tests/test_emulated_launch.py),
// built into their own small library with csrc/common/emulated/emulated_launch.cpp: one
// correct kernel and two broken ones, each launched over n indices of an n-element output.
#include <torch/library.h>

#include <string>

#include "common/emulated/launch.h"

namespace {

using convlab::ops::emulated::EmulatedLaunch;

enum class Fault { None, SkipsAnElement, WritesAnElementTwice };

template <typename Out>
struct ProbeThread {
  Out output;
  Fault fault;

  void operator()(int64_t index) const {
    if (fault == Fault::SkipsAnElement && index == 3) {
      return;
    }
    output[index] = static_cast<float>(index);
    if (fault == Fault::WritesAnElementTwice && index == 3) {
      output[index + 1] = 0.0f;
    }
  }
};

at::Tensor write_count_probe(int64_t n, c10::string_view fault_name) {
  const std::string name(fault_name);
  TORCH_CHECK_VALUE(name == "none" || name == "skip" || name == "twice", "fault must be none, skip or twice");
  const Fault fault = name == "skip" ? Fault::SkipsAnElement
      : name == "twice"              ? Fault::WritesAnElementTwice
                                     : Fault::None;
  auto output = at::empty({n}, at::kFloat);
  EmulatedLaunch launch("write_count_probe");
  launch(n, ProbeThread<EmulatedLaunch::Out<float>>{launch.output<float>(output), fault});
  return output;
}

} // namespace

TORCH_LIBRARY(convlab_probe, m) {
  m.def("write_count_probe(int n, str fault) -> Tensor", &write_count_probe);
  m.def("set_multiprocessors(int count) -> int", &convlab::ops::emulated::set_multiprocessors);
}
