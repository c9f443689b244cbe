#pragma once

// The workspace budget: the most elements one lowered buffer (im2col columns, Winograd tiles)
// may hold. Algorithms that lower process the batch in chunks below it, so a convolution's
// workspace stays bounded however large the batch (one sample is never split).
#include <c10/core/DeviceType.h>
#include <c10/util/string_view.h>

#include <cstdint>

namespace convlab {
namespace ops {

// Defaults: 2^24 elements on the CPU (64 MiB of float32), 2^28 on a GPU (1 GiB).
int64_t workspace_limit(c10::DeviceType device);

// The convlab::workspace_limit / set_workspace_limit ops ("cpu" or "cuda"); set returns the
// previous limit so a caller can restore it.
int64_t workspace_limit_op(c10::string_view device);
int64_t set_workspace_limit_op(c10::string_view device, int64_t elements);

} // namespace ops
} // namespace convlab
