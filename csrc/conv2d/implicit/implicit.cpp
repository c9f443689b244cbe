// Implicit GEMM (the method of oneDNN's and cuDNN's direct kernels): no im2col columns. With
// the input copied once to channels x rows x columns x samples, each filter tap's
// contribution to a whole output row is one GEMM whose operand is a plain strided view of
// that copy, so taps that fall into the padding are never multiplied: on small planes (VGG's
// 4x4 and 2x2 layers) im2col's columns are mostly padding zeros. Stride 1 only (the view of a
// strided row is not unit-stride); any padding, dilation and groups. All three gradients are
// the same GEMMs over views; the device supplies only the batched GEMM. On the CPU in float32,
// on planes whose rows fill a register tile, cpu/ sums every tap in registers instead (no GEMM
// per tap, the output written once).
#include <ATen/Parallel.h>

#include <vector>

#include "common/scratch.h"
#include "common/transpose.h"
#include "conv2d/algorithm.h"
#include "conv2d/implicit/implicit.h"
#include "conv2d/implicit/cpu/implicit_cpu.h"

namespace convlab {
namespace ops {

namespace {

// dst[g*M + m, r, c, :] += sum over taps (kh, kw) of taps[g, kh, kw, m, :] .
// src[g*K + :, r + shift_h(kh), c + shift_w(kw), :], for every dst position whose shifted
// source position lies inside src: one batched GEMM per group and tap, its batch the rows.
// src: (groups*K, SH, SW, N), dst: (groups*M, DH, DW, N), taps: (groups, KH, KW, M, K).
// On the CPU each thread takes an equal share of the M rows of every tap's GEMM, in one
// parallel region per call: GEMMs parallel each on their own would wait at every tap for the
// busiest thread (an edge tap's batch has a row less) and start a parallel region per tap.
void accumulate_taps(const at::Tensor& src, const at::Tensor& taps, at::Tensor& dst,
                     int64_t groups, int64_t shift_h0, int64_t step_h, int64_t shift_w0,
                     int64_t step_w, const Conv2dDeviceKernels& device) {
  const int64_t n = src.size(3), sh = src.size(1), sw = src.size(2);
  const int64_t dh = dst.size(1), dw = dst.size(2);
  const int64_t k = taps.size(4), m = taps.size(3);
  // Rows [m0, m0 + count) of every group's GEMMs.
  const auto accumulate_rows = [&](int64_t m0, int64_t count) {
    for (int64_t group = 0; group < groups; ++group) {
      for (int64_t kh = 0; kh < taps.size(1); ++kh) {
        const int64_t shift_h = shift_h0 + kh * step_h;
        const int64_t r0 = std::max<int64_t>(0, -shift_h), r1 = std::min(dh, sh - shift_h);
        for (int64_t kw = 0; kw < taps.size(2); ++kw) {
          const int64_t shift_w = shift_w0 + kw * step_w;
          const int64_t c0 = std::max<int64_t>(0, -shift_w), c1 = std::min(dw, sw - shift_w);
          if (r1 <= r0 || c1 <= c0) {
            continue;
          }
          const int64_t rows = r1 - r0, columns = (c1 - c0) * n;
          const auto a = taps[group][kh][kw].narrow(0, m0, count).expand({rows, count, k});
          const auto b = src.as_strided(
              {rows, k, columns}, {sw * n, sh * sw * n, 1},
              src.storage_offset() + ((group * k * sh + r0 + shift_h) * sw + c0 + shift_w) * n);
          auto c = dst.as_strided(
              {rows, count, columns}, {dw * n, dh * dw * n, 1},
              dst.storage_offset() + ((group * m * dh + r0) * dw + c0) * n + m0 * dh * dw * n);
          device.bmm(a, b, c, /*accumulate=*/true);
        }
      }
    }
  };
  const int64_t parts = kernel_device(src) == KernelDevice::CPU && !at::in_parallel_region()
      ? std::min<int64_t>(at::get_num_threads(), m)
      : 1;
  if (parts == 1) {
    accumulate_rows(0, m);
    return;
  }
  const int64_t share = (m + parts - 1) / parts;
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    // Worker threads start without the caller's dispatch state: stay below autograd, as the
    // caller is.
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    for (int64_t part = begin; part < end; ++part) {
      const int64_t m0 = part * share;
      if (m0 < m) {
        accumulate_rows(m0, std::min(share, m - m0));
      }
    }
  });
}

// (groups, a, b) -> (groups, b, a): each group's matrix transposed, the filters' layout changes
// (512 x 512 x 9 floats on VGG-16's deep layers, where a permuted ATen copy costs as much as a
// tap's GEMMs).
at::Tensor transposed_per_group(const at::Tensor& t, Lifetime lifetime) {
  std::vector<at::Tensor> groups;
  for (int64_t group = 0; group < t.size(0); ++group) {
    groups.push_back(move_leading_dims_last(t[group], 1, lifetime));
  }
  return groups.size() == 1 ? groups[0].unsqueeze(0) : at::stack(groups);
}

// The filters as (groups, kh, kw, out/group, in/group): (out * in, taps) transposed.
at::Tensor taps_of(const at::Tensor& weight, const Conv2dGeometry& g) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  return transposed_per_group(
             weight.contiguous().view({g.groups, ocg * icg, g.kernel_h * g.kernel_w}),
             Lifetime::kWithinCall)
      .view({g.groups, g.kernel_h, g.kernel_w, ocg, icg});
}

