"""torch.nn.functional's argument forms (ints or sequences, unbatched inputs, padding='same'),
parsed once for every backend's functions, and the announcement to torch-function modes
that torch.nn.functional's own Python functions make."""

import functools
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from torch.overrides import handle_torch_function, has_torch_function

COUNT_WORDS = {1: "a sequence of one int", 2: "a pair of ints", 3: "a triple of ints"}
_LAYOUTS = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)"),
            3: ("(C, D, H, W)", "(N, C, D, H, W)")}


def int_tuple(value, name: str, dims: int = 2) -> list[int]:
    """An int or a sequence of `dims` ints (or of one, repeated) as a list of `dims` ints."""
    if isinstance(value, bool) or not isinstance(value, (int, Sequence)):
        raise TypeError(f"{name} must be an int or {COUNT_WORDS[dims]}, got {value!r}")
    values = [value] * dims if isinstance(value, int) else list(value)
    if len(values) == 1:
        values = values * dims
    if len(values) != dims or not all(isinstance(v, int) and not isinstance(v, bool)
                                      for v in values):
        raise ValueError(f"{name} must be an int or {COUNT_WORDS[dims]}, got {value!r}")
    return values


def pair(value, name: str) -> list[int]:
    return int_tuple(value, name, 2)


def batched(input: torch.Tensor, op: str, dims: int = 2) -> tuple[torch.Tensor, bool]:
    """Accept an unbatched input, (C, H, W) for 2-D layers, like torch.nn.functional by adding
    a batch dimension."""
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{op}: input must be a torch.Tensor, got {type(input).__name__}")
    if input.dim() not in (dims + 1, dims + 2):
        unbatched_layout, batched_layout = _LAYOUTS[dims]
        raise ValueError(
            f"{op}: expected input to be {dims + 1}-D {unbatched_layout} or {dims + 2}-D {batched_layout}, got "
            f"{input.dim()}-D with shape {tuple(input.shape)}")
    return (input, True) if input.dim() == dims + 2 else (input.unsqueeze(0), False)


def unbatch(output: torch.Tensor, was_batched: bool) -> torch.Tensor:
    return output if was_batched else output.squeeze(0)


def stride_or_kernel(stride, kernel_size: list[int]) -> list[int]:
    """Pooling stride defaults to the kernel size (None or an empty sequence, as in torch)."""
    if stride is None or (isinstance(stride, Sequence) and len(stride) == 0):
        return kernel_size
    return int_tuple(stride, "stride", len(kernel_size))


def same_padding(input, weight, stride, dilation, op="conv2d"):
    """'same' padding as torch does it: symmetric where it can, one extra row (column, depth
    slice) at the end where the total padding is odd."""
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
    total = [d * (weight.size(2 + i) - 1) for i, d in enumerate(dilation)]
    padding = [t // 2 for t in total]
    extra = [t - 2 * p for t, p in zip(total, padding)]
    if any(extra):
        # F.pad lists the last dimension first.
        input = F.pad(input, [size for e in reversed(extra) for size in (0, e)])
    return input, padding


def conv_arguments(input, weight, stride, padding, dilation, groups, dims, op):
    """torch.nn.functional's conv arguments as convlab's op takes them: the batched input
    (padded at the end for an odd 'same'), whether it came batched, stride, padding, dilation."""
    input, was_batched = batched(input, op, dims)
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"{op}: weight must be a torch.Tensor, got {type(weight).__name__}")
    # Checked here because padding='same' reads the kernel size before the op's own check.
    if weight.dim() != dims + 2:
        kernel = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}[dims]
        raise ValueError(f"{op}: expected weight to be {dims + 2}-D (out_channels, in_channels / "
                         f"groups, {kernel}), got {weight.dim()}-D with shape "
                         f"{tuple(weight.shape)}")
    stride = int_tuple(stride, "stride", dims)
    dilation = int_tuple(dilation, "dilation", dims)
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0] * dims
        elif padding == "same":
            input, padding = same_padding(input, weight, stride, dilation, op)
        else:
            raise ValueError(f"{op}: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = int_tuple(padding, "padding", dims)
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    return input, was_batched, stride, padding, dilation


def announced(function, tensor_arguments: int):
    """`function` as torch.nn.functional's Python functions behave: a call with tensor-like
    arguments or inside a torch-function mode goes through torch's override protocol first,
    so that `with ops.backend(...)` routes it and the op counter sees it. Its first
    `tensor_arguments` positional arguments (and a `bias` keyword) are the tensors."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        tensors = tuple(a for a in (*args[:tensor_arguments], kwargs.get("bias"))
                        if isinstance(a, torch.Tensor))
        if has_torch_function(tensors):
            return handle_torch_function(wrapper, tensors, *args, **kwargs)
        return function(*args, **kwargs)

    return wrapper
