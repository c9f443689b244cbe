#pragma once

// Winograd F(m x m, 3x3) convolution (Lavin & Gray, 2015), written once for every device and
// every variant V (winograd_tile.h): the device transforms filters, input tiles and output
// tiles (V::kernels()), and the V::kPoints products per tile pair become one batched GEMM per
// transform point and group, summing over input channels; the filters' gradient, one per
// transform point and group summing over tiles. 3x3 kernels with stride 1 and
// dilation 1 only (winograd_unsupported_because, which choose_conv2d_algorithm enforces).
// Each algorithm registers these for its variant.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "common/scratch.h"
#include "conv2d/algorithm.h"
#include "conv2d/winograd/winograd_tile.h"

namespace convlab {
namespace ops {

// The front of a chunk's workspace as (V::kPoints, channels, columns).
template <typename V>
at::Tensor winograd_points(const at::Tensor& space, int64_t channels, int64_t columns) {
  return space.narrow(0, 0, V::kPoints * channels * columns).view({V::kPoints, channels, columns});
}

// One chunk of the forward: samples [first, first + n) through input tiles (into the front
// of v_space), the GEMMs (into the front of m_space) and output tiles.
template <typename V>
void winograd_forward_chunk(const WinogradKernels& winograd, const at::Tensor& x,
                            const at::Tensor& filters, const std::optional<at::Tensor>& b,
                            const Conv2dGeometry& g, int64_t first, int64_t n,
                            const at::Tensor& v_space, const at::Tensor& m_space,
                            at::Tensor& output, const Conv2dDeviceKernels& device) {
  const int64_t columns = n * winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const auto part = g.with_batch(n);
  auto v = winograd_points<V>(v_space, g.in_channels, columns);
  winograd.inputs(x.narrow(0, first, n), part, v);
  auto m = winograd_points<V>(m_space, g.out_channels, columns);
  auto products = m.view({V::kPoints * g.groups, g.out_channels_per_group(), columns});
  device.bmm(filters, v.view({V::kPoints * g.groups, g.in_channels_per_group(), columns}),
             products, false);
  auto out = output.narrow(0, first, n);
  winograd.outputs(m, b, part, out);
}

// One chunk of grad_weight: samples [first, first + n)'s input tiles (into the front of
// v_space) and grad_output blocks (e_space), their products summed into `sums` (added to its
// values when `accumulate`).
template <typename V>
void winograd_grad_weight_chunk(const WinogradKernels& winograd, const at::Tensor& go,
                                const at::Tensor& x, const Conv2dGeometry& g, int64_t first,
                                int64_t n, const at::Tensor& v_space, const at::Tensor& e_space,
                                at::Tensor& sums, bool accumulate,
                                const Conv2dDeviceKernels& device) {
  const int64_t columns = n * winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const auto part = g.with_batch(n);
  auto v = winograd_points<V>(v_space, g.in_channels, columns);
  winograd.inputs(x.narrow(0, first, n), part, v);
  auto e = winograd_points<V>(e_space, g.out_channels, columns);
  winograd.grad_outputs(go.narrow(0, first, n), part, e);
  device.bmm(e.view({V::kPoints * g.groups, g.out_channels_per_group(), columns}),
             v.view({V::kPoints * g.groups, g.in_channels_per_group(), columns}).transpose(1, 2),
             sums, accumulate);
}

// On the CPU each thread takes its share of the samples and carries a few at a time through
// all three steps (input tiles, GEMMs, output tiles) in buffers of its own, so that a step's
// output is still in cache for the next and the whole forward is one parallel region
// (winograd_forward_by_thread). A few: enough tiles for this many GEMM columns.
constexpr int64_t kWinogradThreadColumns = 128;

// By thread where a thread's share of the tiles outweighs the filters (their transforms, or
// grad_weight's sums of that size): each thread then packs all the filters for its GEMMs, and
// on small planes with many channels (VGG's 8x8 layers) that costs more than the cache saves.
template <typename V>
bool winograd_runs_by_thread(const Conv2dGeometry& g, const at::Tensor& x) {
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t threads = at::get_num_threads();
  return kernel_device(x) == KernelDevice::CPU && g.batch >= threads &&
      g.out_channels * g.in_channels_per_group() * threads <=
      (g.in_channels + g.out_channels) * tiles * g.batch;
}

// Samples per chunk by thread: about kWinogradThreadColumns tiles, at most a thread's share.
template <typename V>
int64_t winograd_thread_chunk(const Conv2dGeometry& g) {
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t threads = at::get_num_threads();
  return std::clamp<int64_t>(kWinogradThreadColumns / tiles, 1,
                             (g.batch + threads - 1) / threads);
}

template <typename V>
at::Tensor winograd_forward_by_thread(const at::Tensor& x, const at::Tensor& filters,
                                      const std::optional<at::Tensor>& b,
                                      const Conv2dGeometry& g,
                                      const Conv2dDeviceKernels& device) {
  const auto& winograd = V::kernels().on(kernel_device(x));
  const auto acc = x.options().dtype(accumulate_type(x));
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t chunk = winograd_thread_chunk<V>(g);
  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, x.options());
  at::parallel_for(0, g.batch, 1, [&](int64_t begin, int64_t end) {
    // Worker threads start without the caller's dispatch state: stay below autograd, as the
    // caller is.
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    // Asked for by this thread: blocks that it wrote last (scratch.cpp).
    const auto v_space = scratch_empty({V::kPoints * g.in_channels * chunk * tiles}, acc);
    const auto m_space = scratch_empty({V::kPoints * g.out_channels * chunk * tiles}, acc);
    for (int64_t first = begin; first < end; first += chunk) {
      winograd_forward_chunk<V>(winograd, x, filters, b, g, first, std::min(chunk, end - first),
                                v_space, m_space, output, device);
    }
  });
  return output;
}

template <typename V>
at::Tensor winograd_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels& device) {
  const auto& winograd = V::kernels().on(kernel_device(input));
  const auto x = input.contiguous();
  const auto acc = x.options().dtype(accumulate_type(x));
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  auto u = scratch_empty({V::kPoints, g.out_channels, icg}, acc);
  winograd.filters(weight.contiguous(), g, u);
  const auto filters = u.view({V::kPoints * g.groups, ocg, icg});
  const auto b = contiguous_bias(bias);
  if (winograd_runs_by_thread<V>(g, x)) {
    return winograd_forward_by_thread<V>(x, filters, b, g, device);
  }

  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, x.options());
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t chunk = samples_per_chunk(
      g, V::kPoints * std::max(g.in_channels, g.out_channels) * tiles, x);
  // One workspace for every chunk: the last, shorter chunk uses the front of it.
  auto v_space = scratch_empty({V::kPoints * g.in_channels * chunk * tiles}, acc);
  auto m_space = scratch_empty({V::kPoints * g.out_channels * chunk * tiles}, acc);
  for (int64_t first = 0; first < g.batch; first += chunk) {
    winograd_forward_chunk<V>(winograd, x, filters, b, g, first, std::min(chunk, g.batch - first),
                              v_space, m_space, output, device);
  }
  return output;
}

