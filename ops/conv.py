"""The conv family in one place: autograd and fake kernels of convlab's conv2d op, its 1-D and
3-D ops (compositions of conv2d, ops/nd.py), the torch.nn.functional-style functions and module
mixins of the custom and python backends, and `use_algorithm`.

conv2d's backward runs convlab's conv2d_backward op, which is itself differentiable (double
backward), its derivatives written with convlab's ops too: every backward op is linear in
grad_output, which is what keeps them short."""

from functools import partial

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.flop_counter import conv_flop_count, register_flop_formula

from . import nd
from ._shapes import conv_output_size
from .algorithms import algorithm_argument, check_algorithm, note_call
from .frontend import announced, conv_arguments, unbatch
from .layer_family import LayerFamily
from .python_conv import Conv2dFunction

convlab = torch.ops.convlab

# Autograd.

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


torch.library.register_autograd(
    "convlab::conv2d", _conv2d_backward, setup_context=_conv2d_setup)
torch.library.register_autograd(
    "convlab::conv2d_backward", _conv2d_backward_backward, setup_context=_conv2d_backward_setup)


# Fake kernels: shapes, dtypes and devices without running the op.

@torch.library.register_fake("convlab::conv2d")
def _conv2d_fake(input, weight, bias, stride, padding, dilation, groups, algorithm="auto"):
    # The C++ checks, which read only shapes; a forced algorithm that cannot do the shape
    # raises while tracing too.
    convlab.conv2d_algorithm(input, weight, stride, padding, dilation, groups, algorithm)
    out_h, out_w = (
        conv_output_size(input.size(2 + i), weight.size(2 + i), stride[i], padding[i], dilation[i])
        for i in range(2)
    )
    return input.new_empty((input.size(0), weight.size(0), out_h, out_w))


@torch.library.register_fake("convlab::conv2d_backward")
def _conv2d_backward_fake(grad_output, input, weight, stride, padding, dilation, groups,
                          output_mask, algorithm="auto"):
    def grad(mask, shape):
        return input.new_empty(shape if mask else (0,))

    return (
        grad(output_mask[0], input.shape),
        grad(output_mask[1], weight.shape),
        grad(output_mask[2], (weight.size(0),)),
    )


# FLOPs: torch's own formulas for its convolution, so FlopCounterMode and Lightning's model
# summary count convlab's conv2d (and the conv2d calls its 1-D and 3-D ops are made of) as
# torch counts its conv.
@register_flop_formula(torch.ops.convlab.conv2d)
def _conv2d_flops(x_shape, w_shape, _bias, _stride, _padding, _dilation, _groups, *args,
                  out_shape=None, **kwargs) -> int:
    return conv_flop_count(x_shape, w_shape, out_shape, transposed=False)


@register_flop_formula(torch.ops.convlab.conv2d_backward)
def _conv2d_backward_flops(grad_out_shape, x_shape, w_shape, *args, out_shape=None,
                           **kwargs) -> int:
    # torch's conv_backward_flop for a plain convolution: grad_input is a transposed
    # convolution of grad_output with the weight, grad_weight one of the input with grad_output.
    output_mask = args[4]

    def channels_first(shape):
        return [shape[1], shape[0], *shape[2:]]

    flops = 0
    if output_mask[0]:
        flops += conv_flop_count(grad_out_shape, w_shape, x_shape, transposed=True)
    if output_mask[1]:
        flops += conv_flop_count(channels_first(x_shape), channels_first(grad_out_shape),
                                 channels_first(w_shape), transposed=False)
    return flops


# conv1d and conv3d, CompositeImplicitAutograd: made of conv2d calls, so autograd, fake tensors
# and torch.compile take everything from conv2d's registrations. `algorithm` is what each of
# their 2-D convolutions runs.
_library = torch.library.Library("convlab", "FRAGMENT")


def _composed(compose, dims):
    def op(input, weight, bias, stride, padding, dilation, groups, algorithm="auto"):
        def conv2d(*args):
            return convlab.conv2d(*args, algorithm)

        return compose(conv2d, input, weight, bias, stride, padding, dilation, groups)

    _library.define(
        f"conv{dims}d(Tensor input, Tensor weight, Tensor? bias, int[{dims}] stride, "
        f"int[{dims}] padding, int[{dims}] dilation, int groups, str algorithm=\"auto\") -> Tensor")
    _library.impl(f"conv{dims}d", op, "CompositeImplicitAutograd")


