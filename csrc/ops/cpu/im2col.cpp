#include "conv2d_loops.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include "../im2col.h"

namespace convlab {
namespace ops {
namespace cpu {

// Both loops run over (sample, channel) planes in parallel; the per-element work is the
// shared im2col_value / col2im_sum.

void im2col(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, input.scalar_type(), "convlab_im2col_cpu", [&] {
    const scalar_t* in = input.const_data_ptr<scalar_t>();
    scalar_t* out = columns.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels;
        const int64_t channel = p % g.in_channels;
        const scalar_t* plane = in + p * g.in_h * g.in_w;
        for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
          for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
            scalar_t* row = out + column_index(g, channel, ki, kj, sample, 0, 0);
            for (int64_t oh = 0; oh < g.out_h; ++oh) {
              for (int64_t ow = 0; ow < g.out_w; ++ow) {
                row[oh * g.out_w + ow] = im2col_value(plane, g, ki, kj, oh, ow);
              }
            }
          }
        }
      }
    });
  });
}

void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, columns.scalar_type(), "convlab_col2im_cpu", [&] {
    const scalar_t* in = columns.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels;
        const int64_t channel = p % g.in_channels;
        scalar_t* plane = out + p * g.in_h * g.in_w;
        for (int64_t ih = 0; ih < g.in_h; ++ih) {
          for (int64_t iw = 0; iw < g.in_w; ++iw) {
            plane[ih * g.in_w + iw] = col2im_sum(in, g, sample, channel, ih, iw);
          }
        }
      }
    });
  });
}

} // namespace cpu
} // namespace ops
} // namespace convlab
