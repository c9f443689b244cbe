#pragma once

// Kernels that an algorithm or op looks up by device: each device's kernel file adds its own
// entry when the library loads, so a new device or kernel edits no shared list.
#include <c10/core/DeviceType.h>
#include <c10/util/Exception.h>

#include <map>

namespace convlab {
namespace ops {

template <typename Kernels>
class DeviceTable {
 public:
  explicit DeviceTable(const char* what) : what_(what) {}

  // Returns true so that a kernel file can register from a namespace-scope initialiser.
  bool add(c10::DeviceType device, Kernels kernels) {
    kernels_[device] = kernels;
    return true;
  }

  const Kernels& on(c10::DeviceType device) const {
    const auto found = kernels_.find(device);
    TORCH_CHECK(found != kernels_.end(), "convlab: no ", what_, " kernels for device ",
                c10::DeviceTypeName(device), " in this build");
    return found->second;
  }

 private:
  const char* what_;
  std::map<c10::DeviceType, Kernels> kernels_;
};

} // namespace ops
} // namespace convlab
