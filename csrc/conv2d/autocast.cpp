// Autocast (mixed precision) for convlab's conv2d, as torch does it for its own convolution:
// inside torch.autocast the conv runs in the autocast dtype (float16 or bfloat16, computing
// in float32). Pooling registers no autocast kernel, so it follows its input's dtype.
#include <ATen/autocast_mode.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

namespace convlab {
namespace ops {

namespace {

template <c10::DispatchKey key, c10::DeviceType device>
at::Tensor conv2d_autocast(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    c10::string_view algorithm) {
  const c10::impl::ExcludeDispatchKeyGuard no_autocast(key);
  const auto dtype = at::autocast::get_autocast_dtype(device);
  static const auto op =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow("convlab::conv2d", "")
          .typed<at::Tensor(const at::Tensor&, const at::Tensor&, const std::optional<at::Tensor>&,
                            at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, int64_t,
                            c10::string_view)>();
  std::optional<at::Tensor> cast_bias;
  if (bias.has_value()) {
    cast_bias = at::autocast::cached_cast(dtype, *bias, device);
  }
  return op.call(
      at::autocast::cached_cast(dtype, input, device), at::autocast::cached_cast(dtype, weight, device),
      cast_bias, stride, padding, dilation, groups, algorithm);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, AutocastCPU, m) {
  m.impl("conv2d", &conv2d_autocast<c10::DispatchKey::AutocastCPU, c10::DeviceType::CPU>);
}

TORCH_LIBRARY_IMPL(convlab, AutocastCUDA, m) {
  m.impl("conv2d", &conv2d_autocast<c10::DispatchKey::AutocastCUDA, c10::DeviceType::CUDA>);
}

} // namespace ops
} // namespace convlab
