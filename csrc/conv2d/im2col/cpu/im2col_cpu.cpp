#include "conv2d/conv2d.h"

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "conv2d/im2col/im2col.h"
#include "common/cpu/gemm.h"

namespace convlab {
namespace ops {
namespace cpu {

// Both loops run over (sample, channel) planes in parallel, one kernel tap at a time over
// whole rows: for each tap, the outputs whose window reads inside the input
// (outputs_reading_inside) form one block of rows and columns, copied (im2col) or added
// (col2im) with a contiguous inner loop for stride 1; the rest of a column row is padding.

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
          const OutputRange rows =
              outputs_reading_inside(ki, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h);
          for (int64_t kj = 0; kj < g.kernel_w; ++kj) {
            const OutputRange cols =
                outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
            const int64_t first_iw = tap_position(0, kj, g.stride_w, g.pad_w, g.dilation_w);
            scalar_t* row = out + column_index(g, channel, ki, kj, sample, 0, 0);
            std::fill(row, row + rows.begin * g.out_w, scalar_t(0));
            for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
              const scalar_t* in_row =
                  plane + tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h) * g.in_w;
              scalar_t* out_row = row + oh * g.out_w;
              std::fill(out_row, out_row + cols.begin, scalar_t(0));
              _Pragma("omp simd")
              for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
                out_row[ow] = in_row[ow * g.stride_w + first_iw];
              }
              std::fill(out_row + cols.end, out_row + g.out_w, scalar_t(0));
            }
            std::fill(row + rows.end * g.out_w, row + g.out_h * g.out_w, scalar_t(0));
          }
        }
      }
    });
  });
}

void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input) {
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, columns.scalar_type(), "convlab_col2im_cpu", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    const scalar_t* in = columns.const_data_ptr<scalar_t>();
    scalar_t* out = grad_input.mutable_data_ptr<scalar_t>();
    const int64_t plane_size = g.in_h * g.in_w;
    at::parallel_for(0, g.batch * g.in_channels, 1, [&](int64_t begin, int64_t end) {
      std::vector<opmath_t> sums(plane_size);
      for (int64_t p = begin; p < end; ++p) {
        const int64_t sample = p / g.in_channels;
        const int64_t channel = p % g.in_channels;
        std::fill(sums.begin(), sums.end(), opmath_t(0));
        // Taps in reverse: for one input element a later tap is read by an earlier output,
        // so its terms arrive in col2im_sum's order (output row, then column).
        for (int64_t ki = g.kernel_h - 1; ki >= 0; --ki) {
          const OutputRange rows =
              outputs_reading_inside(ki, g.stride_h, g.pad_h, g.dilation_h, g.in_h, g.out_h);
          for (int64_t kj = g.kernel_w - 1; kj >= 0; --kj) {
            const OutputRange cols =
                outputs_reading_inside(kj, g.stride_w, g.pad_w, g.dilation_w, g.in_w, g.out_w);
            const int64_t first_iw = tap_position(0, kj, g.stride_w, g.pad_w, g.dilation_w);
            for (int64_t oh = rows.begin; oh < rows.end; ++oh) {
              const scalar_t* column_row = in + column_index(g, channel, ki, kj, sample, oh, 0);
              opmath_t* sum_row =
                  sums.data() + tap_position(oh, ki, g.stride_h, g.pad_h, g.dilation_h) * g.in_w;
              _Pragma("omp simd")
              for (int64_t ow = cols.begin; ow < cols.end; ++ow) {
                sum_row[ow * g.stride_w + first_iw] += static_cast<opmath_t>(column_row[ow]);
              }
            }
          }
        }
        std::copy(sums.begin(), sums.end(), out + p * plane_size);
      }
    });
  });
}

const bool registered [[maybe_unused]] =
    conv2d_device_kernels().add(KernelDevice::CPU, {im2col, col2im, bmm});

} // namespace cpu
} // namespace ops
} // namespace convlab
