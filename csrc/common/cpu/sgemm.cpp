#include "common/cpu/sgemm.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "common/cpu/sgemm_micro_kernel.h"
#include "common/cpu/thread_buffer.h"
#include "common/cpu/transpose_tile.h"

namespace convlab {
namespace ops {
namespace cpu {
namespace sgemm {

namespace {

// Cache blocking: an A sliver (kRows x kDepth) stays in L1 while the B slivers of a block
// stream from L2, which holds the packed A block (kRowBlock x kDepth) and B block
// (kDepth x kColBlock). The benchmark suite's GEMM table (benchmarks/machine.py) measures
// the rate these give.
constexpr int64_t kDepth = 256;
constexpr int64_t kRowBlock = kRows * 18;
constexpr int64_t kColBlock = kCols * 16;

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// `count` lines of `length` values (line l's value p at from[l * line_stride + p * step])
// into out[p * width + l], zeros for lines count..width-1: a sliver of packed A (lines are
// rows) or of packed B (lines are columns). The loop that reads memory in order goes inside.
void pack_sliver(const float* from, int64_t line_stride, int64_t step, int64_t count,
                 int64_t length, int width, float* out) {
  if (step == 1 && line_stride != 1) {
    // A transpose (each line contiguous along k: an operand stored the other way round),
    // 8 x 8 tiles at a time in vector registers, so the writes stay within 8 rows of the
    // sliver (in L1) while each line is read 8 values at a time.
    for (int64_t p0 = 0; p0 < length; p0 += kTransposeTile) {
      const int64_t steps = std::min(kTransposeTile, length - p0);
      float* to = out + p0 * width;
      for (int64_t l0 = 0; l0 < count; l0 += kTransposeTile) {
        transpose_tile(from + l0 * line_stride + p0, line_stride, to + l0, width,
                       std::min(kTransposeTile, count - l0), steps);
      }
      for (int64_t p = 0; p < steps; ++p) {
        std::fill(to + p * width + count, to + (p + 1) * width, 0.0f);
      }
    }
    return;
  }
  for (int64_t p = 0; p < length; ++p) {
    const float* values = from + p * step;
    float* to = out + p * width;
    int64_t l = 0;
    for (; l < count; ++l) {
      to[l] = values[l * line_stride];
    }
    for (; l < width; ++l) {
      to[l] = 0.0f;
    }
  }
}

// Rows x depth of A as kRows-row slivers, each depth-major (kRows values per step of k).
void pack_a(const float* a, int64_t row_stride, int64_t col_stride, int64_t rows, int64_t depth,
            float* out) {
  for (int64_t r = 0; r < rows; r += kRows) {
    pack_sliver(a + r * row_stride, row_stride, col_stride, std::min<int64_t>(kRows, rows - r),
                depth, kRows, out + r * depth);
  }
}

// Depth x columns of B as kCols-column slivers, each depth-major (kCols values per step).
void pack_b(const float* b, int64_t row_stride, int64_t col_stride, int64_t depth, int64_t columns,
            float* out) {
  for (int64_t j = 0; j < columns; j += kCols) {
    pack_sliver(b + j * col_stride, col_stride, row_stride, std::min<int64_t>(kCols, columns - j),
                depth, kCols, out + j * depth);
  }
}

// How a call is cut into tasks: each task owns one column block (its B block packed once
// per depth step) and a range of rows (whole slivers). Rows are split first, then columns,
// until there is a task per thread: each more task packs its B block once more.
void choose_split(int64_t batch, int64_t m, int64_t n, int64_t& task_rows, int64_t& col_block) {
  const int64_t wanted = at::get_num_threads();
  col_block = std::min(kColBlock, ceil_div(n, kCols) * kCols);
  const int64_t slivers = ceil_div(m, kRows);
  const int64_t groups = std::clamp<int64_t>(ceil_div(wanted, batch * ceil_div(n, col_block)), 1, slivers);
  task_rows = ceil_div(slivers, groups) * kRows;
  while (batch * ceil_div(m, task_rows) * ceil_div(n, col_block) < wanted && col_block > kCols) {
    col_block = ceil_div(col_block / kCols, 2) * kCols;
  }
  // With few tasks, every one counts: column blocks of near-equal width (512 + 64 columns on
  // 2 threads leave one idle most of the time), and for a single matrix of one row group as
  // many as a multiple of the thread count (5 blocks on 2 threads take 3 rounds where 2.5 do).
  const int64_t row_groups = batch * ceil_div(m, task_rows);
  int64_t blocks = ceil_div(n, col_block);
  if (row_groups * blocks < 4 * wanted) {
    if (row_groups == 1) {
      blocks = ceil_div(blocks, wanted) * wanted;
    }
    col_block = std::max<int64_t>(kCols, ceil_div(ceil_div(n, blocks), kCols) * kCols);
  }
}

// One task: rows [r_begin, r_end) x columns [c0, c0 + columns) of c[item], over depth
// [p_begin, p_end), added to c's values when `accumulate`.
struct Task {
  int64_t item, r_begin, r_end, c0, columns, p_begin, p_end;
};

// rows x columns of C at `c` (row stride ldc) from a packed A block and a packed B block.
void multiply_packed(const float* a_packed, int64_t rows, const float* b_packed,
                     int64_t columns, int64_t depth, float* c, int64_t ldc, bool add) {
  for (int64_t i = 0; i < rows; i += kRows) {
    const float* a_sliver = a_packed + i * depth;
    const int tile_rows = static_cast<int>(std::min<int64_t>(kRows, rows - i));
    for (int64_t j = 0; j < columns; j += kCols) {
      micro_tile(depth, a_sliver, b_packed + j * depth, c + i * ldc + j, ldc, add, tile_rows,
                 static_cast<int>(std::min<int64_t>(kCols, columns - j)));
    }
  }
}

// The task for `items` consecutive matrices from t.item on. One item: its B block packed once
// per depth step for all its row blocks. Several (they share A, batch stride 0: a filter
// broadcast over rows or samples): each A block packed once for them all, each item's B block
// once per row block.
void run_task(const Task& t, int64_t items, const Matrix& a, const Matrix& b, float* c,
              int64_t c_batch_stride, int64_t ldc, bool accumulate, float* a_packed,
              float* b_packed) {
  if (t.p_end == t.p_begin && !accumulate) {
    for (int64_t item = t.item; item < t.item + items; ++item) {
      for (int64_t r = t.r_begin; r < t.r_end; ++r) {
        std::fill_n(c + item * c_batch_stride + r * ldc + t.c0, t.columns, 0.0f);
      }
    }
  }
  const auto pack_b_block = [&](int64_t item, int64_t p0, int64_t depth) {
    pack_b(b.data + item * b.batch_stride + p0 * b.row_stride + t.c0 * b.col_stride,
           b.row_stride, b.col_stride, depth, t.columns, b_packed);
  };
  for (int64_t p0 = t.p_begin; p0 < t.p_end; p0 += kDepth) {
    const int64_t depth = std::min(kDepth, t.p_end - p0);
    const bool add = accumulate || p0 > t.p_begin;
    if (items == 1) {
      pack_b_block(t.item, p0, depth);
    }
    for (int64_t r0 = t.r_begin; r0 < t.r_end; r0 += kRowBlock) {
      const int64_t rows = std::min(kRowBlock, t.r_end - r0);
      pack_a(a.data + t.item * a.batch_stride + r0 * a.row_stride + p0 * a.col_stride,
             a.row_stride, a.col_stride, rows, depth, a_packed);
      for (int64_t item = t.item; item < t.item + items; ++item) {
        if (items > 1) {
          pack_b_block(item, p0, depth);
        }
        multiply_packed(a_packed, rows, b_packed, t.columns, depth,
                        c + item * c_batch_stride + r0 * ldc + t.c0, ldc, add);
      }
    }
  }
}

// Packed panels per thread, reused across calls.
struct ThreadBuffers {
  ThreadBuffer a, b;
};

ThreadBuffers& thread_buffers() {
  static thread_local ThreadBuffers buffers;
  return buffers;
}

// A call with fewer matrices than threads and a depth far beyond its rows and columns
// (grad_weight's GEMMs: a depth of every output position) splits its depth between threads
// rather than its rows or columns, which would pack the other operand once per thread: each
// thread sums its share into a buffer of its own, then the shares are added in thread order.
// Each thread's share is at least this deep.
constexpr int64_t kSplitDepth = 4 * kDepth;

void gemm_by_depth(int64_t parts, int64_t batch, int64_t m, int64_t n, int64_t k, const Matrix& a,
                   const Matrix& b, float* c, int64_t c_batch_stride, int64_t ldc, bool accumulate) {
  const int64_t share = ceil_div(ceil_div(k, parts), kDepth) * kDepth;
  parts = ceil_div(k, share);
  std::vector<float> shares((parts - 1) * batch * m * n);
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    auto& buffers = thread_buffers();
    float* a_packed = buffers.a.get(kRowBlock * kDepth);
    float* b_packed = buffers.b.get(kDepth * kColBlock);
    for (int64_t part = begin; part < end; ++part) {
      const bool first = part == 0;
      float* target = first ? c : shares.data() + (part - 1) * batch * m * n;
      for (int64_t item = 0; item < batch; ++item) {
        for (int64_t c0 = 0; c0 < n; c0 += kColBlock) {
          run_task({item, 0, m, c0, std::min(kColBlock, n - c0), part * share,
                    std::min(k, (part + 1) * share)},
                   1, a, b, target, first ? c_batch_stride : m * n, first ? ldc : n,
                   first && accumulate, a_packed, b_packed);
        }
      }
    }
  });
  at::parallel_for(0, batch * m, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      float* to = c + row / m * c_batch_stride + row % m * ldc;
      for (int64_t part = 1; part < parts; ++part) {
        const float* from = shares.data() + (part - 1) * batch * m * n + row * n;
        for (int64_t j = 0; j < n; ++j) {
          to[j] += from[j];
        }
      }
    }
  });
}

} // namespace

