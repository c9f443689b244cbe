"""Autograd for the convlab ops: each backward runs convlab's own backward op, and each
backward op is itself differentiable (double backward: gradient penalties, Hessian-vector
products, torch.autograd.gradgradcheck), its derivatives written with convlab's ops too.
Every backward op is linear in grad_output, which is what makes these derivatives short."""

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


def _grad(grads, i):
    """A gradient of a backward op's output, or None for an output nobody used (or one that
    output_mask left empty)."""
    g = grads[i]
    return None if g is None or g.numel() == 0 else g


def _conv2d_backward_setup(ctx, inputs, output):
    grad_output, input, weight, stride, padding, dilation, groups, output_mask, algorithm = inputs
    ctx.save_for_backward(grad_output, input, weight)
    ctx.geometry = (stride, padding, dilation, groups)
    ctx.output_mask = output_mask
    ctx.algorithm = algorithm


def _conv2d_backward_backward(ctx, *grads):
    """conv2d_backward computes grad_input = conv2d's adjoint of grad_output through weight,
    grad_weight = the correlation of input with grad_output, grad_bias = grad_output summed.
    Given gradients gg_input, gg_weight, gg_bias of those three outputs:
      d grad_output = conv2d(gg_input, weight) + conv2d(input, gg_weight) + gg_bias
      d input       = grad_input of a conv with weight gg_weight  (from grad_weight's term)
      d weight      = grad_weight of a conv with input gg_input   (from grad_input's term)."""
    grad_output, input, weight = ctx.saved_tensors
    geometry, algorithm = ctx.geometry, ctx.algorithm
    gg_input, gg_weight, gg_bias = (
        _grad(grads, i) if ctx.output_mask[i] else None for i in range(3))
    needs = ctx.needs_input_grad
    d_grad_output = d_input = d_weight = None
    if needs[0]:
        terms = []
        if gg_input is not None:
            terms.append(convlab.conv2d(gg_input, weight, None, *geometry, algorithm))
        if gg_weight is not None:
            terms.append(convlab.conv2d(input, gg_weight, None, *geometry, algorithm))
        if gg_bias is not None:
            terms.append(gg_bias.view(1, -1, 1, 1).expand_as(grad_output))
        d_grad_output = sum(terms[1:], terms[0]) if terms else None
    if needs[1] and gg_weight is not None:
        d_input = convlab.conv2d_backward(
            grad_output, input, gg_weight, *geometry, [True, False, False], algorithm)[0]
    if needs[2] and gg_input is not None:
        d_weight = convlab.conv2d_backward(
            grad_output, gg_input, weight, *geometry, [False, True, False], algorithm)[1]
    return d_grad_output, d_input, d_weight, None, None, None, None, None, None


def _max_pool2d_backward_setup(ctx, inputs, output):
    ctx.save_for_backward(inputs[2])


def _max_pool2d_backward_backward(ctx, gg_input):
    """grad_input routes each grad_output element to the input position its window chose
    (indices, flat per plane); its adjoint reads gg_input back at those positions. The input
    only chose the positions: piecewise constant, zero derivative (as in torch)."""
    (indices,) = ctx.saved_tensors
    n, c = indices.shape[:2]
    d_grad_output = gg_input.reshape(n, c, -1).gather(2, indices.reshape(n, c, -1))
    return (d_grad_output.view_as(indices), None, None, None, None, None, None, None)


def _avg_pool2d_backward_setup(ctx, inputs, output):
    ctx.arguments = inputs[2:]


def _avg_pool2d_backward_backward(ctx, gg_input):
    """grad_input is the adjoint of avg_pool2d (linear), so its own adjoint is avg_pool2d with
    the same window; it does not depend on the input's values."""
    d_grad_output = convlab.avg_pool2d(gg_input, *ctx.arguments)
    return (d_grad_output, None) + (None,) * len(ctx.arguments)


def _adaptive_avg_pool2d_backward_setup(ctx, inputs, output):
    ctx.output_size = list(inputs[0].shape[-2:])


def _adaptive_avg_pool2d_backward_backward(ctx, gg_input):
    return convlab.adaptive_avg_pool2d(gg_input, ctx.output_size), None


torch.library.register_autograd(
    "convlab::conv2d", _conv2d_backward, setup_context=_conv2d_setup)
torch.library.register_autograd(
    "convlab::max_pool2d", _max_pool2d_backward, setup_context=_max_pool2d_setup)
torch.library.register_autograd(
    "convlab::avg_pool2d", _avg_pool2d_backward, setup_context=_avg_pool2d_setup)
torch.library.register_autograd(
    "convlab::adaptive_avg_pool2d", _adaptive_avg_pool2d_backward,
    setup_context=_adaptive_avg_pool2d_setup)
torch.library.register_autograd(
    "convlab::conv2d_backward", _conv2d_backward_backward, setup_context=_conv2d_backward_setup)
torch.library.register_autograd(
    "convlab::max_pool2d_backward", _max_pool2d_backward_backward,
    setup_context=_max_pool2d_backward_setup)
torch.library.register_autograd(
    "convlab::avg_pool2d_backward", _avg_pool2d_backward_backward,
    setup_context=_avg_pool2d_backward_setup)
torch.library.register_autograd(
    "convlab::adaptive_avg_pool2d_backward", _adaptive_avg_pool2d_backward_backward,
    setup_context=_adaptive_avg_pool2d_backward_setup)
