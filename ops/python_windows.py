"""The sliding window that the python backend's conv and pooling share: output sizes, and a
view of every window of a padded input, without copying it."""

import math

import torch


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int,
                ceil_mode: bool = False) -> int:
    """How many windows fit along one axis, torch's formula. With ceil_mode a last, partial
    window is kept only if it starts inside the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValueError(f"window of {kernel} (dilation {dilation}) does not fit an axis of "
                         f"{size} with padding {padding}")
    count = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    return count


def pad(input: torch.Tensor, padding, outputs, kernel, stride, dilation, value) -> torch.Tensor:
    """`input` surrounded by `value`: `padding` on the top and left; on the bottom and right as
    much as the last window reaches (more than `padding` under ceil_mode, less when the
    stride skips the end)."""
    height, width = input.shape[-2:]
    needed = [(outputs[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 for i in range(2)]
    padded = input.new_full((*input.shape[:-2], max(needed[0], height + padding[0]),
                             max(needed[1], width + padding[1])), value)
    padded[..., padding[0]:padding[0] + height, padding[1]:padding[1] + width] = input
    return padded


def windows(padded: torch.Tensor, outputs, kernel, stride, dilation) -> torch.Tensor:
    """View (..., out_h, out_w, k_h, k_w) of a contiguous padded (..., H, W) tensor:
    [..., y, x, i, j] is the element under kernel tap (i, j) of the window for output (y, x)."""
    *lead, row, col = padded.stride()
    shape = (*padded.shape[:-2], outputs[0], outputs[1], kernel[0], kernel[1])
    strides = (*lead, row * stride[0], col * stride[1], row * dilation[0], col * dilation[1])
    return padded.as_strided(shape, strides)


def add_windows(target: torch.Tensor, per_window: torch.Tensor, stride, dilation) -> None:
    """The reverse of `windows`: add per_window[..., y, x, i, j] into the padded `target` at the
    element that window (y, x) saw under tap (i, j). Overlapping windows add up, so this goes
    one tap at a time (each tap's elements are distinct)."""
    out_h, out_w, k_h, k_w = per_window.shape[-4:]
    # Tap-major and contiguous, so that each tap's addition reads one block of memory.
    taps = per_window.movedim((-2, -1), (0, 1)).contiguous()
    for i in range(k_h):
        for j in range(k_w):
            top, left = i * dilation[0], j * dilation[1]
            target[..., top:top + stride[0] * (out_h - 1) + 1:stride[0],
                   left:left + stride[1] * (out_w - 1) + 1:stride[1]] += taps[i, j]
