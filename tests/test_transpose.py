"""The CPU's tiled transpose (csrc/common/transpose.cpp) on its own: implicit GEMM moves the
batch dimension behind the others and back with it, four times per layer."""

import pytest
import torch

import ops  # noqa: F401  (builds and loads the extension)

move_leading_dims_last = torch.ops.convlab.move_leading_dims_last


@pytest.mark.parametrize("shape,leading", [
    ((64, 64, 8, 8), 1),  # VGG-11 width 1/4's 8x8 input, samples last
    ((64, 8, 8, 64), 3),  # and back
    ((3, 5, 7), 1),  # no whole 8 x 8 tile
    ((13, 17), 1),  # whole tiles and edges of both sides
    ((17, 13), 1),
    ((1000, 9), 1),  # 3x3 filters' taps last: a strip of one line, runs of 512 and 488
    ((9, 1000), 1),
    ((8, 8), 1),
    ((1, 100), 1),
    ((100, 1), 1),
    ((0, 5), 1),
    ((4, 5, 6), 0),
    ((4, 5, 6), 3),
])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int32])
def test_moves_leading_dims_last_like_permute(shape, leading, dtype):
    t = torch.arange(torch.Size(shape).numel()).reshape(shape).to(dtype)
    order = list(range(leading, len(shape))) + list(range(leading))
    moved = move_leading_dims_last(t, leading)
    assert moved.is_contiguous()
    torch.testing.assert_close(moved, t.permute(order), rtol=0, atol=0)


@pytest.mark.parametrize("threads", [1, 2])
def test_reads_a_non_contiguous_input_with_any_thread_count(threads):
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        t = torch.randn(40, 24, 9).transpose(0, 2)  # (9, 24, 40), not contiguous
        torch.testing.assert_close(move_leading_dims_last(t, 1), t.permute(1, 2, 0), rtol=0, atol=0)
    finally:
        torch.set_num_threads(before)


def test_names_a_bad_leading_count():
    with pytest.raises(ValueError, match="leading must be in"):
        move_leading_dims_last(torch.zeros(2, 3), 3)
