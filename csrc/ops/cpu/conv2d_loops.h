#pragma once

// The cpu loops of every conv algorithm: the Winograd transforms run winograd.h per tile;
// im2col, col2im and direct produce the values of im2col.h and direct_conv.h, in their
// summation order, a row or a run of channels at a time so the inner loops vectorise.
// Tensors are contiguous; the layouts are those of Conv2dDeviceKernels (conv2d.h).
#include "../conv2d.h"

namespace convlab {
namespace ops {
namespace cpu {

void im2col(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& columns);
void col2im(const at::Tensor& columns, const Conv2dGeometry& g, at::Tensor& grad_input);

void direct_conv(const at::Tensor& input, const at::Tensor& weight,
                 const std::optional<at::Tensor>& bias, const Conv2dGeometry& g, at::Tensor& output);
void direct_conv_grad_input(const at::Tensor& grad_output, const at::Tensor& weight,
                            const Conv2dGeometry& g, at::Tensor& grad_input);
void direct_conv_grad_weight(const at::Tensor& grad_output, const at::Tensor& input,
                             const Conv2dGeometry& g, at::Tensor& grad_weight);

void winograd_filters(const at::Tensor& weight, const Conv2dGeometry& g, at::Tensor& u);
void winograd_inputs(const at::Tensor& input, const Conv2dGeometry& g, at::Tensor& v);
void winograd_outputs(const at::Tensor& m, const std::optional<at::Tensor>& bias,
                      const Conv2dGeometry& g, at::Tensor& output);

} // namespace cpu
} // namespace ops
} // namespace convlab