// grad_weight's sums Z (V::kPoints, out_channels, in_channels / groups) by thread (as
// winograd_forward_by_thread), each thread summing its samples' products into sums of its
// own, added up at the end.
template <typename V>
at::Tensor winograd_grad_weight_sums_by_thread(const at::Tensor& go, const at::Tensor& x,
                                               const Conv2dGeometry& g,
                                               const Conv2dDeviceKernels& device) {
  const auto& winograd = V::kernels().on(kernel_device(x));
  const auto acc = x.options().dtype(accumulate_type(x));
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t threads = at::get_num_threads();
  const int64_t chunk = winograd_thread_chunk<V>(g);
  // A thread that parallel_for gives no samples leaves its sums undefined and adds nothing.
  std::vector<at::Tensor> partial_sums(threads);
  at::parallel_for(0, g.batch, 1, [&](int64_t begin, int64_t end) {
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    // Asked for by this thread: blocks that it wrote last (scratch.cpp).
    const auto v_space = scratch_empty({V::kPoints * g.in_channels * chunk * tiles}, acc);
    const auto e_space = scratch_empty({V::kPoints * g.out_channels * chunk * tiles}, acc);
    auto sums = scratch_zeros({V::kPoints * g.groups, ocg, icg}, acc);
    for (int64_t first = begin; first < end; first += chunk) {
      winograd_grad_weight_chunk<V>(winograd, go, x, g, first, std::min(chunk, end - first),
                                    v_space, e_space, sums, true, device);
    }
    partial_sums[at::get_thread_num()] = std::move(sums);
  });
  at::Tensor total;
  for (auto& sums : partial_sums) {
    if (sums.defined()) {
      total = total.defined() ? total.add_(sums) : sums;
    }
  }
  return total.view({V::kPoints, g.out_channels, icg});
}

