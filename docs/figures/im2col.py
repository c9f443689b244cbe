"""im2col.png: a 3x3 filter over a 5x5 input as one matrix product. The input's windows are
lowered into a 9 x 9 matrix (a column per output position, a row per filter tap), and the
filter, flattened into a row, times that matrix is the output."""

from dataclasses import dataclass
from pathlib import Path

import torch

import ops
from ops.python_windows import output_size, pad, windows

from .checks import agree
from .examples import filter_3x3
from .grids import SECOND, Sheet, outline

SIZE, KERNEL = 5, 3
PICKED = (1, 2)  # the output position whose window, column and value are highlighted


@dataclass
class Lowering:
    input: torch.Tensor  # (5, 5): 1..25
    filter: torch.Tensor  # (3, 3)
    lowered: torch.Tensor  # (9 taps, 9 output positions)
    filter_row: torch.Tensor  # (1, 9)
    output: torch.Tensor  # (3, 3) = filter_row @ lowered, reshaped


def lower(input: torch.Tensor, out: int) -> torch.Tensor:
    """The (taps, positions) matrix of a 3x3, stride 1, unpadded convolution over a (H, W)
    input. The windows are the python backend's view (ops/python_windows.py), not a copy
    made here; transposed, they are the C++ im2col's layout: a row per (channel, ki, kj), a
    column per (oh, ow)."""
    kernel, unit, none = (KERNEL, KERNEL), (1, 1), (0, 0)
    padded = pad(input, none, (out, out), kernel, unit, unit, 0.0)
    return windows(padded, (out, out), kernel, unit, unit).reshape(out * out, KERNEL * KERNEL).T


def compute(weight: torch.Tensor | None = None) -> Lowering:
    """The numbers drawn (the example filter unless `weight` is given), checked against
    convlab's im2col kernel."""
    input = torch.arange(1, SIZE * SIZE + 1, dtype=torch.float64).reshape(SIZE, SIZE)
    weight = filter_3x3() if weight is None else weight
    out = output_size(SIZE, KERNEL, 1, 0, 1)
    lowered = lower(input, out)
    filter_row = weight.reshape(1, KERNEL * KERNEL)
    output = (filter_row @ lowered).reshape(out, out)
    kernel_output = ops.conv2d(input[None, None], weight[None, None], algorithm="im2col")[0, 0]
    agree(output, kernel_output, "im2col: filter row x lowered matrix vs ops.conv2d(im2col)")
    return Lowering(input, weight, lowered, filter_row, output)


def draw(out_dir: Path) -> Path:
    numbers = compute()
    out = numbers.output.shape[0]
    row, col = PICKED
    column = row * out + col
    taps = [f"({i},{j})" for i in range(KERNEL) for j in range(KERNEL)]
    positions = [f"({i},{j})" for i in range(out) for j in range(out)]
    patch = [(row + i, col + j) for i in range(KERNEL) for j in range(KERNEL)]

    sheet = Sheet(11.9, 7.7, "im2col: convolution as one matrix product")
    # Top: the convolution as it is defined, one window at a time.
    axes = sheet.grid(0.9, 0.95, numbers.input, "input x (5×5)\none 3×3 window highlighted",
                      cell=0.42, highlight=patch)
    outline(axes, row, col, KERNEL, KERNEL, "#c00000")
    sheet.text(3.55, 2.0, "∗", fontsize=24)
    sheet.grid(4.1, 1.37, numbers.filter, "filter w (3×3)", cell=0.42,
               colors={(i, j): SECOND for i in range(KERNEL) for j in range(KERNEL)})
    sheet.text(5.95, 2.0, "=", fontsize=22)
    sheet.grid(6.5, 1.37, numbers.output, "output y (3×3)\nthe window's value highlighted",
               cell=0.42, highlight=[PICKED])
    sheet.text(8.25, 2.0, r"$y_{i,j} = \sum_{a,b}\; x_{i+a,\,j+b}\; w_{a,b}$", fontsize=15,
               ha="left")

    # Bottom: the same numbers as (1 x 9) @ (9 x 9): each column holds one window.
    cell, matrix_top = 0.36, 3.95
    sheet.grid(0.45, matrix_top + 4 * cell, numbers.filter_row,
               "filter as a row (1×9)", cell=cell, col_labels=taps,
               colors={(0, k): SECOND for k in range(KERNEL * KERNEL)})
    sheet.text(3.98, matrix_top + 4.5 * cell, "×", fontsize=22)
    sheet.grid(4.55, matrix_top, numbers.lowered,
               "im2col matrix (9×9): a row per tap,\na column per output (the window's highlighted)",
               cell=cell, col_labels=positions, row_labels=taps,
               highlight=[(k, column) for k in range(KERNEL * KERNEL)])
    sheet.text(8.1, matrix_top + 4.5 * cell, "=", fontsize=22)
    sheet.grid(8.4, matrix_top + 4 * cell, numbers.output.reshape(1, -1),
               "output as a row (1×9)", cell=cell, col_labels=positions,
               highlight=[(0, column)])
    sheet.text(5.95, 7.45, "matrix: ops/python_windows.py's windows() view, transposed (the C++ "
               "im2col's layout); product checked against ops.conv2d(algorithm=\"im2col\")",
               fontsize=9, color="#555555")
    return sheet.save(out_dir / "im2col.png")
