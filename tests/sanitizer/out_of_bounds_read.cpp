// Test-only op, compiled into the CONVLAB_SANITIZE build only (ops/_extension.py adds this file;
// it is not under csrc/, so the normal build never sees it): it reads one element past the end
// of its input, so tests/test_sanitizer.py can show that the sanitizer step catches such a read.
// Its own namespace keeps it out of convlab's schemas.
#include <torch/library.h>

#include <ATen/ATen.h>

namespace {

at::Tensor read_past_end(const at::Tensor& input) {
  TORCH_CHECK(input.device().is_cpu() && input.scalar_type() == at::kFloat &&
                  input.is_contiguous() && input.numel() > 0,
              "read_past_end takes a non-empty contiguous float32 CPU tensor");
  // The element read below lies past the input's storage, not merely past a view of it.
  TORCH_CHECK(input.storage().nbytes() ==
                  static_cast<size_t>(input.storage_offset() + input.numel()) * sizeof(float),
              "read_past_end takes a tensor that ends where its storage does");
  const float* data = input.data_ptr<float>();
  const int64_t n = input.numel();
  float sum = 0;
  for (int64_t i = 0; i <= n; ++i) {  // <= : one element too many, on purpose
    sum += data[i];  // SANITIZER-PROBE: the deliberate out-of-bounds read
  }
  return at::full({}, sum, input.options());
}

} // namespace

TORCH_LIBRARY(convlab_sanitizer_probe, m) {
  m.def("read_past_end(Tensor input) -> Tensor", &read_past_end);
}
