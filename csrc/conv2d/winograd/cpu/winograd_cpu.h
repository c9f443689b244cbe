#pragma once

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "conv2d/winograd/winograd_tile.h"
#include "common/cpu/lanes.h"

namespace convlab {
namespace ops {
namespace cpu {

// The Winograd transforms over every filter, input tile and output tile (and, for the
// filters' gradient, every grad_output block and filter gradient), for every variant V
// (conv2d/winograd/winograd_tile.h), with its shared arithmetic. Layouts: winograd_tile.h
// (WinogradKernels).

// Filters go kFilterLanes at a time, side by side in Lanes, so that each transform point's
// values of consecutive filters are one contiguous store (one filter at a time wrote its kPoints
// values a whole point apart each: a cache line and a page per value).
constexpr int kFilterLanes = 16;

// body(first, count) for every pack of kFilterLanes consecutive filters of g, in parallel.
template <typename Body>
void for_each_filter_pack(const Conv2dGeometry& g, const Body& body) {
  const int64_t filters = g.out_channels * g.in_channels_per_group();
  const int64_t packs = (filters + kFilterLanes - 1) / kFilterLanes;
  at::parallel_for(0, packs, 1, [&](int64_t begin, int64_t end) {
    for (int64_t pack = begin; pack < end; ++pack) {
      const int64_t first = pack * kFilterLanes;
      body(first, std::min<int64_t>(kFilterLanes, filters - first));
    }
  });
}

template <typename V>
void winograd_filters(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), V::kFiltersCpuDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kFilterLanes>;
    const scalar_t* w = weight.const_data_ptr<scalar_t>();
    opmath_t* out = u.mutable_data_ptr<opmath_t>();
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    for_each_filter_pack(g, [&](int64_t first, int64_t count) {
      Pack taps[3][3] = {};
      for (int64_t f = 0; f < count; ++f) {
        for (int i = 0; i < 9; ++i) {
          taps[i / 3][i % 3].v[f] = static_cast<opmath_t>(w[(first + f) * 9 + i]);
        }
      }
      Pack transformed[V::kIn][V::kIn];
      winograd_sandwich<typename V::FilterAxis, opmath_t>(taps, transformed);
      for (int i = 0; i < V::kPoints; ++i) {
        store_lanes(transformed[i / V::kIn][i % V::kIn], count, out + i * filters + first);
      }
    });
  });
}

// Input and output tiles go kTiles at a time, side by side in Lanes: kTiles consecutive
// columns of v and m (one channel's tiles in (sample, tile row, tile column) order), each
// arithmetic step of the shared winograd.h transforms on kTiles tiles at once. The lanes run
// on across tile rows and samples, so small planes fill them as large ones do (an 8x8 output
// has 2x2 tiles, a 4x4 one a single tile). A tile's V::kPoints transformed values are
// `columns` apart in v and m, consecutive tiles adjacent, so each point's kTiles values are one
// contiguous load or store.
constexpr int kTiles = 8;

// Where a column's tile lies: its sample and its top-left output position.
struct TilePlace {
  int64_t sample, h, w;
};

// The places of consecutive columns from `column` on, a step at a time: a pack's lanes
// without two divisions each.
template <typename V>
struct TileWalk {
  TilePlace place;
  int64_t h_end, w_end;

  TileWalk(int64_t column, int64_t tiles_h, int64_t tiles_w)
      : h_end(tiles_h * V::kOut), w_end(tiles_w * V::kOut) {
    const int64_t rows = column / tiles_w;
    place = {rows / tiles_h, (rows % tiles_h) * V::kOut, (column % tiles_w) * V::kOut};
  }

  void next() {
    place.w += V::kOut;
    if (place.w == w_end) {
      place.w = 0;
      place.h += V::kOut;
      if (place.h == h_end) {
        place.h = 0;
        ++place.sample;
      }
    }
  }
};

