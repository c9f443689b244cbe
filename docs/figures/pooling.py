"""What the two pooling pictures share: a pool's output and input gradient through autograd
(convlab's backward kernels), and each window's frame, one colour per window."""

import torch

from .grids import WINDOW_COLORS, outline


def forward_backward(pool, input: torch.Tensor, upstream: torch.Tensor):
    """pool(input) and the gradient autograd sends back to `input` when the output's gradient
    is `upstream`. `pool` takes and returns (1, 1, H, W) tensors."""
    leaf = input[None, None].clone().requires_grad_()
    output = pool(leaf)
    output.backward(upstream[None, None])
    return output.detach()[0, 0], leaf.grad[0, 0]


def window_cells(row: int, col: int, kernel: int, stride: int, padding: int, size: int):
    """The input cells (inside the unpadded size x size input) of output (row, col)'s window."""
    top, left = row * stride - padding, col * stride - padding
    return [(r, c) for r in range(top, top + kernel) for c in range(left, left + kernel)
            if 0 <= r < size and 0 <= c < size]


def frame_windows(axes, outputs: int, kernel: int, stride: int, shift: int = 0,
                  inset_step: float = 0.0) -> None:
    """Frame every window of an outputs x outputs pooling on a drawn grid, window (i, j) in
    WINDOW_COLORS[i * outputs + j]; `shift` moves the frames (a grid drawn with its padding),
    `inset_step` draws each next window's frame further inside, so overlapping ones stay apart."""
    for i in range(outputs):
        for j in range(outputs):
            index = i * outputs + j
            outline(axes, i * stride + shift, j * stride + shift, kernel, kernel,
                    WINDOW_COLORS[index], inset=0.04 + inset_step * index, lw=2.2)


def frame_outputs(axes, outputs: int) -> None:
    """Frame each output cell in its window's colour."""
    for i in range(outputs):
        for j in range(outputs):
            outline(axes, i, j, 1, 1, WINDOW_COLORS[i * outputs + j], inset=0.06, lw=2.2)
