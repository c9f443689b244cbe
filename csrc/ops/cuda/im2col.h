#pragma once

#include "../conv2d.h"

namespace convlab {
namespace ops {
namespace cuda {

void im2col(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns);
void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input);

} // namespace cuda
} // namespace ops
} // namespace convlab
