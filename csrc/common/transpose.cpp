#include "common/transpose.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#ifdef __AVX__
#include <immintrin.h>
#endif

namespace convlab {
namespace ops {

namespace {

// The matrix is walked in kTile x kTile tiles: a tile's 8 source rows and 8 destination rows
// stay in L1 even when the rows lie a multiple of 4 KiB apart (they share an L1 set, which
// holds 8 lines).
constexpr int64_t kTile = 8;

// to[c * rows + r] = from[r * cols + c] over the tile at (r0, c0), `height` x `width` of it.
template <typename T>
void transpose_tile(const T* from, T* to, int64_t rows, int64_t cols, int64_t r0, int64_t c0,
                    int64_t height, int64_t width) {
#ifdef __AVX__
  if constexpr (sizeof(T) == 4) {
    if (height == kTile && width == kTile) {
      // The 8 x 8 transpose of 32-bit lanes in three shuffle stages (unpack pairs, shuffle
      // quads, swap 128-bit halves), as oneDNN's and Eigen's AVX transposes do.
      __m256 r[8], t[8];
      for (int i = 0; i < 8; ++i) {
        r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(from + (r0 + i) * cols + c0));
      }
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
      }
      for (int i = 0; i < 4; ++i) {
        t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
        t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
      }
      for (int i = 0; i < 8; ++i) {
        _mm256_storeu_ps(reinterpret_cast<float*>(to + (c0 + i) * rows + r0), t[i]);
      }
      return;
    }
  }
#endif
  for (int64_t c = c0; c < c0 + width; ++c) {
    for (int64_t r = r0; r < r0 + height; ++r) {
      to[c * rows + r] = from[r * cols + c];
    }
  }
}

// The whole transpose: strips of kTile along the shorter side split between threads, each
// walking its tiles along the longer side, so both the 8 source rows and the 8 destination
// rows of consecutive tiles advance in order.
template <typename T>
void transpose_blocked(const T* from, T* to, int64_t rows, int64_t cols) {
  const bool strips_of_rows = rows <= cols;
  const int64_t across = strips_of_rows ? rows : cols, along = strips_of_rows ? cols : rows;
  at::parallel_for(0, (across + kTile - 1) / kTile, 1, [&](int64_t begin, int64_t end) {
    for (int64_t strip = begin; strip < end; ++strip) {
      const int64_t a0 = strip * kTile, a_size = std::min(kTile, across - a0);
      for (int64_t b0 = 0; b0 < along; b0 += kTile) {
        const int64_t b_size = std::min(kTile, along - b0);
        if (strips_of_rows) {
          transpose_tile(from, to, rows, cols, a0, b0, a_size, b_size);
        } else {
          transpose_tile(from, to, rows, cols, b0, a0, b_size, a_size);
        }
      }
    }
  });
}

} // namespace

at::Tensor move_leading_dims_last(const at::Tensor& t, int64_t leading) {
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
  auto result = at::empty(moved_sizes, t.options());
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
