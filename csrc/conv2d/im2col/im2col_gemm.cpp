// Convolution as im2col + GEMM (Caffe's method), written once for every device: the device
// supplies the kernels that lower patches to columns (im2col) and back (col2im) and the
// batched GEMM (BLAS on the CPU, cuBLAS on the GPU).
#include <ATen/Parallel.h>

#include "common/scratch.h"
#include "common/workspace.h"
#include "conv2d/algorithm.h"

namespace convlab {
namespace ops {

// Outputs of at least this many positions per plane are written by one GEMM per sample,
// straight into the output planes (bias pre-filled, accumulated); smaller ones by one GEMM
// over the whole chunk, then a transposing copy, since per-sample GEMMs over a handful of
// positions run slowly (the threshold comes from the benchmark suite's per-layer tables).
constexpr int64_t kPerSampleGemmPositions = 256;

// grad_weight's GEMM, (out/group x positions) x (positions x patch), runs faster on the
// CPU's BLAS transposed, columns x grad_output rows, when the patch is not a multiple of 8
// floats long and the filter count is: the product's rows then fill the 8-wide register
// tiles. cuBLAS keeps the plain orientation (not measured on a GPU).
namespace {

bool transposed_weight_gemm(const Conv2dGeometry& g, const at::Tensor& input) {
  return kernel_device(input) == KernelDevice::CPU && g.out_channels_per_group() % 8 == 0 &&
      g.patch_size() % 8 != 0;
}

// The weight's gradient from its accumulator (groups, out/group, patch), or its transpose
// (groups, patch, out/group), in the weight's dtype. contiguous(): a transposed accumulator
// can reshape to the weight's sizes as a view with the wrong strides.
at::Tensor weight_gradient(const at::Tensor& sums, bool transposed, const at::Tensor& weight) {
  return (transposed ? sums.transpose(1, 2).contiguous() : sums)
      .view(weight.sizes())
      .to(weight.scalar_type());
}

// The CPU's forward by sample (runs_by_sample): samples in parallel, each thread
// lowering one sample into its own workspace and multiplying it straight into that sample's
// output planes, the GEMM single-threaded inside. The columns stay in cache between im2col and
// the GEMM, and the whole forward is one parallel region instead of two per chunk.
at::Tensor im2col_forward_by_sample(
    const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g, const Conv2dDeviceKernels& device) {
  const int64_t spatial = g.out_h * g.out_w;
  const auto one = g.with_batch(1);
  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, x.options());
  auto columns_space = scratch_empty({at::get_num_threads(), g.patch_size() * spatial}, x.options());
  at::parallel_for(0, g.batch, 1, [&](int64_t begin, int64_t end) {
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    auto columns = columns_space[at::get_thread_num()];
    const auto patches = columns.view({g.patch_size(), spatial});
    for (int64_t sample = begin; sample < end; ++sample) {
      device.im2col(x.narrow(0, sample, 1), one, columns);
      auto out = output.narrow(0, sample, 1).view({1, g.out_channels, spatial});
      if (bias.has_value()) {
        out.copy_(bias->view({1, g.out_channels, 1}).expand_as(out));
      }
      device.bmm(w, patches.unsqueeze(0), out, /*accumulate=*/bias.has_value());
    }
  });
  return output;
}

// One sample per thread on the CPU (im2col_forward_by_sample, im2col_backward_by_sample) when
// the output planes are large enough for per-sample GEMMs, one sample's columns fit the
// workspace budget, and every thread gets a sample.
bool runs_by_sample(const Conv2dGeometry& g, const at::Tensor& x) {
  const int64_t spatial = g.out_h * g.out_w;
  return kernel_device(x) == KernelDevice::CPU && g.groups == 1 &&
      spatial >= kPerSampleGemmPositions &&
      g.patch_size() * spatial <= workspace_limit(KernelDevice::CPU) &&
      g.batch >= at::get_num_threads();
}

// A filter as large as the unpadded input (a 1x1 output, LeNet-5's last conv): each sample's
// column is the sample itself, so the lowering is a view and the convolution one GEMM of the
// batch's rows with the filters' (a fully connected layer); the backward two more.
bool lowering_is_a_view(const Conv2dGeometry& g) {
  return g.groups == 1 && g.out_h == 1 && g.out_w == 1 && g.pad_h == 0 && g.pad_w == 0 &&
      g.kernel_h == g.in_h && g.kernel_w == g.in_w;
}

at::Tensor dense_forward(const at::Tensor& x, const at::Tensor& w,
                         const std::optional<at::Tensor>& bias, const Conv2dGeometry& g,
                         const Conv2dDeviceKernels& device) {
  auto output = at::empty({g.batch, g.out_channels, 1, 1}, x.options());
  auto rows = output.view({1, g.batch, g.out_channels});
  if (bias.has_value()) {
    rows.copy_(bias->view({1, 1, g.out_channels}).expand_as(rows));
  }
  device.bmm(x.view({1, g.batch, g.patch_size()}),
             w.view({1, g.out_channels, g.patch_size()}).transpose(1, 2), rows,
             /*accumulate=*/bias.has_value());
  return output;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> dense_backward(
    const at::Tensor& go, const at::Tensor& x, const at::Tensor& weight, const Conv2dGeometry& g,
    std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device) {
  const auto go_rows = go.view({1, g.batch, g.out_channels});
  const auto w = weight.contiguous().view({1, g.out_channels, g.patch_size()});
  auto grad_input = output_mask[0] ? at::empty_like(x) : unused_gradient(x);
  if (output_mask[0]) {
    auto rows = grad_input.view({1, g.batch, g.patch_size()});
    device.bmm(go_rows, w, rows, false);
  }
  auto grad_weight = unused_gradient(x);
  if (output_mask[1]) {
    auto sums = at::empty({1, g.out_channels, g.patch_size()},
                          weight.options().dtype(accumulate_type(weight)));
    device.bmm(go_rows.transpose(1, 2), x.view({1, g.batch, g.patch_size()}), sums, false);
    grad_weight = sums.view(weight.sizes()).to(weight.scalar_type());
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(go) : unused_gradient(x);
  return {grad_input, grad_weight, grad_bias};
}

at::Tensor im2col_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels& device) {
  const auto x = input.contiguous();
  if (lowering_is_a_view(g)) {
    return dense_forward(x, weight.contiguous(), bias, g, device);
  }
  const auto w = weight.contiguous().view({g.groups, g.out_channels_per_group(), g.patch_size()});
  if (runs_by_sample(g, x)) {
    return im2col_forward_by_sample(x, w, bias, g, device);
  }
  auto output = at::empty({g.batch, g.out_channels, g.out_h, g.out_w}, input.options());
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t chunk = samples_per_chunk(g, g.patch_size() * g.groups * spatial, x);
  const bool per_sample = g.groups == 1 && spatial >= kPerSampleGemmPositions;
  // One workspace for every chunk: the last, shorter chunk uses the front of it.
  auto columns_space = scratch_empty({g.groups * g.patch_size() * chunk * spatial}, x.options());
  auto product_space =
      per_sample ? at::Tensor() : scratch_empty({g.out_channels * chunk * spatial}, x.options());

  for (int64_t first = 0; first < g.batch; first += chunk) {
    const int64_t n = std::min(chunk, g.batch - first);
    auto columns = columns_space.narrow(0, 0, g.groups * g.patch_size() * n * spatial)
                       .view({g.groups * g.patch_size(), n, spatial});
    device.im2col(x.narrow(0, first, n), g.with_batch(n), columns);
    auto out = output.narrow(0, first, n).view({n, g.out_channels, spatial});
    if (per_sample) {
      // (out, patch) x (patch, spatial) per sample: the filters broadcast over the chunk.
      if (bias.has_value()) {
        out.copy_(bias->view({1, g.out_channels, 1}).expand_as(out));
      }
      device.bmm(w.expand({n, g.out_channels, g.patch_size()}), columns.transpose(0, 1), out,
                 /*accumulate=*/bias.has_value());
      continue;
    }
    // (groups, out/group, patch) x (groups, patch, n * spatial): one GEMM per group.
    auto product = product_space.narrow(0, 0, g.out_channels * n * spatial)
                       .view({g.groups, g.out_channels_per_group(), n * spatial});
    device.bmm(w, columns.view({g.groups, g.patch_size(), n * spatial}), product, false);
    out.copy_(product.view({g.out_channels, n, spatial}).transpose(0, 1));
  }
  if (bias.has_value() && !per_sample) {
    output.add_(bias->view({1, g.out_channels, 1, 1}));
  }
  return output;
}

// The CPU's backward by sample (runs_by_sample): samples in parallel, each thread lowering,
// multiplying and scattering one sample at a time in its own workspace (one budget per
// thread), the GEMM single-threaded inside. A sample's columns stay in cache from im2col
// through both GEMMs and col2im, and its grad_output rows are its own planes (no transposing
// copy), so it scales with threads where the chunked loop's lowering does not. grad_weight is
// summed per thread, then over threads (how samples split into threads depends only on the
// thread count).
std::tuple<at::Tensor, at::Tensor, at::Tensor> im2col_backward_by_sample(
    const at::Tensor& go, const at::Tensor& x, const at::Tensor& w, const at::Tensor& weight,
    const Conv2dGeometry& g, std::array<bool, 3> output_mask, const Conv2dDeviceKernels& device) {
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t threads = at::get_num_threads();
  const auto one = g.with_batch(1);
  const bool weight_transposed = transposed_weight_gemm(g, x);
  const int64_t rows = weight_transposed ? g.patch_size() : g.out_channels_per_group();
  const int64_t cols = weight_transposed ? g.out_channels_per_group() : g.patch_size();
  auto grad_input = output_mask[0] ? at::empty_like(x) : unused_gradient(x);
  auto partial_sums = output_mask[1]
      ? scratch_zeros({threads, g.groups, rows, cols}, weight.options().dtype(accumulate_type(weight)))
      : at::Tensor();
  auto columns_space = scratch_empty({threads, g.groups * g.patch_size() * spatial}, x.options());
  at::parallel_for(0, g.batch, 1, [&](int64_t begin, int64_t end) {
    // Worker threads start without the caller's dispatch state: stay below autograd, as the
    // caller is.
    const at::AutoDispatchBelowADInplaceOrView below_autograd;
    const int64_t thread = at::get_thread_num();
    auto columns = columns_space[thread];
    const auto patches = columns.view({g.groups, g.patch_size(), spatial});
    for (int64_t sample = begin; sample < end; ++sample) {
      const auto go_rows = go[sample].view({g.groups, g.out_channels_per_group(), spatial});
      if (output_mask[1]) {
        auto sums = partial_sums[thread];
        device.im2col(x.narrow(0, sample, 1), one, columns);
        if (weight_transposed) {
          device.bmm(patches, go_rows.transpose(1, 2), sums, /*accumulate=*/true);
        } else {
          device.bmm(go_rows, patches.transpose(1, 2), sums, /*accumulate=*/true);
        }
      }
      if (output_mask[0]) {
        auto products = patches;
        device.bmm(w.transpose(1, 2), go_rows, products, false);
        auto grad_input_sample = grad_input.narrow(0, sample, 1);
        device.col2im(columns, one, grad_input_sample);
      }
    }
  });
  auto grad_weight = output_mask[1]
      ? weight_gradient(partial_sums.sum(0), weight_transposed, weight)
      : unused_gradient(x);
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(go) : unused_gradient(x);
  return {grad_input, grad_weight, grad_bias};
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> im2col_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels& device) {
  const auto x = input.contiguous();
  const auto go = grad_output.contiguous();
  const auto w = weight.contiguous().view({g.groups, g.out_channels_per_group(), g.patch_size()});
  if (lowering_is_a_view(g)) {
    return dense_backward(go, x, weight, g, output_mask, device);
  }
  const int64_t spatial = g.out_h * g.out_w;
  const int64_t chunk = samples_per_chunk(g, g.patch_size() * g.groups * spatial, x);
  if (runs_by_sample(g, x)) {
    return im2col_backward_by_sample(go, x, w, weight, g, output_mask, device);
  }

  // col2im writes every element of grad_input, so it needs no zero fill.
  auto grad_input = output_mask[0] ? at::empty_like(x) : unused_gradient(x);
  const bool weight_transposed = transposed_weight_gemm(g, x);
  auto grad_weight = output_mask[1]
      ? at::zeros(weight_transposed ? w.transpose(1, 2).sizes() : w.sizes(),
                  weight.options().dtype(accumulate_type(weight)))
      : unused_gradient(x);

  if (output_mask[0] || output_mask[1]) {
    // One workspace for every chunk (the last, shorter chunk uses the front of it); the
    // columns buffer serves grad_weight's im2col, then grad_input's GEMM.
    auto columns_space = scratch_empty({g.groups * g.patch_size() * chunk * spatial}, x.options());
    auto go_rows_space = scratch_empty({g.out_channels * chunk * spatial}, go.options());
    for (int64_t first = 0; first < g.batch; first += chunk) {
      const int64_t n = std::min(chunk, g.batch - first);
      const auto chunk_geometry = g.with_batch(n);
      // grad_output rows reordered to (groups, out/group, n * spatial) to match the columns.
      auto go_rows = go_rows_space.narrow(0, 0, g.out_channels * n * spatial)
                         .view({g.out_channels, n, spatial});
      go_rows.copy_(go.narrow(0, first, n).view({n, g.out_channels, spatial}).transpose(0, 1));
      go_rows = go_rows.view({g.groups, g.out_channels_per_group(), n * spatial});
      auto columns = columns_space.narrow(0, 0, g.groups * g.patch_size() * n * spatial);
      if (output_mask[1]) {
        columns = columns.view({g.groups * g.patch_size(), n, spatial});
        device.im2col(x.narrow(0, first, n), chunk_geometry, columns);
        const auto patches = columns.view({g.groups, g.patch_size(), n * spatial});
        if (weight_transposed) {
          device.bmm(patches, go_rows.transpose(1, 2), grad_weight, /*accumulate=*/true);
        } else {
          device.bmm(go_rows, patches.transpose(1, 2), grad_weight, /*accumulate=*/true);
        }
      }
      if (output_mask[0]) {
        columns = columns.view({g.groups, g.patch_size(), n * spatial});
        device.bmm(w.transpose(1, 2), go_rows, columns, false);
        auto grad_input_chunk = grad_input.narrow(0, first, n);
        device.col2im(
            columns.view({g.groups * g.patch_size(), n, spatial}), chunk_geometry, grad_input_chunk);
      }
    }
  }
  if (output_mask[1]) {
    grad_weight = weight_gradient(grad_weight, weight_transposed, weight);
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(go) : unused_gradient(x);
  return {grad_input, grad_weight, grad_bias};
}

} // namespace

CONVLAB_CONV2D_ALGORITHM(im2col, {"im2col", nullptr, im2col_forward, im2col_backward});

} // namespace ops
} // namespace convlab
