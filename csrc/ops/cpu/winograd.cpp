#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>

#include "../winograd.h"
#include "conv2d_loops.h"
#include "lanes.h"

namespace convlab {
namespace ops {
namespace cpu {

// The three Winograd transforms over every filter, input tile and output tile, with the
// shared winograd.h arithmetic. Layouts: conv2d.h (Conv2dDeviceKernels).

void winograd_filters(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, weight.scalar_type(), "convlab_winograd_filters_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* w = weight.const_data_ptr<scalar_t>();
    opmath_t* out = u.mutable_data_ptr<opmath_t>();
    const int64_t filters = g.out_channels * g.in_channels_per_group();
    at::parallel_for(0, filters, 1, [&](int64_t begin, int64_t end) {
      for (int64_t f = begin; f < end; ++f) {
        winograd_filter_tile(w + f * 9, out + f, filters);
      }
    });
  });
}

// Input and output tiles go kTiles at a time along a row of tiles, side by side in Lanes: the
// same winograd.h transforms, each arithmetic step on kTiles tiles at once. A tile's 36
// transformed values are `columns` apart in v and m, consecutive tiles adjacent, so each
// point's kTiles values are one contiguous load or store.
constexpr int kTiles = 8;
constexpr int kSpan = (kTiles - 1) * kWinogradOut + 6; // input columns a pack of tiles reads

void winograd_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_winograd_inputs_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kTiles>;
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    opmath_t* out = v.mutable_data_ptr<opmath_t>();
    const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w; // per transform point and channel
    const int64_t point_stride = g.in_channels * columns;
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels, ic = p % g.in_channels;
        const scalar_t* plane = x + p * g.in_h * g.in_w;
        for (int64_t th = 0; th < tiles_h; ++th) {
          const int64_t h0 = th * kWinogradOut - g.pad_h;
          for (int64_t tw0 = 0; tw0 < tiles_w; tw0 += kTiles) {
            const int64_t count = std::min<int64_t>(kTiles, tiles_w - tw0);
            // d[i][j] of tile tw0 + t: input (h0 + i, (tw0 + t) * 4 - pad_w + j), zero outside.
            // Tile tw0 + t reads input columns w0 + 4t .. w0 + 4t + 5: one zero-padded copy of
            // that span per row, then every d[i][j] without tests.
            const int64_t w0 = tw0 * kWinogradOut - g.pad_w;
            const int64_t span = (count - 1) * kWinogradOut + 6;
            const int64_t first = std::clamp<int64_t>(-w0, 0, span);
            const int64_t last = std::clamp<int64_t>(g.in_w - w0, first, span);
            Pack d[6][6];
            for (int i = 0; i < 6; ++i) {
              const int64_t h = h0 + i;
              opmath_t row[kSpan] = {};
              if (h >= 0 && h < g.in_h) {
                const scalar_t* source = plane + h * g.in_w + w0;
                for (int64_t k = first; k < last; ++k) {
                  row[k] = static_cast<opmath_t>(source[k]);
                }
              }
              for (int j = 0; j < 6; ++j) {
                for (int t = 0; t < kTiles; ++t) {
                  d[i][j].v[t] = row[t * kWinogradOut + j];
                }
              }
            }
            Pack transformed[6][6];
            winograd_sandwich<WinogradInputAxis, opmath_t>(d, transformed);
            opmath_t* column = out + ic * columns + (sample * tiles_h + th) * tiles_w + tw0;
            for (int i = 0; i < kWinogradPoints; ++i) {
              store_lanes(transformed[i / 6][i % 6], count, column + i * point_stride);
            }
          }
        }
      }
    });
  });
}

void winograd_outputs(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                      const Conv2dGeometry& g, at::Tensor& output) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, output.scalar_type(), "convlab_winograd_outputs_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    using Pack = Lanes<opmath_t, kTiles>;
    const opmath_t* products = m.const_data_ptr<opmath_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w;
    const int64_t point_stride = g.out_channels * columns;
    at::parallel_for(0, g.batch * g.out_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.out_channels, oc = p % g.out_channels;
        const opmath_t shift = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[oc]);
        scalar_t* plane = out + p * g.out_h * g.out_w;
        for (int64_t th = 0; th < tiles_h; ++th) {
          for (int64_t tw0 = 0; tw0 < tiles_w; tw0 += kTiles) {
            const int64_t count = std::min<int64_t>(kTiles, tiles_w - tw0);
            const opmath_t* column =
                products + oc * columns + (sample * tiles_h + th) * tiles_w + tw0;
            Pack tile[6][6];
            for (int i = 0; i < kWinogradPoints; ++i) {
              tile[i / 6][i % 6] = load_lanes<opmath_t, kTiles>(column + i * point_stride, count);
            }
            Pack y[4][4];
            winograd_sandwich<WinogradOutputAxis, opmath_t>(tile, y);
            // Output (th * 4 + i, (tw0 + t) * 4 + j), clipped to the plane.
            for (int i = 0; i < kWinogradOut; ++i) {
              const int64_t h = th * kWinogradOut + i;
              if (h >= g.out_h) {
                break;
              }
              for (int t = 0; t < count; ++t) {
                for (int j = 0; j < kWinogradOut; ++j) {
                  const int64_t w = (tw0 + t) * kWinogradOut + j;
                  if (w < g.out_w) {
                    plane[h * g.out_w + w] = static_cast<scalar_t>(y[i][j].v[t] + shift);
                  }
                }
              }
            }
          }
        }
      }
    });
  });
}

} // namespace cpu
} // namespace ops
} // namespace convlab
