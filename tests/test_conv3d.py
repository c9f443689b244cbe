"""conv3d: a sum over the kernel's depth taps of convlab conv2d calls (ops/nd.py), against
torch.nn.functional."""

import pytest
import torch
import torch.nn.functional as F

import ops
from ops import python_functional as P
from tests.compare import DEVICES, assert_matches_reference
from training.op_counter import counting_layer_ops

BASE = dict(batch=2, in_channels=4, out_channels=6, size=(6, 7, 5), kernel=(3, 3, 3), stride=1,
            padding=0, dilation=1, groups=1, bias=True)
VARIANTS = {
    "base": {},
    "k1": dict(kernel=(1, 1, 1)),
    "k2x3x1": dict(kernel=(2, 3, 1)),
    "stride2": dict(stride=2),
    "stride3x1x2": dict(stride=(3, 1, 2)),
    "pad1": dict(padding=1),
    "pad2x0x1": dict(padding=(2, 0, 1)),
    # Depth padding beyond the kernel: some outputs' windows hold only padding (the bias).
    "depth_pad_beyond_kernel": dict(kernel=(2, 3, 3), padding=(4, 1, 0), stride=(3, 1, 1)),
    "dilation2": dict(dilation=2, padding=1),
    "dilation2x1x1": dict(dilation=(2, 1, 1)),
    "groups2": dict(groups=2),
    "depthwise": dict(groups=4, out_channels=8),
    "no_bias": dict(bias=False),
    "batch1": dict(batch=1),
    "same": dict(padding="same", kernel=(4, 3, 2), dilation=(1, 1, 2)),
    "valid": dict(padding="valid", kernel=(2, 2, 2)),
    "mixed": dict(kernel=(3, 2, 3), stride=(2, 1, 2), padding=(2, 1, 0), dilation=(2, 2, 1),
                  groups=2, bias=False, size=(9, 6, 7)),
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
    return (x, w) if b is None else (x, w, b), args


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_forward_and_gradients_match_torch(name, dtype, device):
    tensors, args = make_case(name, dtype, device)
    assert_matches_reference(
        lambda *t: ops.conv3d(*t, **args), lambda *t: F.conv3d(*t, **args), tensors, dtype)


@pytest.mark.parametrize("name", ["base", "depth_pad_beyond_kernel", "same", "mixed"])
def test_python_backend_matches_torch(name):
    tensors, args = make_case(name, torch.float64, "cpu")
    assert_matches_reference(
        lambda *t: P.conv3d(*t, **args), lambda *t: F.conv3d(*t, **args), tensors, torch.float64)


def test_padding_so_large_that_every_depth_tap_reads_padding():
    """Each output depth's window holds only padding: the output is the bias, and input and
    weight get zero gradients, as in torch."""
    generator = torch.Generator().manual_seed(2)
    x, w, b = (torch.randn(*s, generator=generator, dtype=torch.float64)
               for s in [(2, 2, 1, 4, 4), (3, 2, 1, 3, 3), (3,)])
    args = dict(stride=(2, 1, 1), padding=(1, 1, 1))
    assert_matches_reference(lambda *t: ops.conv3d(*t, **args), lambda *t: F.conv3d(*t, **args),
                             (x, w, b), torch.float64)


def test_one_conv2d_per_depth_tap_that_reads_input():
    """Forward: one conv2d per depth tap (padding-only taps skipped); backward: one
    conv2d_backward each."""
    (x, w, b), _ = make_case("base", torch.float64, "cpu")
    x, w = x[:, :, :4].requires_grad_(), w.requires_grad_()
    with counting_layer_ops() as counts:
        # Depth 4, kernel 3, padding 3, stride 3: output depths 0..2; tap 0 reads depth -3, 0
        # (output 1), tap 1 depth -2, 1 and tap 2 depth -1, 2: three taps, each with one slice.
        ops.conv3d(x, w, b, stride=(3, 1, 1), padding=(3, 1, 1)).sum().backward()
    assert counts["convlab_ops"] == {"convlab.conv2d": 3, "convlab.conv2d_backward": 3}, counts
    assert counts["torch_calls"] == 0, counts


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_and_gradgradcheck(device):
    generator = torch.Generator().manual_seed(3)
    x, w, b = (torch.randn(*shape, generator=generator, dtype=torch.float64).to(device)
               .requires_grad_() for shape in [(1, 2, 4, 3, 3), (2, 1, 2, 2, 2), (2,)])
    args = dict(stride=(2, 1, 1), padding=(2, 1, 0), dilation=(2, 1, 1), groups=2)
    assert torch.autograd.gradcheck(lambda *t: ops.conv3d(*t, **args), (x, w, b),
                                    fast_mode=True)
    assert torch.autograd.gradgradcheck(lambda *t: ops.conv3d(*t, **args), (x, w, b),
                                        fast_mode=True)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    (x, w), _ = make_case("mixed", torch.float64, device)
    x, w = x[:1, :, :6, :4, :4], w[:2]  # small: opcheck traces and compiles the op
    torch.library.opcheck(
        torch.ops.convlab.conv3d.default,
        (x.requires_grad_(), w.requires_grad_(), None, [2, 1, 2], [2, 1, 0], [2, 2, 1], 2))


@pytest.mark.parametrize("algorithm", ops.CONV2D_ALGORITHMS[1:])
def test_every_algorithm_matches_torch(algorithm):
    # A 3x3x3 kernel with stride 1: each depth tap is a 3x3 conv2d that Winograd can do.
    tensors, args = make_case("pad1", torch.float64, "cpu")
    assert_matches_reference(lambda *t: ops.conv3d(*t, **args, algorithm=algorithm),
                             lambda *t: F.conv3d(*t, **args), tensors, torch.float64)


def test_unbatched_and_empty_batch_and_channels_last():
    (x, w, b), args = make_case("pad1", torch.float64, "cpu")
    torch.testing.assert_close(ops.conv3d(x[0], w, b, **args), F.conv3d(x[0], w, b, **args))
    for variant in (x[:0], x.to(memory_format=torch.channels_last_3d)):
        assert_matches_reference(lambda *t: ops.conv3d(*t, **args),
                                 lambda *t: F.conv3d(*t, **args), (variant, w, b), torch.float64)


def _bad_calls():
    x, w = torch.randn(1, 4, 5, 6, 6), torch.randn(6, 4, 3, 3, 3)
    op = torch.ops.convlab.conv3d
    return {
        "input 3-D": (ValueError, "input", lambda: ops.conv3d(x[0, 0], w)),
        "input 6-D": (ValueError, "input", lambda: ops.conv3d(x[None], w)),
        "op input 4-D": (ValueError, "input",
                         lambda: op(x[0], w, None, [1, 1, 1], [0, 0, 0], [1, 1, 1], 1)),
        "weight 4-D": (ValueError, "weight", lambda: ops.conv3d(x, w[0])),
        "channel mismatch": (ValueError, "channels",
                             lambda: ops.conv3d(x, torch.randn(6, 3, 3, 3, 3))),
        "channels not divisible by groups": (
            ValueError, "groups",
            lambda: ops.conv3d(torch.randn(1, 3, 5, 6, 6), w[:, :1], groups=2)),
        "out channels not divisible by groups": (
            ValueError, "groups", lambda: ops.conv3d(x, torch.randn(5, 1, 3, 3, 3), groups=4)),
        "groups 0": (ValueError, "groups", lambda: ops.conv3d(x, w, groups=0)),
        "stride 0 in depth": (ValueError, "stride", lambda: ops.conv3d(x, w, stride=(0, 1, 1))),
        "op stride of 2": (ValueError, "stride",
                           lambda: op(x, w, None, [1, 1], [0, 0, 0], [1, 1, 1], 1)),
        "dilation 0": (ValueError, "dilation", lambda: ops.conv3d(x, w, dilation=(1, 0, 1))),
        "negative depth padding": (ValueError, "padding",
                                   lambda: ops.conv3d(x, w, padding=(-1, 0, 0))),
        "padding of 2": (ValueError, "padding", lambda: ops.conv3d(x, w, padding=(1, 2))),
        "unknown padding string": (ValueError, "padding", lambda: ops.conv3d(x, w, padding="full")),
        "same with stride": (ValueError, "same",
                             lambda: ops.conv3d(x, w, stride=(2, 1, 1), padding="same")),
        "kernel deeper than input": (ValueError, "kernel",
                                     lambda: ops.conv3d(x, torch.randn(6, 4, 6, 3, 3))),
        "kernel wider than input": (ValueError, "kernel",
                                    lambda: ops.conv3d(x, torch.randn(6, 4, 3, 3, 7))),
        "dilated kernel deeper than input": (ValueError, "kernel",
                                             lambda: ops.conv3d(x, w, dilation=(3, 1, 1))),
        "dtype mismatch": (TypeError, "dtype", lambda: ops.conv3d(x, w.double())),
        "integer dtype": (TypeError, "dtype", lambda: ops.conv3d(x.long(), w.long())),
        "bias shape": (ValueError, "bias", lambda: ops.conv3d(x, w, torch.randn(5))),
        "bias dtype": (TypeError, "bias", lambda: ops.conv3d(x, w, torch.randn(6).double())),
        "stride not int": (TypeError, "stride", lambda: ops.conv3d(x, w, stride=1.5)),
        "algorithm": (ValueError, "algorithm", lambda: ops.conv3d(x, w, algorithm="fastest")),
    }


@pytest.mark.parametrize("case", list(_bad_calls()))
def test_bad_input_raises_naming_the_argument(case):
    error, word, call = _bad_calls()[case]
    with pytest.raises(error, match=word):
        call()
