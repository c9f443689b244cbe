"""winograd_4x4.png: F(4x4, 3x3), convlab's "winograd": its three transform matrices, and one
6x6 tile through them against the direct convolution."""

from pathlib import Path

from .grids import Sheet
from .winograd import F4x4, _result, _transform, compute, equation


def draw(out_dir: Path) -> Path:
    tile = compute(F4x4)
    G, BT, AT = (t.tolist() for t in tile.variant.matrices())
    cell = 0.45
    sheet = Sheet(10.6, 7.9, "Winograd F(4×4, 3×3): a 4×4 output tile in 36 multiplies, not 144")
    top = 0.95
    sheet.grid(0.5, top, BT, "Bᵀ (6×6): V = Bᵀ d B", cell=cell, **_transform(BT))
    sheet.grid(3.9, top, G, "G (6×3): U = G g Gᵀ", cell=cell, **_transform(G))
    sheet.grid(6.4, top + cell, AT, "Aᵀ (4×6): Y = Aᵀ M A", cell=cell, **_transform(AT))
    sheet.text(7.75, top + 5 * cell + 0.35, "M = U ⊙ V: 36 multiplies", fontsize=12)
    top = 4.35
    end = equation(sheet, 0.5, top, [(tile.d.tolist(), "input tile d (6×6)", {}),
                                     (tile.g.tolist(), "filter g", {})],
                   (tile.Y.tolist(), "Y = Aᵀ [U ⊙ V] A", _result(tile.Y)), cell, operator="∗")
    sheet.text(end + 0.45, top + 3 * cell, "=", fontsize=20)
    sheet.grid(end + 0.9, top + cell, tile.direct, "direct convolution\n(144 multiplies)",
               cell=cell)
    sheet.text(5.3, 7.35, "coefficients from 1/24 to 8 (F(2×2, 3×3)'s: 1/2 and 1), so float32 "
               "rounds more", fontsize=10)
    sheet.text(5.3, 7.65, "B, G, A: the coefficients of csrc/conv2d/winograd/winograd.h; Y checked "
               "against ops.conv2d(algorithm=\"winograd\") and \"direct\"", fontsize=9,
               color="#555555")
    return sheet.save(out_dir / "winograd_4x4.png")
