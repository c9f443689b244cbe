"""Fake kernels: shapes, dtypes and devices of every convlab op without running it."""

import torch

from ._shapes import conv_output_size, pool_output_size


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@torch.library.register_fake("convlab::conv2d")
def _conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm="auto"):
    _require(input.dim() == 4, "convlab.conv2d: expected input to be a 4-D tensor (N, C, H, W)")
    _require(weight.dim() == 4, "convlab.conv2d: expected weight to be a 4-D tensor")
    _require(weight.size(1) * groups == input.size(1),
             "convlab.conv2d: input channels do not match weight.size(1) * groups")
    out_h, out_w = (
        conv_output_size(input.size(2 + i), weight.size(2 + i), stride[i], padding[i], dilation[i])
        for i in range(2)
    )
    _require(out_h >= 1 and out_w >= 1, "convlab.conv2d: kernel larger than the padded input")
    # A forced algorithm that cannot do the shape raises while tracing too.
    torch.ops.convlab.conv2d_algorithm(input, weight, stride, padding, dilation, groups, algorithm)
    return input.new_empty((input.size(0), weight.size(0), out_h, out_w))


@torch.library.register_fake("convlab::conv2d_backward")
def _conv2d_backward(grad_output, input, weight, stride, padding, dilation, groups, output_mask,
                     algorithm="auto"):
    def grad(mask, shape):
        return input.new_empty(shape if mask else (0,))

    return (
        grad(output_mask[0], input.shape),
        grad(output_mask[1], weight.shape),
        grad(output_mask[2], (weight.size(0),)),
    )


def _pooled_shape(input, kernel_size, stride, padding, dilation, ceil_mode):
    _require(input.dim() == 4, "convlab pooling: expected input to be a 4-D tensor (N, C, H, W)")
    sizes = [
        pool_output_size(input.size(2 + i), kernel_size[i], stride[i], padding[i], dilation[i],
                         ceil_mode)
        for i in range(2)
    ]
    _require(min(sizes) >= 1, "convlab pooling: kernel_size larger than the padded input")
    return (input.size(0), input.size(1), *sizes)


@torch.library.register_fake("convlab::max_pool2d")
def _max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode):
    shape = _pooled_shape(input, kernel_size, stride, padding, dilation, ceil_mode)
    return input.new_empty(shape), input.new_empty(shape, dtype=torch.long)


@torch.library.register_fake("convlab::max_pool2d_backward")
def _max_pool2d_backward(grad_output, input, indices, kernel_size, stride, padding, dilation,
                         ceil_mode):
    return input.new_empty(input.shape)


@torch.library.register_fake("convlab::avg_pool2d")
def _avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    return input.new_empty(_pooled_shape(input, kernel_size, stride, padding, (1, 1), ceil_mode))


@torch.library.register_fake("convlab::avg_pool2d_backward")
def _avg_pool2d_backward(grad_output, input, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override):
    return input.new_empty(input.shape)


@torch.library.register_fake("convlab::adaptive_avg_pool2d")
def _adaptive_avg_pool2d(input, output_size):
    _require(input.dim() == 4, "convlab.adaptive_avg_pool2d: expected a 4-D input")
    return input.new_empty((input.size(0), input.size(1), *output_size))


@torch.library.register_fake("convlab::adaptive_avg_pool2d_backward")
def _adaptive_avg_pool2d_backward(grad_output, input):
    return input.new_empty(input.shape)
