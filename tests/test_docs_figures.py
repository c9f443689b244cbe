"""The docs' pictures (python3 -m docs.figures): every PNG is written, and the numbers each
one draws are what torch computes, so that a picture cannot drift from the kernels."""

import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from docs.figures import avg_pool_backward, evolution, fft, im2col, max_pool_backward, winograd
from docs.figures.__main__ import main
from docs.figures.checks import FigureCheckError, agree
from tests.doc_snippets import documented_pages

ROOT = Path(__file__).resolve().parent.parent
PICTURES = ("im2col.png", "winograd.png", "winograd_4x4.png", "fft.png", "max_pool_backward.png",
            "avg_pool_backward.png", "evolution.png")


def conv(input: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    return F.conv2d(input[None, None], weight[None, None])[0, 0]


def test_command_draws_every_picture(tmp_path, capsys):
    paths = main(["--out", str(tmp_path)])

    assert sorted(path.name for path in paths) == sorted(PICTURES)
    assert capsys.readouterr().out.split() == [str(path) for path in paths]
    for name in PICTURES:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert 10_000 < len(data) < 150_000, (name, len(data))  # drawn, and small to commit
        width, height = Image.open(tmp_path / name).size
        assert 600 <= width <= 1600 and 400 <= height <= 1200, (name, width, height)


def test_im2col_product_is_the_convolution():
    numbers = im2col.compute()
    assert torch.equal(numbers.lowered, F.unfold(numbers.input[None, None], 3)[0])
    assert torch.allclose(numbers.output, conv(numbers.input, numbers.filter))
    assert numbers.output.shape == (3, 3) and numbers.lowered.shape == (9, 9)


@pytest.mark.parametrize("variant", [winograd.F2x2, winograd.F4x4], ids=lambda v: v.algorithm)
def test_winograd_tile_is_the_convolution(variant):
    tile = winograd.compute(variant)
    assert torch.allclose(tile.Y, conv(tile.d, tile.g))
    assert torch.allclose(tile.M, tile.U * tile.V)
    generator = torch.Generator().manual_seed(0)
    side = variant.m + 2
    d = torch.randn(side, side, generator=generator, dtype=torch.float64)
    g = torch.randn(3, 3, generator=generator, dtype=torch.float64)
    assert torch.allclose(winograd.compute(variant, d, g).Y, conv(d, g))


def axis_matrix(header: str, struct: str) -> torch.Tensor:
    """The matrix of a C++ axis transform (u[i] = sums of x[j] times S(constants)), read off
    its source by evaluating each line on the unit vectors."""
    body = header[header.index(f"struct {struct} "):]
    body = body[:body.index("};")]
    inputs = int(re.search(r"kIn = (\d+)", body).group(1))
    lines = re.findall(r"\b\w\[(\d+)\] = (.+?);", body)
    matrix = torch.zeros(len(lines), inputs, dtype=torch.float64)
    for column in range(inputs):
        x = [1.0 if j == column else 0.0 for j in range(inputs)]
        for row, expression in lines:
            matrix[int(row), column] = eval(expression, {"x": x, "S": float})
    return matrix


@pytest.mark.parametrize("variant, header, prefix", [
    (winograd.F2x2, "csrc/conv2d/winograd_2x2/winograd_2x2.h", "Winograd2x2"),
    (winograd.F4x4, "csrc/conv2d/winograd/winograd.h", "Winograd"),
], ids=["winograd_2x2", "winograd"])
def test_winograd_matrices_are_the_kernels(variant, header, prefix):
    text = (ROOT / header).read_text()
    G, BT, AT = variant.matrices()
    assert torch.allclose(axis_matrix(text, f"{prefix}FilterAxis"), G)
    assert torch.allclose(axis_matrix(text, f"{prefix}InputAxis"), BT)
    assert torch.allclose(axis_matrix(text, f"{prefix}OutputAxis"), AT)


def test_fft_is_circular_correlation_and_its_valid_part_the_convolution():
    numbers = fft.compute()
    weight = numbers.padded_filter[:3, :3]
    assert torch.allclose(numbers.valid, conv(numbers.input, weight))
    wrapped = F.pad(numbers.input[None, None], (0, 2, 0, 2), mode="circular")[0, 0]
    assert torch.allclose(numbers.circular, conv(wrapped, weight))


def test_max_pool_gradient_goes_to_each_arg_max():
    numbers = max_pool_backward.compute()
    leaf = numbers.input[None, None].clone().requires_grad_()
    output, indices = F.max_pool2d(leaf, 2, 2, return_indices=True)
    output.backward(numbers.upstream[None, None])
    assert torch.equal(numbers.output, output.detach()[0, 0])
    assert torch.equal(numbers.input_gradient, leaf.grad[0, 0])
    assert [r * 4 + c for r, c in numbers.argmax] == indices.flatten().tolist()
    assert int((numbers.input_gradient != 0).sum()) == 4


@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool_gradient_is_spread_over_each_window(include_pad):
    numbers = avg_pool_backward.compute()
    leaf = numbers.input[None, None].clone().requires_grad_()
    output = F.avg_pool2d(leaf, 3, 2, 1, count_include_pad=include_pad)
    output.backward(numbers.upstream[None, None])
    assert torch.allclose(numbers.outputs[include_pad], output.detach()[0, 0])
    assert torch.allclose(numbers.input_gradients[include_pad], leaf.grad[0, 0])
    assert numbers.coverage[1, 1] == 4  # the windows overlap, so shares add up there


def test_a_wrong_number_fails_the_figure(monkeypatch):
    with pytest.raises(FigureCheckError, match="differ"):
        agree(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]), "example")
    with pytest.raises(FigureCheckError, match="shape"):
        agree(torch.zeros(2, 2), torch.zeros(3, 3), "example")

    monkeypatch.setattr(im2col, "lower", lambda input, out: torch.ones(9, out * out, dtype=input.dtype))
    with pytest.raises(FigureCheckError, match="im2col"):
        im2col.compute()

    G = list(winograd.F2x2.G)
    G[1] = (0.5, 0.5, 0.25)  # one coefficient off
    with pytest.raises(FigureCheckError, match="direct convolution"):
        winograd.compute(winograd.Variant(**{**vars(winograd.F2x2), "G": tuple(G)}))


def test_evolution_results_are_the_readme_table():
    """docs/results/evolution.json holds the run that README's table reports: each row the
    report renders is in the docs, all but the time ratio (the JSON keeps README's rounded
    times, whose ratio can differ from the run's in the last digit)."""
    from training.evolution_report import markdown

    docs = "\n".join(path.read_text() for path in documented_pages(ROOT))
    table = [line for line in docs.splitlines() if line.startswith("| ")]
    report = evolution.load()
    rows = [line for line in markdown(report).splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(report["rows"]) == 7
    for row in rows:
        cells = row.split(" | ")
        assert any(line.split(" | ")[:6] + line.split(" | ")[7:] == cells[:6] + cells[7:]
                   for line in table), row
