#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <vector>

#include "common/sliding_window.h"
#include "conv2d/direct/direct.h"

namespace convlab {
namespace ops {
namespace cpu {

// The sums of direct.h, each element's terms in the same order, computed a sample (or a
// filter) at a time with a channel axis innermost: every window position then updates a
// contiguous run of channels, a multiply-add the compiler vectorises. The innermost loops
// are the channels of one group; the weight or input is first laid out channels-last for it.

namespace {

// The window taps along one axis: for each tap, the outputs that read inside the input.
std::vector<OutputRange> tap_ranges(int64_t kernel, int64_t stride, int64_t pad,
                                    int64_t dilation, int64_t in_size, int64_t out_size) {
  std::vector<OutputRange> ranges(kernel);
  for (int64_t k = 0; k < kernel; ++k) {
    ranges[k] = outputs_reading_inside(k, stride, pad, dilation, in_size, out_size);
  }
  return ranges;
}

struct WindowTaps {
  std::vector<OutputRange> rows, cols;
  explicit WindowTaps(const Conv2dGeometry& g)
      : rows(tap_ranges(g.kernel_h, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h)),
        cols(tap_ranges(g.kernel_w, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w)) {}
};

} // namespace

void direct_conv(const at::Tensor& input, const at::Tensor& weight,
                 const std::optional<at::Tensor>& bias, const Conv2dGeometry& g, at::Tensor& output) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  // (groups, in/group, kh, kw, out/group): the output channels of one tap are contiguous.
  const auto taps = weight.view({g.groups, ocg, icg, g.kernel_h, g.kernel_w})
                        .permute({0, 2, 3, 4, 1})
                        .contiguous();
  const WindowTaps window(g);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    const scalar_t* w = taps.const_data_ptr<scalar_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    const int64_t positions = g.out_h * g.out_w;
    at::parallel_for(0, g.batch * g.groups, 1, [&](int64_t begin, int64_t end) {
      // sums[position][output channel of the group]
      std::vector<opmath_t> sums(positions * ocg);
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.groups, group = p % g.groups;
        for (int64_t pos = 0; pos < positions; ++pos) {
          for (int64_t o = 0; o < ocg; ++o) {
            sums[pos * ocg + o] = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[group * ocg + o]);
          }
        }
        for (int64_t c = 0; c < icg; ++c) {
          const scalar_t* plane = x + (sample * g.in_channels + group * icg + c) * g.in_h * g.in_w;
          for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
            for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
              const scalar_t* tap = w + (((group * icg + c) * g.kernel_h + ki) * g.kernel_w + kj) * ocg;
              for (int64_t oh = window.rows[ki].begin; oh < window.rows[ki].end; ++oh) {
                const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
                for (int64_t ow = window.cols[kj].begin; ow < window.cols[kj].end; ++ow) {
                  const int64_t iw = tap_position(ow, kj, g.stride_w, g.pad_w, g.dilation_w);
                  const opmath_t value = static_cast<opmath_t>(plane[ih * g.in_w + iw]);
                  opmath_t* sum = sums.data() + (oh * g.out_w + ow) * ocg;
                  _Pragma("omp simd")
                  for (int64_t o = 0; o < ocg; ++o) {
                    sum[o] += value * static_cast<opmath_t>(tap[o]);
                  }
                }
              }
            }
          }
        }
        scalar_t* out_planes = out + (sample * g.out_channels + group * ocg) * positions;
        for (int64_t o = 0; o < ocg; ++o) {
          for (int64_t pos = 0; pos < positions; ++pos) {
            out_planes[o * positions + pos] = static_cast<scalar_t>(sums[pos * ocg + o]);
          }
        }
      }
    });
  });
}

