#include "common/kernel_device.h"

#include <torch/library.h>

#include <atomic>

namespace convlab {
namespace ops {

namespace {

std::atomic<bool> emulation_on{false};

bool set_emulated_cuda_op(bool on) {
  return emulation_on.exchange(on);
}

bool emulated_cuda_op() {
  return emulation_on.load();
}

} // namespace

const char* kernel_device_name(KernelDevice device) {
  switch (device) {
    case KernelDevice::CPU: return "cpu";
    case KernelDevice::CUDA: return "cuda";
    case KernelDevice::EmulatedCUDA: return "emulated cuda";
  }
  return "unknown";
}

bool emulating_cuda() {
  return emulation_on.load(std::memory_order_relaxed);
}

KernelDevice kernel_device(const at::Tensor& t) {
  if (t.is_cuda()) {
    return KernelDevice::CUDA;
  }
  return emulating_cuda() ? KernelDevice::EmulatedCUDA : KernelDevice::CPU;
}

// ops.emulated_cuda() (ops/emulation.py) switches emulation on for a block; set_ returns the
// previous setting so that blocks nest.
TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("set_emulated_cuda(bool on) -> bool", &set_emulated_cuda_op);
  m.def("emulated_cuda() -> bool", &emulated_cuda_op);
}

} // namespace ops
} // namespace convlab
