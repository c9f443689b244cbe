#include "common/transpose.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "common/cpu/transpose_tile.h"

namespace convlab {
namespace ops {

namespace {

// The whole transpose: strips of kTile along the shorter side, each walked in runs of tiles
// along the longer side, so both the 8 source rows and the 8 destination rows of consecutive
// tiles advance in order. Threads take runs (every strip's run r, then run r + 1), not whole
// strips: a matrix with a short side of 9 (a 3x3 filter's taps) has only two strips, one of
// them a single line, and two threads on the two strips would write the same cache lines.
constexpr int64_t kRunTiles = 64;

template <typename T>
void transpose_blocked(const T* from, T* to, int64_t rows, int64_t cols) {
  const bool strips_of_rows = rows <= cols;
  const int64_t across = strips_of_rows ? rows : cols, along = strips_of_rows ? cols : rows;
  constexpr int64_t kTile = cpu::kTransposeTile;
  constexpr int64_t kRun = kRunTiles * kTile;
  const int64_t runs = (along + kRun - 1) / kRun;
  const int64_t strips = (across + kTile - 1) / kTile;
  at::parallel_for(0, runs * strips, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t a0 = task % strips * kTile, a_size = std::min(kTile, across - a0);
      const int64_t run = task / strips, run_end = std::min(along, (run + 1) * kRun);
      for (int64_t b0 = run * kRun; b0 < run_end; b0 += kTile) {
        const int64_t b_size = std::min(kTile, along - b0);
        const int64_t r0 = strips_of_rows ? a0 : b0, c0 = strips_of_rows ? b0 : a0;
        cpu::transpose_tile(from + r0 * cols + c0, cols, to + c0 * rows + r0, rows,
                            strips_of_rows ? a_size : b_size, strips_of_rows ? b_size : a_size);
      }
    }
  });
}

} // namespace

at::Tensor move_leading_dims_last(const at::Tensor& t, int64_t leading, Lifetime lifetime) {
  std::vector<int64_t> order;
  for (int64_t d = leading; d < t.dim(); ++d) {
    order.push_back(d);
  }
  for (int64_t d = 0; d < leading; ++d) {
    order.push_back(d);
  }
  if (!t.device().is_cpu()) {
    return t.permute(order).contiguous();
  }
  std::vector<int64_t> moved_sizes;
  for (const int64_t d : order) {
    moved_sizes.push_back(t.size(d));
  }
  const auto source = t.contiguous();
  auto result = empty_for(lifetime, moved_sizes, t.options());
  int64_t rows = 1;
  for (int64_t d = 0; d < leading; ++d) {
    rows *= t.size(d);
  }
  const int64_t cols = rows == 0 ? 0 : t.numel() / rows;
  AT_DISPATCH_ALL_TYPES_AND3(at::kHalf, at::kBFloat16, at::kBool, t.scalar_type(),
                             "move_leading_dims_last", [&] {
    transpose_blocked(source.const_data_ptr<scalar_t>(), result.mutable_data_ptr<scalar_t>(),
                      rows, cols);
  });
  return result;
}

namespace {

// move_leading_dims_last on its own, for its tests.
at::Tensor move_leading_dims_last_op(const at::Tensor& t, int64_t leading) {
  TORCH_CHECK_VALUE(leading >= 0 && leading <= t.dim(), "move_leading_dims_last: leading must be "
                    "in [0, ", t.dim(), "], got ", leading);
  return move_leading_dims_last(t, leading);
}

} // namespace

TORCH_LIBRARY_FRAGMENT(convlab, m) {
  m.def("move_leading_dims_last(Tensor t, int leading) -> Tensor");
}

TORCH_LIBRARY_IMPL(convlab, CPU, m) {
  m.impl("move_leading_dims_last", &move_leading_dims_last_op);
}

} // namespace ops
} // namespace convlab
