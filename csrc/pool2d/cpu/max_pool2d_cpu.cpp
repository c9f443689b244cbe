#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "pool2d/max_pool2d.h"

namespace convlab {
namespace ops {

namespace {

// Both forward loops produce max_pool_value's results: each output compares the taps of its
// window inside the input, in its order (window row, then column), with a running maximum, and
// the loops over outputs or planes have no branches, so they vectorise and random data costs
// no mispredicted jumps.

// Planes [begin, end) a row of outputs at a time, tap by tap: for each tap, the outputs whose
// tap lies inside the input (outputs_reading_inside) take it in.
template <typename scalar_t>
void max_pool_by_rows(const scalar_t* in, const Pool2dGeometry& g, int64_t begin, int64_t end,
                      scalar_t* out, int64_t* idx) {
  using opmath_t = at::opmath_type<scalar_t>;
  // Per window column: its first tap inside the input; per kernel column: the outputs it
  // reads inside the input.
  std::vector<int64_t> first_col(g.out_w);
  for (int64_t ow = 0; ow < g.out_w; ++ow) {
    first_col[ow] = max_window_span(ow, g.stride_w, g.pad_w, g.kernel_w, g.dilation_w, g.in_w).first;
  }
  std::vector<OutputRange> tap_cols(g.kernel_w);
  for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
    tap_cols[kj] = outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
  }
  std::vector<opmath_t> best(g.out_w);
  std::vector<int64_t> best_index(g.out_w);
  for (int64_t p = begin; p < end; ++p) {
    const scalar_t* plane = in + p * g.in_h * g.in_w;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const WindowSpan rows = max_window_span(oh, g.stride_h, g.pad_h, g.kernel_h, g.dilation_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        best[ow] = -std::numeric_limits<opmath_t>::infinity();
        best_index[ow] = rows.first * g.in_w + first_col[ow];
      }
      for (int64_t ih = rows.first; ih < rows.end; ih += g.dilation_h) {
        const scalar_t* row = plane + ih * g.in_w;
        for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
          const int64_t first_iw = tap_position(0, kj, g.stride_w, g.pad_w, g.dilation_w);
          opmath_t* best_row = best.data();
          int64_t* index_row = best_index.data();
          _Pragma("omp simd")
          for (int64_t ow = tap_cols[kj].begin; ow < tap_cols[kj].end; ++ow) {
            const int64_t iw = ow * g.stride_w + first_iw;
            const opmath_t value = static_cast<opmath_t>(row[iw]);
            const bool take = value > best_row[ow] || value != value; // NaN propagates
            best_row[ow] = take ? value : best_row[ow];
            index_row[ow] = take ? ih * g.in_w + iw : index_row[ow];
          }
        }
      }
      const int64_t o = (p * g.out_h + oh) * g.out_w;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        out[o + ow] = static_cast<scalar_t>(best[ow]);
        idx[o + ow] = best_index[ow];
      }
    }
  }
}

// Planes [begin, end) kPlanes at a time, side by side, one output position at a time: for
// small planes, whose rows are too short to vectorise.
template <typename scalar_t>
void max_pool_across_planes(const scalar_t* in, const Pool2dGeometry& g, int64_t begin,
                            int64_t end, scalar_t* out, int64_t* idx) {
  using opmath_t = at::opmath_type<scalar_t>;
  constexpr int64_t kPlanes = 32;
  const int64_t plane_in = g.in_h * g.in_w, plane_out = g.out_h * g.out_w;
  opmath_t best[kPlanes];
  int64_t best_index[kPlanes];
  for (int64_t first = begin; first < end; first += kPlanes) {
    const int64_t n = std::min(kPlanes, end - first);
    const scalar_t* planes = in + first * plane_in;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      const WindowSpan rows = max_window_span(oh, g.stride_h, g.pad_h, g.kernel_h, g.dilation_h, g.in_h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const WindowSpan cols = max_window_span(ow, g.stride_w, g.pad_w, g.kernel_w, g.dilation_w, g.in_w);
        std::fill(best, best + n, -std::numeric_limits<opmath_t>::infinity());
        std::fill(best_index, best_index + n, rows.first * g.in_w + cols.first);
        for (int64_t ih = rows.first; ih < rows.end; ih += g.dilation_h) {
          for (int64_t iw = cols.first; iw < cols.end; iw += g.dilation_w) {
            const int64_t position = ih * g.in_w + iw;
            _Pragma("omp simd")
            for (int64_t b = 0; b < n; ++b) {
              const opmath_t value = static_cast<opmath_t>(planes[b * plane_in + position]);
              const bool take = value > best[b] || value != value; // NaN propagates
              best[b] = take ? value : best[b];
              best_index[b] = take ? position : best_index[b];
            }
          }
        }
        const int64_t o = first * plane_out + oh * g.out_w + ow;
        for (int64_t b = 0; b < n; ++b) {
          out[o + b * plane_out] = static_cast<scalar_t>(best[b]);
          idx[o + b * plane_out] = best_index[b];
        }
      }
    }
  }
}

