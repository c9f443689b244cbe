"""The adaptive_avg_pool family in one place: autograd and fake kernels of convlab's
adaptive_avg_pool2d op, its 1-D and 3-D ops (compositions of adaptive_avg_pool2d, ops/nd.py),
and the torch.nn.functional-style functions and module mixin of the custom and python
backends."""

from collections.abc import Sequence
from functools import partial

import torch

from . import nd
from .frontend import COUNT_WORDS, announced, batched, int_tuple, unbatch
from .layer_family import LayerFamily
from .python_pool import AdaptiveAvgPool2dFunction

convlab = torch.ops.convlab
_library = torch.library.Library("convlab", "FRAGMENT")

# Autograd.

def _adaptive_avg_pool2d_setup(ctx, inputs, output):
    ctx.save_for_backward(inputs[0])


def _adaptive_avg_pool2d_backward(ctx, grad_output):
    (input,) = ctx.saved_tensors
    return convlab.adaptive_avg_pool2d_backward(grad_output, input), None


def _adaptive_avg_pool2d_backward_setup(ctx, inputs, output):
    ctx.output_size = list(inputs[0].shape[-2:])


def _adaptive_avg_pool2d_backward_backward(ctx, gg_input):
    return convlab.adaptive_avg_pool2d(gg_input, ctx.output_size), None


torch.library.register_autograd(
    "convlab::adaptive_avg_pool2d", _adaptive_avg_pool2d_backward,
    setup_context=_adaptive_avg_pool2d_setup)
torch.library.register_autograd(
    "convlab::adaptive_avg_pool2d_backward", _adaptive_avg_pool2d_backward_backward,
    setup_context=_adaptive_avg_pool2d_backward_setup)


@torch.library.register_fake("convlab::adaptive_avg_pool2d")
def _adaptive_avg_pool2d_fake(input, output_size):
    if input.dim() != 4:
        raise ValueError("convlab.adaptive_avg_pool2d: expected a 4-D input")
    return input.new_empty((input.size(0), input.size(1), *output_size))


@torch.library.register_fake("convlab::adaptive_avg_pool2d_backward")
def _adaptive_avg_pool2d_backward_fake(grad_output, input):
    return input.new_empty(input.shape)


# adaptive_avg_pool1d and 3d, CompositeImplicitAutograd: made of adaptive_avg_pool2d calls
# (ops/nd.py), so autograd, fake tensors and torch.compile take everything from its
# registrations.
for _dims in (1, 3):
    _library.define(f"adaptive_avg_pool{_dims}d(Tensor input, int[{_dims}] output_size) -> Tensor")
    _library.impl(f"adaptive_avg_pool{_dims}d",
                  partial(getattr(nd, f"adaptive_avg_pool{_dims}d"), convlab.adaptive_avg_pool2d),
                  "CompositeImplicitAutograd")


# The backends' functions, with torch.nn.functional's signatures and argument forms.

def _adaptive_avg_pool(run, dims, input, output_size):
    op = f"adaptive_avg_pool{dims}d"
    input, was_batched = batched(input, op, dims)
    sizes = [output_size] * dims if not isinstance(output_size, Sequence) else list(output_size)
    if len(sizes) == 1:
        sizes = sizes * dims
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or {COUNT_WORDS[dims]} (or None), "
                         f"got {output_size!r}")
    # None keeps the input's size along that axis, as in torch.
    sizes = [input.size(2 + i) if s is None else s for i, s in enumerate(sizes)]
    sizes = int_tuple(sizes, "output_size", dims)
    if min(sizes) < 0:
        raise ValueError(f"{op}: output_size must be >= 0, got {output_size!r}")
    if min(sizes) == 0:
        if not input.is_floating_point():
            raise TypeError(f"{op}: expected a floating-point input dtype, got {input.dtype}")
        # An empty output, as torch gives: no window to average, so no kernel to run (the
        # kernel's check wants sizes >= 1). A zero-element view of the input keeps the result
        # on the autograd graph, whose gradient for the input is then zero, like torch's.
        output = input.reshape(-1)[:0].reshape(input.size(0), input.size(1), *sizes)
        return unbatch(output, was_batched)
    return unbatch(run(input, sizes), was_batched)


def _function(dims, run):
    def adaptive_avg_pool(input, output_size):
        return _adaptive_avg_pool(run, dims, input, output_size)

    adaptive_avg_pool.__name__ = adaptive_avg_pool.__qualname__ = f"adaptive_avg_pool{dims}d"
    return adaptive_avg_pool


class AdaptiveAvgPoolModule:
    """torch.nn's AdaptiveAvgPool module computed by a backend's function (`_function`)."""

    def forward(self, input):
        return type(self)._function(input, self.output_size)


def _python(dims):
    run = AdaptiveAvgPool2dFunction.apply if dims == 2 else partial(
        getattr(nd, f"adaptive_avg_pool{dims}d"), AdaptiveAvgPool2dFunction.apply,
        op=f"adaptive_avg_pool{dims}d")
    return announced(_function(dims, run), 1)


FAMILY = LayerFamily(
    kind="adaptive_avg_pool",
    functions={
        "custom": {dims: _function(dims, getattr(convlab, f"adaptive_avg_pool{dims}d"))
                   for dims in (1, 2, 3)},
        "python": {dims: _python(dims) for dims in (1, 2, 3)},
    },
    module_mixins={"*": AdaptiveAvgPoolModule},
)
