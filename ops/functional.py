"""convlab's functional API, with torch.nn.functional's signatures and argument forms.
Every call runs a convlab kernel; nothing here falls back to torch's own conv or pooling."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from .algorithms import algorithm_argument, check_algorithm, note_call

convlab = torch.ops.convlab


_COUNT = {1: "a sequence of one int", 2: "a pair of ints", 3: "a triple of ints"}
_LAYOUTS = {1: ("(C, L)", "(N, C, L)"), 2: ("(C, H, W)", "(N, C, H, W)"),
            3: ("(C, D, H, W)", "(N, C, D, H, W)")}


def _tuple(value, name: str, dims: int = 2) -> list[int]:
    """An int or a sequence of `dims` ints (or of one, repeated) as a list of `dims` ints."""
    if isinstance(value, bool) or not isinstance(value, (int, Sequence)):
        raise TypeError(f"{name} must be an int or {_COUNT[dims]}, got {value!r}")
    values = [value] * dims if isinstance(value, int) else list(value)
    if len(values) == 1:
        values = values * dims
    if len(values) != dims or not all(isinstance(v, int) and not isinstance(v, bool)
                                      for v in values):
        raise ValueError(f"{name} must be an int or {_COUNT[dims]}, got {value!r}")
    return values


def _pair(value, name: str) -> list[int]:
    return _tuple(value, name, 2)


def _batched(input: torch.Tensor, op: str, dims: int = 2) -> tuple[torch.Tensor, bool]:
    """Accept an unbatched input, (C, H, W) for 2-D layers, like torch.nn.functional by adding
    a batch dimension."""
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{op}: input must be a torch.Tensor, got {type(input).__name__}")
    if input.dim() not in (dims + 1, dims + 2):
        unbatched, batched = _LAYOUTS[dims]
        raise ValueError(
            f"{op}: expected input to be {dims + 1}-D {unbatched} or {dims + 2}-D {batched}, got "
            f"{input.dim()}-D with shape {tuple(input.shape)}")
    return (input, True) if input.dim() == dims + 2 else (input.unsqueeze(0), False)


def _unbatch(output: torch.Tensor, batched: bool) -> torch.Tensor:
    return output if batched else output.squeeze(0)


def _stride_or_kernel(stride, kernel_size: list[int]) -> list[int]:
    """Pooling stride defaults to the kernel size (None or an empty sequence, as in torch)."""
    if stride is None or (isinstance(stride, Sequence) and len(stride) == 0):
        return kernel_size
    return _tuple(stride, "stride", len(kernel_size))


def _same_padding(input, weight, stride, dilation, op="conv2d"):
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


def _conv_arguments(input, weight, stride, padding, dilation, groups, dims, op):
    """torch.nn.functional's conv arguments as convlab's op takes them: the batched input
    (padded at the end for an odd 'same'), whether it came batched, stride, padding, dilation."""
    input, batched = _batched(input, op, dims)
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"{op}: weight must be a torch.Tensor, got {type(weight).__name__}")
    # Checked here because padding='same' reads the kernel size before the op's own check.
    if weight.dim() != dims + 2:
        kernel = {1: "kL", 2: "kH, kW", 3: "kD, kH, kW"}[dims]
        raise ValueError(f"{op}: expected weight to be {dims + 2}-D (out_channels, in_channels / "
                         f"groups, {kernel}), got {weight.dim()}-D with shape "
                         f"{tuple(weight.shape)}")
    stride = _tuple(stride, "stride", dims)
    dilation = _tuple(dilation, "dilation", dims)
    if isinstance(padding, str):
        if padding == "valid":
            padding = [0] * dims
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation, op)
        else:
            raise ValueError(f"{op}: padding must be 'valid', 'same' or ints, got {padding!r}")
    else:
        padding = _tuple(padding, "padding", dims)
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"{op}: groups must be an int, got {groups!r}")
    return input, batched, stride, padding, dilation


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           algorithm="auto"):
    """torch.nn.functional.conv2d on convlab's kernels; `algorithm` is one of
    ops.CONV2D_ALGORITHMS ("auto": the rule table, or the fastest in benchmark mode)."""
    input, batched, stride, padding, dilation = _conv_arguments(
        input, weight, stride, padding, dilation, groups, 2, "conv2d")
    algorithm = algorithm_argument(input, weight, stride, padding, dilation, groups, algorithm)
    note_call(input, weight, stride, padding, dilation, groups, algorithm)
    output = convlab.conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm)
    return _unbatch(output, batched)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           algorithm="auto"):
    """torch.nn.functional.conv1d as convlab's conv2d on a unit-height view; `algorithm` (one
    of ops.CONV2D_ALGORITHMS) is what that 2-D convolution runs."""
    input, batched, stride, padding, dilation = _conv_arguments(
        input, weight, stride, padding, dilation, groups, 1, "conv1d")
    output = convlab.conv1d(input, weight, bias, stride, padding, dilation, groups,
                            check_algorithm(algorithm))
    return _unbatch(output, batched)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, *,
           algorithm="auto"):
    """torch.nn.functional.conv3d as a sum over the kernel's depth taps of convlab conv2d
    calls (ops/nd.py); `algorithm` (one of ops.CONV2D_ALGORITHMS) is what each of them runs."""
    input, batched, stride, padding, dilation = _conv_arguments(
        input, weight, stride, padding, dilation, groups, 3, "conv3d")
    output = convlab.conv3d(input, weight, bias, stride, padding, dilation, groups,
                            check_algorithm(algorithm))
    return _unbatch(output, batched)


def _max_pool(run, dims, op, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    """torch.nn.functional.max_pool{dims}d's arguments to `run`, a max-pool op (4-D: convlab's
    or a backend's), which returns values and indices."""
    input, batched = _batched(input, op, dims)
    kernel_size = _tuple(kernel_size, "kernel_size", dims)
    output, indices = run(input, kernel_size, _stride_or_kernel(stride, kernel_size),
                          _tuple(padding, "padding", dims), _tuple(dilation, "dilation", dims),
                          bool(ceil_mode))
    if return_indices:
        return _unbatch(output, batched), _unbatch(indices, batched)
    return _unbatch(output, batched)