// Rows of at least this many outputs are pooled by rows, smaller planes across planes (short
// rows leave the vector lanes idle; the threshold comes from the benchmark suite's pooling rows).
constexpr int64_t kRowsFromOutputColumns = 16;

std::tuple<at::Tensor, at::Tensor> max_pool2d_cpu(const at::Tensor& x, const Pool2dGeometry& g) {
  auto output = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options());
  auto indices = at::empty({g.batch, g.channels, g.out_h, g.out_w}, x.options().dtype(at::kLong));
  const bool by_rows = g.out_w >= kRowsFromOutputColumns;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "convlab_max_pool2d_cpu", [&] {
    const scalar_t* in = x.const_data_ptr<scalar_t>();
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    int64_t* idx = indices.mutable_data_ptr<int64_t>();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      if (by_rows) {
        max_pool_by_rows(in, g, begin, end, out, idx);
      } else {
        max_pool_across_planes(in, g, begin, end, out, idx);
      }
    });
  });
  return {output, indices};
}

// Where one plane's gradient is summed: in the plane itself for float and double; in a float
// buffer for the half types, rounded once per element after.
template <typename scalar_t, typename opmath_t>
opmath_t* plane_sums(scalar_t* plane, std::vector<opmath_t>& buffer) {
  if constexpr (std::is_same_v<scalar_t, opmath_t>) {
    return plane;
  } else {
    return buffer.data();
  }
}

// Planes whose indices are checked at once: about this many outputs, so that planes of a few
// outputs (VGG-16's last pooling layers, 4x4 and 2x2 inputs) do not pay the check's fixed
// costs once each (benchmarks.suite's pooling table).
constexpr int64_t kCheckOutputs = 64;

