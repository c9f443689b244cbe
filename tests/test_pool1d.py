"""max_pool1d, avg_pool1d, adaptive_avg_pool1d: convlab's 2-D pools on a unit-height view
(ops/nd.py), against torch.nn.functional."""

import pytest
import torch
import torch.nn.functional as F

import ops
from ops import python_functional as P
from tests.compare import DEVICES, assert_matches_reference

MAX_CASES = {
    "k2": dict(kernel_size=2),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "dilation2": dict(kernel_size=3, stride=1, dilation=2),
    "dilation3_pad1": dict(kernel_size=3, stride=2, padding=1, dilation=3),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
}
AVG_CASES = {
    "k2": dict(kernel_size=2),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "exclude_pad": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=4, stride=3, padding=2, ceil_mode=True),
    "ceil_pad_exclude": dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                             count_include_pad=False),
}
# Input length 13: sizes that divide it, that don't, larger than it.
ADAPTIVE_SIZES = [1, 4, 5, 13, 17]


def make_input(dtype, device, shape=(2, 3, 13), seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(MAX_CASES))
def test_max_pool1d_matches_torch_with_indices(name, dtype, device):
    args = MAX_CASES[name]
    x = make_input(dtype, device)
    assert_matches_reference(
        lambda t: ops.max_pool1d(t, **args), lambda t: F.max_pool1d(t, **args), (x,), dtype)
    torch.testing.assert_close(ops.max_pool1d(x, **args, return_indices=True)[1],
                               F.max_pool1d(x, **args, return_indices=True)[1])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(AVG_CASES))
def test_avg_pool1d_matches_torch(name, dtype, device):
    args = AVG_CASES[name]
    assert_matches_reference(lambda t: ops.avg_pool1d(t, **args),
                             lambda t: F.avg_pool1d(t, **args), (make_input(dtype, device),), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("size", ADAPTIVE_SIZES)
def test_adaptive_avg_pool1d_matches_torch(size, dtype, device):
    assert_matches_reference(lambda t: ops.adaptive_avg_pool1d(t, size),
                             lambda t: F.adaptive_avg_pool1d(t, size),
                             (make_input(dtype, device),), dtype)


def test_ties_and_nan_like_torch():
    x = torch.randint(0, 3, (2, 3, 13), generator=torch.Generator().manual_seed(0)).double()
    x[0, 0, 5] = x[1, 2, 6] = x[1, 2, 8] = float("nan")
    for function in (ops.max_pool1d, P.max_pool1d):
        out, indices = function(x, 3, 2, 1, return_indices=True)
        expected, expected_indices = F.max_pool1d(x, 3, 2, 1, return_indices=True)
        torch.testing.assert_close(out, expected, equal_nan=True)
        torch.testing.assert_close(indices, expected_indices)


@pytest.mark.parametrize("name", ["dilation3_pad1", "ceil_pad"])
def test_python_backend_max_pool1d_matches_torch(name):
    args = MAX_CASES[name]
    x = make_input(torch.float64, "cpu")
    assert_matches_reference(lambda t: P.max_pool1d(t, **args), lambda t: F.max_pool1d(t, **args),
                             (x,), torch.float64)
    torch.testing.assert_close(P.max_pool1d(x, **args, return_indices=True)[1],
                               F.max_pool1d(x, **args, return_indices=True)[1])


@pytest.mark.parametrize("name", ["exclude_pad", "ceil_pad_exclude"])
def test_python_backend_avg_pools_match_torch(name):
    x = make_input(torch.float64, "cpu")
    args = AVG_CASES[name]
    assert_matches_reference(lambda t: P.avg_pool1d(t, **args), lambda t: F.avg_pool1d(t, **args),
                             (x,), torch.float64)
    assert_matches_reference(lambda t: P.adaptive_avg_pool1d(t, 5),
                             lambda t: F.adaptive_avg_pool1d(t, 5), (x,), torch.float64)


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_and_gradgradcheck(device):
    x = make_input(torch.float64, device, shape=(1, 2, 9)).requires_grad_()
    for function in (lambda t: ops.max_pool1d(t, 3, 2, 1, dilation=2, ceil_mode=True),
                     lambda t: ops.avg_pool1d(t, 4, 3, 2, ceil_mode=True, count_include_pad=False),
                     lambda t: ops.adaptive_avg_pool1d(t, 4)):
        assert torch.autograd.gradcheck(function, (x,))
        assert torch.autograd.gradgradcheck(function, (x,), fast_mode=True)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x = make_input(torch.float64, device).requires_grad_()
    convlab = torch.ops.convlab
    torch.library.opcheck(convlab.max_pool1d.default, (x, [3], [2], [1], [2], True))
    torch.library.opcheck(convlab.avg_pool1d.default, (x, [4], [3], [2], True, False))
    torch.library.opcheck(convlab.adaptive_avg_pool1d.default, (x, [5]))


@pytest.mark.parametrize("device", DEVICES)
def test_unbatched_and_empty_batch(device):
    x = make_input(torch.float64, device)
    for variant in (x[0], x[:0]):
        for ours, theirs in ((ops.max_pool1d, F.max_pool1d), (ops.avg_pool1d, F.avg_pool1d)):
            assert_matches_reference(lambda t: ours(t, 3, 2, 1), lambda t: theirs(t, 3, 2, 1),
                                     (variant,), torch.float64)
        assert_matches_reference(lambda t: ops.adaptive_avg_pool1d(t, 4),
                                 lambda t: F.adaptive_avg_pool1d(t, 4), (variant,), torch.float64)


BAD = {
    "kernel 0": (ValueError, "kernel_size", dict(kernel_size=0)),
    "stride 0": (ValueError, "stride", dict(kernel_size=2, stride=0)),
    "negative padding": (ValueError, "padding", dict(kernel_size=3, padding=-1)),
    "padding over half kernel": (ValueError, "padding", dict(kernel_size=2, padding=2)),
    "kernel larger than input": (ValueError, "kernel_size", dict(kernel_size=14)),
    "kernel of 2": (ValueError, "kernel_size", dict(kernel_size=(2, 2))),
    "kernel not int": (TypeError, "kernel_size", dict(kernel_size=2.0)),
}


@pytest.mark.parametrize("function", [ops.max_pool1d, ops.avg_pool1d, P.max_pool1d, P.avg_pool1d],
                         ids=["max", "avg", "python max", "python avg"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_raise_naming_them(case, function):
    error, word, args = BAD[case]
    with pytest.raises(error, match=word):
        function(make_input(torch.float32, "cpu"), **args)


def test_bad_tensors_raise_naming_them():
    x = make_input(torch.float32, "cpu")
    convlab = torch.ops.convlab
    for function in (ops.max_pool1d, ops.avg_pool1d, ops.adaptive_avg_pool1d):
        with pytest.raises(ValueError, match="input"):
            function(x[None], 2)
        with pytest.raises(TypeError, match="dtype"):
            function(x.long(), 2)
        with pytest.raises(ValueError, match="non-zero"):
            function(x[:, :0], 2)
    with pytest.raises(ValueError, match="dilation"):
        ops.max_pool1d(x, 2, dilation=0)
    with pytest.raises(ValueError, match="input"):
        convlab.max_pool1d(x[0], [2], [2], [0], [1], False)
    with pytest.raises(ValueError, match="stride"):
        convlab.avg_pool1d(x, [2], [2, 2], [0], False, True)
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool1d(x, -1)
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool1d(x, (2, 3))
    with pytest.raises(ValueError, match="output_size"):
        convlab.adaptive_avg_pool1d(x, [0])
