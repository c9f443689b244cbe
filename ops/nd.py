"""1-D and 3-D convolution and pooling, each written once through a backend's 2-D functions.

No 1-D or 3-D kernel exists anywhere in convlab. A 1-D layer is its 2-D layer on a unit-height
view (what ATen itself does for conv1d and the 1-D pools). A 3-D layer walks the kernel's depth
taps: tap t of output depth od reads input depth od * stride - padding + t * dilation, and
depth slices that fall in the padding are skipped, so they contribute nothing.

- conv3d: for each depth tap, one 2-D convolution with that tap's (kH, kW) filters over a batch
  of (batch x output depth) input slices gathered for it; the taps' results are summed and the
  bias is added once.
- max_pool3d: every depth slice is max-pooled in 2-D once; each depth tap then gathers the
  pooled slices its windows read, and the taps are combined with torch's rule (the first
  maximum in (d, h, w) scan order wins, a NaN always wins), giving torch's 3-D flat indices
  d * H * W + h * W + w.
- avg_pool3d: torch's divisor is separable (depth count x height-width count, each with the
  count_include_pad rule), so the taps' 2-D averages are summed and divided by the depth count.
  With divisor_override the 2-D pools sum (divisor 1) and the total is divided by it.
- adaptive_avg_pool3d: each output depth averages the 2-D adaptive averages of the depth slices
  in its adaptive bin.

Every function takes the 2-D function it builds on first, with the signature of convlab's
2-D op (batched 4-D input, list arguments; max pooling returns values and indices), so
convlab's registered 1-D/3-D ops (registered in each family's file: ops/conv.py,
ops/max_pool.py, ...) are made of convlab's 2-D ops and the python backend's of its own 2-D
autograd Functions. Arguments are checked
here, in the N-d layer's words, before any 2-D call."""

import torch

from ._shapes import conv_output_size, pool_output_size

_LAYOUT = {1: "(N, C, L)", 3: "(N, C, D, H, W)"}
_SPATIAL = {1: "length", 3: "depth, height and width"}


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _check_input(input, dims: int, op: str, name: str = "input") -> None:
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"{op}: {name} must be a torch.Tensor, got {type(input).__name__}")
    _check(input.dim() == dims + 2,
           f"{op}: expected {name} to be a {dims + 2}-D tensor {_LAYOUT[dims]}, got "
           f"{input.dim()}-D with shape {tuple(input.shape)}")


def _check_list(values, dims: int, op: str, name: str, minimum: int) -> list[int]:
    values = list(values)
    _check(len(values) == dims, f"{op}: {name} must have {dims} element{'s' * (dims > 1)}, "
                                f"got {values}")
    _check(all(v >= minimum for v in values), f"{op}: {name} must be >= {minimum}, got {values}")
    return values


def _padded(input, padding) -> tuple:
    return tuple(input.size(2 + i) + 2 * p for i, p in enumerate(padding))


def _check_conv(input, weight, bias, stride, padding, dilation, groups, dims, op):
    _check_input(input, dims, op)
    _check_input(weight, dims, op, "weight")
    stride = _check_list(stride, dims, op, "stride", 1)
    padding = _check_list(padding, dims, op, "padding", 0)
    dilation = _check_list(dilation, dims, op, "dilation", 1)
    _check(groups >= 1, f"{op}: groups must be >= 1, got {groups}")
    channels, out_channels = input.size(1), weight.size(0)
    _check(channels % groups == 0,
           f"{op}: input channels ({channels}) must be divisible by groups ({groups})")
    _check(out_channels >= 1 and out_channels % groups == 0,
           f"{op}: weight.size(0) (out_channels = {out_channels}) must be a positive multiple "
           f"of groups ({groups})")
    _check(weight.size(1) * groups == channels,
           f"{op}: input has {channels} channels but weight of shape {tuple(weight.shape)} with "
           f"groups={groups} expects {weight.size(1) * groups}")
    kernel = tuple(weight.shape[2:])
    _check(min(kernel) >= 1, f"{op}: weight kernel size must be >= 1, got {tuple(weight.shape)}")
    if bias is not None:
        if bias.device != input.device:
            raise ValueError(f"{op}: input is on {input.device} but bias is on {bias.device}")
        if bias.dtype != input.dtype:
            raise TypeError(f"{op}: input has dtype {input.dtype} but bias has dtype {bias.dtype}")
        _check(bias.dim() == 1 and bias.size(0) == out_channels,
               f"{op}: expected bias of shape ({out_channels}), got {tuple(bias.shape)}")
    _check(all(size >= d * (k - 1) + 1 for size, k, d in zip(_padded(input, padding), kernel, dilation)),
           f"{op}: kernel size {kernel} with dilation {dilation} is larger than the padded input "
           f"{_padded(input, padding)}")
    return stride, padding, dilation


def _check_pool_input(input, dims, op):
    _check_input(input, dims, op)
    _check(min(input.shape[1:]) > 0,
           f"{op}: expected input with non-zero channels, {_SPATIAL[dims]}, got shape "
           f"{tuple(input.shape)}")