void batched_gemm(int64_t batch, int64_t m, int64_t n, int64_t k, Matrix a, Matrix b, float* c,
                  int64_t c_batch_stride, int64_t ldc, bool accumulate) {
  if (batch == 0 || m == 0 || n == 0) {
    return;
  }
  const int64_t threads = at::get_num_threads();
  if (batch < threads && k >= kSplitDepth * threads && k >= 4 * std::max(m, n) &&
      !at::in_parallel_region()) {
    gemm_by_depth(threads, batch, m, n, k, a, b, c, c_batch_stride, ldc, accumulate);
    return;
  }
  // Matrices that share A (batch stride 0) go to every task together: each task's A blocks
  // are packed once for all of them.
  const int64_t items = a.batch_stride == 0 ? batch : 1;
  const int64_t groups = batch / items;
  int64_t task_rows = 0, col_block = 0;
  choose_split(groups, m, n, task_rows, col_block);
  const int64_t row_tasks = ceil_div(m, task_rows), col_blocks = ceil_div(n, col_block);
  const int64_t tasks = groups * row_tasks * col_blocks;
  at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    auto& buffers = thread_buffers();
    float* a_packed = buffers.a.get(kRowBlock * kDepth);
    float* b_packed = buffers.b.get(kDepth * col_block);
    for (int64_t task = begin; task < end; ++task) {
      const int64_t r_begin = (task / col_blocks) % row_tasks * task_rows;
      const int64_t c0 = task % col_blocks * col_block;
      run_task({task / (row_tasks * col_blocks) * items, r_begin, std::min(m, r_begin + task_rows),
                c0, std::min(col_block, n - c0), 0, k},
               items, a, b, c, c_batch_stride, ldc, accumulate, a_packed, b_packed);
    }
  });
}

const char* instruction_set() {
  return kInstructionSet;
}

} // namespace sgemm
} // namespace cpu
} // namespace ops
} // namespace convlab
