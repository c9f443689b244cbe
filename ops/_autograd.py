"""Autograd for the convlab ops: each backward runs convlab's own backward op."""

import torch

convlab = torch.ops.convlab


def _conv2d_setup(ctx, inputs, output):
    input, weight, bias, stride, padding, dilation, groups, algorithm = inputs
    ctx.save_for_backward(input, weight)
    ctx.geometry = (stride, padding, dilation, groups)
    ctx.algorithm = algorithm
    ctx.has_bias = bias is not None


def _conv2d_backward(ctx, grad_output):
    input, weight = ctx.saved_tensors
    needs = ctx.needs_input_grad
    mask = [needs[0], needs[1], ctx.has_bias and needs[2]]
    grads = convlab.conv2d_backward(grad_output, input, weight, *ctx.geometry, mask, ctx.algorithm)
    grad_input, grad_weight, grad_bias = (g if m else None for g, m in zip(grads, mask))
    return grad_input, grad_weight, grad_bias, None, None, None, None, None


def _max_pool2d_setup(ctx, inputs, output):
    input, *arguments = inputs
    _, indices = output
    ctx.mark_non_differentiable(indices)
    ctx.save_for_backward(input, indices)
    ctx.arguments = arguments


def _max_pool2d_backward(ctx, grad_output, _grad_indices):
    input, indices = ctx.saved_tensors
    grad_input = convlab.max_pool2d_backward(grad_output, input, indices, *ctx.arguments)
    return (grad_input,) + (None,) * len(ctx.arguments)


def _avg_pool2d_setup(ctx, inputs, output):
    input, *arguments = inputs
    ctx.save_for_backward(input)
    ctx.arguments = arguments


def _avg_pool2d_backward(ctx, grad_output):
    (input,) = ctx.saved_tensors
    grad_input = convlab.avg_pool2d_backward(grad_output, input, *ctx.arguments)
    return (grad_input,) + (None,) * len(ctx.arguments)


def _adaptive_avg_pool2d_setup(ctx, inputs, output):
    ctx.save_for_backward(inputs[0])


def _adaptive_avg_pool2d_backward(ctx, grad_output):
    (input,) = ctx.saved_tensors
    return convlab.adaptive_avg_pool2d_backward(grad_output, input), None


torch.library.register_autograd(
    "convlab::conv2d", _conv2d_backward, setup_context=_conv2d_setup)
torch.library.register_autograd(
    "convlab::max_pool2d", _max_pool2d_backward, setup_context=_max_pool2d_setup)
torch.library.register_autograd(
    "convlab::avg_pool2d", _avg_pool2d_backward, setup_context=_avg_pool2d_setup)
torch.library.register_autograd(
    "convlab::adaptive_avg_pool2d", _adaptive_avg_pool2d_backward,
    setup_context=_adaptive_avg_pool2d_setup)
