"""What the figures draw alike: a sheet laid out in inches, labelled grids of numbers with
highlighted cells, outlines around windows, and the text of one number."""

import io
from fractions import Fraction
from pathlib import Path

import matplotlib
from PIL import Image
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

DPI = 100  # the docs show the pictures at their size: 1 inch = 100 px
HIGHLIGHT = "#ffd966"  # the cells a caption talks about
SECOND = "#9fc5e8"  # a second set of cells (the filter, a window's other role)
MUTED = "#e6e6e6"  # cells that are there but not used (padding, wrapped-around outputs)
EDGE = "#7f7f7f"
WINDOW_COLORS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd")  # one per pooling window


def number_text(value: float) -> str:
    """`value` as short as it reads exactly: an integer, a fraction with a small denominator
    (the Winograd coefficients 1/6, 1/24), else three significant digits."""
    value = float(value)
    if value == 0:
        return "0"  # also -0.0
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)) and abs(value) < 1e5:
        return str(int(nearest))  # float64 rounding (1e-15) is not what a figure shows
    fraction = Fraction(value).limit_denominator(24)
    if abs(float(fraction) - value) < 1e-9 * max(1.0, abs(value)):
        return f"{fraction.numerator}/{fraction.denominator}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def rows_of(values) -> list[list[float]]:
    """A 2-D tensor, array or nested list as rows of floats."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    return [[float(v) for v in row] for row in values]


def draw_grid(axes, values, title: str = "", *, highlight=(), highlight_color: str = HIGHLIGHT,
              colors: dict | None = None, cmap: str | None = None, fontsize: float = 10,
              text=number_text, row_labels=None, col_labels=None) -> None:
    """Draw `values` (rows x columns) as a table of numbers on `axes`, row 0 on top. Cells in
    `highlight` ((row, column) pairs) get `highlight_color`; `colors` maps more cells to their
    own colour; with `cmap`, every other cell is shaded by its value (spectra)."""
    rows = rows_of(values)
    height, width = len(rows), len(rows[0])
    colors = dict(colors or {})
    for cell in highlight:
        colors[tuple(cell)] = highlight_color
    shade = None
    if cmap is not None:
        top = max(abs(v) for row in rows for v in row) or 1.0
        shade = (matplotlib.colormaps[cmap], top)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            face, ink = colors.get((r, c), "white"), "black"
            if (r, c) not in colors and shade is not None:
                face = shade[0](abs(value) / shade[1] * 0.85)  # the top of the map stays light
                ink = "white" if _dark(face) else "black"
            axes.add_patch(Rectangle((c, r), 1, 1, facecolor=face, edgecolor=EDGE, lw=0.8,
                                   clip_on=False))  # the outer edges sit on the axes' border
            axes.text(c + 0.5, r + 0.5, text(value), ha="center", va="center",
                      fontsize=fontsize, color=ink)
    for r, label in enumerate(row_labels or ()):
        axes.text(-0.15, r + 0.5, label, ha="right", va="center", fontsize=fontsize * 0.85)
    for c, label in enumerate(col_labels or ()):
        axes.text(c + 0.5, -0.12, label, ha="center", va="bottom", fontsize=fontsize * 0.85)
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)
    axes.set_aspect("equal")
    axes.axis("off")
    if title:
        lift = 1.0 + (0.14 + 0.25 * fontsize / 10) / height if col_labels else 1.0
        axes.set_title(title, fontsize=fontsize + 1, y=lift, pad=4)


def outline(axes, top: int, left: int, height: int, width: int, color: str, *, inset: float = 0.0,
            lw: float = 2.5, style: str = "-") -> None:
    """A frame around the cells rows top..top+height-1, columns left..left+width-1, `inset`
    cells inside their edge (so that frames of overlapping windows stay apart)."""
    axes.add_patch(Rectangle((left + inset, top + inset), width - 2 * inset, height - 2 * inset,
                             fill=False, edgecolor=color, lw=lw, linestyle=style, zorder=3, clip_on=False))


def _dark(color) -> bool:
    red, green, blue = matplotlib.colors.to_rgb(color)
    return 0.299 * red + 0.587 * green + 0.114 * blue < 0.5


class Sheet:
    """A figure laid out in inches from its top-left corner: grids are placed where they go,
    each cell `cell` inches wide, so that every grid of a sheet has cells of one size."""

    def __init__(self, width: float, height: float, title: str = ""):
        self.figure = Figure(figsize=(width, height), dpi=DPI)  # no pyplot: runs headless
        self.width, self.height = width, height
        if title:
            self.figure.suptitle(title, fontsize=14, y=1 - 0.12 / height, va="top")

    def axes(self, left: float, top: float, width: float, height: float):
        return self.figure.add_axes((left / self.width, 1 - (top + height) / self.height,
                                     width / self.width, height / self.height))

    def grid(self, left: float, top: float, values, title: str = "", *, cell: float = 0.42,
             fontsize: float | None = None, **options):
        """draw_grid's table with its top-left corner at (left, top) inches; returns its axes."""
        rows = rows_of(values)
        axes = self.axes(left, top, len(rows[0]) * cell, len(rows) * cell)
        draw_grid(axes, rows, title, fontsize=fontsize or 24 * cell, **options)
        return axes

    def text(self, left: float, top: float, text: str, *, fontsize: float = 16, **options) -> None:
        """Text centred on (left, top) inches: the operators between grids, notes."""
        options = {"ha": "center", "va": "center", **options}
        self.figure.text(left / self.width, 1 - top / self.height, text, fontsize=fontsize,
                         **options)

    def arrow(self, start: tuple, end: tuple, label: str = "", *, fontsize: float = 12,
              label_side: str = "above") -> None:
        """An arrow from `start` to `end` ((left, top) inches), `label` beside its middle."""
        self.figure.add_artist(FancyArrowPatch(
            self._fraction(start), self._fraction(end), transform=self.figure.transFigure,
            arrowstyle="-|>", mutation_scale=18, lw=1.6, color="#333333"))
        if label:
            left, top = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
            if label_side == "above":
                self.text(left, top - 0.08, label, fontsize=fontsize, va="bottom")
            else:
                self.text(left + 0.12, top, label, fontsize=fontsize, ha="left")

    def _fraction(self, point: tuple) -> tuple:
        return point[0] / self.width, 1 - point[1] / self.height

    def save(self, path: Path) -> Path:
        """Write the sheet as a PNG of at most 256 colours: flat cells and text lose nothing
        visible, and the file is a third of the size (the PNGs are committed)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI)
        image = Image.open(buffer).convert("RGB")
        image.quantize(colors=256, dither=Image.Dither.NONE).save(path, optimize=True)
        return path
