"""The max_pool family in one place: autograd and fake kernels of convlab's max_pool2d op, its
1-D and 3-D ops (compositions of max_pool2d, ops/nd.py), and the torch.nn.functional-style
functions and module mixin of the custom and python backends."""

from functools import partial

import torch

from . import nd
from ._shapes import pooled_shape
from .frontend import announced, batched, int_tuple, stride_or_kernel, unbatch
from .layer_family import LayerFamily
from .python_pool import MaxPool2dFunction

convlab = torch.ops.convlab
_library = torch.library.Library("convlab", "FRAGMENT")

# Autograd.

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


torch.library.register_autograd(
    "convlab::max_pool2d", _max_pool2d_backward, setup_context=_max_pool2d_setup)
torch.library.register_autograd(
    "convlab::max_pool2d_backward", _max_pool2d_backward_backward,
    setup_context=_max_pool2d_backward_setup)


@torch.library.register_fake("convlab::max_pool2d")
def _max_pool2d_fake(input, kernel_size, stride, padding, dilation, ceil_mode):
    shape = pooled_shape(input, kernel_size, stride, padding, dilation, ceil_mode)
    return input.new_empty(shape), input.new_empty(shape, dtype=torch.long)


@torch.library.register_fake("convlab::max_pool2d_backward")
def _max_pool2d_backward_fake(grad_output, input, indices, kernel_size, stride, padding, dilation,
                              ceil_mode):
    return input.new_empty(input.shape)


# max_pool1d and max_pool3d, CompositeImplicitAutograd: made of max_pool2d calls (ops/nd.py), so
# autograd, fake tensors and torch.compile take everything from max_pool2d's registrations.
_library.define("max_pool1d(Tensor input, int[1] kernel_size, int[1] stride, int[1] padding, int[1] dilation, bool ceil_mode) -> (Tensor, Tensor)")
_library.impl("max_pool1d", partial(nd.max_pool1d, convlab.max_pool2d), "CompositeImplicitAutograd")
_library.define("max_pool3d(Tensor input, int[3] kernel_size, int[3] stride, int[3] padding, int[3] dilation, bool ceil_mode) -> (Tensor, Tensor)")
_library.impl("max_pool3d", partial(nd.max_pool3d, convlab.max_pool2d), "CompositeImplicitAutograd")


# The backends' functions, with torch.nn.functional's signatures and argument forms.

def _max_pool(run, dims, op, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    """torch.nn.functional.max_pool{dims}d's arguments to `run`, a max-pool op (4-D: convlab's
    or a backend's), which returns values and indices."""
    input, was_batched = batched(input, op, dims)
    kernel_size = int_tuple(kernel_size, "kernel_size", dims)
    output, indices = run(input, kernel_size, stride_or_kernel(stride, kernel_size),
                          int_tuple(padding, "padding", dims), int_tuple(dilation, "dilation", dims),
                          bool(ceil_mode))
    if return_indices:
        return unbatch(output, was_batched), unbatch(indices, was_batched)
    return unbatch(output, was_batched)


def _function(dims, run):
    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
        return _max_pool(run, dims, f"max_pool{dims}d", input, kernel_size, stride, padding,
                         dilation, ceil_mode, return_indices)

    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{dims}d"
    return max_pool


class MaxPoolModule:
    """torch.nn's MaxPool module computed by a backend's function (`_function`)."""

    def forward(self, input):
        return type(self)._function(input, self.kernel_size, self.stride, self.padding,
                                    self.dilation, self.ceil_mode, self.return_indices)


FAMILY = LayerFamily(
    kind="max_pool",
    functions={
        "custom": {dims: _function(dims, getattr(convlab, f"max_pool{dims}d")) for dims in (1, 2, 3)},
        "python": {
            1: announced(_function(1, partial(nd.max_pool1d, MaxPool2dFunction.apply, op="max_pool1d")), 1),
            2: announced(_function(2, MaxPool2dFunction.apply), 1),
            3: announced(_function(3, partial(nd.max_pool3d, MaxPool2dFunction.apply, op="max_pool3d")), 1),
        },
    },
    module_mixins={"*": MaxPoolModule},
)