def _avg_pool(run, dims, op, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              *divisor_override):
    input, batched = _batched(input, op, dims)
    kernel_size = _tuple(kernel_size, "kernel_size", dims)
    output = run(input, kernel_size, _stride_or_kernel(stride, kernel_size),
                 _tuple(padding, "padding", dims), bool(ceil_mode), bool(count_include_pad),
                 *divisor_override)
    return _unbatch(output, batched)


def _adaptive_avg_pool(run, dims, op, input, output_size):
    input, batched = _batched(input, op, dims)
    sizes = [output_size] * dims if not isinstance(output_size, Sequence) else list(output_size)
    if len(sizes) == 1:
        sizes = sizes * dims
    if len(sizes) != dims:
        raise ValueError(f"{op}: output_size must be an int or {_COUNT[dims]} (or None), "
                         f"got {output_size!r}")
    # None keeps the input's size along that axis, as in torch.
    sizes = [input.size(2 + i) if s is None else s for i, s in enumerate(sizes)]
    sizes = _tuple(sizes, "output_size", dims)
    if min(sizes) < 0:
        raise ValueError(f"{op}: output_size must be >= 0, got {output_size!r}")
    if min(sizes) == 0:
        if not input.is_floating_point():
            raise TypeError(f"{op}: expected a floating-point input dtype, got {input.dtype}")
        # An empty output, as torch gives: no window to average, so no kernel to run (the
        # kernel's check wants sizes >= 1). A zero-element view of the input keeps the result
        # on the autograd graph, whose gradient for the input is then zero, like torch's.
        output = input.reshape(-1)[:0].reshape(input.size(0), input.size(1), *sizes)
        return _unbatch(output, batched)
    return _unbatch(run(input, sizes), batched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(convlab.max_pool1d, 1, "max_pool1d", input, kernel_size, stride, padding,
                     dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(convlab.max_pool2d, 2, "max_pool2d", input, kernel_size, stride, padding,
                     dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(convlab.max_pool3d, 3, "max_pool3d", input, kernel_size, stride, padding,
                     dilation, ceil_mode, return_indices)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _avg_pool(convlab.avg_pool1d, 1, "avg_pool1d", input, kernel_size, stride, padding,
                     ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(convlab.avg_pool2d, 2, "avg_pool2d", input, kernel_size, stride, padding,
                     ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    return _avg_pool(convlab.avg_pool3d, 3, "avg_pool3d", input, kernel_size, stride, padding,
                     ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool1d(input, output_size):
    return _adaptive_avg_pool(convlab.adaptive_avg_pool1d, 1, "adaptive_avg_pool1d", input,
                              output_size)


def adaptive_avg_pool2d(input, output_size):
    return _adaptive_avg_pool(convlab.adaptive_avg_pool2d, 2, "adaptive_avg_pool2d", input,
                              output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive_avg_pool(convlab.adaptive_avg_pool3d, 3, "adaptive_avg_pool3d", input,
                              output_size)