void direct_conv_grad_input(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g, at::Tensor& grad_input) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  // (groups, out/group, kh, kw, in/group): the input channels of one tap are contiguous.
  const auto taps = weight.view({g.groups, ocg, icg, g.kernel_h, g.kernel_w})
                        .permute({0, 1, 3, 4, 2})
                        .contiguous();
  const WindowTaps window(g);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, grad_output.scalar_type(), "convlab_direct_conv_grad_input_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* go = grad_output.const_data_ptr<scalar_t>();
    const scalar_t* w = taps.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    const int64_t positions = g.in_h * g.in_w;
    at::parallel_for(0, g.batch * g.groups, 1, [&](int64_t begin, int64_t end) {
      // sums[input position][input channel of the group]
      std::vector<opmath_t> sums(positions * icg);
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.groups, group = p % g.groups;
        std::fill(sums.begin(), sums.end(), opmath_t(0));
        for (int64_t o = 0; o < ocg; ++o) {
          const scalar_t* plane = go + (sample * g.out_channels + group * ocg + o) * g.out_h * g.out_w;
          // Taps in reverse: for one input element a later tap is read by an earlier output,
          // so its terms arrive in the gather's order (output row, then column).
          for (int64_t ki = g.kernel_h - 1; ki >= 0; --ki) {
            for (int64_t kj = g.kernel_w - 1; kj >= 0; --kj) {
              const scalar_t* tap = w + (((group * ocg + o) * g.kernel_h + ki) * g.kernel_w + kj) * icg;
              for (int64_t oh = window.rows[ki].begin; oh < window.rows[ki].end; ++oh) {
                const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
                for (int64_t ow = window.cols[kj].begin; ow < window.cols[kj].end; ++ow) {
                  const int64_t iw = tap_position(ow, kj, g.stride_w, g.pad_w, g.dilation_w);
                  const opmath_t grad = static_cast<opmath_t>(plane[oh * g.out_w + ow]);
                  opmath_t* sum = sums.data() + (ih * g.in_w + iw) * icg;
                  _Pragma("omp simd")
                  for (int64_t c = 0; c < icg; ++c) {
                    sum[c] += grad * static_cast<opmath_t>(tap[c]);
                  }
                }
              }
            }
          }
        }
        scalar_t* in_planes = out + (sample * g.in_channels + group * icg) * positions;
        for (int64_t c = 0; c < icg; ++c) {
          for (int64_t pos = 0; pos < positions; ++pos) {
            in_planes[c * positions + pos] = static_cast<scalar_t>(sums[pos * icg + c]);
          }
        }
      }
    });
  });
}

void direct_conv_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                             const Conv2dGeometry& g, at::Tensor& grad_weight) {
  const int64_t icg = g.in_channels_per_group(), ocg = g.out_channels_per_group();
  // (batch, in_h, in_w, in_channels): the input channels at one position are contiguous.
  const auto x_last = input.permute({0, 2, 3, 1}).contiguous();
  const WindowTaps window(g);
  const int64_t taps = g.kernel_h * g.kernel_w;
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_direct_conv_grad_weight_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* go = grad_output.const_data_ptr<scalar_t>();
    const scalar_t* x = x_last.const_data_ptr<scalar_t>();
    scalar_t* out = grad_weight.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.out_channels, 1, [&](int64_t begin, int64_t end) {
      // sums[tap][input channel of the group]
      std::vector<opmath_t> sums(taps * icg);
      for (int64_t oc = begin; oc < end; ++oc) {
        const int64_t first_channel = (oc / ocg) * icg;
        std::fill(sums.begin(), sums.end(), opmath_t(0));
        for (int64_t sample = 0; sample < g.batch; ++sample) {
          const scalar_t* plane = go + (sample * g.out_channels + oc) * g.out_h * g.out_w;
          for (int64_t oh = 0; oh < g.out_h; ++oh) {
            for (int64_t ow = 0; ow < g.out_w; ++ow) {
              const opmath_t grad = static_cast<opmath_t>(plane[oh * g.out_w + ow]);
              for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
                if (oh < window.rows[ki].begin || oh >= window.rows[ki].end) {
                  continue;
                }
                const int64_t ih = tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h);
                for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
                  if (ow < window.cols[kj].begin || ow >= window.cols[kj].end) {
                    continue;
                  }
                  const int64_t iw = tap_position(ow, kj, g.stride_w, g.pad_w, g.dilation_w);
                  const scalar_t* value =
                      x + ((sample * g.in_h + ih) * g.in_w + iw) * g.in_channels + first_channel;
                  opmath_t* sum = sums.data() + (ki * g.kernel_w + kj) * icg;
                  _Pragma("omp simd")
                  for (int64_t c = 0; c < icg; ++c) {
                    sum[c] += grad * static_cast<opmath_t>(value[c]);
                  }
                }
              }
            }
          }
        }
        for (int64_t c = 0; c < icg; ++c) {
          for (int64_t k = 0; k < taps; ++k) {
            out[(oc * icg + c) * taps + k] = static_cast<scalar_t>(sums[k * icg + c]);
          }
        }
      }
    });
  });
}

const bool registered [[maybe_unused]] =
    direct_kernels().add(KernelDevice::CPU, {direct_conv, direct_conv_grad_input, direct_conv_grad_weight});

} // namespace cpu
} // namespace ops
} // namespace convlab
