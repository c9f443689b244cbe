#pragma once

#include <ATen/ATen.h>

#include "common/scratch.h"

namespace convlab {
namespace ops {

// A contiguous copy of `t` with its first `leading` dimensions moved behind the others:
// sizes (a..., b...) -> (b..., a...), i.e. t viewed as one (prod a) x (prod b) matrix,
// transposed. On the CPU a tiled transpose: a permuted ATen copy walks one side of the matrix a
// whole row apart per element, an order of magnitude slower than a plain copy (implicit GEMM
// changes layouts this way four times per layer). Elsewhere ATen's copy. A copy that dies within
// the caller's call comes from the scratch cache.
at::Tensor move_leading_dims_last(const at::Tensor& t, int64_t leading,
                                  Lifetime lifetime = Lifetime::kReturned);

} // namespace ops
} // namespace convlab