_composed(nd.conv1d, 1)
_composed(nd.conv3d, 3)


# The backends' functions, with torch.nn.functional's signatures and argument forms.

def _conv(dims, run, input, weight, bias, stride, padding, dilation, groups, **options):
    input, was_batched, stride, padding, dilation = conv_arguments(
        input, weight, stride, padding, dilation, groups, dims, f"conv{dims}d")
    return unbatch(run(input, weight, bias, stride, padding, dilation, groups, **options),
                   was_batched)


def _convlab_conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm):
    algorithm = algorithm_argument(input, weight, stride, padding, dilation, groups, algorithm)
    note_call(input, weight, stride, padding, dilation, groups, algorithm)
    return convlab.conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm)


def _convlab_composed(dims):
    def run(input, weight, bias, stride, padding, dilation, groups, algorithm):
        op = getattr(convlab, f"conv{dims}d")
        return op(input, weight, bias, stride, padding, dilation, groups,
                  check_algorithm(algorithm))

    return run


_CUSTOM_DOCS = {
    1: "torch.nn.functional.conv1d as convlab's conv2d on a unit-height view; `algorithm` (one "
       "of ops.CONV2D_ALGORITHMS) is what that 2-D convolution runs.",
    2: "torch.nn.functional.conv2d on convlab's kernels; `algorithm` is one of "
       "ops.CONV2D_ALGORITHMS (\"auto\": the rule table, or the fastest in benchmark mode).",
    3: "torch.nn.functional.conv3d as a sum over the kernel's depth taps of convlab conv2d calls "
       "(ops/nd.py); `algorithm` (one of ops.CONV2D_ALGORITHMS) is what each of them runs.",
}


def _custom(dims, run):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
             algorithm="auto"):
        return _conv(dims, run, input, weight, bias, stride, padding, dilation, groups,
                     algorithm=algorithm)

    conv.__name__ = conv.__qualname__ = f"conv{dims}d"
    conv.__doc__ = _CUSTOM_DOCS[dims]
    return conv


def _python(dims, run):
    def conv(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        return _conv(dims, run, input, weight, bias, stride, padding, dilation, groups)

    conv.__name__ = conv.__qualname__ = f"conv{dims}d"
    conv.__doc__ = f"torch.nn.functional.conv{dims}d on the python backend's autograd Function."
    return announced(conv, tensor_arguments=2)


# Modules: torch.nn's conv classes with `_conv_forward` calling a backend's function.

class BackendConv:
    """A conv module whose convolution is a backend's function (`_function`, set per class)."""

    _function = None

    def _options(self) -> dict:
        return {}

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._function
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups,
                        **self._options())
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups,
                    **self._options())


class ConvlabConv(BackendConv):
    """A convlab convolution module: torch's, plus `algorithm` (one of ops.CONV2D_ALGORITHMS,
    what its 2-D convolutions run), which is not part of the state_dict. A layer converted
    from torch's class gets the class default, "auto"."""

    algorithm = "auto"

    def __init__(self, *args, algorithm="auto", **kwargs):
        super().__init__(*args, **kwargs)
        self.algorithm = check_algorithm(algorithm)

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.algorithm == "auto" else f"{text}, algorithm={self.algorithm!r}"

    def _options(self) -> dict:
        return {"algorithm": self.algorithm}


def use_algorithm(model: nn.Module, algorithm: str) -> nn.Module:
    """Make every convlab convolution (Conv1d, Conv2d, Conv3d) of `model` use `algorithm`;
    returns the model."""
    check_algorithm(algorithm)
    for module in model.modules():
        if isinstance(module, ConvlabConv):
            module.algorithm = algorithm
    return model


def _python_composed(compose, dims):
    return partial(compose, Conv2dFunction.apply, op=f"conv{dims}d")


FAMILY = LayerFamily(
    kind="conv",
    functions={
        "custom": {1: _custom(1, _convlab_composed(1)), 2: _custom(2, _convlab_conv2d),
                   3: _custom(3, _convlab_composed(3))},
        # Python autograd Functions with hand-written backward passes, no torch conv; 1-D and
        # 3-D through the same compositions as convlab's (ops/nd.py).
        "python": {1: _python(1, _python_composed(nd.conv1d, 1)), 2: _python(2, Conv2dFunction.apply),
                   3: _python(3, _python_composed(nd.conv3d, 3))},
    },
    module_mixins={"custom": ConvlabConv, "python": BackendConv},
)
