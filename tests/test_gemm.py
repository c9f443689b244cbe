"""convlab's own CPU GEMM (csrc/common/cpu/sgemm*), which every algorithm's float32 GEMMs run
on, against a float64 product: edge tiles of every height and width, operands in any layout
(transposed, an expanded batch), several depth, row and column blocks, accumulation, empty
sizes, and the same bits whatever the thread count."""

import pytest
import torch

import ops  # noqa: F401  (loads the extension)

gemm = torch.ops.convlab.gemm


def _operands(batch, m, n, k, seed=0):
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(batch, m, k, generator=generator)
    b = torch.randn(batch, k, n, generator=generator)
    return a, b


def _check(result, a, b, c=None):
    exact = torch.bmm(a.double(), b.double()) + (0 if c is None else c.double())
    # float32 sums of k products of size ~1: rounding grows like sqrt(k).
    tolerance = 1e-6 * (a.shape[2] + 1) ** 0.5 * 8
    torch.testing.assert_close(result.double(), exact, rtol=tolerance, atol=tolerance)


# Heights and widths around the micro-tile (14 x 32 with AVX-512, 6 x 16 with AVX2) and the
# cache blocks (252 rows, 512 columns, a depth of 256).
SHAPES = [(1, 1, 1, 1), (2, 13, 37, 300), (3, 5, 17, 7), (1, 16, 100, 150), (4, 14, 32, 256),
          (1, 253, 513, 257), (36, 64, 48, 128), (2, 600, 40, 520), (1, 7, 1100, 33)]


@pytest.mark.parametrize("batch,m,n,k", SHAPES)
def test_gemm_equals_the_exact_product(batch, m, n, k):
    a, b = _operands(batch, m, n, k)
    _check(gemm(a, b), a, b)


@pytest.mark.parametrize("layout", ["transposed_a", "transposed_b", "both", "expanded_a", "strided"])
def test_any_operand_layout(layout):
    a, b = _operands(3, 29, 45, 70)
    if layout in ("transposed_a", "both"):
        a = a.transpose(1, 2).contiguous().transpose(1, 2)
    if layout in ("transposed_b", "both"):
        b = b.transpose(1, 2).contiguous().transpose(1, 2)
    if layout == "expanded_a":
        a = a[:1].expand(3, -1, -1)
    if layout == "strided":
        a = torch.randn(3, 29, 140)[:, :, ::2]
    _check(gemm(a, b), a, b)


@pytest.mark.parametrize("batch,m,n,k", [(3, 300, 600, 600), (4, 14, 32, 256), (2, 5, 7, 0)])
@pytest.mark.parametrize("accumulate", [False, True])
def test_a_shared_by_the_batch_over_several_blocks(batch, m, n, k, accumulate):
    # A of batch stride 0 (a filter broadcast over rows or samples) is packed once for every
    # matrix of a task: across row, column and depth blocks, and with no depth at all.
    a = torch.randn(1, m, k).expand(batch, -1, -1)
    b = torch.randn(batch, k, n)
    c = torch.randn(batch, m, n) if accumulate else None
    _check(gemm(a, b, c), a, b, c)


def test_accumulates_into_c():
    a, b = _operands(2, 30, 70, 600)
    c = torch.randn(2, 30, 70)
    _check(gemm(a, b, c), a, b, c)


@pytest.mark.parametrize("batch,m,n,k", [(0, 3, 4, 5), (2, 0, 4, 5), (2, 3, 0, 5), (2, 3, 4, 0)])
def test_empty_sizes(batch, m, n, k):
    a, b = _operands(batch, m, n, k)
    assert torch.equal(gemm(a, b), torch.zeros(batch, m, n))
    c = torch.randn(batch, m, n)
    assert torch.equal(gemm(a, b, c), c)


def test_the_same_bits_at_any_thread_count():
    """Each element sums its products in one order (depth blocks in turn) however the call is
    cut into tasks."""
    a, b = _operands(3, 300, 700, 600)
    saved = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = gemm(a, b)
        torch.set_num_threads(2)
        two = gemm(a, b)
    finally:
        torch.set_num_threads(saved)
    assert torch.equal(one, two)


@pytest.mark.parametrize("accumulate", [False, True])
def test_a_deep_product_split_between_threads(accumulate):
    """Few rows and columns, a long depth: each thread sums a share of the depth, then the
    shares are added (the path grad_weight's GEMMs take)."""
    a, b = _operands(1, 20, 40, 5000)
    c = torch.randn(1, 20, 40) if accumulate else None
    saved = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        _check(gemm(a, b, c), a, b, c)
    finally:
        torch.set_num_threads(saved)


def test_names_the_instruction_set_it_was_built_for():
    assert torch.ops.convlab.gemm_instruction_set() in ("AVX-512", "AVX2", "scalar")


@pytest.mark.parametrize("a,b,message", [
    (torch.ones(2, 3), torch.ones(1, 3, 4), "3-D"),
    (torch.ones(1, 2, 3), torch.ones(1, 4, 5), "do not multiply"),
])
def test_bad_operands_raise(a, b, message):
    with pytest.raises(ValueError, match=message):
        gemm(a, b)
