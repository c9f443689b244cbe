"""The avg_pool family in one place: autograd and fake kernels of convlab's avg_pool2d op, its
1-D and 3-D ops (compositions of avg_pool2d, ops/nd.py), and the torch.nn.functional-style
functions and module mixin of the custom and python backends."""

from functools import partial

import torch

from . import nd
from ._shapes import pooled_shape
from .frontend import announced, batched, int_tuple, stride_or_kernel, unbatch
from .layer_family import LayerFamily
from .python_pool import AvgPool2dFunction

convlab = torch.ops.convlab
_library = torch.library.Library("convlab", "FRAGMENT")

# Autograd.

def _avg_pool2d_setup(ctx, inputs, output):
    input, *arguments = inputs
    ctx.save_for_backward(input)
    ctx.arguments = arguments


def _avg_pool2d_backward(ctx, grad_output):
    (input,) = ctx.saved_tensors
    grad_input = convlab.avg_pool2d_backward(grad_output, input, *ctx.arguments)
    return (grad_input,) + (None,) * len(ctx.arguments)


def _avg_pool2d_backward_setup(ctx, inputs, output):
    ctx.arguments = inputs[2:]


def _avg_pool2d_backward_backward(ctx, gg_input):
    """grad_input is the adjoint of avg_pool2d (linear), so its own adjoint is avg_pool2d with
    the same window; it does not depend on the input's values."""
    d_grad_output = convlab.avg_pool2d(gg_input, *ctx.arguments)
    return (d_grad_output, None) + (None,) * len(ctx.arguments)


torch.library.register_autograd(
    "convlab::avg_pool2d", _avg_pool2d_backward, setup_context=_avg_pool2d_setup)
torch.library.register_autograd(
    "convlab::avg_pool2d_backward", _avg_pool2d_backward_backward,
    setup_context=_avg_pool2d_backward_setup)


@torch.library.register_fake("convlab::avg_pool2d")
def _avg_pool2d_fake(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override):
    return input.new_empty(pooled_shape(input, kernel_size, stride, padding, (1, 1), ceil_mode))


@torch.library.register_fake("convlab::avg_pool2d_backward")
def _avg_pool2d_backward_fake(grad_output, input, kernel_size, stride, padding, ceil_mode,
                              count_include_pad, divisor_override):
    return input.new_empty(input.shape)


# avg_pool1d and avg_pool3d, CompositeImplicitAutograd: made of avg_pool2d calls (ops/nd.py),
# so autograd, fake tensors and torch.compile take everything from avg_pool2d's registrations.
# Like torch's avg_pool1d, the 1-D op has no divisor_override.
_library.define("avg_pool1d(Tensor input, int[1] kernel_size, int[1] stride, int[1] padding, "
                "bool ceil_mode, bool count_include_pad) -> Tensor")
_library.impl("avg_pool1d", partial(nd.avg_pool1d, convlab.avg_pool2d), "CompositeImplicitAutograd")
_library.define("avg_pool3d(Tensor input, int[3] kernel_size, int[3] stride, int[3] padding, "
                "bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor")
_library.impl("avg_pool3d", partial(nd.avg_pool3d, convlab.avg_pool2d), "CompositeImplicitAutograd")


# The backends' functions, with torch.nn.functional's signatures and argument forms.

def _avg_pool(run, dims, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              *divisor_override):
    input, was_batched = batched(input, f"avg_pool{dims}d", dims)
    kernel_size = int_tuple(kernel_size, "kernel_size", dims)
    output = run(input, kernel_size, stride_or_kernel(stride, kernel_size),
                 int_tuple(padding, "padding", dims), bool(ceil_mode), bool(count_include_pad),
                 *divisor_override)
    return unbatch(output, was_batched)


def _function(dims, run):
    if dims == 1:  # torch's avg_pool1d has no divisor_override
        def avg_pool(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                     count_include_pad=True):
            return _avg_pool(run, dims, input, kernel_size, stride, padding, ceil_mode,
                             count_include_pad)
    else:
        def avg_pool(input, kernel_size, stride=None, padding=0, ceil_mode=False,
                     count_include_pad=True, divisor_override=None):
            return _avg_pool(run, dims, input, kernel_size, stride, padding, ceil_mode,
                             count_include_pad, divisor_override)

    avg_pool.__name__ = avg_pool.__qualname__ = f"avg_pool{dims}d"
    return avg_pool


class AvgPoolModule:
    """torch.nn's AvgPool module computed by a backend's function (`_function`)."""

    def forward(self, input):
        # AvgPool1d has no divisor_override.
        divisor = (self.divisor_override,) if hasattr(self, "divisor_override") else ()
        return type(self)._function(input, self.kernel_size, self.stride, self.padding,
                                    self.ceil_mode, self.count_include_pad, *divisor)


FAMILY = LayerFamily(
    kind="avg_pool",
    functions={
        "custom": {dims: _function(dims, getattr(convlab, f"avg_pool{dims}d")) for dims in (1, 2, 3)},
        "python": {
            1: announced(_function(1, partial(nd.avg_pool1d, AvgPool2dFunction.apply, op="avg_pool1d")), 1),
            2: announced(_function(2, AvgPool2dFunction.apply), 1),
            3: announced(_function(3, partial(nd.avg_pool3d, AvgPool2dFunction.apply, op="avg_pool3d")), 1),
        },
    },
    module_mixins={"*": AvgPoolModule},
)
