#pragma once

// Temporaries that never leave a call (im2col columns, Winograd's tiles and transformed
// filters, implicit GEMM's layout copies) come, on the CPU, from a cache of blocks that
// earlier calls gave back rather than from malloc. glibc hands large freed blocks back to the
// kernel (munmap, heap trimming) depending on the process's history of allocations, and a
// call whose buffers come back fresh page-faults through all of them: on this project's
// machines that can double a Winograd grad_input (docs/benchmarks.md, "Memory: page faults").
// Each block goes back to the thread that asked for it (scratch.cpp says why).
#include <ATen/ATen.h>

#include <cstdint>

namespace convlab {
namespace ops {

// An uninitialised tensor for use within the call: on the CPU its block returns to the cache
// when the tensor and its views are freed. Elsewhere, or when small, at::empty.
at::Tensor scratch_empty(at::IntArrayRef sizes, const at::TensorOptions& options);
at::Tensor scratch_zeros(at::IntArrayRef sizes, const at::TensorOptions& options);

// Where a function that makes a new tensor gets it: at::empty for a tensor its caller may hand
// on (an output, a gradient), scratch_empty for one that dies within the call.
enum class Lifetime { kReturned, kWithinCall };
at::Tensor empty_for(Lifetime lifetime, at::IntArrayRef sizes, const at::TensorOptions& options);

// Bytes of every block the cache holds (lent or free); and the free ones released (the
// convlab::scratch_cache_bytes / empty_scratch_cache ops).
int64_t scratch_cache_bytes();
void empty_scratch_cache();

} // namespace ops
} // namespace convlab
