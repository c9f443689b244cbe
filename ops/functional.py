"""convlab's functional API, with torch.nn.functional's signatures and argument forms.
Every call runs a convlab kernel; nothing here falls back to torch's own conv or pooling."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .algorithms import algorithm_argument, note_call

convlab = torch.ops.convlab


def _pair(value, name: str) -> list[int]:
    if isinstance(value, bool) or not isinstance(value, (int, Sequence)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    pair = [value, value] if isinstance(value, int) else list(value)
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return pair


def _batched(input: torch.Tensor, op: str) -> tuple[torch.Tensor, bool]:
    """Accept (C, H, W) like torch.nn.functional by adding a batch dimension."""
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{op}: input must be a torch.Tensor, got {type(input).__name__}")
    if input.dim() not in (3, 4):
        raise ValueError(
            f"{op}: expected input to be 3-D (C, H, W) or 4-D (N, C, H, W), got "
            f"{input.dim()}-D with shape {tuple(input.shape)}")
    return (input, True) if input.dim() == 4 else (input.unsqueeze(0), False)


def _unbatch(output: torch.Tensor, batched: bool) -> torch.Tensor:
    return output if batched else output.squeeze(0)


def _stride_or_kernel(stride, kernel_size: list[int]) -> list[int]:
    """Pooling stride defaults to the kernel size (None or an empty sequence, as in torch)."""
    if stride is None or (isinstance(stride, Sequence) and len(stride) == 0):
        return kernel_size
    return _pair(stride, "stride")


def _same_padding(input, weight, stride, dilation):
    """'same' padding as torch does it: symmetric where it can, one extra row or column
    at the bottom/right where the total padding is odd."""
    if stride != [1, 1]:
        raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
    total = [dilation[i] * (weight.size(2 + i) - 1) for i in range(2)]
    padding = [t // 2 for t in total]
    extra_h, extra_w = (t - 2 * p for t, p in zip(total, padding))
    if extra_h or extra_w:
        input = F.pad(input, [0, extra_w, 0, extra_h])
    return input, padding


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           algorithm="auto"):
    """torch.nn.functional.conv2d on convlab's kernels; `algorithm` is one of
    ops.CONV2D_ALGORITHMS ("auto": the rule table, or the fastest in benchmark mode)."""
    input, batched = _batched(input, "conv2d")
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"conv2d: weight must be a torch.Tensor, got {type(weight).__name__}")
    # Checked here because padding='same' reads the kernel size before the op's own check.
    if weight.dim() != 4:
        raise ValueError(f"conv2d: expected weight to be 4-D (out_channels, in_channels / groups, "
                         f"kH, kW), got {weight.dim()}-D with shape {tuple(weight.shape)}")
    stride = _pair(stride, "stride")
    dilation = _pair(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0, 0]
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation)
        else:
            raise ValueError(f"conv2d: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = _pair(padding, "padding")
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"conv2d: groups must be an int, got {groups!r}")
    algorithm = algorithm_argument(input, weight, stride, padding, dilation, groups, algorithm)
    note_call(input, weight, stride, padding, dilation, groups, algorithm)
    output = convlab.conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm)
    return _unbatch(output, batched)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    input, batched = _batched(input, "max_pool2d")
    kernel_size = _pair(kernel_size, "kernel_size")
    stride = _stride_or_kernel(stride, kernel_size)
    output, indices = convlab.max_pool2d(
        input, kernel_size, stride, _pair(padding, "padding"), _pair(dilation, "dilation"),
        bool(ceil_mode))
    if return_indices:
        return _unbatch(output, batched), _unbatch(indices, batched)
    return _unbatch(output, batched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    input, batched = _batched(input, "avg_pool2d")
    kernel_size = _pair(kernel_size, "kernel_size")
    stride = _stride_or_kernel(stride, kernel_size)
    output = convlab.avg_pool2d(
        input, kernel_size, stride, _pair(padding, "padding"), bool(ceil_mode),
        bool(count_include_pad), divisor_override)
    return _unbatch(output, batched)


def adaptive_avg_pool2d(input, output_size):
    input, batched = _batched(input, "adaptive_avg_pool2d")
    sizes = [output_size, output_size] if not isinstance(output_size, Sequence) else list(output_size)
    if len(sizes) == 1:
        sizes = sizes * 2
    if len(sizes) != 2:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got {output_size!r}")
    # None keeps the input's size along that axis, as in torch.
    sizes = [input.size(2 + i) if s is None else s for i, s in enumerate(sizes)]
    sizes = _pair(sizes, "output_size")
    if min(sizes) < 0:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be >= 0, got {output_size!r}")
    if min(sizes) == 0:
        if not input.is_floating_point():
            raise TypeError(f"adaptive_avg_pool2d: expected a floating-point input dtype, got {input.dtype}")
        # An empty output, as torch gives: no window to average, so no kernel to run (the
        # kernel's check wants sizes >= 1). A zero-element view of the input keeps the result
        # on the autograd graph, whose gradient for the input is then zero, like torch's.
        output = input.reshape(-1)[:0].reshape(input.size(0), input.size(1), *sizes)
        return _unbatch(output, batched)
    output = convlab.adaptive_avg_pool2d(input, sizes)
    return _unbatch(output, batched)
