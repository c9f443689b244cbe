#include "conv2d/implicit/cpu/implicit_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "common/cpu/sgemm_vector.h"
#include "common/cpu/thread_buffer.h"

namespace convlab {
namespace ops {
namespace cpu {

namespace {

using sgemm::kCols;
using sgemm::kLanes;
using sgemm::kRows;
using sgemm::Vec;

// tile[i * kCols + j] = sum over p < depth of image[offsets[p] + i] * filters[p * kCols + j],
// for i < Rows and j < Vectors * kLanes: the GEMM micro-kernel's loop (sgemm_micro_kernel.h)
// with A's values broadcast from the image, Rows consecutive positions of one output row.
template <int Rows, int Vectors>
void positions_tile(int64_t depth, const int64_t* offsets, const float* image,
                    const float* filters, float* tile) {
  Vec acc[Rows][Vectors];
#pragma GCC unroll 14
  for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      acc[i][v] = sgemm::zero();
    }
  }
  for (int64_t p = 0; p < depth; ++p) {
    const float* values = image + offsets[p];
    Vec f[Vectors];
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      f[v] = sgemm::load(filters + p * kCols + v * kLanes);
      sgemm::keep_in_register(f[v]);
    }
#pragma GCC unroll 14
    for (int i = 0; i < Rows; ++i) {
      const Vec x = sgemm::broadcast(values + i);
#pragma GCC unroll 2
      for (int v = 0; v < Vectors; ++v) {
        acc[i][v] = sgemm::fma(x, f[v], acc[i][v]);
      }
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < Rows; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < Vectors; ++v) {
      sgemm::store(tile + i * kCols + v * kLanes, acc[i][v]);
    }
  }
}

using Tile = void (*)(int64_t, const int64_t*, const float*, const float*, float*);

template <int... Rows>
constexpr auto tile_table(std::integer_sequence<int, Rows...>) {
  return std::array<std::array<Tile, 2>, sizeof...(Rows)>{
      {{&positions_tile<Rows + 1, 1>, &positions_tile<Rows + 1, 2>}...}};
}

// The instance for `rows` positions (1..kRows) and `channels` output channels (1..kCols).
Tile tile_for(int64_t rows, int64_t channels) {
  static constexpr auto table = tile_table(std::make_integer_sequence<int, kRows>{});
  return table[rows - 1][channels > kLanes ? 1 : 0];
}

// tile[j * kSpanWidth + i] = sum over p < depth of image[offsets[p] + i] *
// filters[p * kCols + j], for i < Spans * kLanes and j < Channels: Spans vectors of
// consecutive positions of one output row as lanes, each filter value broadcast. Where rows
// fill a vector this beats positions_tile, whose tile holds a position per row and must be
// transposed into the output's planes value by value; here a channel's positions are already
// a plane's run. Reads Spans * kLanes values at every offset.
constexpr int kMaxSpans = 2;
constexpr int64_t kSpanWidth = kMaxSpans * kLanes;
// Channels * Spans accumulators and Spans image vectors within the register file.
constexpr int kSpanChannels = kLanes == 16 ? 12 : 6;

template <int Channels, int Spans>
void lanes_tile(int64_t depth, const int64_t* offsets, const float* image, const float* filters,
                float* tile) {
  Vec acc[Channels][Spans];
#pragma GCC unroll 12
  for (int j = 0; j < Channels; ++j) {
#pragma GCC unroll 2
    for (int s = 0; s < Spans; ++s) {
      acc[j][s] = sgemm::zero();
    }
  }
  for (int64_t p = 0; p < depth; ++p) {
    Vec x[Spans];
#pragma GCC unroll 2
    for (int s = 0; s < Spans; ++s) {
      x[s] = sgemm::load(image + offsets[p] + s * kLanes);
      sgemm::keep_in_register(x[s]);
    }
#pragma GCC unroll 12
    for (int j = 0; j < Channels; ++j) {
      const Vec f = sgemm::broadcast(filters + p * kCols + j);
#pragma GCC unroll 2
      for (int s = 0; s < Spans; ++s) {
        acc[j][s] = sgemm::fma(f, x[s], acc[j][s]);
      }
    }
  }
#pragma GCC unroll 12
  for (int j = 0; j < Channels; ++j) {
#pragma GCC unroll 2
    for (int s = 0; s < Spans; ++s) {
      sgemm::store(tile + j * kSpanWidth + s * kLanes, acc[j][s]);
    }
  }
}

template <int... Channels>
constexpr auto lanes_table(std::integer_sequence<int, Channels...>) {
  return std::array<std::array<Tile, kMaxSpans>, sizeof...(Channels)>{
      {{&lanes_tile<Channels + 1, 1>, &lanes_tile<Channels + 1, 2>}...}};
}

// The instance for `channels` output channels (1..kSpanChannels) and `positions`
// (1..kSpanWidth).
Tile lanes_tile_for(int64_t channels, int64_t positions) {
  static constexpr auto table = lanes_table(std::make_integer_sequence<int, kSpanChannels>{});
  return table[channels - 1][positions > kLanes ? 1 : 0];
}

// Filters of each group and block of kCols output channels as (depth, kCols), depth ordered
// (input channel, tap row, tap column) like the offsets; channels past the last are zeros.
at::Tensor packed_filters(const at::Tensor& weight, const Conv2dGeometry& g, int64_t blocks) {
  const int64_t ocg = g.out_channels_per_group(), depth = g.patch_size();
  auto packed = at::zeros({g.groups, blocks, depth, kCols}, weight.options());
  const auto w = weight.contiguous().view({g.groups, ocg, depth});
  for (int64_t block = 0; block < blocks; ++block) {
    const int64_t first = block * kCols, count = std::min<int64_t>(kCols, ocg - first);
    packed.select(1, block).narrow(2, 0, count).copy_(w.narrow(1, first, count).transpose(1, 2));
  }
  return packed;
}

} // namespace

