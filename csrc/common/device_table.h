#pragma once

// Kernels that an algorithm or op looks up by device: each device's kernel file adds its own
// entry when the library loads, so a new device or kernel edits no shared list.
#include <c10/util/Exception.h>

#include <map>

#include "common/kernel_device.h"

namespace convlab {
namespace ops {

template <typename Kernels>
class DeviceTable {
 public:
  explicit DeviceTable(const char* what) : what_(what) {}

  // Returns true so that a kernel file can register from a namespace-scope initialiser.
  bool add(KernelDevice device, Kernels kernels) {
    kernels_[device] = kernels;
    return true;
  }

  const Kernels& on(KernelDevice device) const {
    const auto found = kernels_.find(device);
    TORCH_CHECK(found != kernels_.end(), "convlab: no ", what_, " kernels for device ",
                kernel_device_name(device), " in this build");
    return found->second;
  }

 private:
  const char* what_;
  std::map<KernelDevice, Kernels> kernels_;
};

} // namespace ops
} // namespace convlab
