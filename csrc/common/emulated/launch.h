#pragma once

// The emulated GPU: the CUDA kernels' per-index bodies (the *_grid.h headers) replayed on the
// CPU over the grid a GPU would run (common/grid.h, with a configurable multiprocessor count
// so that the grid-stride loop wraps), thread by thread, in one process. Every output a launch
// declares is filled with NaN first and each of its elements' writes is counted: an element
// written zero times (compute-sanitizer's initcheck) or twice (a race on a GPU) raises,
// naming the kernel. Launches are counted per kernel name (emulated_cuda_stats).
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/grid.h"

namespace convlab {
namespace ops {
namespace emulated {

// Blocks per launch are computed for this many multiprocessors; set_ returns the previous count.
int64_t multiprocessors();
int64_t set_multiprocessors(int64_t count);
// One more launch of `kernel`, or one more GEMM call (emulated_cuda_stats).
void count_call(const char* name);
std::map<std::string, int64_t> calls_so_far();
void reset_calls();
// Fills an output with what no kernel writes: NaN, or the lowest integer.
void fill_unwritten(at::Tensor& t);
// Raises unless every element of each counts tensor is 1, naming the kernel.
void check_written_once(const char* kernel, const std::vector<at::Tensor>& writes);

// An output pointer that counts the writes to each element.
template <typename T>
class CountedOutput {
 public:
  class Element {
   public:
    Element(T* value, int32_t* writes) : value_(value), writes_(writes) {}
    Element& operator=(const Element&) = delete;
    template <typename V>
    Element& operator=(V value) {
      *value_ = static_cast<T>(value);
      ++*writes_;
      return *this;
    }
    operator T() const {
      return *value_;
    }

   private:
    T* value_;
    int32_t* writes_;
  };

  CountedOutput(T* data, int32_t* writes) : data_(data), writes_(writes) {}
  Element operator[](int64_t i) const {
    return Element(data_ + i, writes_ + i);
  }
  CountedOutput operator+(int64_t offset) const {
    return CountedOutput(data_ + offset, writes_ + offset);
  }

 private:
  T* data_;
  int32_t* writes_;
};

// The launcher with CudaLaunch's interface (common/cuda/launch.cuh).
class EmulatedLaunch {
 public:
  template <typename T>
  using Out = CountedOutput<T>;

  explicit EmulatedLaunch(const char* kernel) : kernel_(kernel) {}

  // Declares `t` (contiguous) an output of this launch: every element must be written once.
  template <typename T>
  CountedOutput<T> output(at::Tensor& t) {
    TORCH_INTERNAL_ASSERT(t.is_contiguous(), "emulated kernel ", kernel_, ": output not contiguous");
    fill_unwritten(t);
    writes_.push_back(at::zeros({t.numel()}, t.options().dtype(at::kInt)));
    return CountedOutput<T>(t.mutable_data_ptr<T>(), writes_.back().mutable_data_ptr<int32_t>());
  }

  template <typename Body>
  void operator()(int64_t n, const Body& body) {
    if (n > 0) {
      count_call(kernel_);
      const int64_t blocks = blocks_for(n, multiprocessors());
      for (int64_t block = 0; block < blocks; ++block) {
        for (int64_t thread = 0; thread < kThreadsPerBlock; ++thread) {
          grid_stride_loop(block, thread, blocks, n, body);
        }
      }
    }
    check_written_once(kernel_, writes_);
  }

 private:
  const char* kernel_;
  std::vector<at::Tensor> writes_;
};

} // namespace emulated
} // namespace ops
} // namespace convlab