void pad_planes(const float* from, int64_t count, int64_t h, int64_t w, int64_t top,
                int64_t left, int64_t rows, int64_t width, float* to) {
  for (int64_t plane = 0; plane < count; ++plane) {
    float* out = to + plane * rows * width;
    std::fill(out, out + top * width, 0.0f);
    for (int64_t r = 0; r < h; ++r) {
      float* row = out + (top + r) * width;
      std::fill(row, row + left, 0.0f);
      std::copy_n(from + (plane * h + r) * w, w, row + left);
      std::fill(row + left + w, row + width, 0.0f);
    }
    std::fill(out + (top + h) * width, out + rows * width, 0.0f);
  }
}

std::vector<int64_t> tap_offsets(const Conv2dGeometry& g, int64_t rows, int64_t width) {
  std::vector<int64_t> offsets(g.patch_size());
  for (int64_t c = 0; c < g.in_channels_per_group(); ++c) {
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        offsets[(c * g.kernel_h + kh) * g.kernel_w + kw] =
            (c * rows + kh * g.dilation_h) * width + kw * g.dilation_w;
      }
    }
  }
  return offsets;
}

at::Tensor implicit_conv2d(const at::Tensor& input, const at::Tensor& weight,
                           const std::optional<at::Tensor>& bias, const Conv2dGeometry& g) {
  const auto source = input.contiguous();
  const int64_t padded_h = g.in_h + 2 * g.pad_h, padded_w = g.in_w + 2 * g.pad_w;
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  const int64_t depth = g.patch_size();
  const int64_t blocks = (ocg + kCols - 1) / kCols;
  const auto filters = packed_filters(weight, g, blocks);
  const auto offsets = tap_offsets(g, padded_h, padded_w);
  // Output rows split into tiles of near-equal length, none longer than kRows.
  const int64_t row_tiles = (g.out_w + kRows - 1) / kRows;
  const int64_t tile_length = (g.out_w + row_tiles - 1) / row_tiles;

  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, input.options());
  const float* x = source.const_data_ptr<float>();
  const float* f = filters.const_data_ptr<float>();
  const auto shifts = bias.has_value() ? bias->contiguous() : at::Tensor();
  const float* b = bias.has_value() ? shifts.const_data_ptr<float>() : nullptr;
  float* out = output.mutable_data_ptr<float>();
  const int64_t plane = g.out_h * g.out_w;
  // Each thread pads the samples of its tasks, one at a time, into a buffer of its own
  // (thread_buffer.h), with kSpanWidth zeros past the planes: lanes_tile reads up to
  // kSpanWidth values from each position on.
  const int64_t sample_size = g.in_channels * padded_h * padded_w;
  // Lanes where the row fills a vector or the block has few channels (LeNet-5's grad_input, 6
  // channels on rows of 14 positions), which positions_tile would spread over mostly empty
  // vectors, one per position.
  const bool by_lanes = g.out_w >= kLanes || ocg <= kLanes / 2;
  // Tasks: (sample, group, channel block, output row); each runs its row's tiles.
  const int64_t tasks = g.batch * g.groups * blocks * g.out_h;
  at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    alignas(64) float tile[std::max<int64_t>(kRows * kCols, kSpanChannels * kSpanWidth)];
    static thread_local ThreadBuffer padded;
    float* image = padded.get(sample_size + kSpanWidth);
    std::fill(image + sample_size, image + sample_size + kSpanWidth, 0.0f);
    int64_t padded_sample = -1;
    for (int64_t task = begin; task < end; ++task) {
      const int64_t oh = task % g.out_h;
      const int64_t block = task / g.out_h % blocks;
      const int64_t group = task / (g.out_h * blocks) % g.groups;
      const int64_t sample = task / (g.out_h * blocks * g.groups);
      if (sample != padded_sample) {
        pad_planes(x + sample * g.in_channels * g.in_h * g.in_w, g.in_channels, g.in_h, g.in_w,
                   g.pad_h, g.pad_w, padded_h, padded_w, image);
        padded_sample = sample;
      }
      const int64_t first = group * ocg + block * kCols;
      const int64_t channels = std::min<int64_t>(kCols, ocg - block * kCols);
      const float* row = image + ((group * icg) * padded_h + oh) * padded_w;
      const float* block_filters = f + (group * blocks + block) * depth * kCols;
      if (by_lanes) {
        for (int64_t ow = 0; ow < g.out_w; ow += kSpanWidth) {
          const int64_t length = std::min<int64_t>(kSpanWidth, g.out_w - ow);
          for (int64_t j0 = 0; j0 < channels; j0 += kSpanChannels) {
            const int64_t count = std::min<int64_t>(kSpanChannels, channels - j0);
            lanes_tile_for(count, length)(depth, offsets.data(), row + ow, block_filters + j0,
                                          tile);
            for (int64_t j = 0; j < count; ++j) {
              const float shift = b == nullptr ? 0.0f : b[first + j0 + j];
              float* to =
                  out + (sample * g.out_channels + first + j0 + j) * plane + oh * g.out_w + ow;
              for (int64_t i = 0; i < length; ++i) {
                to[i] = tile[j * kSpanWidth + i] + shift;
              }
            }
          }
        }
        continue;
      }
      for (int64_t ow = 0; ow < g.out_w; ow += tile_length) {
        const int64_t length = std::min(tile_length, g.out_w - ow);
        tile_for(length, channels)(depth, offsets.data(), row + ow, block_filters, tile);
        for (int64_t j = 0; j < channels; ++j) {
          const float shift = b == nullptr ? 0.0f : b[first + j];
          float* to = out + (sample * g.out_channels + first + j) * plane + oh * g.out_w + ow;
          for (int64_t i = 0; i < length; ++i) {
            to[i] = tile[i * kCols + j] + shift;
          }
        }
      }
    }
  });
  return output;
}

} // namespace cpu
} // namespace ops
} // namespace convlab
