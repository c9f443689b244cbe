#pragma once

// The launch grid of every convlab CUDA kernel, written once for the GPU (cuda/launch.cuh)
// and its emulation on the CPU (emulated/launch.h): how many blocks a launch gets and which
// indices each thread walks.
#include <c10/macros/Macros.h>

#include <cstdint>

namespace convlab {
namespace ops {

constexpr int64_t kThreadsPerBlock = 256;
// Blocks per multiprocessor: enough to fill a GPU; a larger launch wraps (grid_stride_loop).
constexpr int64_t kBlocksPerMultiprocessor = 32;

// Enough blocks for `elements` threads, at most kBlocksPerMultiprocessor per multiprocessor,
// at least one.
inline int64_t blocks_for(int64_t elements, int64_t multiprocessors) {
  const int64_t wanted = (elements + kThreadsPerBlock - 1) / kThreadsPerBlock;
  const int64_t cap = multiprocessors * kBlocksPerMultiprocessor;
  const int64_t blocks = wanted < cap ? wanted : cap;
  return blocks > 1 ? blocks : 1;
}

// What thread `thread` of block `block` (of `blocks`) runs: body(i) for its indices in
// [0, n), a grid's width apart, with 64-bit indices so element counts past 2^31 need no
// larger grid.
template <typename Body>
C10_HOST_DEVICE inline void grid_stride_loop(int64_t block, int64_t thread, int64_t blocks,
                                             int64_t n, const Body& body) {
  for (int64_t i = block * kThreadsPerBlock + thread; i < n; i += blocks * kThreadsPerBlock) {
    body(i);
  }
}

} // namespace ops
} // namespace convlab
