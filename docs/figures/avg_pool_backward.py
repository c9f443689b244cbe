"""avg_pool_backward.png: 3x3 average pooling, stride 2, padding 1, on a 4x4 input, forward
and backward, with count_include_pad on and off. Each output's gradient is spread evenly over
its window (divided by 9, or by the cells inside the input); where windows overlap, the
shares add up."""

from dataclasses import dataclass
from pathlib import Path

import torch

import ops

from .checks import agree
from .examples import small_integers
from .grids import HIGHLIGHT, MUTED, Sheet, number_text
from .pooling import forward_backward, frame_outputs, frame_windows, window_cells

SIZE, KERNEL, STRIDE, PADDING = 4, 3, 2, 1
# Multiples of 36, so that every share (divided by 4, 6 or 9) is a whole number.
UPSTREAM = [[36.0, 72.0], [108.0, 144.0]]
OVERLAP_COLORS = {2: "#fff2cc", 4: HIGHLIGHT}  # input cells in two windows, in all four


@dataclass
class AvgPoolBackward:
    input: torch.Tensor  # (4, 4)
    upstream: torch.Tensor  # the output's gradient (2, 2)
    outputs: dict  # count_include_pad -> output (2, 2)
    input_gradients: dict  # count_include_pad -> input gradient (4, 4)
    divisors: dict  # count_include_pad -> what each window's sum is divided by (2, 2)
    coverage: torch.Tensor  # how many windows hold each input cell (4, 4)


def compute(input: torch.Tensor | None = None, upstream: torch.Tensor | None = None) -> AvgPoolBackward:
    """The numbers drawn (the example input and gradient unless given), from ops.avg_pool2d
    and its backward, checked against each window's mean and share computed here cell by cell."""
    input = small_integers(SIZE, SIZE, seed=4) if input is None else input
    upstream = torch.tensor(UPSTREAM, dtype=torch.float64) if upstream is None else upstream
    out = (SIZE + 2 * PADDING - KERNEL) // STRIDE + 1
    cells = {(i, j): window_cells(i, j, KERNEL, STRIDE, PADDING, SIZE)
             for i in range(out) for j in range(out)}
    coverage = torch.zeros_like(input)
    for window in cells.values():
        for cell in window:
            coverage[cell] += 1
    outputs, gradients, divisors = {}, {}, {}
    for include_pad in (True, False):
        output, gradient = forward_backward(
            lambda x: ops.avg_pool2d(x, KERNEL, STRIDE, PADDING, count_include_pad=include_pad),
            input, upstream)
        divisor = torch.tensor([[KERNEL * KERNEL if include_pad else len(cells[i, j])
                                 for j in range(out)] for i in range(out)], dtype=input.dtype)
        mean = torch.tensor([[sum(input[c].item() for c in cells[i, j]) for j in range(out)]
                             for i in range(out)], dtype=input.dtype) / divisor
        spread = torch.zeros_like(input)
        for (i, j), window in cells.items():
            for cell in window:
                spread[cell] += upstream[i, j] / divisor[i, j]
        what = f"avg_pool2d(count_include_pad={include_pad})"
        agree(output, mean, f"{what}: output vs each window's sum / divisor")
        agree(gradient, spread, f"{what} backward: each gradient spread over its window")
        outputs[include_pad], gradients[include_pad], divisors[include_pad] = output, gradient, divisor
    return AvgPoolBackward(input, upstream, outputs, gradients, divisors, coverage)


def draw(out_dir: Path) -> Path:
    numbers = compute()
    out = numbers.upstream.shape[0]
    padded = torch.zeros(SIZE + 2 * PADDING, SIZE + 2 * PADDING, dtype=numbers.input.dtype)
    padded[PADDING:PADDING + SIZE, PADDING:PADDING + SIZE] = numbers.input
    ring = {(r, c): MUTED for r in range(SIZE + 2) for c in range(SIZE + 2)
            if not (PADDING <= r < PADDING + SIZE and PADDING <= c < PADDING + SIZE)}
    overlap = {(r, c): OVERLAP_COLORS[int(n)] for (r, c), n in
               ((cell, numbers.coverage[cell]) for cell in
                ((r, c) for r in range(SIZE) for c in range(SIZE))) if int(n) in OVERLAP_COLORS}
    sheet = Sheet(11.4, 8.3, "Average pooling 3×3, stride 2, padding 1: forward, and backward "
                  "spread over each window")
    top, cell = 1.0, 0.45
    axes = sheet.grid(0.6, top, padded, "input x (4×4) in its padding (grey)\n"
                      "3×3 windows, stride 2: one colour each", cell=cell, colors=ring)
    frame_windows(axes, out, KERNEL, STRIDE, inset_step=0.05)
    sheet.arrow((3.5, top + 1.35), (4.9, top + 1.35), "avg_pool2d", fontsize=11)
    for left, include_pad in ((5.5, True), (8.8, False)):
        divisors = ", ".join(f"{d:g}" for d in numbers.divisors[include_pad].flatten().tolist())
        axes = sheet.grid(left, top + 0.8, numbers.outputs[include_pad],
                          f"count_include_pad={include_pad}\n÷ {divisors}", cell=0.55)
        frame_outputs(axes, out)

    top = 4.6
    axes = sheet.grid(1.4, top + 0.55, numbers.upstream, "upstream gradient\n∂L/∂y", cell=0.55)
    frame_outputs(axes, out)
    sheet.arrow((2.7, top + 1.1), (4.7, top + 1.1), "backward (autograd)", fontsize=11)
    for left, include_pad in ((5.0, True), (8.3, False)):
        shares = (numbers.upstream / numbers.divisors[include_pad]).flatten().tolist()
        sheet.grid(left, top, numbers.input_gradients[include_pad],
                   f"∂L/∂x, count_include_pad={include_pad}\nshare per window: "
                   f"{', '.join(number_text(share) for share in shares)}", cell=0.55,
                   colors=overlap, fontsize=12)
    sheet.text(5.7, 7.45, "light yellow: in two windows (two shares added); yellow: in all four. "
               "The last row and column of padding are in no window.", fontsize=11)
    sheet.text(5.7, 7.95, "frames: one colour per window and its output; numbers from ops.avg_pool2d "
               "and its backward kernel", fontsize=9, color="#555555")
    return sheet.save(out_dir / "avg_pool_backward.png")
