import itertools

import pytest
import torch
import torch.nn.functional as F

import ops
from ops.frontend import pair
from tests.compare import DEVICES, algorithm_tolerance, assert_matches_reference

BASE = dict(batch=2, in_channels=4, out_channels=6, size=(9, 11), kernel=(3, 3), stride=1,
            padding=0, dilation=1, groups=1, bias=True)
VARIANTS = {
    "base": {},
    "k1": dict(kernel=(1, 1)),
    "k5": dict(kernel=(5, 5)),
    "k7": dict(kernel=(7, 7)),
    "k3x5": dict(kernel=(3, 5)),
    "stride2": dict(stride=2),
    "stride3": dict(stride=3),
    "stride2x3": dict(stride=(2, 3)),
    "pad1": dict(padding=1),
    "pad2": dict(padding=2),
    "pad3": dict(padding=3),
    "pad0x2": dict(padding=(0, 2)),
    "pad3x1": dict(padding=(3, 1)),
    "dilation2": dict(dilation=2),
    "dilation1x2": dict(dilation=(1, 2)),
    "groups2": dict(groups=2),
    "depthwise": dict(groups=4, out_channels=8),
    # Filters per group a multiple of 8, patch not: im2col's transposed grad_weight GEMM.
    "filters16": dict(out_channels=16),
    "filters16_groups2": dict(out_channels=16, groups=2),
    # 256+ output positions: im2col's CPU backward runs a sample per thread.
    "positions_306": dict(size=(18, 17), padding=1, batch=4),
    "positions_306_filters16": dict(size=(18, 17), padding=1, batch=4, out_channels=16),
    # The filter as large as the input (LeNet-5's last layer): im2col's lowering is a view.
    "filter_covers_input": dict(kernel=(5, 4), size=(5, 4)),
    "filter_covers_input_no_bias": dict(kernel=(3, 3), size=(3, 3), bias=False, batch=3),
    "no_bias": dict(bias=False),
    "batch1": dict(batch=1),
    "batch4": dict(batch=4),
    "odd_square": dict(size=(7, 7)),
    "tall": dict(size=(13, 8)),
    "mixed_a": dict(kernel=(5, 5), stride=2, padding=2, dilation=2, groups=2, batch=4),
    "mixed_b": dict(kernel=(3, 5), stride=(3, 2), padding=(1, 2), dilation=(2, 1), groups=4,
                    out_channels=8, bias=False, batch=1, size=(12, 10)),
    "mixed_c": dict(kernel=(7, 3), stride=(1, 3), padding=(3, 0), groups=2, size=(15, 9)),
}


def make_case(name, dtype, device, seed=0):
    case = {**BASE, **VARIANTS[name]}
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)

    x = rand(case["batch"], case["in_channels"], *case["size"])
    w = rand(case["out_channels"], case["in_channels"] // case["groups"], *case["kernel"])
    b = rand(case["out_channels"]) if case["bias"] else None
    args = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                groups=case["groups"])
    return x, w, b, args


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_forward_and_gradients_match_torch(name, dtype, device):
    x, w, b, args = make_case(name, dtype, device)
    tensors = (x, w) if b is None else (x, w, b)
    # "auto" is held to the bound of the algorithm it runs, as the algorithm grid holds it.
    chosen = ops.conv2d_algorithm(x, w, pair(args["stride"], "stride"),
                                  pair(args["padding"], "padding"),
                                  pair(args["dilation"], "dilation"), args["groups"])
    assert_matches_reference(
        lambda *t: ops.conv2d(*t, **args), lambda *t: F.conv2d(*t, **args), tensors, dtype,
        tolerance=algorithm_tolerance(chosen, dtype))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["base", "mixed_a", "mixed_b", "depthwise"])
def test_gradcheck(name, device):
    x, w, b, args = make_case(name, torch.float64, device)
    x, w = x[:1, :, :7, :8], w
    inputs = [t.detach().requires_grad_() for t in (x, w) + ((b,) if b is not None else ())]
    assert torch.autograd.gradcheck(lambda *t: ops.conv2d(*t, **args), inputs)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x, w, b, _ = make_case("mixed_a", torch.float64, device)
    op_args = ([2, 2], [2, 2], [2, 2], 2)
    torch.library.opcheck(
        torch.ops.convlab.conv2d.default, (x.requires_grad_(), w.requires_grad_(), b, *op_args))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("output_mask", list(itertools.product([False, True], repeat=3)))
def test_opcheck_backward_every_output_mask(device, output_mask):
    """opcheck also catches outputs that alias each other (e.g. one empty tensor returned
    for two unused gradients)."""
    x, w, _, _ = make_case("mixed_a", torch.float64, device)
    op_args = ([2, 2], [2, 2], [2, 2], 2)
    out = ops.conv2d(x, w, None, *op_args)
    torch.library.opcheck(
        torch.ops.convlab.conv2d_backward.default,
        (torch.randn_like(out), x, w, *op_args, list(output_mask)))


