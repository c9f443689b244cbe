#include <ATen/Context.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/library.h>

#include "im2col.h"

namespace convlab {
namespace ops {

namespace {

// Columns buffers up to 1 GiB of float32 per chunk of the batch.
const Im2colKernels kCudaIm2col{cuda::im2col, cuda::col2im, int64_t{1} << 28};

// Our GEMMs run on cuBLAS, whose TF32 switch is torch.backends.cuda.matmul.allow_tf32;
// torch's own conv follows torch.backends.cudnn.allow_tf32. For the duration of one op,
// cuBLAS takes the cuDNN setting so native and custom convs compute in the same precision.
class CublasTf32LikeCudnn {
 public:
  CublasTf32LikeCudnn() : saved_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuBLAS(at::globalContext().allowTF32CuDNN());
  }
  ~CublasTf32LikeCudnn() { at::globalContext().setAllowTF32CuBLAS(saved_); }
  CublasTf32LikeCudnn(const CublasTf32LikeCudnn&) = delete;
  CublasTf32LikeCudnn& operator=(const CublasTf32LikeCudnn&) = delete;

 private:
  bool saved_;
};

at::Tensor conv2d_cuda(
    const at::Tensor& input,
    const at::Tensor& weight,
    const std::optional<at::Tensor>& bias,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups) {
  const auto g = check_conv2d(input, weight, bias, stride, padding, dilation, groups);
  const c10::cuda::CUDAGuard device_guard(input.device());
  const CublasTf32LikeCudnn math_mode;
  return conv2d_im2col_gemm(input, weight, bias, g, kCudaIm2col);
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> conv2d_backward_cuda(
    const at::Tensor& grad_output,
    const at::Tensor& input,
    const at::Tensor& weight,
    at::IntArrayRef stride,
    at::IntArrayRef padding,
    at::IntArrayRef dilation,
    int64_t groups,
    std::array<bool, 3> output_mask) {
  const auto g =
      check_conv2d_backward(grad_output, input, weight, stride, padding, dilation, groups);
  const c10::cuda::CUDAGuard device_guard(input.device());
  const CublasTf32LikeCudnn math_mode;
  return conv2d_backward_im2col_gemm(grad_output, input, weight, g, output_mask, kCudaIm2col);
}

} // namespace

TORCH_LIBRARY_IMPL(convlab, CUDA, m) {
  m.impl("conv2d", &conv2d_cuda);
  m.impl("conv2d_backward", &conv2d_backward_cuda);
}

} // namespace ops
} // namespace convlab