// grad_weight = G^T Z G per filter, Z = sum over tiles of (A e A^T) * (B^T d B) per transform
// point: e is grad_output's block of a tile, d the input tile the forward read for it (the same
// transform and layout as the forward's v). Z is one batched GEMM per transform point and group
// over each chunk's tiles, (out/group x tiles) @ (tiles x in/group), accumulated over chunks:
// V::kPoints multiplies per tile pair where im2col's GEMM spends 9 per output position.
template <typename V>
at::Tensor winograd_grad_weight(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels& device) {
  const auto& winograd = V::kernels().on(kernel_device(input));
  const auto x = input.contiguous();
  const auto go = grad_output.contiguous();
  const auto acc = x.options().dtype(accumulate_type(x));
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  auto grad_weight = at::empty(weight.sizes(), weight.options());
  if (winograd_runs_by_thread<V>(g, x)) {
    winograd.grad_filters(winograd_grad_weight_sums_by_thread<V>(go, x, g, device), g,
                          grad_weight);
    return grad_weight;
  }
  const int64_t tiles = winograd_tiles<V>(g.out_h) * winograd_tiles<V>(g.out_w);
  const int64_t chunk =
      samples_per_chunk(g, V::kPoints * (g.in_channels + g.out_channels) * tiles, x);
  // An empty batch runs no GEMM: its gradient is zero.
  auto z = g.batch == 0 ? scratch_zeros({V::kPoints, g.out_channels, icg}, acc)
                        : scratch_empty({V::kPoints, g.out_channels, icg}, acc);
  auto sums = z.view({V::kPoints * g.groups, ocg, icg});
  // One workspace for every chunk: the last, shorter chunk uses the front of it.
  auto v_space = scratch_empty({V::kPoints * g.in_channels * chunk * tiles}, acc);
  auto e_space = scratch_empty({V::kPoints * g.out_channels * chunk * tiles}, acc);
  for (int64_t first = 0; first < g.batch; first += chunk) {
    winograd_grad_weight_chunk<V>(winograd, go, x, g, first, std::min(chunk, g.batch - first),
                                  v_space, e_space, sums, /*accumulate=*/first > 0, device);
  }
  winograd.grad_filters(z, g, grad_weight);
  return grad_weight;
}

// grad_input is the Winograd convolution of grad_output with the filters rotated 180 degrees
// (input and output channels swapped within each group), padded by 2 - padding: a "full"
// convolution. Padding beyond 2 becomes cropping of grad_output. grad_weight:
// winograd_grad_weight.
template <typename V>
std::tuple<at::Tensor, at::Tensor, at::Tensor> winograd_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels& device) {
  auto grad_input = unused_gradient(input);
  if (output_mask[0]) {
    const int64_t crop_h = std::max<int64_t>(0, g.pad_h - 2);
    const int64_t crop_w = std::max<int64_t>(0, g.pad_w - 2);
    const auto source = grad_output.narrow(2, crop_h, g.out_h - 2 * crop_h)
                            .narrow(3, crop_w, g.out_w - 2 * crop_w);
    const auto full = full_convolution_geometry(g, source.size(2), source.size(3),
                                                std::max<int64_t>(0, 2 - g.pad_h),
                                                std::max<int64_t>(0, 2 - g.pad_w));
    grad_input =
        winograd_forward<V>(source, rotated_filters(weight, g), std::nullopt, full, device);
  }
  auto grad_weight = unused_gradient(input);
  if (output_mask[1]) {
    grad_weight = winograd_grad_weight<V>(grad_output, input, weight, g, device);
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(grad_output.contiguous())
                                  : unused_gradient(input);
  return {grad_input, grad_weight, grad_bias};
}

template <typename V>
std::string winograd_unsupported_because(const Conv2dGeometry& g) {
  if (g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 &&
      g.dilation_h == 1 && g.dilation_w == 1) {
    return "";
  }
  return c10::str(
      V::kName, " needs a 3x3 kernel with stride 1 and dilation 1, got a ", g.kernel_h, "x",
      g.kernel_w, " kernel with stride (", g.stride_h, ", ", g.stride_w, ") and dilation (",
      g.dilation_h, ", ", g.dilation_w, ")");
}

} // namespace ops
} // namespace convlab