def _check_window(input, kernel_size, stride, padding, dilation, ceil_mode, dims, op):
    """Sliding-window pooling arguments, as csrc/pool2d/pool2d.cpp checks them; returns the
    output sizes."""
    _check_pool_input(input, dims, op)
    kernel_size = _check_list(kernel_size, dims, op, "kernel_size", 1)
    stride = _check_list(stride, dims, op, "stride", 1)
    padding = _check_list(padding, dims, op, "padding", 0)
    dilation = _check_list(dilation, dims, op, "dilation", 1)
    _check(all(p <= k // 2 for p, k in zip(padding, kernel_size)),
           f"{op}: padding {padding} must be at most half of kernel_size {kernel_size}")
    sizes = [pool_output_size(input.size(2 + i), kernel_size[i], stride[i], padding[i],
                              dilation[i], ceil_mode) for i in range(dims)]
    _check(min(sizes) >= 1,
           f"{op}: kernel_size {kernel_size} with dilation {dilation} is larger than the padded "
           f"input {_padded(input, padding)}")
    return sizes


def _taps(size, out, kernel, stride, padding, dilation):
    """Per depth tap t: (t, first, count, start). Outputs first ... first + count - 1 read
    input depths start, start + stride, ...; the tap's other outputs would read padding."""
    for t in range(kernel):
        offset = t * dilation - padding  # the input depth output 0 reads under this tap
        first = max(0, -(offset // stride))
        count = max(0, min(out, (size - 1 - offset) // stride + 1) - first)
        yield t, first, count, first * stride + offset


def _slices(input, start, count, stride):
    """(N, C, count, H, W): the depth slices start, start + stride, ... of input."""
    return input[:, :, start:start + stride * (count - 1) + 1:stride]


def _place(tensor, dim, first, out):
    """`tensor` at positions first, first + 1, ... of a length-`out` axis `dim`, zeros around.
    (Concatenated, not F.pad: with dynamic shapes F.pad's backward, a negative pad, was traced
    contiguous but ran with the gradient's strides, and a later view failed; opcheck's
    test_aot_dispatch_dynamic of conv3d caught it.)"""
    def zeros(length):
        shape = list(tensor.shape)
        shape[dim] = length
        return tensor.new_zeros(shape)

    return torch.cat([zeros(first), tensor, zeros(out - first - tensor.size(dim))], dim)


def _window_starts(out, stride, padding, like):
    return torch.arange(out, device=like.device) * stride - padding


def _per_depth(values):
    """A per-output-depth vector, shaped to broadcast over (N, C, D, H, W)."""
    return values.view(1, 1, -1, 1, 1)


def conv1d(conv2d, input, weight, bias, stride, padding, dilation, groups, op="convlab.conv1d"):
    stride, padding, dilation = _check_conv(input, weight, bias, stride, padding, dilation,
                                            groups, 1, op)
    output = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, [1, *stride], [0, *padding],
                    [1, *dilation], groups)
    return output.squeeze(2)


def conv3d(conv2d, input, weight, bias, stride, padding, dilation, groups, op="convlab.conv3d"):
    stride, padding, dilation = _check_conv(input, weight, bias, stride, padding, dilation,
                                            groups, 3, op)
    batch, channels, depth, height, width = input.shape
    out = conv_output_size(depth, weight.size(2), stride[0], padding[0], dilation[0])
    taps = list(_taps(depth, out, weight.size(2), stride[0], padding[0], dilation[0]))
    # A depth tap that reads only padding adds nothing. If every tap does (padding far larger
    # than the input), one runs on an empty batch, so that the output (the bias alone) still
    # depends on input and weight, whose gradients are then zero, as in torch.
    used = [tap for tap in taps if tap[2] > 0] or [(0, 0, 0, 0)]
    total = None
    for t, first, count, start in used:
        slices = _slices(input, start, count, stride[0]) if count else input[:, :, :0]
        # (N, count, C, H, W) -> one 2-D batch of N x count images.
        images = slices.transpose(1, 2).reshape(batch * count, channels, height, width)
        result = conv2d(images, weight[:, :, t], None, stride[1:], padding[1:], dilation[1:],
                        groups)
        result = _place(result.reshape(batch, count, *result.shape[1:]), 1, first, out)
        total = result if total is None else total + result
    output = total.transpose(1, 2).contiguous()  # (N, O, D_out, H_out, W_out)
    return output if bias is None else output + bias.view(1, -1, 1, 1, 1)


def max_pool1d(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode,
               op="convlab.max_pool1d"):
    _check_window(input, kernel_size, stride, padding, dilation, ceil_mode, 1, op)
    output, indices = max_pool2d(input.unsqueeze(2), [1, *kernel_size], [1, *stride],
                                 [0, *padding], [1, *dilation], ceil_mode)
    # On a unit-height plane the 2-D flat index h * W + w is w.
    return output.squeeze(2), indices.squeeze(2)


def max_pool3d(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode,
               op="convlab.max_pool3d"):
    out = _check_window(input, kernel_size, stride, padding, dilation, ceil_mode, 3, op)[0]
    batch, channels, depth, height, width = input.shape
    taps = [tap for tap in _taps(depth, out, kernel_size[0], stride[0], padding[0], dilation[0])
            if tap[2] > 0]
    for o in range(out):
        _check(any(first <= o < first + count for _, first, count, _ in taps),
               f"{op}: with kernel_size {list(kernel_size)}, stride {list(stride)}, padding "
               f"{list(padding)} and dilation {list(dilation)} the window of output depth {o} "
               "holds no input element (only padding); reduce padding or dilation")
    planes, plane_indices = max_pool2d(
        input.reshape(batch, channels * depth, height, width), kernel_size[1:], stride[1:],
        padding[1:], dilation[1:], ceil_mode)
    planes = planes.reshape(batch, channels, depth, *planes.shape[2:])
    plane_indices = plane_indices.reshape(planes.shape)
    positions = torch.arange(out, device=input.device)
    starts = _window_starts(out, stride[0], padding[0], input)
    value = index = seen = None
    for t, first, count, start in taps:
        valid = _per_depth((positions >= first) & (positions < first + count))
        tap_value = _place(_slices(planes, start, count, stride[0]), 2, first, out)
        tap_index = _place(_slices(plane_indices, start, count, stride[0]), 2, first, out)
        # The 3-D flat index: input depth * H * W + the plane's own h * W + w.
        tap_index = tap_index + _per_depth(starts + t * dilation[0]) * (height * width)
        if value is None:
            value, index, seen = tap_value, tap_index, valid
            continue
        # torch scans (d, h, w) and keeps an element when it is larger than the maximum so far
        # or NaN. Each tap's 2-D result is its own scan's winner, so folding the taps in depth
        # order with the same rule gives the 3-D scan's winner; an output's first tap that
        # reads input starts its scan.
        take = valid & (~seen | (tap_value > value) | tap_value.isnan())
        value = torch.where(take, tap_value, value)
        index = torch.where(take, tap_index, index)
        seen = seen | valid
    return value, index


def avg_pool1d(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
               op="convlab.avg_pool1d"):
    _check_window(input, kernel_size, stride, padding, [1], ceil_mode, 1, op)
    output = avg_pool2d(input.unsqueeze(2), [1, *kernel_size], [1, *stride], [0, *padding],
                        ceil_mode, count_include_pad, None)
    return output.squeeze(2)


def avg_pool3d(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
               divisor_override, op="convlab.avg_pool3d"):
    out = _check_window(input, kernel_size, stride, padding, [1, 1, 1], ceil_mode, 3, op)[0]
    _check(divisor_override is None or divisor_override != 0,
           f"{op}: divisor_override must be non-zero")
    batch, channels, depth, height, width = input.shape
    # Each plane's window average (its sum, with an override: divided by 1).
    planes = avg_pool2d(input.reshape(batch, channels * depth, height, width), kernel_size[1:],
                        stride[1:], padding[1:], ceil_mode, count_include_pad,
                        None if divisor_override is None else 1)
    planes = planes.reshape(batch, channels, depth, *planes.shape[2:])
    total = None
    for _, first, count, start in _taps(depth, out, kernel_size[0], stride[0], padding[0], 1):
        if count:
            tap = _place(_slices(planes, start, count, stride[0]), 2, first, out)
            total = tap if total is None else total + tap
    if divisor_override is not None:
        return total / divisor_override
    # torch's depth count: the window clipped to the padded input (count_include_pad) or to the
    # input itself.
    starts = _window_starts(out, stride[0], padding[0], input)
    ends = (starts + kernel_size[0]).clamp(max=depth + padding[0])
    if not count_include_pad:
        starts, ends = starts.clamp(min=0), ends.clamp(max=depth)
    return total / _per_depth(ends - starts).to(total.dtype)


def adaptive_avg_pool1d(adaptive_avg_pool2d, input, output_size,
                        op="convlab.adaptive_avg_pool1d"):
    _check_pool_input(input, 1, op)
    output_size = _check_list(output_size, 1, op, "output_size", 1)
    return adaptive_avg_pool2d(input.unsqueeze(2), [1, *output_size]).squeeze(2)


def adaptive_avg_pool3d(adaptive_avg_pool2d, input, output_size,
                        op="convlab.adaptive_avg_pool3d"):
    _check_pool_input(input, 3, op)
    output_size = _check_list(output_size, 3, op, "output_size", 1)
    batch, channels, depth, height, width = input.shape
    planes = adaptive_avg_pool2d(input.reshape(batch, channels * depth, height, width),
                                 output_size[1:])
    planes = planes.reshape(batch, channels, depth, *planes.shape[2:])
    out = output_size[0]
    # torch's adaptive bins: output o averages input depths floor(o * D / out) up to
    # ceil((o + 1) * D / out).
    bins = [(o * depth // out, -(-(o + 1) * depth // out)) for o in range(out)]
    return torch.stack([planes[:, :, start:end].mean(2) for start, end in bins], 2)
