"""torch.ops.convlab's 1-D and 3-D ops, made of its 2-D ops (ops/nd.py).

They are CompositeImplicitAutograd: the dispatcher runs the composition itself, so autograd
(double backward included), fake/meta tensors, torch.compile and torch.export see the 2-D
ops it calls and take everything from their registrations (ops/_autograd.py, ops/_fake.py)."""

import torch

from . import nd

convlab = torch.ops.convlab

_library = torch.library.Library("convlab", "FRAGMENT")

_SCHEMAS = {
    # algorithm: passed to every 2-D convolution the op runs.
    "conv1d": "conv1d(Tensor input, Tensor weight, Tensor? bias, int[1] stride, int[1] padding, "
              "int[1] dilation, int groups, str algorithm=\"auto\") -> Tensor",
    "conv3d": "conv3d(Tensor input, Tensor weight, Tensor? bias, int[3] stride, int[3] padding, "
              "int[3] dilation, int groups, str algorithm=\"auto\") -> Tensor",
    "max_pool1d": "max_pool1d(Tensor input, int[1] kernel_size, int[1] stride, int[1] padding, "
                  "int[1] dilation, bool ceil_mode) -> (Tensor, Tensor)",
    "max_pool3d": "max_pool3d(Tensor input, int[3] kernel_size, int[3] stride, int[3] padding, "
                  "int[3] dilation, bool ceil_mode) -> (Tensor, Tensor)",
    # Like torch's avg_pool1d, no divisor_override.
    "avg_pool1d": "avg_pool1d(Tensor input, int[1] kernel_size, int[1] stride, int[1] padding, "
                  "bool ceil_mode, bool count_include_pad) -> Tensor",
    "avg_pool3d": "avg_pool3d(Tensor input, int[3] kernel_size, int[3] stride, int[3] padding, "
                  "bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor",
    "adaptive_avg_pool1d": "adaptive_avg_pool1d(Tensor input, int[1] output_size) -> Tensor",
    "adaptive_avg_pool3d": "adaptive_avg_pool3d(Tensor input, int[3] output_size) -> Tensor",
}


def _conv2d(algorithm):
    def conv2d(input, weight, bias, stride, padding, dilation, groups):
        return convlab.conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm)

    return conv2d


def _conv1d(input, weight, bias, stride, padding, dilation, groups, algorithm="auto"):
    return nd.conv1d(_conv2d(algorithm), input, weight, bias, stride, padding, dilation, groups)


def _conv3d(input, weight, bias, stride, padding, dilation, groups, algorithm="auto"):
    return nd.conv3d(_conv2d(algorithm), input, weight, bias, stride, padding, dilation, groups)


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode):
    return nd.max_pool1d(convlab.max_pool2d, input, kernel_size, stride, padding, dilation,
                         ceil_mode)


def _max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode):
    return nd.max_pool3d(convlab.max_pool2d, input, kernel_size, stride, padding, dilation,
                         ceil_mode)


def _avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad):
    return nd.avg_pool1d(convlab.avg_pool2d, input, kernel_size, stride, padding, ceil_mode,
                         count_include_pad)


def _avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override):
    return nd.avg_pool3d(convlab.avg_pool2d, input, kernel_size, stride, padding, ceil_mode,
                         count_include_pad, divisor_override)


def _adaptive_avg_pool1d(input, output_size):
    return nd.adaptive_avg_pool1d(convlab.adaptive_avg_pool2d, input, output_size)


def _adaptive_avg_pool3d(input, output_size):
    return nd.adaptive_avg_pool3d(convlab.adaptive_avg_pool2d, input, output_size)


_IMPLEMENTATIONS = {
    "conv1d": _conv1d, "conv3d": _conv3d, "max_pool1d": _max_pool1d, "max_pool3d": _max_pool3d,
    "avg_pool1d": _avg_pool1d, "avg_pool3d": _avg_pool3d,
    "adaptive_avg_pool1d": _adaptive_avg_pool1d, "adaptive_avg_pool3d": _adaptive_avg_pool3d,
}

for _name, _schema in _SCHEMAS.items():
    _library.define(_schema)
    _library.impl(_name, _IMPLEMENTATIONS[_name], "CompositeImplicitAutograd")
