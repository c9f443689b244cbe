"""The python backend's functions, with torch.nn.functional's signatures and argument forms
(shared with convlab's, ops.functional). Like torch.nn.functional's Python functions they
announce themselves to torch-function modes, so `with ops.backend(...)` routes them and the
op counter (training/op_counter.py) sees them."""

from collections.abc import Sequence
from functools import partial

from torch.overrides import handle_torch_function, has_torch_function

from . import nd
from .functional import (
    _adaptive_avg_pool,
    _avg_pool,
    _batched,
    _conv_arguments,
    _max_pool,
    _pair,
    _same_padding,
    _stride_or_kernel,
    _unbatch,
)
from .python_conv import Conv2dFunction
from .python_pool import AdaptiveAvgPool2dFunction, AvgPool2dFunction, MaxPool2dFunction


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    tensors = (input, weight) if bias is None else (input, weight, bias)
    if has_torch_function(tensors):
        return handle_torch_function(conv2d, tensors, input, weight, bias, stride, padding,
                                     dilation, groups)
    input, batched = _batched(input, "conv2d")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if padding == "valid":
        padding = [0, 0]
    elif padding == "same":
        input, padding = _same_padding(input, weight, stride, dilation)
    else:
        padding = _pair(padding, "padding")
    output = Conv2dFunction.apply(input, weight, bias, stride, padding, dilation, groups)
    return _unbatch(output, batched)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if has_torch_function((input,)):
        return handle_torch_function(max_pool2d, (input,), input, kernel_size, stride, padding,
                                     dilation, ceil_mode, return_indices)
    input, batched = _batched(input, "max_pool2d")
    kernel = _pair(kernel_size, "kernel_size")
    output, indices = MaxPool2dFunction.apply(
        input, kernel, _stride_or_kernel(stride, kernel), _pair(padding, "padding"),
        _pair(dilation, "dilation"), bool(ceil_mode))
    if return_indices:
        return _unbatch(output, batched), _unbatch(indices, batched)
    return _unbatch(output, batched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if has_torch_function((input,)):
        return handle_torch_function(avg_pool2d, (input,), input, kernel_size, stride, padding,
                                     ceil_mode, count_include_pad, divisor_override)
    input, batched = _batched(input, "avg_pool2d")
    kernel = _pair(kernel_size, "kernel_size")
    output = AvgPool2dFunction.apply(
        input, kernel, _stride_or_kernel(stride, kernel), _pair(padding, "padding"),
        bool(ceil_mode), bool(count_include_pad), divisor_override)
    return _unbatch(output, batched)


def adaptive_avg_pool2d(input, output_size):
    if has_torch_function((input,)):
        return handle_torch_function(adaptive_avg_pool2d, (input,), input, output_size)
    input, batched = _batched(input, "adaptive_avg_pool2d")
    sizes = list(output_size) if isinstance(output_size, Sequence) else [output_size]
    sizes = sizes * 2 if len(sizes) == 1 else sizes
    # None keeps the input's size along that axis, as in torch.
    sizes = [input.size(2 + i) if s is None else s for i, s in enumerate(sizes)]
    output = AdaptiveAvgPool2dFunction.apply(input, _pair(sizes, "output_size"))
    return _unbatch(output, batched)


# 1-D and 3-D layers: convlab's compositions (ops/nd.py) over this backend's own 2-D autograd
# Functions, so no torch conv/pool kernel runs here either.
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    tensors = (input, weight) if bias is None else (input, weight, bias)
    if has_torch_function(tensors):
        return handle_torch_function(conv1d, tensors, input, weight, bias, stride, padding,
                                     dilation, groups)
    input, batched, stride, padding, dilation = _conv_arguments(
        input, weight, stride, padding, dilation, groups, 1, "conv1d")
    output = nd.conv1d(Conv2dFunction.apply, input, weight, bias, stride, padding, dilation,
                       groups, op="conv1d")
    return _unbatch(output, batched)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    tensors = (input, weight) if bias is None else (input, weight, bias)
    if has_torch_function(tensors):
        return handle_torch_function(conv3d, tensors, input, weight, bias, stride, padding,
                                     dilation, groups)
    input, batched, stride, padding, dilation = _conv_arguments(
        input, weight, stride, padding, dilation, groups, 3, "conv3d")
    output = nd.conv3d(Conv2dFunction.apply, input, weight, bias, stride, padding, dilation,
                       groups, op="conv3d")
    return _unbatch(output, batched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if has_torch_function((input,)):
        return handle_torch_function(max_pool1d, (input,), input, kernel_size, stride, padding,
                                     dilation, ceil_mode, return_indices)
    run = partial(nd.max_pool1d, MaxPool2dFunction.apply, op="max_pool1d")
    return _max_pool(run, 1, "max_pool1d", input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if has_torch_function((input,)):
        return handle_torch_function(max_pool3d, (input,), input, kernel_size, stride, padding,
                                     dilation, ceil_mode, return_indices)
    run = partial(nd.max_pool3d, MaxPool2dFunction.apply, op="max_pool3d")
    return _max_pool(run, 3, "max_pool3d", input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    if has_torch_function((input,)):
        return handle_torch_function(avg_pool1d, (input,), input, kernel_size, stride, padding,
                                     ceil_mode, count_include_pad)
    run = partial(nd.avg_pool1d, AvgPool2dFunction.apply, op="avg_pool1d")
    return _avg_pool(run, 1, "avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if has_torch_function((input,)):
        return handle_torch_function(avg_pool3d, (input,), input, kernel_size, stride, padding,
                                     ceil_mode, count_include_pad, divisor_override)
    run = partial(nd.avg_pool3d, AvgPool2dFunction.apply, op="avg_pool3d")
    return _avg_pool(run, 3, "avg_pool3d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def adaptive_avg_pool1d(input, output_size):
    if has_torch_function((input,)):
        return handle_torch_function(adaptive_avg_pool1d, (input,), input, output_size)
    run = partial(nd.adaptive_avg_pool1d, AdaptiveAvgPool2dFunction.apply,
                  op="adaptive_avg_pool1d")
    return _adaptive_avg_pool(run, 1, "adaptive_avg_pool1d", input, output_size)


def adaptive_avg_pool3d(input, output_size):
    if has_torch_function((input,)):
        return handle_torch_function(adaptive_avg_pool3d, (input,), input, output_size)
    run = partial(nd.adaptive_avg_pool3d, AdaptiveAvgPool2dFunction.apply,
                  op="adaptive_avg_pool3d")
    return _adaptive_avg_pool(run, 3, "adaptive_avg_pool3d", input, output_size)
