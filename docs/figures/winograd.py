"""winograd.png: Winograd's F(2x2, 3x3) on one 4x4 tile, every step with its numbers:
U = G g Gᵀ, V = Bᵀ d B, M = U ⊙ V, Y = Aᵀ M A, and Y against the direct convolution.
Also the matrices and the tile computation of both variants, which winograd_4x4.py draws
for F(4x4, 3x3)."""

from dataclasses import dataclass
from pathlib import Path

import torch

import ops

from .checks import agree
from .examples import filter_3x3, small_integers
from .grids import HIGHLIGHT, SECOND, Sheet


@dataclass(frozen=True)
class Variant:
    """One F(m x m, 3x3): its output side m, its ops.conv2d algorithm and its transforms as
    matrices: G (m+2 x 3), Bᵀ (m+2 x m+2), Aᵀ (m x m+2)."""
    name: str
    algorithm: str
    m: int
    G: tuple
    BT: tuple
    AT: tuple

    def matrices(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return tuple(torch.tensor(rows, dtype=torch.float64) for rows in (self.G, self.BT, self.AT))


# The C++ kernels write these transforms as sums, not matrices: the rows below are the
# coefficients of csrc/conv2d/winograd_2x2/winograd_2x2.h's Winograd2x2FilterAxis (G),
# Winograd2x2InputAxis (Bᵀ) and Winograd2x2OutputAxis (Aᵀ). compute() checks that they give
# ops.conv2d(algorithm="winograd_2x2")'s numbers; tests/test_docs_figures.py reads them back
# out of the header.
F2x2 = Variant(
    "F(2×2, 3×3)", "winograd_2x2", 2,
    G=((1, 0, 0), (0.5, 0.5, 0.5), (0.5, -0.5, 0.5), (0, 0, 1)),
    BT=((1, 0, -1, 0), (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, 0, -1)),
    AT=((1, 1, 1, 0), (0, 1, -1, -1)))

# csrc/conv2d/winograd/winograd.h's WinogradFilterAxis, WinogradInputAxis and
# WinogradOutputAxis, checked the same way against ops.conv2d(algorithm="winograd").
F4x4 = Variant(
    "F(4×4, 3×3)", "winograd", 4,
    G=((1 / 4, 0, 0), (-1 / 6, -1 / 6, -1 / 6), (-1 / 6, 1 / 6, -1 / 6),
       (1 / 24, 1 / 12, 1 / 6), (1 / 24, -1 / 12, 1 / 6), (0, 0, 1)),
    BT=((4, 0, -5, 0, 1, 0), (0, -4, -4, 1, 1, 0), (0, 4, -4, -1, 1, 0),
        (0, -2, -1, 2, 1, 0), (0, 2, -1, -2, 1, 0), (0, 4, 0, -5, 0, 1)),
    AT=((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1)))


@dataclass
class WinogradTile:
    variant: Variant
    d: torch.Tensor  # input tile (m+2 x m+2)
    g: torch.Tensor  # filter (3 x 3)
    U: torch.Tensor  # G g Gᵀ
    V: torch.Tensor  # Bᵀ d B
    M: torch.Tensor  # U ⊙ V: the (m+2)^2 multiplies
    Y: torch.Tensor  # Aᵀ M A (m x m)
    direct: torch.Tensor  # the tile convolved directly (ops.conv2d, algorithm "direct")


def example_tile(variant: Variant) -> torch.Tensor:
    side = variant.m + 2
    return small_integers(side, side, seed=side, low=0, high=5)


def compute(variant: Variant = F2x2, d: torch.Tensor | None = None,
            g: torch.Tensor | None = None) -> WinogradTile:
    """The variant's steps on one tile (the example tile and filter unless given), Y checked
    against the direct convolution and against convlab's kernel of that variant."""
    d = example_tile(variant) if d is None else d
    g = filter_3x3() if g is None else g
    G, BT, AT = variant.matrices()
    U = G @ g @ G.T
    V = BT @ d @ BT.T
    M = U * V
    Y = AT @ M @ AT.T
    direct = ops.conv2d(d[None, None], g[None, None], algorithm="direct")[0, 0]
    kernel = ops.conv2d(d[None, None], g[None, None], algorithm=variant.algorithm)[0, 0]
    agree(Y, direct, f"{variant.name}: Aᵀ M A vs the direct convolution of the tile")
    agree(Y, kernel, f"{variant.name}: Aᵀ M A vs ops.conv2d(algorithm={variant.algorithm!r})")
    return WinogradTile(variant, d, g, U, V, M, Y, direct)


def equation(sheet: Sheet, left: float, top: float, factors, result, cell: float,
             operator: str = "·") -> float:
    """Draw factors[0] op factors[1] ... = result on one line, grids' tops aligned to their
    centre line at `top` + half the tallest; each factor is (values, title, options). Returns
    where the line ends (inches)."""
    tallest = max(len(values) for values, _, _ in (*factors, result)) * cell
    middle = top + tallest / 2
    for index, (values, title, options) in enumerate((*factors, result)):
        rows, cols = len(values), len(values[0])
        if index:
            sign = "=" if index == len(factors) else operator
            sheet.text(left + 0.22, middle, sign, fontsize=20)
            left += 0.45
        sheet.grid(left, middle - rows * cell / 2, values, title, cell=cell, **options)
        left += cols * cell
    return left


def _transform(values) -> dict:
    return {"colors": {(r, c): SECOND for r in range(len(values)) for c in range(len(values[0]))}}


def _result(values) -> dict:
    return {"colors": {(r, c): HIGHLIGHT for r in range(len(values)) for c in range(len(values[0]))}}


def draw(out_dir: Path) -> Path:
    tile = compute(F2x2)
    G, BT, AT = (t.tolist() for t in tile.variant.matrices())
    GT, B, A = (torch.tensor(t).T.tolist() for t in (G, BT, AT))
    d, g, U, V, M, Y = (t.tolist() for t in (tile.d, tile.g, tile.U, tile.V, tile.M, tile.Y))
    cell, left = 0.45, 0.45
    sheet = Sheet(10.2, 11.2, "Winograd F(2×2, 3×3): a 2×2 output tile in 16 multiplies, not 36")
    equation(sheet, left, 0.95, [(G, "G (4×3)", _transform(G)), (g, "filter g", {}),
                                 (GT, "Gᵀ", _transform(GT))],
             (U, "U = G g Gᵀ\n(filter transform)", _result(U)), cell)
    equation(sheet, left, 3.45, [(BT, "Bᵀ (4×4)", _transform(BT)), (d, "input tile d", {}),
                                 (B, "B", _transform(B))],
             (V, "V = Bᵀ d B\n(input transform)", _result(V)), cell)
    equation(sheet, left, 5.95, [(U, "U", {}), (V, "V", {})],
             (M, "M = U ⊙ V\n(16 multiplies)", _result(M)), cell, operator="⊙")
    end = equation(sheet, left, 8.45, [(AT, "Aᵀ (2×4)", _transform(AT)), (M, "M", {}),
                                       (A, "A", _transform(A))],
                   (Y, "Y = Aᵀ M A\n(output)", _result(Y)), cell)
    sheet.text(end + 0.45, 8.45 + 2 * cell, "=", fontsize=20)
    sheet.grid(end + 0.9, 8.45 + cell, tile.direct, "direct convolution\n(36 multiplies)", cell=cell)
    sheet.text(5.1, 10.85, "B, G, A: the coefficients of csrc/conv2d/winograd_2x2/winograd_2x2.h; "
               "Y checked against ops.conv2d(algorithm=\"winograd_2x2\") and \"direct\"",
               fontsize=9, color="#555555")
    return sheet.save(out_dir / "winograd.png")
