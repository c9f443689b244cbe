"""Conv2d algorithms written in Python, through the door the C++ ones use.

`register_conv2d_algorithm` adds an entry to csrc/conv2d/'s registry
(csrc/conv2d/python_algorithms.cpp) whose forward, gradients and shape check call the Python
functions kept here, so the name works wherever an algorithm's name does: ops.conv2d(...,
algorithm=name), ops.Conv2d, ops.use_algorithm, the op.algorithm config key, benchmark mode,
algorithms.json, torch.ops.convlab.conv2d itself (torch.compile, opcheck, double backward)."""

import re
from collections.abc import Callable
from typing import NamedTuple

import torch

from . import algorithms
from ._shapes import conv_output_size

convlab = torch.ops.convlab

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class PythonAlgorithm(NamedTuple):
    forward: Callable
    grad_input: Callable | None
    grad_weight: Callable | None
    supports: Callable | None


_registered: dict[str, PythonAlgorithm] = {}


def register_conv2d_algorithm(name: str, forward: Callable, grad_input: Callable | None = None,
                              grad_weight: Callable | None = None,
                              supports: Callable | None = None, *,
                              float32_error_ratio: float = 10.0) -> str:
    """Register a conv2d algorithm written in Python under `name`; returns the name.

    forward(input, weight, bias, stride, padding, dilation, groups) -> output, and
    grad_input / grad_weight(grad_output, input, weight, stride, padding, dilation, groups)
    -> that gradient, with stride, padding and dilation as pairs of ints and the tensors as
    the caller passed them (any layout). A gradient left out runs through im2col; convlab
    computes grad_bias. supports(input, weight, stride, padding, dilation, groups) gets
    shape-only (meta) tensors and returns None, or why the algorithm cannot do that shape (the
    ValueError's text when the algorithm is forced on it). float32_error_ratio is the most
    times native's float32 error the algorithm promises (prove.py checks it). Registering a
    name again replaces the Python algorithm of that name; a built-in name is refused."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name == "auto":
        raise ValueError(f"register_conv2d_algorithm: name must be an identifier other than "
                         f"'auto', got {name!r}")
    for argument, value in (("forward", forward), ("grad_input", grad_input),
                            ("grad_weight", grad_weight), ("supports", supports)):
        if not callable(value) and not (value is None and argument != "forward"):
            raise TypeError(f"register_conv2d_algorithm: {argument} must be callable"
                            f"{'' if argument == 'forward' else ' or None'}, got {value!r}")
    if not float32_error_ratio > 0:
        raise ValueError("register_conv2d_algorithm: float32_error_ratio must be positive, got "
                         f"{float32_error_ratio!r}")
    if name in algorithms.CONV2D_ALGORITHMS and name not in _registered:
        raise ValueError(f"register_conv2d_algorithm: {name!r} is a built-in algorithm")
    _registered[name] = PythonAlgorithm(forward, grad_input, grad_weight, supports)
    convlab._register_python_conv2d_algorithm(name, grad_input is not None,
                                              grad_weight is not None, float(float32_error_ratio))
    algorithms.registry_changed()
    return name


def unregister_conv2d_algorithm(name: str) -> None:
    """Remove an algorithm register_conv2d_algorithm added."""
    if name not in _registered:
        raise ValueError(f"unregister_conv2d_algorithm: {name!r} is not a registered Python "
                         f"algorithm (those are {python_algorithms()})")
    convlab._unregister_python_conv2d_algorithm(name)
    del _registered[name]
    algorithms.registry_changed()


def python_algorithms() -> tuple[str, ...]:
    """The names register_conv2d_algorithm added, sorted."""
    return tuple(sorted(_registered))


def _called(what: str, function, *args):
    """function(*args); an error other than an argument's (ValueError, TypeError) is re-raised
    naming `what` raised it, so a failing gradient is found by name."""
    try:
        return function(*args)
    except (ValueError, TypeError):
        raise
    except Exception as error:
        raise RuntimeError(f"{what} raised {type(error).__name__}: {error}") from error


def _checked(result, shape, like, what: str) -> torch.Tensor:
    """The algorithm's result, contiguous, if it is a tensor of the expected shape, dtype and
    device."""
    if not isinstance(result, torch.Tensor):
        raise TypeError(f"{what} must return a tensor, got {type(result).__name__}")
    if tuple(result.shape) != tuple(shape) or result.dtype != like.dtype or \
            result.device != like.device:
        raise ValueError(f"{what} returned a {result.dtype} tensor of shape "
                         f"{tuple(result.shape)} on {result.device}; expected {like.dtype}, "
                         f"shape {tuple(shape)}, on {like.device}")
    # Dense like the C++ algorithms' results, as the op's fake kernel promises.
    return result.contiguous()


@torch.library.impl("convlab::python_conv2d_unsupported", "CompositeImplicitAutograd")
def _unsupported(algorithm, input_shape, weight_shape, stride, padding, dilation, groups):
    supports = _registered[algorithm].supports
    if supports is None:
        return ""
    reason = supports(torch.empty(input_shape, device="meta"),
                      torch.empty(weight_shape, device="meta"),
                      tuple(stride), tuple(padding), tuple(dilation), groups)
    return "" if reason is None else str(reason)


@torch.library.impl("convlab::python_conv2d_forward", "CompositeExplicitAutograd")
def _forward(algorithm, input, weight, bias, stride, padding, dilation, groups):
    what = f"conv2d algorithm {algorithm!r}'s forward"
    output = _called(what, _registered[algorithm].forward, input, weight, bias, tuple(stride),
                     tuple(padding), tuple(dilation), groups)
    shape = (input.size(0), weight.size(0), *(
        conv_output_size(input.size(2 + i), weight.size(2 + i), stride[i], padding[i],
                         dilation[i]) for i in range(2)))
    return _checked(output, shape, input, what)


@torch.library.impl("convlab::python_conv2d_gradient", "CompositeExplicitAutograd")
def _gradient(algorithm, gradient, grad_output, input, weight, stride, padding, dilation, groups):
    what = f"conv2d algorithm {algorithm!r}'s {gradient}"
    result = _called(what, getattr(_registered[algorithm], gradient), grad_output, input, weight,
                     tuple(stride), tuple(padding), tuple(dilation), groups)
    like = input if gradient == "grad_input" else weight
    return _checked(result, like.shape, like, what)