// L d L^T (winograd_plane_tile) of every tile of `planes` (batch x channels planes of
// plane_h x plane_w), tile t's Axis::kIn x Axis::kIn values from (h, w) - (shift_h, shift_w)
// of its plane, where (h, w) is its output tile's corner (TileWalk), zeros outside the plane:
// the input's tiles (B^T, kIn values a side, shifted by the padding) or grad_output's (A, kOut
// values a side). Out: (Axis::kOut^2, channels, T).
template <typename V, typename Axis, typename scalar_t>
void winograd_plane_tiles(const scalar_t* planes, int64_t channels, int64_t plane_h,
                          int64_t plane_w, int64_t shift_h, int64_t shift_w,
                          const Conv2dGeometry& g, at::Tensor& out) {
  using opmath_t = at::opmath_type<scalar_t>;
  using Pack = Lanes<opmath_t, kTiles>;
  constexpr int kSide = Axis::kIn, kPoints = Axis::kOut * Axis::kOut;
  opmath_t* to = out.mutable_data_ptr<opmath_t>();
  const int64_t tiles_h = winograd_tiles<V>(g.out_h), tiles_w = winograd_tiles<V>(g.out_w);
  const int64_t columns = g.batch * tiles_h * tiles_w; // per transform point and channel
  const int64_t point_stride = channels * columns;
  const int64_t packs = (columns + kTiles - 1) / kTiles; // per channel
  at::parallel_for(0, channels * packs, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t c = task / packs, first = task % packs * kTiles;
      const int64_t count = std::min<int64_t>(kTiles, columns - first);
      Pack d[kSide][kSide] = {}; // what no tile reads (padding, unused lanes) stays zero
      TileWalk<V> walk(first, tiles_h, tiles_w);
      for (int t = 0; t < count; ++t, walk.next()) {
        // d[i][j] of this lane: (h0 + i, w0 + j) of its plane, zero outside.
        const TilePlace& place = walk.place;
        const int64_t h0 = place.h - shift_h, w0 = place.w - shift_w;
        const scalar_t* plane = planes + (place.sample * channels + c) * plane_h * plane_w;
        if (h0 >= 0 && w0 >= 0 && h0 + kSide <= plane_h && w0 + kSide <= plane_w) {
          // Inside the plane (most tiles): loops of fixed length, unrolled.
          const scalar_t* corner = plane + h0 * plane_w + w0;
          for (int i = 0; i < kSide; ++i) {
            for (int j = 0; j < kSide; ++j) {
              d[i][j].v[t] = static_cast<opmath_t>(corner[i * plane_w + j]);
            }
          }
          continue;
        }
        // At an edge: the same fixed loops, each value read only where it lies in the plane.
        for (int i = 0; i < kSide; ++i) {
          const int64_t h = h0 + i;
          if (h < 0 || h >= plane_h) {
            continue;
          }
          for (int j = 0; j < kSide; ++j) {
            const int64_t w = w0 + j;
            if (w >= 0 && w < plane_w) {
              d[i][j].v[t] = static_cast<opmath_t>(plane[h * plane_w + w]);
            }
          }
        }
      }
      Pack transformed[Axis::kOut][Axis::kOut];
      winograd_sandwich<Axis, opmath_t>(d, transformed);
      opmath_t* column = to + c * columns + first;
      for (int i = 0; i < kPoints; ++i) {
        store_lanes(transformed[i / Axis::kOut][i % Axis::kOut], count, column + i * point_stride);
      }
    }
  });
}

template <typename V>
void winograd_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), V::kInputsCpuDispatch, [&] {
    winograd_plane_tiles<V, typename V::InputAxis>(input.const_data_ptr<scalar_t>(), g.in_channels,
                                                   g.in_h, g.in_w, g.pad_h, g.pad_w, g, v);
  });
}

template <typename V>
void winograd_grad_outputs(const at::Tensor& grad_output, const Conv2dGeometry& g,
                           at::Tensor& e) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), V::kGradOutputsCpuDispatch, [&] {
    winograd_plane_tiles<V, typename V::GradOutputAxis>(grad_output.const_data_ptr<scalar_t>(),
                                                        g.out_channels, g.out_h, g.out_w, 0, 0,
                                                        g, e);
  });
}

