#include "common/emulated/launch.h"

#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <string>

namespace convlab {
namespace ops {
namespace emulated {

namespace {

// One multiprocessor: 32 blocks of 256 threads, so any launch past 8192 indices wraps.
std::atomic<int64_t> multiprocessor_count{1};

std::mutex calls_mutex;
std::map<std::string, int64_t> calls;

} // namespace

int64_t multiprocessors() {
  return multiprocessor_count.load();
}

void count_call(const char* name) {
  const std::lock_guard<std::mutex> lock(calls_mutex);
  ++calls[name];
}

void fill_unwritten(at::Tensor& t) {
  if (at::isFloatingType(t.scalar_type())) {
    t.fill_(std::numeric_limits<double>::quiet_NaN());
  } else {
    t.fill_(std::numeric_limits<int64_t>::min());
  }
}

void check_written_once(const char* kernel, const std::vector<at::Tensor>& writes) {
  for (size_t k = 0; k < writes.size(); ++k) {
    const auto wrong = at::nonzero(writes[k] != 1);
    if (wrong.numel() > 0) {
      const int64_t element = wrong[0][0].item<int64_t>();
      const int64_t times = writes[k][element].item<int64_t>();
      TORCH_CHECK(false, "convlab emulated CUDA: kernel ", kernel, " wrote element ", element,
                  " of its output ", k, " (", writes[k].numel(), " elements) ", times,
                  " times; every output element must be written exactly once (",
                  times == 0 ? "never written: left uninitialised on a GPU"
                             : "written twice: threads race on it on a GPU",
                  "; ", wrong.size(0), " elements wrong in all)");
    }
  }
}

int64_t set_multiprocessors(int64_t count) {
  TORCH_CHECK_VALUE(count >= 1, "multiprocessors must be at least 1, got ", count);
  return multiprocessor_count.exchange(count);
}

std::map<std::string, int64_t> calls_so_far() {
  const std::lock_guard<std::mutex> lock(calls_mutex);
  return calls;
}

void reset_calls() {
  const std::lock_guard<std::mutex> lock(calls_mutex);
  calls.clear();
}

} // namespace emulated
} // namespace ops
} // namespace convlab
