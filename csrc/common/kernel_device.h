#pragma once

// Which kernels a call runs: the CPU's own loops, the CUDA kernels on a GPU, or the same CUDA
// kernels replayed on the CPU (emulated/launch.h), which `with ops.emulated_cuda():` turns on
// for every convlab op called on CPU tensors. DeviceTables are keyed by it.
#include <ATen/ATen.h>

namespace convlab {
namespace ops {

enum class KernelDevice { CPU, CUDA, EmulatedCUDA };

const char* kernel_device_name(KernelDevice device);

// Whether CPU tensors take the CUDA code path (process-wide, so autograd's backward follows
// the forward whichever thread runs it).
bool emulating_cuda();

// CUDA tensors run CUDA kernels; every other tensor (CPU, or meta for shape-only questions)
// the CPU's, or the emulated CUDA kernels while emulation is on.
KernelDevice kernel_device(const at::Tensor& t);

// The CUDA code path: a GPU's or its emulation (the same algorithm choice and workspace).
inline bool runs_cuda_code(KernelDevice device) {
  return device != KernelDevice::CPU;
}

} // namespace ops
} // namespace convlab
