#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "common/cpu/sgemm_vector.h"
#include "common/cpu/thread_buffer.h"
#include "conv2d/implicit/cpu/implicit_cpu.h"

namespace convlab {
namespace ops {
namespace cpu {

namespace {

using sgemm::kLanes;
using sgemm::Vec;

// A block of kChannels output channels x kTaps filter taps (input channel, tap row, tap
// column) held in vector registers, one lane per output position: every accumulator and every
// loaded vector fits the register file with room for the loop.
constexpr int kChannels = kLanes == 16 ? 4 : 2;
constexpr int kTaps = kLanes == 16 ? 5 : 4;

// sums[c * depth + t] += sum over samples s and q < length of
// grad[s * grad_stride + c * plane + q] * image[s * image_stride + offsets[t] + q], for
// c < Channels and t < Taps: `length` positions of each sample a vector at a time, reduced
// across the lanes once at the end.
template <int Channels, int Taps>
void taps_block(int64_t samples, int64_t length, int64_t plane, const float* grad,
                int64_t grad_stride, const float* image, int64_t image_stride,
                const int64_t* offsets, float* sums, int64_t depth) {
  Vec acc[Channels][Taps];
#pragma GCC unroll 4
  for (int c = 0; c < Channels; ++c) {
#pragma GCC unroll 5
    for (int t = 0; t < Taps; ++t) {
      acc[c][t] = sgemm::zero();
    }
  }
  for (int64_t s = 0; s < samples; ++s) {
    const float* sample_grad = grad + s * grad_stride;
    const float* sample_image = image + s * image_stride;
    for (int64_t q = 0; q < length; q += kLanes) {
      Vec x[Taps];
#pragma GCC unroll 5
      for (int t = 0; t < Taps; ++t) {
        x[t] = sgemm::load(sample_image + offsets[t] + q);
        sgemm::keep_in_register(x[t]);
      }
#pragma GCC unroll 4
      for (int c = 0; c < Channels; ++c) {
        const Vec go = sgemm::load(sample_grad + c * plane + q);
#pragma GCC unroll 5
        for (int t = 0; t < Taps; ++t) {
          acc[c][t] = sgemm::fma(go, x[t], acc[c][t]);
        }
      }
    }
  }
  alignas(64) float lanes[kLanes];
  for (int c = 0; c < Channels; ++c) {
    for (int t = 0; t < Taps; ++t) {
      sgemm::store(lanes, acc[c][t]);
      float sum = 0.0f;
      for (int l = 0; l < kLanes; ++l) {
        sum += lanes[l];
      }
      sums[c * depth + t] += sum;
    }
  }
}

using Block = void (*)(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t,
                       const int64_t*, float*, int64_t);

template <int Channels, int... Taps>
constexpr std::array<Block, sizeof...(Taps)> taps_row(std::integer_sequence<int, Taps...>) {
  return {&taps_block<Channels, Taps + 1>...};
}

template <int... Channels>
constexpr auto block_table(std::integer_sequence<int, Channels...>) {
  return std::array<std::array<Block, kTaps>, sizeof...(Channels)>{
      taps_row<Channels + 1>(std::make_integer_sequence<int, kTaps>{})...};
}

// The instance for `channels` (1..kChannels) output channels and `taps` (1..kTaps) taps.
Block block_for(int64_t channels, int64_t taps) {
  static constexpr auto table = block_table(std::make_integer_sequence<int, kChannels>{});
  return table[channels - 1][taps - 1];
}

constexpr int64_t ceil_to(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// Samples per task: enough positions that the lane reductions stay a small part of a block's
// work, few enough that what a task reads again from block to block stays in L2: its images,
// read once per block of channels, and a block's kChannels gradient planes, read once per
// block of taps (the task's other gradient planes pass once). Under kMinTaskPositions
// (many channels on a small plane) the reductions outweigh the products, and the tap GEMMs
// win (implicit.cpp).
constexpr int64_t kTaskPositions = 4096;
constexpr int64_t kMinTaskPositions = 1024;
constexpr int64_t kTaskBytes = 512 * 1024;
// Tasks split the batch into at least this many where it allows, so that threads get near-equal
// shares (the split may depend on the batch only: the bits must not depend on the thread count).
constexpr int64_t kMinTasks = 8;

// Positions on rows as wide as the padded input: tap (kh, kw) of every position of a sample
// is then one contiguous stretch of its padded image, `length` long (whole vectors; the
// gradient is zero on the margins and past the last row, the image zero past its rows).
struct WideRows {
  int64_t wide, length, tall, grad_rows, per_task;
};

WideRows wide_rows(const Conv2dGeometry& g) {
  WideRows rows;
  rows.wide = g.in_w + 2 * g.pad_w;
  rows.length = ceil_to(g.out_h * rows.wide, kLanes);
  const int64_t reach =
      (g.kernel_h - 1) * g.dilation_h * rows.wide + (g.kernel_w - 1) * g.dilation_w;
  rows.tall = std::max(g.in_h + 2 * g.pad_h, (rows.length + reach + rows.wide - 1) / rows.wide);
  rows.grad_rows = (rows.length + rows.wide - 1) / rows.wide;
  const int64_t sample_bytes =
      (g.in_channels_per_group() * rows.tall + kChannels * rows.grad_rows) * rows.wide * 4;
  rows.per_task = std::clamp<int64_t>(
      std::min((kTaskPositions + rows.length - 1) / rows.length, kTaskBytes / sample_bytes), 1,
      g.batch);
  return rows;
}

} // namespace

bool implicit_grad_weight_fills_registers(const Conv2dGeometry& g) {
  const WideRows rows = wide_rows(g);
  return rows.per_task * rows.length >= kMinTaskPositions;
}

at::Tensor implicit_conv2d_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                                       const Conv2dGeometry& g) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  const int64_t depth = g.patch_size();
  const WideRows rows = wide_rows(g);
  const int64_t wide = rows.wide, length = rows.length, tall = rows.tall;
  const int64_t per_task = std::min(rows.per_task, (g.batch + kMinTasks - 1) / kMinTasks);
  const auto source = input.contiguous();
  const int64_t plane = rows.grad_rows * wide; // one channel's gradient, `length` of it summed
  const auto offsets = tap_offsets(g, tall, wide);
  const int64_t tasks = (g.batch + per_task - 1) / per_task;
  // Each task sums into its own share (how samples split into tasks depends on the batch
  // alone, so the bits do not depend on the thread count); shares are added in task order.
  auto shares = at::zeros({tasks, g.out_channels, depth}, input.options());
  const float* x = source.const_data_ptr<float>();
  const float* go = grad_output.const_data_ptr<float>();
  float* sums = shares.mutable_data_ptr<float>();
  const int64_t image_size = icg * tall * wide, out_plane = g.out_h * g.out_w;
  at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
    // A task's images of one group and gradient planes of one block of channels, padded into
    // buffers of this thread's own (thread_buffer.h) as the task reaches them.
    static thread_local ThreadBuffer image_buffer, grad_buffer;
    float* images = image_buffer.get(per_task * image_size);
    float* grads = grad_buffer.get(per_task * kChannels * plane);
    for (int64_t task = begin; task < end; ++task) {
      float* share = sums + task * g.out_channels * depth;
      const int64_t first = task * per_task, samples = std::min(g.batch, first + per_task) - first;
      for (int64_t group = 0; group < g.groups; ++group) {
        for (int64_t s = 0; s < samples; ++s) {
          pad_planes(x + ((first + s) * g.in_channels + group * icg) * g.in_h * g.in_w, icg,
                     g.in_h, g.in_w, g.pad_h, g.pad_w, tall, wide, images + s * image_size);
        }
        for (int64_t c0 = 0; c0 < ocg; c0 += kChannels) {
          const int64_t channels = std::min<int64_t>(kChannels, ocg - c0);
          for (int64_t s = 0; s < samples; ++s) {
            pad_planes(go + ((first + s) * g.out_channels + group * ocg + c0) * out_plane,
                       channels, g.out_h, g.out_w, 0, 0, rows.grad_rows, wide,
                       grads + s * channels * plane);
          }
          for (int64_t t0 = 0; t0 < depth; t0 += kTaps) {
            block_for(channels, std::min<int64_t>(kTaps, depth - t0))(
                samples, length, plane, grads, channels * plane, images, image_size,
                offsets.data() + t0, share + (group * ocg + c0) * depth + t0, depth);
          }
        }
      }
    }
  });
  return shares.sum(0).view({g.out_channels, icg, g.kernel_h, g.kernel_w});
}

} // namespace cpu
} // namespace ops
} // namespace convlab
