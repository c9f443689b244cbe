#pragma once

// Floats that one thread keeps from call to call (grown, never shrunk; freed when the thread
// ends): declared `static thread_local` where they are used. What a thread writes there and
// reads again never passes through memory another thread wrote last, which on machines whose
// cores share no cache costs a transfer between caches per line (docs/benchmarks.md, "Two
// threads without a shared cache").
#include <c10/util/Exception.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace convlab {
namespace ops {
namespace cpu {

class ThreadBuffer {
 public:
  // At least `elements` floats, 64-byte aligned; what the last call wrote is kept only while
  // the buffer does not grow.
  float* get(int64_t elements) {
    if (elements > capacity_) {
      const int64_t bytes = (elements * int64_t(sizeof(float)) + 63) / 64 * 64;
      data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      TORCH_CHECK(data_, "convlab: could not allocate ", bytes, " bytes of per-thread space");
      capacity_ = elements;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<float, decltype(&std::free)> data_{nullptr, &std::free};
  int64_t capacity_ = 0;
};

} // namespace cpu
} // namespace ops
} // namespace convlab
