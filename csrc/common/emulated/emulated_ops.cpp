// The emulated GPU's knobs and counts as ops (ops/emulation.py).
#include <torch/library.h>

#include <string>
#include <tuple>
#include <vector>

#include "common/emulated/launch.h"

namespace convlab {
namespace ops {
namespace emulated {

namespace {

std::tuple<std::vector<std::string>, std::vector<int64_t>> emulated_cuda_stats_op() {
  std::vector<std::string> names;
  std::vector<int64_t> counts;
  for (const auto& [name, count] : calls_so_far()) {
    names.push_back(name);
    counts.push_back(count);
  }
  return {names, counts};
}

} // namespace

// multiprocessors sets the emulated grid's size (set_ returns the previous count); stats name
// every kernel launched and GEMM called under emulation, with how often, since the last reset.
TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("set_emulated_cuda_multiprocessors(int count) -> int", &set_multiprocessors);
  m.def("emulated_cuda_stats() -> (str[], int[])", &emulated_cuda_stats_op);
  m.def("reset_emulated_cuda_stats() -> ()", &reset_calls);
}

} // namespace emulated
} // namespace ops
} // namespace convlab
