#include "common/scratch.h"

#include <ATen/Parallel.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/accumulate.h>
#include <torch/library.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace convlab {
namespace ops {

namespace {

// Blocks below this go to malloc, which keeps small blocks in its own bins.
constexpr size_t kSmallest = size_t{1} << 17;
// The most bytes the cache holds: a block given back beyond it is freed.
constexpr size_t kMostHeld = size_t{1} << 30;

// A block lent: its size, its owner (the thread that asked for it) and the block.
struct Loan {
  size_t bytes;
  int owner;
  c10::DataPtr block;
};

// Blocks come from c10's CPU allocator, so torch.profiler sees each allocated once. Each
// returns to the free blocks of the thread that asked for it (at::get_thread_num(): 0 outside
// a parallel region), which alone gets it again: a thread's blocks are then memory it wrote
// last itself (common/cpu/thread_buffer.h says why that matters).
struct Cache {
  std::mutex mutex;
  std::vector<std::multimap<size_t, c10::DataPtr>> free_blocks;  // per owner, by size
  std::unordered_map<void*, Loan> lent;  // by address
  size_t held = 0;
};

// Never destroyed: a tensor freed while the process exits still finds it.
Cache& cache() {
  static auto* const instance = new Cache;
  return *instance;
}

// An owner's free blocks, taken out of the cache, for the caller to free once it releases the
// lock (which it holds here).
std::multimap<size_t, c10::DataPtr> take_free_blocks(Cache& c, size_t owner) {
  for (const auto& [bytes, block] : c.free_blocks[owner]) {
    c.held -= bytes;
  }
  return std::exchange(c.free_blocks[owner], {});
}

void give_back(void* data) {
  auto& c = cache();
  c10::DataPtr freed;  // freed outside the lock
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.lent.find(data);
  TORCH_INTERNAL_ASSERT(it != c.lent.end(), "convlab scratch: a block given back twice");
  Loan loan = std::move(it->second);
  c.lent.erase(it);
  if (c.held > kMostHeld) {
    c.held -= loan.bytes;
    freed = std::move(loan.block);
    return;
  }
  c.free_blocks[loan.owner].emplace(loan.bytes, std::move(loan.block));
}

} // namespace

at::Tensor scratch_empty(at::IntArrayRef sizes, const at::TensorOptions& options) {
  const size_t bytes = c10::multiply_integers(sizes) * options.dtype().itemsize();
  if (!options.device().is_cpu() || bytes < kSmallest) {
    return at::empty(sizes, options);
  }
  auto& c = cache();
  const int owner = at::get_thread_num();
  void* data = nullptr;
  std::multimap<size_t, c10::DataPtr> too_small;  // freed outside the lock
  {
    // The owner's smallest free block that holds the request; without one, the owner's free
    // blocks are all smaller than what its calls now ask for and go back to the system, so
    // that what the cache holds stays near the most that one call uses at a time.
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.free_blocks.size() <= static_cast<size_t>(owner)) {
      c.free_blocks.resize(owner + 1);
    }
    auto& owned = c.free_blocks[owner];
    auto it = owned.lower_bound(bytes);
    if (it != owned.end()) {
      data = it->second.get();
      c.lent.emplace(data, Loan{it->first, owner, std::move(it->second)});
      owned.erase(it);
    } else {
      too_small = take_free_blocks(c, owner);
    }
  }
  if (data == nullptr) {
    auto block = c10::GetCPUAllocator()->allocate(bytes);
    data = block.get();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.held += bytes;
    c.lent.emplace(data, Loan{bytes, owner, std::move(block)});
  }
  return at::from_blob(data, sizes, &give_back, options);
}

at::Tensor scratch_zeros(at::IntArrayRef sizes, const at::TensorOptions& options) {
  return scratch_empty(sizes, options).zero_();
}

at::Tensor empty_for(Lifetime lifetime, at::IntArrayRef sizes, const at::TensorOptions& options) {
  return lifetime == Lifetime::kWithinCall ? scratch_empty(sizes, options) : at::empty(sizes, options);
}

int64_t scratch_cache_bytes() {
  auto& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return static_cast<int64_t>(c.held);
}

void empty_scratch_cache() {
  auto& c = cache();
  std::vector<std::multimap<size_t, c10::DataPtr>> freed;  // freed outside the lock
  std::lock_guard<std::mutex> lock(c.mutex);
  for (size_t owner = 0; owner < c.free_blocks.size(); ++owner) {
    freed.push_back(take_free_blocks(c, owner));
  }
}

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("scratch_cache_bytes() -> int", &scratch_cache_bytes);
  m.def("empty_scratch_cache() -> ()", &empty_scratch_cache);
}

} // namespace ops
} // namespace convlab
