"""fft.png: the correlation theorem on a 5x5 input and a 3x3 filter, as convlab's "fft"
algorithm computes it (csrc/conv2d/fft/fft.cpp): both transformed at the input's size, the
input's spectrum times the conjugate of the filter's, transformed back; the top-left 3x3 of
the result is the convolution layer's output, the rest wrapped around."""

from dataclasses import dataclass
from pathlib import Path

import torch

import ops

from .checks import agree
from .examples import filter_3x3, small_integers
from .grids import MUTED, SECOND, Sheet, outline

SIZE, KERNEL = 5, 3


@dataclass
class Correlation:
    input: torch.Tensor  # x (5, 5)
    padded_filter: torch.Tensor  # w in the top-left corner of a (5, 5) of zeros
    input_spectrum: torch.Tensor  # X = FFT2(x), complex (5, 5)
    filter_spectrum: torch.Tensor  # W = FFT2(padded w)
    product: torch.Tensor  # X · conj(W)
    circular: torch.Tensor  # IFFT2(X · conj(W)), real (5, 5): every circular correlation
    valid: torch.Tensor  # its top-left (3, 3): the layer's output


def compute(input: torch.Tensor | None = None, weight: torch.Tensor | None = None) -> Correlation:
    """The numbers drawn (the example input and filter unless given), checked against
    convlab's fft kernel."""
    input = small_integers(SIZE, SIZE, seed=SIZE) if input is None else input
    weight = filter_3x3() if weight is None else weight
    # The transform size is the (padded) input's, as in fft.cpp: the outputs kept never
    # reach past its edge, so none of them wraps around.
    padded_filter = torch.zeros_like(input)
    padded_filter[:KERNEL, :KERNEL] = weight
    input_spectrum = torch.fft.fft2(input)
    filter_spectrum = torch.fft.fft2(padded_filter)
    # Correlation, not convolution: a conv layer does not flip its filter, so the filter's
    # spectrum enters conjugated (fft.cpp's conj_physical).
    product = input_spectrum * filter_spectrum.conj()
    circular = torch.fft.ifft2(product)
    agree(circular.imag, torch.zeros_like(input), "fft: the inverse transform of a real "
          "correlation is real")
    circular = circular.real
    out = SIZE - KERNEL + 1
    valid = circular[:out, :out]
    kernel = ops.conv2d(input[None, None], weight[None, None], algorithm="fft")[0, 0]
    agree(valid, kernel, "fft: IFFT2(X · conj(W))'s valid part vs ops.conv2d(algorithm=\"fft\")")
    return Correlation(input, padded_filter, input_spectrum, filter_spectrum, product, circular,
                       valid)


def draw(out_dir: Path) -> Path:
    numbers = compute()
    out = numbers.valid.shape[0]
    cell, side = 0.45, SIZE * 0.45
    half = SIZE // 2 + 1  # the columns rfft2 keeps: the others mirror them (real signals)
    filter_cells = {(r, c): SECOND for r in range(KERNEL) for c in range(KERNEL)}
    zeros = {(r, c): MUTED for r in range(SIZE) for c in range(SIZE) if (r, c) not in filter_cells}
    valid_cells = [(r, c) for r in range(out) for c in range(out)]
    wrapped = {(r, c): MUTED for r in range(SIZE) for c in range(SIZE) if r >= out or c >= out}
    sheet = Sheet(10.9, 10.2, "FFT convolution: the correlation theorem, "
                  "IFFT2( FFT2(x) · conj(FFT2(w)) )")
    left, middle, right = 0.45, 3.9, 7.6
    rows = (0.95, 4.0, 7.0)
    sheet.grid(left, rows[0], numbers.input, "input x (5×5)", cell=cell)
    sheet.grid(left, rows[1], numbers.padded_filter, "filter w, zero-padded to 5×5", cell=cell,
               colors={**filter_cells, **zeros})
    for top, values, title in ((rows[0], numbers.input_spectrum, "|X| = |FFT2(x)|"),
                               (rows[1], numbers.filter_spectrum, "|W| = |FFT2(w)|")):
        sheet.arrow((left + side + 0.15, top + side / 2), (middle - 0.15, top + side / 2), "FFT2")
        spectrum = sheet.grid(middle, top, values.abs(), title, cell=cell, cmap="Blues")
        outline(spectrum, 0, 0, SIZE, half, "#c00000", style="--", lw=1.8)
    product_top = 2.45
    sheet.arrow((middle + side + 0.1, rows[0] + side / 2), (right - 0.1, product_top + 0.9))
    sheet.arrow((middle + side + 0.1, rows[1] + side / 2), (right - 0.1, product_top + side - 0.9))
    sheet.grid(right, product_top, numbers.product.abs(), "|X · conj(W)|\n(one product per "
               "frequency)", cell=cell, cmap="Blues")
    sheet.arrow((right + side / 2, product_top + side + 0.1), (right + side / 2, rows[2] - 0.55),
                "IFFT2", label_side="right")

    sheet.grid(right, rows[2], numbers.circular, "IFFT2(X · conj(W)): all 5×5\ncircular "
               "correlations", cell=cell, highlight=valid_cells, colors=wrapped)
    sheet.arrow((right - 0.15, rows[2] + 1.5 * cell), (middle + 3 * cell + 0.55, rows[2] + 1.5 * cell),
                "top-left 3×3", fontsize=11)
    sheet.grid(middle + 0.4, rows[2], numbers.valid, "valid part (3×3) =\n"
               "ops.conv2d(algorithm=\"fft\")", cell=cell, highlight=valid_cells)
    sheet.text(left + 1.1, rows[2] + 1.1, "yellow: the layer's\noutputs (no wrap)\n\ngrey: wrapped "
               "around\nthe edge, dropped", fontsize=10, ha="center")
    sheet.text(5.45, 9.85, "red dashes: the half of each spectrum the kernel computes (rfft2); "
               "the other columns mirror it", fontsize=9, color="#555555")
    return sheet.save(out_dir / "fft.png")
