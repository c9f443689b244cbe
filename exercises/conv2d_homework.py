"""The lecture's homework: a 2-D convolution as a PyTorch extension, with padding and stride,
forward and backward, written by hand (no torch conv inside).

Fill in the two TODOs (or copy this file and fill in the copy), then grade it:
    python3 prove.py exercise=conv2d_homework [prove.module=path/to/your_copy.py] [prove.quick=true]
The grade checks forward, grad_input, grad_weight and grad_bias against
torch.nn.functional.conv2d over padding x stride in float64, runs gradcheck and, unless
prove.quick=true, trains LeNet-5 for an epoch with your convolution against torch's."""

import torch


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias, stride, padding):
        """input (N, C, H, W), weight (O, C, kH, kW), bias (O,) or None; stride and padding
        are pairs of ints (height, width). Returns (N, O, out_h, out_w) with
        out = (size + 2 * padding - kernel) // stride + 1."""
        # TODO: zero-pad the input, take every stride-th window, multiply-add each window with
        # every filter, add the bias; ctx.save_for_backward what backward needs.
        raise NotImplementedError("forward not implemented")

    @staticmethod
    def backward(ctx, grad_output):
        """Returns grad_input, grad_weight, grad_bias (None without a bias), None, None."""
        # TODO: grad_bias sums grad_output; grad_weight correlates the windows with
        # grad_output; grad_input spreads each output's gradient over its window through the
        # filters (and drops what fell in the padding).
        raise NotImplementedError("backward not implemented")


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def conv2d(input, weight, bias=None, stride=1, padding=0):
    """What the grade calls: torch.nn.functional.conv2d's arguments, padding and stride only."""
    return Conv2dFunction.apply(input, weight, bias, _pair(stride), _pair(padding))