// (N, C, H, W) -> (C, H, W, N): the layout whose rows of one channel are GEMM operands.
at::Tensor samples_last(const at::Tensor& t) {
  return move_leading_dims_last(t, 1, Lifetime::kWithinCall);
}

// grad_weight of tap (kh, kw) of each group: grad_output rows (out/group x positions*samples)
// times the input positions they read, transposed, summed over positions. Two ways to lay the
// positions out as one GEMM depth:
// - by rows: one GEMM per output row, over exactly the columns whose input lies inside the
//   plane (nothing wasted; many GEMMs on large planes);
// - by taps: grad_output and the input copied into rows as wide as the padded input, zeros
//   in the margins, so every tap reads one contiguous stretch of both and is one GEMM over
//   all rows (the margins cost (width + 2 * pad) / width more products).
// Wide rows pay once the output is kWideRowsPerPad times wider than the padding.
constexpr int64_t kWideRowsPerPad = 8;

void grad_weight_by_rows(const at::Tensor& go, const at::Tensor& x, const Conv2dGeometry& g,
                         at::Tensor& sums, const Conv2dDeviceKernels& device) {
  const int64_t n = g.batch, icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  for (int64_t group = 0; group < g.groups; ++group) {
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const int64_t shift_h = kh * g.dilation_h - g.pad_h;
      const int64_t r0 = std::max<int64_t>(0, -shift_h), r1 = std::min(g.out_h, g.in_h - shift_h);
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const int64_t shift_w = kw * g.dilation_w - g.pad_w;
        const int64_t c0 = std::max<int64_t>(0, -shift_w), c1 = std::min(g.out_w, g.in_w - shift_w);
        auto tap = sums[group][kh][kw].unsqueeze(0);
        if (c1 <= c0 || r1 <= r0) {
          tap.zero_();  // a tap that reads only padding
          continue;
        }
        const int64_t columns = (c1 - c0) * n;
        for (int64_t r = r0; r < r1; ++r) {
          const auto a = go.as_strided({1, ocg, columns}, {0, g.out_h * g.out_w * n, 1},
                                       ((group * ocg * g.out_h + r) * g.out_w + c0) * n);
          const auto b = x.as_strided({1, columns, icg}, {0, 1, g.in_h * g.in_w * n},
                                      ((group * icg * g.in_h + r + shift_h) * g.in_w + c0 + shift_w) * n);
          device.bmm(a, b, tap, /*accumulate=*/r > r0);
        }
      }
    }
  }
}

void grad_weight_by_taps(const at::Tensor& go, const at::Tensor& input, const Conv2dGeometry& g,
                         at::Tensor& sums, const Conv2dDeviceKernels& device) {
  const int64_t n = g.batch, icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  const int64_t wide = g.in_w + 2 * g.pad_w, tall = g.in_h + 2 * g.pad_h + 1; // +1: the last
  // tap's stretch runs past the last row's end into zeros.
  auto x = scratch_zeros({g.in_channels, tall, wide, n}, input.options());
  x.narrow(1, g.pad_h, g.in_h).narrow(2, g.pad_w, g.in_w).copy_(samples_last(input));
  auto rows = scratch_zeros({g.out_channels, g.out_h, wide, n}, go.options());
  rows.narrow(2, 0, g.out_w).copy_(go);
  const int64_t depth = g.out_h * wide * n;
  for (int64_t group = 0; group < g.groups; ++group) {
    const auto a = rows.as_strided({1, ocg, depth}, {0, depth, 1}, group * ocg * depth);
    for (int64_t kh = 0; kh < g.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const auto b = x.as_strided(
            {1, depth, icg}, {0, 1, tall * wide * n},
            ((group * icg * tall + kh * g.dilation_h) * wide + kw * g.dilation_w) * n);
        auto tap = sums[group][kh][kw].unsqueeze(0);
        device.bmm(a, b, tap, /*accumulate=*/false);
      }
    }
  }
}

} // namespace

bool implicit_rows_fill_registers(const Conv2dGeometry& g) {
  return g.out_w >= kWideRowsPerPad * std::max<int64_t>(g.pad_w, 1);
}

