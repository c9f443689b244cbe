#include "im2col.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace convlab {
namespace ops {
namespace cpu {

namespace {

// One (sample, channel) plane of the input to its kernel_h * kernel_w rows of columns.
template <typename scalar_t>
void plane_to_columns(
    const scalar_t* plane, const Conv2dGeometry& g, int64_t channel, int64_t sample,
    scalar_t* columns) {
  const int64_t spatial = g.out_h * g.out_w;
  for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
    for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
      const int64_t row = (channel * g.kernel_h + ki) * g.kernel_w + kj;
      scalar_t* out = columns + (row * g.batch + sample) * spatial;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const int64_t iw = ow * g.stride_w - g.pad_w + kj * g.dilation_w;
          const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
          out[oh * g.out_w + ow] = inside ? plane[ih * g.in_w + iw] : scalar_t(0);
        }
      }
    }
  }
}

template <typename scalar_t>
void columns_to_plane(
    const scalar_t* columns, const Conv2dGeometry& g, int64_t channel, int64_t sample,
    scalar_t* plane) {
  const int64_t spatial = g.out_h * g.out_w;
  for (int64_t ki = 0; ki < g.kernel_h; ++ki) {
    for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
      const int64_t row = (channel * g.kernel_h + ki) * g.kernel_w + kj;
      const scalar_t* in = columns + (row * g.batch + sample) * spatial;
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        const int64_t ih = oh * g.stride_h - g.pad_h + ki * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) {
          continue;
        }
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const int64_t iw = ow * g.stride_w - g.pad_w + kj * g.dilation_w;
          if (iw >= 0 && iw < g.in_w) {
            plane[ih * g.in_w + iw] += in[oh * g.out_w + ow];
          }
        }
      }
    }
  }
}

} // namespace

void im2col(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns) {
  const int64_t planes = g.batch * g.in_channels;
  AT_DISPATCH_FLOATING_TYPES(input.scalar_type(), "convlab_im2col_cpu", [&] {
    const scalar_t* in = input.const_data_ptr<scalar_t>();
    scalar_t* out = columns.mutable_data_ptr<scalar_t>();
    at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels;
        const int64_t channel = p % g.in_channels;
        plane_to_columns(in + p * g.in_h * g.in_w, g, channel, sample, out);
      }
    });
  });
}

void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input) {
  const int64_t planes = g.batch * g.in_channels;
  AT_DISPATCH_FLOATING_TYPES(columns.scalar_type(), "convlab_col2im_cpu", [&] {
    const scalar_t* in = columns.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    // Each (sample, channel) plane is written by one task only, so no two tasks collide.
    at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels;
        const int64_t channel = p % g.in_channels;
        columns_to_plane(in, g, channel, sample, out + p * g.in_h * g.in_w);
      }
    });
  });
}

} // namespace cpu
} // namespace ops
} // namespace convlab
