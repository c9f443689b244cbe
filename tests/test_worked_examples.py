"""The lecture's worked examples, computed by convlab's ops ("custom") and by the python
backend: a 5x5 input and 3x3 filter, 2x2 max and average pooling, and the two gradient
identities of convolution. Each expected value is written out by hand or by a plain loop here,
never by torch's own conv/pool."""

import pytest
import torch

import ops

BACKENDS = ["custom", "python"]

# The classic example: its valid convolution (a cross-correlation, as CNNs compute it).
INPUT = [[3, 3, 2, 1, 0],
         [0, 0, 1, 3, 1],
         [3, 1, 2, 2, 3],
         [2, 0, 0, 2, 2],
         [2, 0, 0, 0, 1]]
FILTER = [[0, 1, 2],
          [2, 2, 0],
          [0, 1, 2]]
CONVOLVED = [[12, 12, 17],
             [10, 17, 19],
             [9, 6, 14]]

MAX_INPUT = [[12, 20, 30, 0],
             [8, 12, 2, 0],
             [34, 70, 37, 4],
             [112, 100, 25, 12]]
MAX_POOLED = [[20, 30],
              [112, 37]]

AVG_INPUT = [[4, 3, 1, 5],
             [1, 3, 4, 8],
             [4, 5, 4, 3],
             [6, 5, 9, 4]]
# The lecture prints 2.8, 4.5, 5.3, 5.0 (row-major). 2.8 is 11/4 = 2.75 rounded, 4.5 = 18/4
# and 5.0 = 20/4 (bottom right) are right; 5.3 is wrong: the bottom-left window 4, 5, 6, 5
# sums to 20, so its average is 5.0 too.
AVG_POOLED = [[11 / 4, 18 / 4],
              [20 / 4, 20 / 4]]


def image(rows) -> torch.Tensor:
    """A (1, 1, H, W) float64 tensor from a list of rows."""
    return torch.tensor(rows, dtype=torch.float64)[None, None]


def correlate(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """Valid cross-correlation of two 2-D tensors, element by element: the reference."""
    rows, cols = x.size(0) - k.size(0) + 1, x.size(1) - k.size(1) + 1
    out = torch.zeros(rows, cols, dtype=x.dtype)
    for y in range(rows):
        for z in range(cols):
            out[y, z] = (x[y:y + k.size(0), z:z + k.size(1)] * k).sum()
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_five_by_five_input_and_three_by_three_filter(backend):
    conv2d = ops.backend(backend).functions["conv2d"]
    assert conv2d(image(INPUT), image(FILTER))[0, 0].tolist() == CONVOLVED
    assert correlate(image(INPUT)[0, 0], image(FILTER)[0, 0]).tolist() == CONVOLVED


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_by_two_max_pooling_and_its_gradient_routed_to_the_arg_max(backend):
    max_pool2d = ops.backend(backend).functions["max_pool2d"]
    x = image(MAX_INPUT).requires_grad_()
    out = max_pool2d(x, 2)
    assert out[0, 0].tolist() == MAX_POOLED
    out.backward(image([[1, 2], [3, 4]]))
    # Each window's gradient lands on its largest element (20, 30, 112, 37), nowhere else.
    assert x.grad[0, 0].tolist() == [[0, 1, 2, 0],
                                     [0, 0, 0, 0],
                                     [0, 0, 4, 0],
                                     [3, 0, 0, 0]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_by_two_average_pooling_and_its_gradient_spread_evenly(backend):
    avg_pool2d = ops.backend(backend).functions["avg_pool2d"]
    x = image(AVG_INPUT).requires_grad_()
    out = avg_pool2d(x, 2)
    assert out[0, 0].tolist() == AVG_POOLED
    out.backward(image([[4, 8], [12, 16]]))
    assert x.grad[0, 0].tolist() == [[1, 1, 2, 2],
                                     [1, 1, 2, 2],
                                     [3, 3, 4, 4],
                                     [3, 3, 4, 4]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_gradient_identities_of_convolution(backend):
    """dL/dF = conv(X, dL/dO); dL/dX = full convolution of dL/dO with the filter turned by
    180 degrees (dL/dO padded by the filter's size minus one on every side)."""
    conv2d = ops.backend(backend).functions["conv2d"]
    x, f = image(INPUT).requires_grad_(), image(FILTER).requires_grad_()
    grad_out = torch.tensor([[1., -2., 3.], [0., 4., -1.], [2., 1., -3.]], dtype=torch.float64)
    conv2d(x, f).backward(grad_out[None, None])
    X, F, G = x.detach()[0, 0], f.detach()[0, 0], grad_out
    assert torch.equal(f.grad[0, 0], correlate(X, G))
    full = torch.nn.ZeroPad2d(2)(G[None])[0]  # a plain zero pad, no conv involved
    assert torch.equal(x.grad[0, 0], correlate(full, F.flip(0, 1)))
