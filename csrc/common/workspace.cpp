#include "common/workspace.h"

#include <torch/library.h>

#include <c10/util/Exception.h>

#include <atomic>
#include <string>

namespace convlab {
namespace ops {

namespace {

std::atomic<int64_t> cpu_limit{int64_t{1} << 20};
std::atomic<int64_t> cuda_limit{int64_t{1} << 28};

std::atomic<int64_t>& limit_of(c10::string_view device) {
  if (device == "cpu") {
    return cpu_limit;
  }
  if (device == "cuda") {
    return cuda_limit;
  }
  TORCH_CHECK_VALUE(false, "device must be 'cpu' or 'cuda', got '", std::string(device), "'");
}

} // namespace

int64_t workspace_limit(KernelDevice device) {
  return (runs_cuda_code(device) ? cuda_limit : cpu_limit).load();
}

int64_t workspace_limit_op(c10::string_view device) {
  return limit_of(device).load();
}

int64_t set_workspace_limit_op(c10::string_view device, int64_t elements) {
  TORCH_CHECK_VALUE(elements >= 1, "elements must be at least 1, got ", elements);
  return limit_of(device).exchange(elements);
}

// The most elements one lowered buffer (im2col columns, Winograd tiles) may hold on a device
// ("cpu" or "cuda"); larger batches run in chunks. set_ returns the previous limit.
TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("workspace_limit(str device) -> int", &workspace_limit_op);
  m.def("set_workspace_limit(str device, int elements) -> int", &set_workspace_limit_op);
}

} // namespace ops
} // namespace convlab