namespace {

bool runs_in_registers(const at::Tensor& input, const Conv2dGeometry& g) {
  return kernel_device(input) == KernelDevice::CPU && input.scalar_type() == at::kFloat &&
      implicit_rows_fill_registers(g);
}

// grad_input as the CPU kernel's convolution of grad_output with the filters rotated 180
// degrees (input and output channels swapped within each group), padded by
// dilation * (kernel - 1) - padding: a "full" convolution, which needs padding of at most
// dilation * (kernel - 1).
bool full_convolution_in_registers(const at::Tensor& grad_output, const Conv2dGeometry& g) {
  return runs_in_registers(grad_output, g) &&
      g.pad_h <= g.dilation_h * (g.kernel_h - 1) && g.pad_w <= g.dilation_w * (g.kernel_w - 1);
}

at::Tensor full_convolution(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g) {
  const auto full = full_convolution_geometry(g, g.out_h, g.out_w,
                                              g.dilation_h * (g.kernel_h - 1) - g.pad_h,
                                              g.dilation_w * (g.kernel_w - 1) - g.pad_w);
  return cpu::implicit_conv2d(grad_output, rotated_filters(weight, g), std::nullopt, full);
}

at::Tensor implicit_forward(const at::Tensor& input, const at::Tensor& weight,
                            const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                            const Conv2dDeviceKernels& device) {
  if (runs_in_registers(input, g)) {
    return cpu::implicit_conv2d(input, weight, bias, g);
  }
  const auto taps = taps_of(weight, g);
  auto sums = scratch_zeros({g.out_channels, g.out_h, g.out_w, g.batch},
                        input.options().dtype(accumulate_type(input)));
  accumulate_taps(samples_last(input), taps, sums, g.groups, -g.pad_h, g.dilation_h, -g.pad_w,
                  g.dilation_w, device);
  auto output = move_leading_dims_last(sums, 3);
  if (bias.has_value()) {
    output.add_(bias->view({1, g.out_channels, 1, 1}).to(output.scalar_type()));
  }
  return output.to(input.scalar_type());
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> implicit_backward(
    const at::Tensor& grad_output, const at::Tensor& input, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device) {
  const auto acc = input.options().dtype(accumulate_type(input));
  const bool weight_in_registers =
      runs_in_registers(input, g) && cpu::implicit_grad_weight_fills_registers(g);
  const bool full_in_registers = full_convolution_in_registers(grad_output, g);
  const auto go = (output_mask[0] && !full_in_registers) || (output_mask[1] && !weight_in_registers)
      ? samples_last(grad_output)
      : at::Tensor();
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  auto grad_input = unused_gradient(input);
  if (output_mask[0] && full_in_registers) {
    grad_input = full_convolution(grad_output, weight, g);
  } else if (output_mask[0]) {
    // Input position (r, c) gathers output (r + pad - kh * dilation, ...) through tap (kh, kw).
    auto sums = scratch_zeros({g.in_channels, g.in_h, g.in_w, g.batch}, acc);
    // (groups, kh, kw, in/group, out/group): the forward's taps, each read transposed.
    const auto filters = taps_of(weight, g).transpose(3, 4);
    accumulate_taps(go, filters, sums, g.groups, g.pad_h, -g.dilation_h, g.pad_w, -g.dilation_w,
                    device);
    grad_input = move_leading_dims_last(sums, 3).to(input.scalar_type());
  }
  auto grad_weight = unused_gradient(input);
  if (output_mask[1] && weight_in_registers) {
    grad_weight = cpu::implicit_conv2d_grad_weight(grad_output.contiguous(), input, g);
  } else if (output_mask[1]) {
    // Every tap's first GEMM writes its sums (or zero_ a tap that reads only padding).
    auto sums = scratch_empty({g.groups, g.kernel_h, g.kernel_w, ocg, icg}, acc);
    if (g.out_w >= kWideRowsPerPad * g.pad_w) {
      grad_weight_by_taps(go, input, g, sums, device);
    } else {
      grad_weight_by_rows(go, samples_last(input), g, sums, device);
    }
    grad_weight = transposed_per_group(sums.view({g.groups, g.kernel_h * g.kernel_w, ocg * icg}),
                                       Lifetime::kReturned)
                      .view(weight.sizes())
                      .to(weight.scalar_type());
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(grad_output.contiguous()) : unused_gradient(input);
  return {grad_input, grad_weight, grad_bias};
}

std::string implicit_unsupported_because(const Conv2dGeometry& g) {
  if (g.stride_h == 1 && g.stride_w == 1) {
    return "";
  }
  return c10::str("implicit needs stride 1 (a strided row is no unit-stride GEMM operand), got (",
                  g.stride_h, ", ", g.stride_w, ")");
}

} // namespace

CONVLAB_CONV2D_ALGORITHM(implicit, {"implicit", implicit_unsupported_because, implicit_forward,
                                    implicit_backward});

} // namespace ops
} // namespace convlab
