"""A conv2d algorithm in Python, registered through convlab's door and proven by prove.py:
    python3 prove.py algorithm=unfold prove.module=examples/unfold_conv2d.py
im2col written with torch's unfold and one matmul per group; grad_input by the adjoint
(fold), grad_weight left to convlab (im2col), grad_bias added by convlab."""

import torch
import torch.nn.functional as F

import ops


def _columns(input, weight, stride, padding, dilation):
    return F.unfold(input, weight.shape[2:], dilation=dilation, padding=padding, stride=stride)


def _output_size(input, weight, stride, padding, dilation):
    return [(input.size(2 + i) + 2 * padding[i] - dilation[i] * (weight.size(2 + i) - 1) - 1)
            // stride[i] + 1 for i in range(2)]


def forward(input, weight, bias, stride, padding, dilation, groups):
    n, (out_channels, taps) = input.size(0), (weight.size(0), weight[0].numel())
    size = _output_size(input, weight, stride, padding, dilation)
    cols = _columns(input, weight, stride, padding, dilation)  # N, C*kh*kw, L
    cols = cols.reshape(n, groups, taps, size[0] * size[1])  # explicit sizes: N may be 0
    filters = weight.reshape(groups, out_channels // groups, taps)
    out = torch.einsum("gok,ngkl->ngol", filters, cols).reshape(n, out_channels, *size)
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def grad_input(grad_output, input, weight, stride, padding, dilation, groups):
    n, out_channels, out_h, out_w = grad_output.shape
    filters = weight.reshape(groups, out_channels // groups, weight[0].numel())
    grads = grad_output.reshape(n, groups, out_channels // groups, out_h * out_w)
    cols = torch.einsum("gok,ngol->ngkl", filters, grads).reshape(n, filters.size(0) * filters.size(2),
                                                                  out_h * out_w)
    return F.fold(cols, input.shape[2:], weight.shape[2:], dilation=dilation, padding=padding,
                  stride=stride)


ops.register_conv2d_algorithm("unfold", forward, grad_input=grad_input)
