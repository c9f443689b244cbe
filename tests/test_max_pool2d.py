import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import DEVICES, assert_matches_reference

CASES = {
    "k2": dict(kernel_size=2),
    "k3": dict(kernel_size=3),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2": dict(kernel_size=3, stride=2),
    "k2_stride1": dict(kernel_size=2, stride=1),
    "k3_pad1": dict(kernel_size=3, stride=2, padding=1),
    "k3x2_pad1x0": dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    "dilation2": dict(kernel_size=3, stride=1, dilation=2),
    "dilation2x1_pad": dict(kernel_size=3, stride=2, padding=1, dilation=(2, 1)),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "ceil_k2": dict(kernel_size=2, ceil_mode=True),
}


# The CPU forward pools planes with at least 16 output columns row by row, smaller ones
# several planes side by side (cpu/max_pool2d_kernel.cpp): every case runs on both.
SHAPES = {"small planes": (2, 3, 11, 9), "wide rows": (1, 2, 9, 41)}


def make_input(dtype, device, shape=(2, 3, 11, 9), seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("name", list(CASES))
def test_forward_indices_and_gradient_match_torch(name, shape, dtype, device):
    args = CASES[name]
    x = make_input(dtype, device, SHAPES[shape])
    assert_matches_reference(
        lambda t: ops.max_pool2d(t, **args), lambda t: F.max_pool2d(t, **args), (x,), dtype)
    _, indices = ops.max_pool2d(x, **args, return_indices=True)
    _, expected = F.max_pool2d(x, **args, return_indices=True)
    torch.testing.assert_close(indices, expected)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["k3_pad1", "ceil_pad", "dilation2x1_pad"])
def test_ties_send_the_gradient_to_one_element_like_torch(name, device):
    args = CASES[name]
    # Values from a small set, so most windows hold several equal maxima.
    x = torch.randint(0, 3, (2, 3, 11, 9), generator=torch.Generator().manual_seed(0))
    x = x.to(device, torch.float64)
    assert_matches_reference(
        lambda t: ops.max_pool2d(t, **args), lambda t: F.max_pool2d(t, **args), (x,),
        torch.float64)
    leaf = x.clone().requires_grad_()
    out = ops.max_pool2d(leaf, **args)
    (grad,) = torch.autograd.grad(out.sum(), leaf)
    # Each output passes its gradient of 1 to exactly one input element.
    assert grad.sum().item() == out.numel()
    assert set(grad.unique().tolist()) <= set(range(out.numel() + 1))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["k3_pad1", "ceil_pad", "dilation2x1_pad"])
def test_gradcheck(name, device):
    x = make_input(torch.float64, device, shape=(1, 2, 7, 6)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: ops.max_pool2d(t, **CASES[name]), (x,))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x = make_input(torch.float64, device).requires_grad_()
    op_args = ([3, 3], [2, 2], [1, 1], [1, 1], True)
    torch.library.opcheck(torch.ops.convlab.max_pool2d.default, (x, *op_args))
    out, indices = torch.ops.convlab.max_pool2d(x.detach(), *op_args)
    torch.library.opcheck(
        torch.ops.convlab.max_pool2d_backward.default,
        (torch.randn_like(out), x.detach(), indices, *op_args))


@pytest.mark.parametrize("device", DEVICES)
def test_channels_last_unbatched_and_empty_batch(device):
    x = make_input(torch.float64, device)
    args = CASES["k3_pad1"]
    for variant in (x.to(memory_format=torch.channels_last), x[0], x[:0]):
        assert_matches_reference(
            lambda t: ops.max_pool2d(t, **args), lambda t: F.max_pool2d(t, **args), (variant,),
            torch.float64)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_nan_propagates_like_torch(shape):
    x = make_input(torch.float64, "cpu", SHAPES[shape])
    x[0, 0, 4, 4] = float("nan")
    out, indices = ops.max_pool2d(x, 3, 2, 1, return_indices=True)
    expected, expected_indices = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    torch.testing.assert_close(out, expected, equal_nan=True)
    torch.testing.assert_close(indices, expected_indices)