// max_pool_index_in_window's test, rewritten to vectorise over planes of outputs: the index
// of output o must fall in one of its window's rows, between the columns the window spans
// inside the input, i.e. in [begin[ki][o], end[ki][o]) for some window row ki (an empty range
// where row ki lies in the padding). A dilated window also skips the columns between its
// taps: tested per element. Built once per call for planes_per_check() planes (every plane
// has the same windows).
class WindowRanges {
 public:
  explicit WindowRanges(const Pool2dGeometry& g)
      : g_(g), outputs_(g.out_h * g.out_w),
        planes_(std::max<int64_t>(1, kCheckOutputs / std::max<int64_t>(outputs_, 1))),
        span_(planes_ * outputs_), begin_(g.kernel_h * span_, 0), end_(g.kernel_h * span_, 0) {
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const WindowSpan cols = max_window_span(ow, g.stride_w, g.pad_w, g.kernel_w, g.dilation_w, g.in_w);
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
          const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
          if (ih >= 0 && ih < g.in_h) {
            for (int64_t plane = 0; plane < planes_; ++plane) {
              const int64_t o = ki * span_ + plane * outputs_ + oh * g.out_w + ow;
              begin_[o] = ih * g.in_w + cols.first;
              end_[o] = ih * g.in_w + cols.end;
            }
          }
        }
      }
    }
  }

  int64_t planes_per_check() const {
    return planes_;
  }

  // Throws unless every index of `planes` (at most planes_per_check()) consecutive planes lies
  // in its output's window; when one does not, max_pool_index_in_window finds the output to
  // name. `found` is the task's own buffer of planes_per_check() flags per output.
  void check_planes(const int64_t* where, int64_t planes, std::vector<int64_t>& found) const {
    const int64_t outputs = planes * outputs_;
    int64_t* hit = found.data();
    std::fill(hit, hit + outputs, 0);
    for (int64_t ki = 0; ki < g_.kernel_h; ++ki) {
      const int64_t* begin = begin_.data() + ki * span_;
      const int64_t* end = end_.data() + ki * span_;
      _Pragma("omp simd")
      for (int64_t o = 0; o < outputs; ++o) {
        hit[o] |= (where[o] >= begin[o]) & (where[o] < end[o]);
      }
    }
    int64_t all_found = 1;
    for (int64_t o = 0; o < outputs; ++o) {
      all_found &= hit[o];
    }
    for (int64_t o = 0; o < outputs && (!all_found || g_.dilation_w > 1); ++o) {
      const int64_t oh = o % outputs_ / g_.out_w, ow = o % g_.out_w;
      TORCH_CHECK_VALUE(
          max_pool_index_in_window(g_, oh, ow, where[o]),
          "convlab.max_pool2d_backward: index ", where[o], " in indices is not in the window ",
          "of output (", oh, ", ", ow, ") of an input plane of ", g_.in_h * g_.in_w,
          " elements");
    }
    TORCH_INTERNAL_ASSERT(all_found, "convlab.max_pool2d_backward: WindowRanges and ",
                          "max_pool_index_in_window disagree");
  }

 private:
  Pool2dGeometry g_;
  int64_t outputs_, planes_, span_;
  std::vector<int64_t> begin_, end_;
};

at::Tensor max_pool2d_backward_cpu(const at::Tensor& go, const at::Tensor& idx,
                                   const Pool2dGeometry& g) {
  auto grad_input = at::empty({g.batch, g.channels, g.in_h, g.in_w}, go.options());
  const int64_t plane_in = g.in_h * g.in_w;
  const int64_t plane_out = g.out_h * g.out_w;
  const int64_t* where = idx.const_data_ptr<int64_t>();
  const WindowRanges windows(g);
  // Per plane, each output's gradient is added to the element its index names, outputs in
  // order: every input element receives max_pool_grad's terms in max_pool_grad's order, and
  // planes are independent tasks. Each plane's indices are checked before they are used.
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, go.scalar_type(), "convlab_max_pool2d_backward_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    constexpr bool sums_in_place = std::is_same_v<opmath_t, scalar_t>;
    const scalar_t* grad = go.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    const int64_t planes_per_check = windows.planes_per_check();
    at::parallel_for(0, g.planes(), 1, [&](int64_t begin, int64_t end) {
      std::vector<opmath_t> buffer(sums_in_place ? 0 : plane_in);
      std::vector<int64_t> found(planes_per_check * plane_out);
      for (int64_t first = begin; first < end; first += planes_per_check) {
        const int64_t last = std::min(end, first + planes_per_check);
        windows.check_planes(where + first * plane_out, last - first, found);
        for (int64_t p = first; p < last; ++p) {
          opmath_t* sums = plane_sums(out + p * plane_in, buffer);
          std::fill(sums, sums + plane_in, opmath_t(0));
          for (int64_t o = p * plane_out; o < (p + 1) * plane_out; ++o) {
            sums[where[o]] += static_cast<opmath_t>(grad[o]);
          }
          if constexpr (!sums_in_place) {
            std::copy(sums, sums + plane_in, out + p * plane_in);
          }
        }
      }
    });
  });
  return grad_input;
}

} // namespace

const bool registered [[maybe_unused]] =
    max_pool2d_kernels().add(KernelDevice::CPU, {max_pool2d_cpu, max_pool2d_backward_cpu});

} // namespace ops
} // namespace convlab
