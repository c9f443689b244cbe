"""conv1d: convlab's conv2d on a unit-height view (ops/nd.py), against torch.nn.functional."""

import pytest
import torch
import torch.nn.functional as F

import ops
from ops import python_functional as P
from tests.compare import DEVICES, assert_matches_reference

BASE = dict(batch=2, in_channels=4, out_channels=6, length=13, kernel=3, stride=1, padding=0,
            dilation=1, groups=1, bias=True)
VARIANTS = {
    "base": {},
    "k1": dict(kernel=1),
    "k5": dict(kernel=5),
    "stride2": dict(stride=2),
    "stride3_pad2": dict(stride=3, padding=2),
    "pad1": dict(padding=1),
    "dilation2": dict(dilation=2),
    "dilation3_pad3": dict(dilation=3, padding=3),
    "groups2": dict(groups=2),
    "depthwise": dict(groups=4, out_channels=8),
    "no_bias": dict(bias=False),
    "batch1": dict(batch=1),
    "same": dict(padding="same", kernel=4, dilation=2),
    "valid": dict(padding="valid", kernel=5),
    "mixed": dict(kernel=4, stride=2, padding=3, dilation=2, groups=2, bias=False, length=17),
}


def make_case(name, dtype, device, seed=0):
    case = {**BASE, **VARIANTS[name]}
    generator = torch.Generator().manual_seed(seed)

    def rand(*shape):
        return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)

    x = rand(case["batch"], case["in_channels"], case["length"])
    w = rand(case["out_channels"], case["in_channels"] // case["groups"], case["kernel"])
    b = rand(case["out_channels"]) if case["bias"] else None
    args = dict(stride=case["stride"], padding=case["padding"], dilation=case["dilation"],
                groups=case["groups"])
    return (x, w) if b is None else (x, w, b), args


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_forward_and_gradients_match_torch(name, dtype, device):
    tensors, args = make_case(name, dtype, device)
    assert_matches_reference(
        lambda *t: ops.conv1d(*t, **args), lambda *t: F.conv1d(*t, **args), tensors, dtype)


@pytest.mark.parametrize("name", ["base", "same", "mixed", "depthwise"])
def test_python_backend_matches_torch(name):
    tensors, args = make_case(name, torch.float64, "cpu")
    assert_matches_reference(
        lambda *t: P.conv1d(*t, **args), lambda *t: F.conv1d(*t, **args), tensors, torch.float64)


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_and_gradgradcheck(device):
    generator = torch.Generator().manual_seed(3)
    x, w, b = (torch.randn(*shape, generator=generator, dtype=torch.float64).to(device)
               .requires_grad_() for shape in [(1, 2, 8), (2, 1, 3), (2,)])
    args = dict(stride=2, padding=2, dilation=2, groups=2)
    assert torch.autograd.gradcheck(lambda *t: ops.conv1d(*t, **args), (x, w, b))
    assert torch.autograd.gradgradcheck(lambda *t: ops.conv1d(*t, **args), (x, w, b),
                                        fast_mode=True)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    (x, w), _ = make_case("mixed", torch.float64, device)
    torch.library.opcheck(torch.ops.convlab.conv1d.default,
                          (x.requires_grad_(), w.requires_grad_(), None, [2], [3], [2], 2))


def _can_do_1d(algorithm):
    # A 1-D kernel is a (1, k) kernel to conv2d: the registry says which algorithms take it.
    try:
        torch.ops.convlab.conv2d_algorithm(torch.empty(1, 1, 1, 8, device="meta"),
                                           torch.empty(1, 1, 1, 3, device="meta"),
                                           [1, 1], [0, 0], [1, 1], 1, algorithm)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("algorithm", [a for a in ops.CONV2D_ALGORITHMS[1:] if _can_do_1d(a)])
def test_every_algorithm_that_can_matches_torch(algorithm):
    tensors, args = make_case("stride3_pad2", torch.float64, "cpu")
    try:
        ops.conv1d(*tensors, **args, algorithm=algorithm)
    except ValueError:  # stride 1 only (implicit GEMM): the same case unstrided
        args = {**args, "stride": 1}
    assert_matches_reference(lambda *t: ops.conv1d(*t, **args, algorithm=algorithm),
                             lambda *t: F.conv1d(*t, **args), tensors, torch.float64)


def test_winograd_refuses_a_1d_kernel_and_unknown_algorithms_are_named():
    tensors, args = make_case("base", torch.float32, "cpu")
    with pytest.raises(ValueError, match="winograd"):
        ops.conv1d(*tensors, **args, algorithm="winograd")
    with pytest.raises(ValueError, match="algorithm"):
        ops.conv1d(*tensors, **args, algorithm="fastest")


def test_unbatched_input():
    (x, w, b), args = make_case("base", torch.float64, "cpu")
    torch.testing.assert_close(ops.conv1d(x[0], w, b, **args), F.conv1d(x[0], w, b, **args))


def _bad_calls():
    x, w = torch.randn(1, 4, 8), torch.randn(6, 4, 3)
    op = torch.ops.convlab.conv1d
    return {
        "input 1-D": (ValueError, "input", lambda: ops.conv1d(x[0, 0], w)),
        "input 4-D": (ValueError, "input", lambda: ops.conv1d(x[None], w)),
        "op input 2-D": (ValueError, "input", lambda: op(x[0], w, None, [1], [0], [1], 1)),
        "weight 2-D": (ValueError, "weight", lambda: ops.conv1d(x, w[0])),
        "channel mismatch": (ValueError, "channels", lambda: ops.conv1d(x, torch.randn(6, 3, 3))),
        "channels not divisible by groups": (
            ValueError, "groups", lambda: ops.conv1d(torch.randn(1, 3, 8), w[:, :1], groups=2)),
        "out channels not divisible by groups": (
            ValueError, "groups", lambda: ops.conv1d(x, torch.randn(5, 1, 3), groups=4)),
        "groups 0": (ValueError, "groups", lambda: ops.conv1d(x, w, groups=0)),
        "stride 0": (ValueError, "stride", lambda: ops.conv1d(x, w, stride=0)),
        "op stride of 2": (ValueError, "stride", lambda: op(x, w, None, [1, 1], [0], [1], 1)),
        "dilation 0": (ValueError, "dilation", lambda: ops.conv1d(x, w, dilation=0)),
        "negative padding": (ValueError, "padding", lambda: ops.conv1d(x, w, padding=-1)),
        "padding of 2": (ValueError, "padding", lambda: ops.conv1d(x, w, padding=(1, 2))),
        "unknown padding string": (ValueError, "padding", lambda: ops.conv1d(x, w, padding="full")),
        "same with stride": (ValueError, "same", lambda: ops.conv1d(x, w, stride=2, padding="same")),
        "kernel larger than input": (ValueError, "kernel", lambda: ops.conv1d(x, torch.randn(6, 4, 9))),
        "dilated kernel larger than input": (ValueError, "kernel", lambda: ops.conv1d(x, w, dilation=4)),
        "dtype mismatch": (TypeError, "dtype", lambda: ops.conv1d(x, w.double())),
        "integer dtype": (TypeError, "dtype", lambda: ops.conv1d(x.long(), w.long())),
        "bias shape": (ValueError, "bias", lambda: ops.conv1d(x, w, torch.randn(5))),
        "bias dtype": (TypeError, "bias", lambda: ops.conv1d(x, w, torch.randn(6).double())),
        "stride not int": (TypeError, "stride", lambda: ops.conv1d(x, w, stride=1.5)),
    }


@pytest.mark.parametrize("case", list(_bad_calls()))
def test_bad_input_raises_naming_the_argument(case):
    error, word, call = _bad_calls()[case]
    with pytest.raises(error, match=word):
        call()
