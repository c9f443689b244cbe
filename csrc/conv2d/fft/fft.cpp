// Convolution through the FFT (cuFFT on the GPU, pocketfft/MKL on the CPU via ATen): the
// correlation theorem turns each window sum into one product per frequency. The padded
// input's size is the transform size, which is large enough that the outputs kept never
// wrap around. Any kernel size; stride by keeping every stride-th output, dilation by
// spreading the filter taps out. Written once for every device with ATen ops.
#include "conv2d/algorithm.h"

namespace convlab {
namespace ops {

namespace {

// Size of the padded input along each axis, and of the dilated filter.
struct FftSizes {
  int64_t h, w, kernel_h, kernel_w;
};

FftSizes fft_sizes(const Conv2dGeometry& g) {
  return {g.in_h + 2 * g.pad_h, g.in_w + 2 * g.pad_w, (g.kernel_h - 1) * g.dilation_h + 1,
          (g.kernel_w - 1) * g.dilation_w + 1};
}

at::Tensor spectrum(const at::Tensor& t, const FftSizes& s) {
  return at::fft_rfft2(t, at::IntArrayRef{s.h, s.w});
}

at::Tensor signal(const at::Tensor& t, const FftSizes& s) {
  return at::fft_irfft2(t, at::IntArrayRef{s.h, s.w});
}

// (n, channels, ...) spectra seen per group: (n, groups, channels / groups, ...).
at::Tensor by_group(const at::Tensor& t, int64_t groups) {
  auto sizes = t.sizes().vec();
  sizes[1] /= groups;
  sizes.insert(sizes.begin() + 1, groups);
  return t.reshape(sizes);
}

at::Tensor dilated_filters(const at::Tensor& w, const Conv2dGeometry& g, const FftSizes& s) {
  auto dilated = at::zeros({g.out_channels, g.in_channels_per_group(), s.kernel_h, s.kernel_w}, w.options());
  dilated.slice(2, 0, s.kernel_h, g.dilation_h).slice(3, 0, s.kernel_w, g.dilation_w).copy_(w);
  return dilated;
}

// The outputs a strided convolution keeps among the stride-1 ones.
at::Tensor strided_outputs(const at::Tensor& full, const Conv2dGeometry& g) {
  return full.slice(2, 0, g.out_h * g.stride_h, g.stride_h).slice(3, 0, g.out_w * g.stride_w, g.stride_w);
}

at::Tensor fft_forward(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    const Conv2dGeometry& g,
    const Conv2dDeviceKernels&) {
  // An empty batch has nothing to transform (and MKL's FFT refuses a batch of 0).
  if (g.batch == 0) {
    return at::empty({0, g.out_channels, g.out_h, g.out_w}, input.options());
  }
  const auto s = fft_sizes(g);
  const auto acc = accumulate_type(input);
  const auto x = at::constant_pad_nd(input.to(acc), {g.pad_w, g.pad_w, g.pad_h, g.pad_h});
  const auto x_f = by_group(spectrum(x, s), g.groups); // (n, G, in/G, h, w')
  const auto w_f = spectrum(dilated_filters(weight.to(acc), g, s), s)
                       .view({g.groups, g.out_channels_per_group(), g.in_channels_per_group(),
                              s.h, s.w / 2 + 1});
  // Correlation: the input spectrum times the conjugate filter spectrum, summed over input
  // channels of the group. The conjugate is materialised: a lazy conj() (a conjugate bit on
  // a view) was dropped by einsum inside torch.compile's runtime, turning correlation into
  // convolution.
  const auto y_f = at::einsum("ngcij,gocij->ngoij", {x_f, at::conj_physical(w_f)});
  auto y = signal(y_f.reshape({g.batch, g.out_channels, s.h, s.w / 2 + 1}), s);
  auto output = strided_outputs(y, g).to(input.scalar_type()).contiguous();
  if (bias.has_value()) {
    output.add_(bias->view({1, g.out_channels, 1, 1}));
  }
  return output;
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> fft_backward(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    const Conv2dGeometry& g,
    std::array<bool, 3> output_mask,
    const Conv2dDeviceKernels&) {
  if (g.batch == 0) { // no samples: zero filter and bias gradients
    return {output_mask[0] ? at::empty_like(input) : unused_gradient(input),
            output_mask[1] ? at::zeros_like(weight) : unused_gradient(input),
            output_mask[2] ? at::zeros({g.out_channels}, weight.options()) : unused_gradient(input)};
  }
  const auto s = fft_sizes(g);
  const auto acc = accumulate_type(input);
  // grad_output back on the stride-1 grid of the padded input, zero between strided outputs.
  auto spread = at::zeros({g.batch, g.out_channels, s.h, s.w}, input.options().dtype(acc));
  strided_outputs(spread, g).copy_(grad_output);
  const auto go_f = by_group(spectrum(spread, s), g.groups); // (n, G, out/G, h, w')

  auto grad_input = unused_gradient(input);
  if (output_mask[0]) {
    // The adjoint of correlation is convolution: the plain product with the filter spectrum.
    const auto w_f = spectrum(dilated_filters(weight.to(acc), g, s), s)
                         .view({g.groups, g.out_channels_per_group(), g.in_channels_per_group(),
                                s.h, s.w / 2 + 1});
    const auto gx_f = at::einsum("ngoij,gocij->ngcij", {go_f, w_f});
    const auto padded = signal(gx_f.reshape({g.batch, g.in_channels, s.h, s.w / 2 + 1}), s);
    grad_input = padded.slice(2, g.pad_h, g.pad_h + g.in_h)
                     .slice(3, g.pad_w, g.pad_w + g.in_w)
                     .to(input.scalar_type())
                     .contiguous();
  }
  auto grad_weight = unused_gradient(input);
  if (output_mask[1]) {
    // Each filter tap correlates the padded input with grad_output, summed over the batch.
    const auto x = at::constant_pad_nd(input.to(acc), {g.pad_w, g.pad_w, g.pad_h, g.pad_h});
    const auto x_f = by_group(spectrum(x, s), g.groups);
    const auto gw_f = at::einsum("ngcij,ngoij->gocij", {x_f, at::conj_physical(go_f)});
    const auto lags = signal(
        gw_f.reshape({g.out_channels, g.in_channels_per_group(), s.h, s.w / 2 + 1}), s);
    grad_weight = lags.slice(2, 0, s.kernel_h, g.dilation_h)
                      .slice(3, 0, s.kernel_w, g.dilation_w)
                      .to(weight.scalar_type())
                      .contiguous();
  }
  auto grad_bias = output_mask[2] ? conv2d_grad_bias(grad_output.contiguous()) : unused_gradient(input);
  return {grad_input, grad_weight, grad_bias};
}

} // namespace

CONVLAB_CONV2D_ALGORITHM(fft, {"fft", nullptr, fft_forward, fft_backward});

} // namespace ops
} // namespace convlab
