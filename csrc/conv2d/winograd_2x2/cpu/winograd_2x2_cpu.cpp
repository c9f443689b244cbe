#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "conv2d/winograd_2x2/winograd_2x2.h"
#include "common/cpu/lanes.h"

namespace convlab {
namespace ops {
namespace cpu {

// The three F(2x2, 3x3) transforms over every filter, input tile and output tile, with the
// shared winograd_2x2.h arithmetic, packed as conv2d/winograd/cpu/'s loops are: several
// filters or tiles side by side in Lanes, so that each transform point's values of
// consecutive filters (tiles) are one contiguous store or load.
constexpr int kFilterLanes2x2 = 16;
constexpr int kTiles2x2 = 8;

void winograd_2x2_filters(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), "convlab_winograd_2x2_filters_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kFilterLanes2x2>;
    const scalar_t* w = weight.const_data_ptr<scalar_t>();
    opmath_t* out = u.mutable_data_ptr<opmath_t>();
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    const int64_t packs = (filters + kFilterLanes2x2 - 1) / kFilterLanes2x2;
    at::parallel_for(0, packs, 1, [&](int64_t begin, int64_t end) {
      for (int64_t pack = begin; pack < end; ++pack) {
        const int64_t first = pack * kFilterLanes2x2;
        const int64_t count = std::min<int64_t>(kFilterLanes2x2, filters - first);
        Pack taps[3][3] = {};
        for (int64_t f = 0; f < count; ++f) {
          for (int i = 0; i < 9; ++i) {
            taps[i / 3][i % 3].v[f] = static_cast<opmath_t>(w[(first + f) * 9 + i]);
          }
        }
        Pack transformed[4][4];
        winograd_sandwich<Winograd2x2FilterAxis, opmath_t>(taps, transformed);
        for (int i = 0; i < kWinograd2x2Points; ++i) {
          store_lanes(transformed[i / 4][i % 4], count, out + i * filters + first);
        }
      }
    });
  });
}

namespace {

// Where column `column`'s tile lies (columns: (sample, tile row, tile column) order): its
// sample and its top-left output position.
struct Tile2x2Place {
  int64_t sample, h, w;
};

inline Tile2x2Place tile_2x2_place(int64_t column, int64_t tiles_h, int64_t tiles_w) {
  const int64_t rows = column / tiles_w;
  return {rows / tiles_h, (rows % tiles_h) * kWinograd2x2Out,
          (column % tiles_w) * kWinograd2x2Out};
}

} // namespace

void winograd_2x2_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_winograd_2x2_inputs_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kTiles2x2>;
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    opmath_t* out = v.mutable_data_ptr<opmath_t>();
    const int64_t tiles_h = winograd_2x2_tiles(g.out_h), tiles_w = winograd_2x2_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w; // per transform point and channel
    const int64_t point_stride = g.in_channels * columns;
    const int64_t packs = (columns + kTiles2x2 - 1) / kTiles2x2; // per channel
    at::parallel_for(0, g.in_channels * packs, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t ic = task / packs, first = task % packs * kTiles2x2;
        const int64_t count = std::min<int64_t>(kTiles2x2, columns - first);
        Pack d[4][4] = {}; // what no tile reads (padding, unused lanes) stays zero
        for (int t = 0; t < count; ++t) {
          const Tile2x2Place place = tile_2x2_place(first + t, tiles_h, tiles_w);
          const int64_t h0 = place.h - g.pad_h, w0 = place.w - g.pad_w;
          const scalar_t* plane = x + (place.sample * g.in_channels + ic) * g.in_h * g.in_w;
          const int64_t i_first = std::clamp<int64_t>(-h0, 0, 4);
          const int64_t i_last = std::clamp<int64_t>(g.in_h - h0, i_first, 4);
          const int64_t j_first = std::clamp<int64_t>(-w0, 0, 4);
          const int64_t j_last = std::clamp<int64_t>(g.in_w - w0, j_first, 4);
          for (int64_t i = i_first; i < i_last; ++i) {
            const scalar_t* row = plane + (h0 + i) * g.in_w + w0;
            for (int64_t j = j_first; j < j_last; ++j) {
              d[i][j].v[t] = static_cast<opmath_t>(row[j]);
            }
          }
        }
        Pack transformed[4][4];
        winograd_sandwich<Winograd2x2InputAxis, opmath_t>(d, transformed);
        opmath_t* column = out + ic * columns + first;
        for (int i = 0; i < kWinograd2x2Points; ++i) {
          store_lanes(transformed[i / 4][i % 4], count, column + i * point_stride);
        }
      }
    });
  });
}

void winograd_2x2_outputs(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                          const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), "convlab_winograd_2x2_outputs_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kTiles2x2>;
    const opmath_t* products = m.const_data_ptr<opmath_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    const int64_t tiles_h = winograd_2x2_tiles(g.out_h), tiles_w = winograd_2x2_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w;
    const int64_t point_stride = g.out_channels * columns;
    const int64_t packs = (columns + kTiles2x2 - 1) / kTiles2x2; // per channel
    at::parallel_for(0, g.out_channels * packs, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t oc = task / packs, first = task % packs * kTiles2x2;
        const int64_t count = std::min<int64_t>(kTiles2x2, columns - first);
        const opmath_t shift = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[oc]);
        const opmath_t* column = products + oc * columns + first;
        Pack tile[4][4];
        for (int i = 0; i < kWinograd2x2Points; ++i) {
          tile[i / 4][i % 4] = load_lanes<opmath_t, kTiles2x2>(column + i * point_stride, count);
        }
        Pack y[2][2];
        winograd_sandwich<Winograd2x2OutputAxis, opmath_t>(tile, y);
        for (int t = 0; t < count; ++t) {
          // Output (h + i, w + j) of this lane's plane, clipped to it.
          const Tile2x2Place place = tile_2x2_place(first + t, tiles_h, tiles_w);
          scalar_t* plane = out + (place.sample * g.out_channels + oc) * g.out_h * g.out_w;
          const int64_t rows = std::min<int64_t>(kWinograd2x2Out, g.out_h - place.h);
          const int64_t cols = std::min<int64_t>(kWinograd2x2Out, g.out_w - place.w);
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

const bool winograd_2x2_registered [[maybe_unused]] = winograd_2x2_kernels().add(
    KernelDevice::CPU, {winograd_2x2_filters, winograd_2x2_inputs, winograd_2x2_outputs});

} // namespace cpu
} // namespace ops
} // namespace convlab
