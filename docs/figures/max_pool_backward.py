"""max_pool_backward.png: 2x2 max pooling, stride 2, on a 4x4 input, forward and backward:
each window's maximum is the output, and each output's gradient goes back to that window's
arg-max alone; every other input gets zero."""

from dataclasses import dataclass
from pathlib import Path

import torch

import ops
from ops.python_windows import windows

from .checks import agree
from .examples import distinct_integers
from .grids import Sheet
from .pooling import forward_backward, frame_outputs, frame_windows

SIZE, KERNEL, STRIDE = 4, 2, 2
UPSTREAM = [[1.0, 2.0], [3.0, 4.0]]


@dataclass
class MaxPoolBackward:
    input: torch.Tensor  # (4, 4), no ties
    output: torch.Tensor  # (2, 2)
    argmax: list  # per output (row-major), the (row, col) of its window's maximum
    upstream: torch.Tensor  # the output's gradient (2, 2)
    input_gradient: torch.Tensor  # (4, 4), from convlab's max_pool2d backward


def compute(input: torch.Tensor | None = None, upstream: torch.Tensor | None = None) -> MaxPoolBackward:
    """The numbers drawn (the example input and gradient unless given), from ops.max_pool2d
    and its backward, checked against arg-maxes found here on the python backend's windows."""
    input = distinct_integers(SIZE, SIZE, seed=3) if input is None else input
    upstream = torch.tensor(UPSTREAM, dtype=torch.float64) if upstream is None else upstream
    out = SIZE // STRIDE
    output, input_gradient = forward_backward(
        lambda x: ops.max_pool2d(x, KERNEL, STRIDE), input, upstream)
    _, indices = ops.max_pool2d(input[None, None], KERNEL, STRIDE, return_indices=True)
    # The reference: every window as a view (ops/python_windows.py), its largest element.
    views = windows(input, (out, out), (KERNEL, KERNEL), (STRIDE, STRIDE), (1, 1))
    taps = views.reshape(out, out, KERNEL * KERNEL).argmax(-1)
    argmax = [(i * STRIDE + int(taps[i, j]) // KERNEL, j * STRIDE + int(taps[i, j]) % KERNEL)
              for i in range(out) for j in range(out)]
    agree(indices[0, 0].flatten(), torch.tensor([r * SIZE + c for r, c in argmax]),
          "max_pool2d: the kernel's indices vs each window's arg-max")
    agree(output, views.amax((-2, -1)), "max_pool2d: output vs each window's maximum")
    routed = torch.zeros_like(input)
    for (r, c), gradient in zip(argmax, upstream.flatten()):
        routed[r, c] += gradient
    agree(input_gradient, routed, "max_pool2d backward: each gradient at its window's arg-max")
    return MaxPoolBackward(input, output, argmax, upstream, input_gradient)


def draw(out_dir: Path) -> Path:
    numbers = compute()
    out = numbers.output.shape[0]
    cell = 0.5
    side = SIZE * cell
    sheet = Sheet(8.2, 7.0, "Max pooling 2×2, stride 2: forward, and backward to the arg-max")
    left, right = 1.2, 5.7
    top = 1.0
    axes = sheet.grid(left, top, numbers.input, "input x (4×4)\narg-max of each window in yellow",
                      cell=cell, highlight=numbers.argmax)
    frame_windows(axes, out, KERNEL, STRIDE)
    sheet.arrow((left + side + 0.2, top + side / 2), (right - 0.3, top + side / 2),
                "max_pool2d(2, stride 2)", fontsize=11)
    axes = sheet.grid(right, top + cell, numbers.output, "output y", cell=cell)
    frame_outputs(axes, out)

    top = 4.1
    axes = sheet.grid(right, top + cell, numbers.upstream, "upstream gradient\n∂L/∂y", cell=cell)
    frame_outputs(axes, out)
    sheet.arrow((right - 0.3, top + side / 2), (left + side + 0.2, top + side / 2),
                "backward (autograd)", fontsize=11)
    nonzero = [(r, c) for r in range(SIZE) for c in range(SIZE)
               if numbers.input_gradient[r, c] != 0]
    axes = sheet.grid(left, top, numbers.input_gradient, "input gradient ∂L/∂x:\n"
                      "each ∂L/∂y at its arg-max, 0 elsewhere", cell=cell, highlight=nonzero)
    frame_windows(axes, out, KERNEL, STRIDE)
    sheet.text(4.1, 6.65, "frames: one colour per window and its output; numbers from "
               "ops.max_pool2d and its backward kernel", fontsize=9, color="#555555")
    return sheet.save(out_dir / "max_pool_backward.png")
