"""The python backend's convolution: a torch.autograd.Function whose forward slides the
filters over the input and whose backward is written out by hand (the lecture's first form of
a custom op). It uses no torch conv or pooling kernel: windows are a strided view of the
padded input, and each output is a window times a filter, summed (one einsum)."""

import torch

from .python_windows import add_windows, output_size, pad, windows


def check_geometry(stride, padding, dilation, groups) -> None:
    """The ranges convlab's op checks (csrc/conv2d/conv2d.cpp), with its messages: the windows
    below would otherwise compute a result for a dilation of 0 (every tap on one element) or
    fail with an unrelated error for a stride of 0 or a negative padding."""
    for name, values, least in (("stride", stride, 1), ("padding", padding, 0),
                                ("dilation", dilation, 1)):
        if any(v < least for v in values):
            raise ValueError(f"conv2d: {name} must be >= {least}, got {list(values)}")
    if groups < 1:
        raise ValueError(f"conv2d: groups must be >= 1, got {groups}")


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias, stride, padding, dilation, groups):
        check_geometry(stride, padding, dilation, groups)
        _, channels, height, width = input.shape
        out_channels, per_group, k_h, k_w = weight.shape
        if channels != per_group * groups or out_channels % groups:
            raise ValueError(f"conv2d: input has {channels} channels, weight {tuple(weight.shape)} "
                             f"with groups={groups}")
        outputs = [output_size(size, k, s, p, d) for size, k, s, p, d
                   in zip((height, width), (k_h, k_w), stride, padding, dilation)]
        padded = pad(input, padding, outputs, (k_h, k_w), stride, dilation, 0.0)
        # (N, groups, C/groups, out_h, out_w, k_h, k_w): every window, per group of channels.
        patches = windows(padded, outputs, (k_h, k_w), stride, dilation).unflatten(1, (groups, per_group))
        filters = weight.unflatten(0, (groups, out_channels // groups))
        output = torch.einsum("ngcyxij,gocij->ngoyx", patches, filters).flatten(1, 2)
        if bias is not None:
            output = output + bias.view(1, -1, 1, 1)
        ctx.save_for_backward(input, weight)
        ctx.has_bias = bias is not None
        ctx.args = stride, padding, dilation, groups, outputs
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight = ctx.saved_tensors
        stride, padding, dilation, groups, outputs = ctx.args
        out_channels, per_group, k_h, k_w = weight.shape
        grad_out = grad_output.contiguous().unflatten(1, (groups, out_channels // groups))
        filters = weight.unflatten(0, (groups, out_channels // groups))
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            # Each window element received every filter tap's weight times its output's
            # gradient; add those back where the window took them from, then drop the padding.
            per_window = torch.einsum("ngoyx,gocij->ngcyxij", grad_out, filters).flatten(1, 2)
            padded = pad(torch.zeros_like(input), padding, outputs, (k_h, k_w), stride, dilation,
                         0.0)
            add_windows(padded, per_window, stride, dilation)
            grad_input = padded[..., padding[0]:padding[0] + input.size(2),
                                padding[1]:padding[1] + input.size(3)]
        if ctx.needs_input_grad[1]:
            # dL/dW: each window correlated with its output's gradient, summed over the batch.
            padded = pad(input, padding, outputs, (k_h, k_w), stride, dilation, 0.0)
            patches = windows(padded, outputs, (k_h, k_w), stride, dilation).unflatten(1, (groups, per_group))
            grad_weight = torch.einsum("ngoyx,ngcyxij->gocij", grad_out, patches).flatten(0, 1)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum((0, 2, 3))
        return grad_input, grad_weight, grad_bias, None, None, None, None
