#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include "../winograd.h"
#include "conv2d_loops.h"

namespace convlab {
namespace ops {
namespace cpu {

// The three Winograd transforms over every filter, input tile and output tile; each tile is
// the shared winograd.h function. Layouts: conv2d.h (Conv2dDeviceKernels).

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

void winograd_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_winograd_inputs_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* x = input.const_data_ptr<scalar_t>();
    opmath_t* out = v.mutable_data_ptr<opmath_t>();
    const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w; // per transform point and channel
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels, ic = p % g.in_channels;
        const scalar_t* plane = x + p * g.in_h * g.in_w;
        for (int64_t th = 0; th < tiles_h; ++th) {
          for (int64_t tw = 0; tw < tiles_w; ++tw) {
            const int64_t column = (sample * tiles_h + th) * tiles_w + tw;
            winograd_input_tile(plane, g.in_h, g.in_w, th * kWinogradOut - g.pad_h,
                                tw * kWinogradOut - g.pad_w, out + ic * columns + column,
                                g.in_channels * columns);
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
    const opmath_t* products = m.const_data_ptr<opmath_t>();
    const scalar_t* b = bias.has_value() ? bias->const_data_ptr<scalar_t>() : nullptr;
    scalar_t* out = output.mutable_data_ptr<scalar_t>();
    const int64_t tiles_h = winograd_tiles(g.out_h), tiles_w = winograd_tiles(g.out_w);
    const int64_t columns = g.batch * tiles_h * tiles_w;
    at::parallel_for(0, g.batch * g.out_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.out_channels, oc = p % g.out_channels;
        const opmath_t shift = b == nullptr ? opmath_t(0) : static_cast<opmath_t>(b[oc]);
        for (int64_t th = 0; th < tiles_h; ++th) {
          for (int64_t tw = 0; tw < tiles_w; ++tw) {
            const int64_t column = (sample * tiles_h + th) * tiles_w + tw;
            winograd_output_tile(products + oc * columns + column, g.out_channels * columns, shift,
                                 out + p * g.out_h * g.out_w, g.out_h, g.out_w,
                                 th * kWinogradOut, tw * kWinogradOut);
          }
        }
      }
    });
  });
}

} // namespace cpu
} // namespace ops
} // namespace convlab