template <typename V>
void winograd_outputs(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                      const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), V::kOutputsCpuDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kTiles>;
    const opmath_t* products = m.const_data_ptr<opmath_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    const int64_t tiles_h = winograd_tiles<V>(g.out_h), tiles_w = winograd_tiles<V>(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w;
    const int64_t point_stride = g.out_channels * columns;
    const int64_t packs = (columns + kTiles - 1) / kTiles; // per channel
    at::parallel_for(0, g.out_channels * packs, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t oc = task / packs, first = task % packs * kTiles;
        const int64_t count = std::min<int64_t>(kTiles, columns - first);
        const opmath_t shift = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[oc]);
        const opmath_t* column = products + oc * columns + first;
        Pack tile[V::kIn][V::kIn];
        for (int i = 0; i < V::kPoints; ++i) {
          tile[i / V::kIn][i % V::kIn] = load_lanes<opmath_t, kTiles>(column + i * point_stride, count);
        }
        Pack y[V::kOut][V::kOut];
        winograd_sandwich<typename V::OutputAxis, opmath_t>(tile, y);
        TileWalk<V> walk(first, tiles_h, tiles_w);
        for (int t = 0; t < count; ++t, walk.next()) {
          // Output (h + i, w + j) of this lane's plane, clipped to it.
          const TilePlace& place = walk.place;
          scalar_t* plane = out + (place.sample * g.out_channels + oc) * g.out_h * g.out_w;
          if (place.h + V::kOut <= g.out_h && place.w + V::kOut <= g.out_w) {
            // A whole tile (most of them): loops of fixed length, unrolled.
            scalar_t* corner = plane + place.h * g.out_w + place.w;
            for (int i = 0; i < V::kOut; ++i) {
              for (int j = 0; j < V::kOut; ++j) {
                corner[i * g.out_w + j] = static_cast<scalar_t>(y[i][j].v[t] + shift);
              }
            }
            continue;
          }
          const int64_t rows = std::min<int64_t>(V::kOut, g.out_h - place.h);
          const int64_t cols = std::min<int64_t>(V::kOut, g.out_w - place.w);
          for (int64_t i = 0; i < rows; ++i) {
            scalar_t* row = plane + (place.h + i) * g.out_w + place.w;
            for (int64_t j = 0; j < cols; ++j) {
              row[j] = static_cast<scalar_t>(y[i][j].v[t] + shift);
            }
          }
        }
      }
    });
  });
}

// dg = G^T Z G of every filter, kFilterLanes filters at a time (winograd_filters' layout
// read back): z (P, out_channels, in_channels / groups) in, the weight's gradient out.
template <typename V>
void winograd_grad_filters(const at::Tensor& z, const Conv2dGeometry& g, at::Tensor& grad_weight) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_weight.scalar_type(), V::kGradFiltersCpuDispatch, [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kFilterLanes>;
    const opmath_t* sums = z.const_data_ptr<opmath_t>();
    scalar_t* out = grad_weight.mutable_data_ptr<scalar_t>();
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    for_each_filter_pack(g, [&](int64_t first, int64_t count) {
      Pack tile[V::kIn][V::kIn];
      for (int i = 0; i < V::kPoints; ++i) {
        tile[i / V::kIn][i % V::kIn] =
            load_lanes<opmath_t, kFilterLanes>(sums + i * filters + first, count);
      }
      Pack taps[3][3];
      winograd_sandwich<typename V::GradFilterAxis, opmath_t>(tile, taps);
      for (int64_t f = 0; f < count; ++f) {
        for (int i = 0; i < 9; ++i) {
          out[(first + f) * 9 + i] = static_cast<scalar_t>(taps[i / 3][i % 3].v[f]);
        }
      }
    });
  });
}

// The loops as variant V's CPU kernels.
template <typename V>
WinogradKernels winograd_cpu_kernels() {
  return {winograd_filters<V>, winograd_inputs<V>, winograd_outputs<V>, winograd_grad_outputs<V>,
          winograd_grad_filters<V>};
}

} // namespace cpu
} // namespace ops
} // namespace convlab
