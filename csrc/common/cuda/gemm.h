#pragma once

#include <ATen/ATen.h>

namespace convlab {
namespace ops {
namespace cuda {

// out[i] = a[i] @ b[i] (+ out[i] when `accumulate`) for every i of the batch, on cuBLAS on the
// current stream. a, b: 3-D, each matrix row-major or a transposed view; out: rows
// contiguous. Float32 uses TF32 tensor cores exactly when torch.backends.cudnn.allow_tf32 is
// set (torch's own convolution follows that switch), chosen per call without touching any
// process-wide flag. Half types multiply in float32 and may accumulate into a float32 `out`.
void bmm(const at::Tensor& a, const at::Tensor& b, at::Tensor& out, bool accumulate);

} // namespace cuda
} // namespace ops
} // namespace convlab