@pytest.mark.parametrize("device", DEVICES)
def test_output_mask_skips_gradients(device):
    x, w, _, args = make_case("base", torch.float64, device)
    out = ops.conv2d(x, w, None, **args)
    grads = torch.ops.convlab.conv2d_backward(
        torch.ones_like(out), x, w, [1, 1], [0, 0], [1, 1], 1, [False, True, False])
    assert grads[0].numel() == 0 and grads[2].numel() == 0
    assert grads[1].shape == w.shape


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("layout", ["channels_last", "transposed", "sliced"])
def test_non_contiguous_inputs(layout, device):
    x, w, b, args = make_case("mixed_a", torch.float64, device)
    if layout == "channels_last":
        x, w = x.to(memory_format=torch.channels_last), w.to(memory_format=torch.channels_last)
    elif layout == "transposed":
        x = x.transpose(2, 3).contiguous().transpose(2, 3)
        w = w.transpose(2, 3).contiguous().transpose(2, 3)
    else:
        x = torch.cat([x, x], dim=1)[:, ::2]
    assert not x.is_contiguous()
    assert_matches_reference(
        lambda *t: ops.conv2d(*t, **args), lambda *t: F.conv2d(*t, **args), (x, w, b),
        torch.float64)


@pytest.mark.parametrize("device", DEVICES)
def test_empty_batch(device):
    x, w, b, args = make_case("mixed_a", torch.float64, device)
    x = x[:0]
    assert_matches_reference(
        lambda *t: ops.conv2d(*t, **args), lambda *t: F.conv2d(*t, **args), (x, w, b),
        torch.float64)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("kernel,dilation", [((3, 3), 1), ((4, 2), 1), ((3, 4), (2, 2))])
def test_string_padding(padding, kernel, dilation, device):
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 10, 9, generator=generator, dtype=torch.float64).to(device)
    w = torch.randn(5, 3, *kernel, generator=generator, dtype=torch.float64).to(device)
    args = dict(padding=padding, dilation=dilation)
    assert_matches_reference(
        lambda *t: ops.conv2d(*t, **args), lambda *t: F.conv2d(*t, **args), (x, w),
        torch.float64)


def test_unbatched_input():
    x, w, b, args = make_case("base", torch.float64, "cpu")
    torch.testing.assert_close(ops.conv2d(x[0], w, b, **args), F.conv2d(x[0], w, b, **args))


def test_same_padding_rejects_stride():
    x, w, b, _ = make_case("base", torch.float64, "cpu")
    with pytest.raises(ValueError, match="same"):
        ops.conv2d(x, w, b, stride=2, padding="same")


def _bad_calls():
    x = torch.randn(1, 4, 8, 8)
    w = torch.randn(6, 4, 3, 3)
    return {
        "input 2-D": (ValueError, "input", lambda: ops.conv2d(x[0, 0], w)),
        "op input 3-D": (ValueError, "input",
                         lambda: torch.ops.convlab.conv2d(x[0], w, None, [1, 1], [0, 0], [1, 1], 1)),
        "weight 3-D": (ValueError, "weight", lambda: ops.conv2d(x, w[0])),
        "channel mismatch": (ValueError, "channels", lambda: ops.conv2d(x, torch.randn(6, 3, 3, 3))),
        "channels not divisible by groups": (
            ValueError, "groups", lambda: ops.conv2d(torch.randn(1, 3, 8, 8), w[:, :1], groups=2)),
        "out channels not divisible by groups": (
            ValueError, "groups", lambda: ops.conv2d(x, torch.randn(5, 1, 3, 3), groups=4)),
        "groups 0": (ValueError, "groups", lambda: ops.conv2d(x, w, groups=0)),
        "stride 0": (ValueError, "stride", lambda: ops.conv2d(x, w, stride=0)),
        "stride negative": (ValueError, "stride", lambda: ops.conv2d(x, w, stride=(1, -1))),
        "dilation 0": (ValueError, "dilation", lambda: ops.conv2d(x, w, dilation=0)),
        "negative padding": (ValueError, "padding", lambda: ops.conv2d(x, w, padding=-1)),
        "padding of 3": (ValueError, "padding", lambda: ops.conv2d(x, w, padding=(1, 2, 3))),
        "unknown padding string": (ValueError, "padding", lambda: ops.conv2d(x, w, padding="full")),
        "kernel larger than input": (
            ValueError, "kernel", lambda: ops.conv2d(x, torch.randn(6, 4, 9, 3))),
        "dilated kernel larger than input": (
            ValueError, "kernel", lambda: ops.conv2d(x, w, dilation=4)),
        "dtype mismatch": (TypeError, "dtype", lambda: ops.conv2d(x, w.double())),
        "integer dtype": (TypeError, "dtype", lambda: ops.conv2d(x.long(), w.long())),
        "complex dtype": (TypeError, "dtype", lambda: ops.conv2d(x.cfloat(), w.cfloat())),
        "bias shape": (ValueError, "bias", lambda: ops.conv2d(x, w, torch.randn(5))),
        "bias dtype": (TypeError, "bias", lambda: ops.conv2d(x, w, torch.randn(6).double())),
        "stride not int": (TypeError, "stride", lambda: ops.conv2d(x, w, stride=1.5)),
        "grad_output shape": (
            ValueError, "grad_output",
            lambda: torch.ops.convlab.conv2d_backward(
                torch.randn(1, 6, 5, 5), x, w, [1, 1], [0, 0], [1, 1], 1, [True, True, True])),
    }


@pytest.mark.parametrize("case", list(_bad_calls()))
def test_bad_input_raises_naming_the_argument(case):
    error, word, call = _bad_calls()[case]
    with pytest.raises(error, match=word):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU visible to torch")
def test_cuda_device_mismatch_raises():
    x, w = torch.randn(1, 4, 8, 8), torch.randn(6, 4, 3, 3, device="cuda")
    with pytest.raises(ValueError, match="device|cuda"):
        ops.conv2d(x, w)
