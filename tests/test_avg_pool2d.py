import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import DEVICES, assert_matches_reference

CASES = {
    "k2": dict(kernel_size=2),
    "k3": dict(kernel_size=3),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k2_stride1": dict(kernel_size=2, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "k3x2_pad1x0": dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    "exclude_pad": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "ceil_pad_exclude": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                             count_include_pad=False),
    "divisor": dict(kernel_size=3, stride=2, padding=1, divisor_override=4),
    "divisor_ceil": dict(kernel_size=2, ceil_mode=True, divisor_override=3),
}


def make_input(dtype, device, shape=(2, 3, 11, 9), seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_forward_and_gradient_match_torch(name, dtype, device):
    args = CASES[name]
    assert_matches_reference(
        lambda t: ops.avg_pool2d(t, **args), lambda t: F.avg_pool2d(t, **args),
        (make_input(dtype, device),), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", ["k3_stride2_pad1", "ceil_pad_exclude", "divisor"])
def test_gradcheck(name, device):
    x = make_input(torch.float64, device, shape=(1, 2, 7, 6)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: ops.avg_pool2d(t, **CASES[name]), (x,))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x = make_input(torch.float64, device).requires_grad_()
    op_args = ([3, 3], [2, 2], [1, 1], True, False, None)
    torch.library.opcheck(torch.ops.convlab.avg_pool2d.default, (x, *op_args))
    out = torch.ops.convlab.avg_pool2d(x.detach(), *op_args)
    torch.library.opcheck(
        torch.ops.convlab.avg_pool2d_backward.default, (torch.randn_like(out), x.detach(), *op_args))


@pytest.mark.parametrize("device", DEVICES)
def test_channels_last_unbatched_and_empty_batch(device):
    x = make_input(torch.float64, device)
    args = CASES["ceil_pad"]
    for variant in (x.to(memory_format=torch.channels_last), x[0], x[:0]):
        assert_matches_reference(
            lambda t: ops.avg_pool2d(t, **args), lambda t: F.avg_pool2d(t, **args), (variant,),
            torch.float64)


BAD = {
    "kernel 0": (ValueError, "kernel_size", dict(kernel_size=0)),
    "stride 0": (ValueError, "stride", dict(kernel_size=2, stride=0)),
    "negative padding": (ValueError, "padding", dict(kernel_size=3, padding=-1)),
    "padding over half kernel": (ValueError, "padding", dict(kernel_size=3, padding=2)),
    "divisor 0": (ValueError, "divisor_override", dict(kernel_size=2, divisor_override=0)),
    "kernel larger than input": (ValueError, "kernel_size", dict(kernel_size=(12, 2))),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_raise_naming_them(case):
    error, word, args = BAD[case]
    with pytest.raises(error, match=word):
        ops.avg_pool2d(make_input(torch.float32, "cpu"), **args)


def test_bad_tensors_raise_naming_them():
    x = make_input(torch.float32, "cpu")
    with pytest.raises(ValueError, match="input"):
        ops.avg_pool2d(x[0, 0], 2)
    with pytest.raises(TypeError, match="dtype"):
        ops.avg_pool2d(x.int(), 2)
    out = ops.avg_pool2d(x, 2)
    with pytest.raises(ValueError, match="grad_output"):
        torch.ops.convlab.avg_pool2d_backward(out[..., :1], x, [2, 2], [2, 2], [0, 0], False, True, None)
    with pytest.raises(TypeError, match="dtype"):
        torch.ops.convlab.avg_pool2d_backward(out.double(), x, [2, 2], [2, 2], [0, 0], False, True, None)