BAD = {
    "kernel 0": (ValueError, "kernel_size", dict(kernel_size=0)),
    "stride 0": (ValueError, "stride", dict(kernel_size=2, stride=0)),
    "negative padding": (ValueError, "padding", dict(kernel_size=3, padding=-1)),
    "padding over half kernel": (ValueError, "padding", dict(kernel_size=2, padding=2)),
    "dilation 0": (ValueError, "dilation", dict(kernel_size=2, dilation=0)),
    "kernel larger than input": (ValueError, "kernel_size", dict(kernel_size=12)),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_raise_naming_them(case):
    error, word, args = BAD[case]
    with pytest.raises(error, match=word):
        ops.max_pool2d(make_input(torch.float32, "cpu"), **args)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_bad_tensors_raise_naming_them(shape):
    x = make_input(torch.float32, "cpu", SHAPES[shape])
    with pytest.raises(ValueError, match="input"):
        ops.max_pool2d(x[0, 0], 2)
    with pytest.raises(TypeError, match="dtype"):
        ops.max_pool2d(x.long(), 2)
    with pytest.raises(ValueError, match="non-zero"):
        ops.max_pool2d(x[:, :0], 2)
    window = ([2, 2], [2, 2], [0, 0], [1, 1], False)
    out, indices = torch.ops.convlab.max_pool2d(x, *window)
    backward = torch.ops.convlab.max_pool2d_backward
    with pytest.raises(ValueError, match="indices"):
        backward(out, x, indices + 1000, *window)
    with pytest.raises(ValueError, match="not in the window"):
        backward(out, x, indices.roll(1, dims=-1), *window)
    # One column past either edge of a window: output (0, 0) reads columns 0-1, (0, 1) 2-3.
    for output, index in (((0, 0), 2), ((0, 1), 1)):
        moved = indices.clone()
        moved[(-1, -1, *output)] = index
        with pytest.raises(ValueError, match=rf"index {index} .* output \({output[0]}, {output[1]}\)"):
            backward(out, x, moved, *window)
    with pytest.raises(TypeError, match="indices"):
        backward(out, x, indices.int(), *window)
    with pytest.raises(ValueError, match="grad_output"):
        backward(out[:, :1], x, indices, *window)


def test_windows_that_hold_only_padding_are_refused():
    """Dilation can put every tap of a window in the padding: torch then reads out of
    bounds; convlab names the arguments instead (forward and backward alike)."""
    x = make_input(torch.float32, "cpu", shape=(3, 1, 1, 8))
    with pytest.raises(ValueError, match="holds no input element"):
        ops.max_pool2d(x, (2, 3), 3, (1, 0), (2, 1))
    window = ([2, 3], [3, 3], [1, 0], [2, 1], False)
    with pytest.raises(ValueError, match="holds no input element"):
        torch.ops.convlab.max_pool2d_backward(torch.ones(3, 1, 1, 2), x, torch.zeros(3, 1, 1, 2, dtype=torch.long), *window)


def test_planes_of_one_output_are_checked_several_at_a_time():
    # Planes under 64 outputs have their indices checked several planes at once
    # (cpu/max_pool2d_cpu.cpp, kCheckOutputs): 2x3 inputs pool to one output each, 80 planes
    # make a block of 64 and one of 16 (40 and 40 on two threads).
    x = make_input(torch.float64, "cpu", shape=(8, 10, 2, 3))
    assert_matches_reference(lambda t: ops.max_pool2d(t, 2), lambda t: F.max_pool2d(t, 2),
                             (x,), torch.float64)
    window = ([2, 2], [2, 2], [0, 0], [1, 1], False)
    out, indices = torch.ops.convlab.max_pool2d(x, *window)
    moved = indices.clone()
    moved[2, 3, 0, 0] = 2  # column 2 of row 0: outside the only window's columns 0-1
    with pytest.raises(ValueError, match=r"index 2 .* output \(0, 0\)"):
        torch.ops.convlab.max_pool2d_backward(out, x, moved, *window)
