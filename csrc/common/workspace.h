#pragma once

// The workspace budget: the most elements one lowered buffer (im2col columns, Winograd tiles)
// may hold. Algorithms that lower process the batch in chunks below it, so a convolution's
// workspace stays bounded however large the batch (one sample is never split).
#include "common/kernel_device.h"
#include <c10/util/string_view.h>

#include <cstdint>

namespace convlab {
namespace ops {

// Defaults: 2^20 elements on the CPU (4 MiB of float32), 2^28 on a GPU (1 GiB). On the CPU a
// small buffer is also the fast one: it stays in cache between im2col and the GEMM, and
// glibc reuses it from call to call, where buffers past its mmap threshold (at most 32 MiB)
// are mapped and page-faulted afresh on every call (VGG-16's 64->64 layer, batch 32,
// fwd+bwd: 316 ms with a 64 MiB workspace, 160 ms with 4 MiB).
// The emulated GPU has the GPU's.
int64_t workspace_limit(KernelDevice device);

// The convlab::workspace_limit / set_workspace_limit ops ("cpu" or "cuda"); set returns the
// previous limit so a caller can restore it.
int64_t workspace_limit_op(c10::string_view device);
int64_t set_workspace_limit_op(c10::string_view device, int64_t elements);

} // namespace ops
} // namespace convlab
