"""max_pool3d, avg_pool3d, adaptive_avg_pool3d: convlab's 2-D pools of the depth slices,
combined over the kernel's depth taps (ops/nd.py), against torch.nn.functional."""

import pytest
import torch
import torch.nn.functional as F

import ops
from ops import python_functional as P
from tests.compare import DEVICES, assert_matches_reference
from training.op_counter import counting_layer_ops

MAX_CASES = {
    "k2": dict(kernel_size=2),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "k2x3x2": dict(kernel_size=(2, 3, 2), stride=(2, 1, 2), padding=(1, 1, 0)),
    "dilation2x1x1": dict(kernel_size=3, stride=1, dilation=(2, 1, 1)),
    "dilation3x1x2_pad1": dict(kernel_size=3, stride=(1, 2, 1), padding=1, dilation=(3, 1, 2)),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "stride_beyond_kernel_ceil": dict(kernel_size=2, stride=(3, 2, 2), ceil_mode=True),
}
AVG_CASES = {
    "k2": dict(kernel_size=2),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "k3x2x3": dict(kernel_size=(3, 2, 3), stride=(2, 1, 2), padding=(1, 1, 0)),
    "exclude_pad": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=(3, 2, 3), stride=2, padding=1, ceil_mode=True),
    "ceil_pad_exclude": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                             count_include_pad=False),
    # The last depth window hangs past the padded input: torch's count_include_pad divisor
    # counts only up to the padding's end.
    "ceil_overhang": dict(kernel_size=(4, 3, 3), stride=(3, 2, 2), padding=1, ceil_mode=True),
    "divisor": dict(kernel_size=3, stride=2, padding=1, divisor_override=4),
    "divisor_ceil_exclude": dict(kernel_size=2, stride=(3, 1, 2), ceil_mode=True,
                                 count_include_pad=False, divisor_override=-3),
}
# Input is 7 x 6 x 5: sizes that divide it, that don't, larger than it, and None (keep).
ADAPTIVE_SIZES = [1, (1, 3, 2), 3, (4, 5, 6), (9, 8, 10), (5, None, 3)]


def make_input(dtype, device, shape=(2, 3, 7, 6, 5), seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)


def assert_max_pool_matches(function, x, args, dtype=torch.float64):
    assert_matches_reference(lambda t: function(t, **args), lambda t: F.max_pool3d(t, **args),
                             (x,), dtype)
    out, indices = function(x, **args, return_indices=True)
    expected, expected_indices = F.max_pool3d(x, **args, return_indices=True)
    torch.testing.assert_close(out, expected, equal_nan=True)
    torch.testing.assert_close(indices, expected_indices)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(MAX_CASES))
def test_max_pool3d_matches_torch_with_indices(name, dtype, device):
    assert_max_pool_matches(ops.max_pool3d, make_input(dtype, device), MAX_CASES[name], dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(AVG_CASES))
def test_avg_pool3d_matches_torch(name, dtype, device):
    args = AVG_CASES[name]
    assert_matches_reference(lambda t: ops.avg_pool3d(t, **args),
                             lambda t: F.avg_pool3d(t, **args), (make_input(dtype, device),), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("size", ADAPTIVE_SIZES, ids=str)
def test_adaptive_avg_pool3d_matches_torch(size, dtype, device):
    assert_matches_reference(lambda t: ops.adaptive_avg_pool3d(t, size),
                             lambda t: F.adaptive_avg_pool3d(t, size),
                             (make_input(dtype, device),), dtype)


@pytest.mark.parametrize("function", [ops.max_pool3d, P.max_pool3d], ids=["custom", "python"])
@pytest.mark.parametrize("name", ["k3_stride2_pad1", "dilation3x1x2_pad1", "ceil_pad"])
def test_ties_across_depth_go_to_the_first_maximum_like_torch(name, function):
    # Values from a small set: most windows hold equal maxima in several depth slices.
    x = torch.randint(0, 3, (2, 3, 7, 6, 5), generator=torch.Generator().manual_seed(0))
    assert_max_pool_matches(function, x.double(), MAX_CASES[name])


# The python backend's 2-D max pool keeps the first of two NaNs in one window of one plane
# where torch keeps the last (python_pool.py's argmax; its own 2-D tests have one NaN at most),
# so only convlab's gets two NaNs in one slice; NaNs in several depth slices are the
# composition's to order, and both get those.
@pytest.mark.parametrize("function,nans_in_one_slice", [(ops.max_pool3d, True),
                                                        (P.max_pool3d, False)],
                         ids=["custom", "python"])
def test_nan_and_infinity_like_torch(function, nans_in_one_slice):
    """A NaN wins its window (torch keeps the last NaN it scans, in any depth slice), and a
    window of -inf points at its first element."""
    x = make_input(torch.float64, "cpu")
    nan = float("nan")
    x[0, 0, 1, 2, 2] = x[0, 0, 2, 2, 3] = nan  # two NaNs in one window, in two depth slices
    x[0, 0, 4, 2, 2] = x[0, 0, 5, 1, 1] = x[0, 0, 6, 3, 2] = nan  # three
    if nans_in_one_slice:
        x[0, 1, 3, 1, 1] = x[0, 1, 3, 1, 2] = nan
    x[1, 2, 4, 3, 3] = nan
    x[1, 0] = float("-inf")
    x[1, 1, 2:5, 2:5, 1:4] = float("-inf")
    for args in (MAX_CASES["k3_stride2_pad1"], MAX_CASES["k3_stride1"], MAX_CASES["ceil"]):
        out, indices = function(x, **args, return_indices=True)
        expected, expected_indices = F.max_pool3d(x, **args, return_indices=True)
        torch.testing.assert_close(out, expected, equal_nan=True)
        torch.testing.assert_close(indices, expected_indices)


@pytest.mark.parametrize("name", ["k2x3x2", "dilation3x1x2_pad1", "stride_beyond_kernel_ceil"])
def test_python_backend_max_pool3d_matches_torch(name):
    assert_max_pool_matches(P.max_pool3d, make_input(torch.float64, "cpu"), MAX_CASES[name])


@pytest.mark.parametrize("name", ["ceil_overhang", "ceil_pad_exclude", "divisor_ceil_exclude"])
def test_python_backend_avg_pool3d_matches_torch(name):
    args = AVG_CASES[name]
    assert_matches_reference(lambda t: P.avg_pool3d(t, **args), lambda t: F.avg_pool3d(t, **args),
                             (make_input(torch.float64, "cpu"),), torch.float64)


@pytest.mark.parametrize("size", [(4, 5, 6), (5, None, 3)], ids=str)
def test_python_backend_adaptive_avg_pool3d_matches_torch(size):
    assert_matches_reference(lambda t: P.adaptive_avg_pool3d(t, size),
                             lambda t: F.adaptive_avg_pool3d(t, size),
                             (make_input(torch.float64, "cpu"),), torch.float64)


def test_each_pool_runs_one_2d_pool_forward_and_one_backward():
    x = make_input(torch.float64, "cpu").requires_grad_()
    with counting_layer_ops() as counts:
        ops.max_pool3d(x, 3, 2, 1).sum().backward()
        ops.avg_pool3d(x, 3, 2, 1).sum().backward()
        ops.adaptive_avg_pool3d(x, (3, 4, 2)).sum().backward()
    assert counts["convlab_ops"] == {
        f"convlab.{name}{suffix}": 1 for name in ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d")
        for suffix in ("", "_backward")}, counts
    assert counts["torch_calls"] == 0, counts


@pytest.mark.parametrize("device", DEVICES)
def test_gradcheck_and_gradgradcheck(device):
    x = make_input(torch.float64, device, shape=(1, 2, 5, 4, 3)).requires_grad_()
    for function in (lambda t: ops.max_pool3d(t, 3, (2, 1, 1), 1, (2, 1, 1), ceil_mode=True),
                     lambda t: ops.avg_pool3d(t, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                     lambda t: ops.avg_pool3d(t, 2, 1, divisor_override=3),
                     lambda t: ops.adaptive_avg_pool3d(t, (3, 3, 2))):
        assert torch.autograd.gradcheck(function, (x,), fast_mode=True)
        assert torch.autograd.gradgradcheck(function, (x,), fast_mode=True)


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x = make_input(torch.float64, device, shape=(1, 2, 5, 4, 5)).requires_grad_()
    convlab = torch.ops.convlab
    torch.library.opcheck(convlab.max_pool3d.default, (x, [3, 2, 3], [2, 1, 2], [1, 1, 1],
                                                       [1, 2, 1], True))
    torch.library.opcheck(convlab.avg_pool3d.default, (x, [3, 2, 3], [2, 1, 2], [1, 1, 1], True,
                                                       False, None))
    torch.library.opcheck(convlab.adaptive_avg_pool3d.default, (x, [3, 4, 2]))


@pytest.mark.parametrize("device", DEVICES)
def test_unbatched_empty_batch_and_channels_last(device):
    x = make_input(torch.float64, device)
    for variant in (x[0], x[:0], x.to(memory_format=torch.channels_last_3d)):
        assert_matches_reference(lambda t: ops.max_pool3d(t, 3, 2, 1),
                                 lambda t: F.max_pool3d(t, 3, 2, 1), (variant,), torch.float64)
        assert_matches_reference(lambda t: ops.avg_pool3d(t, 3, 2, 1),
                                 lambda t: F.avg_pool3d(t, 3, 2, 1), (variant,), torch.float64)
        assert_matches_reference(lambda t: ops.adaptive_avg_pool3d(t, (3, 4, 2)),
                                 lambda t: F.adaptive_avg_pool3d(t, (3, 4, 2)), (variant,),
                                 torch.float64)


BAD = {
    "kernel 0 in depth": (ValueError, "kernel_size", dict(kernel_size=(0, 2, 2))),
    "stride 0 in depth": (ValueError, "stride", dict(kernel_size=2, stride=(0, 1, 1))),
    "negative depth padding": (ValueError, "padding", dict(kernel_size=3, padding=(-1, 0, 0))),
    "depth padding over half kernel": (ValueError, "padding",
                                       dict(kernel_size=(2, 3, 3), padding=(2, 1, 1))),
    "kernel deeper than input": (ValueError, "kernel_size", dict(kernel_size=(8, 2, 2))),
    "kernel wider than input": (ValueError, "kernel_size", dict(kernel_size=(2, 2, 6))),
    "kernel of 2": (ValueError, "kernel_size", dict(kernel_size=(2, 2))),
    "kernel not int": (TypeError, "kernel_size", dict(kernel_size=2.0)),
}


@pytest.mark.parametrize("function", [ops.max_pool3d, ops.avg_pool3d, P.max_pool3d, P.avg_pool3d],
                         ids=["max", "avg", "python max", "python avg"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_arguments_raise_naming_them(case, function):
    error, word, args = BAD[case]
    with pytest.raises(error, match=word):
        function(make_input(torch.float32, "cpu"), **args)


def test_bad_tensors_and_windows_raise_naming_them():
    x = make_input(torch.float32, "cpu")
    convlab = torch.ops.convlab
    for function in (ops.max_pool3d, ops.avg_pool3d, ops.adaptive_avg_pool3d):
        with pytest.raises(ValueError, match="input"):
            function(x[0, 0], 2)
        with pytest.raises(TypeError, match="dtype"):
            function(x.long(), 2)
        with pytest.raises(ValueError, match="non-zero"):
            function(x[:, :, :0], 2)
    with pytest.raises(ValueError, match="dilation"):
        ops.max_pool3d(x, 2, dilation=(0, 1, 1))
    with pytest.raises(ValueError, match="divisor_override"):
        ops.avg_pool3d(x, 2, divisor_override=0)
    with pytest.raises(ValueError, match="input"):
        convlab.max_pool3d(x[0], [2, 2, 2], [2, 2, 2], [0, 0, 0], [1, 1, 1], False)
    with pytest.raises(ValueError, match="stride"):
        convlab.avg_pool3d(x, [2, 2, 2], [2, 2], [0, 0, 0], False, True, None)
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool3d(x, -1)
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool3d(x, (2, 3))
    with pytest.raises(ValueError, match="output_size"):
        convlab.adaptive_avg_pool3d(x, [2, 0, 2])
    # Dilation can put every depth tap of a window in the padding: torch then reads out of
    # bounds; convlab refuses, as its 2-D max pool does.
    with pytest.raises(ValueError, match="holds no input element"):
        ops.max_pool3d(make_input(torch.float32, "cpu", shape=(1, 1, 1, 4, 4)), (2, 1, 1), 3,
                       (1, 0, 0), (2, 1, 1))


def test_empty_adaptive_output_like_torch():
    x = make_input(torch.float64, "cpu").requires_grad_()
    out = ops.adaptive_avg_pool3d(x, (0, 2, 2))
    assert out.shape == F.adaptive_avg_pool3d(x, (0, 2, 2)).shape == (2, 3, 0, 2, 2)


def test_input_smaller_than_the_kernel_that_padding_makes_fit():
    """torch's avg_pool3d refuses this input (depth 2 < kernel 3) though its padding makes the
    window fit, while its max_pool3d and 2-D pools accept such inputs; convlab accepts it for
    both 3-D pools, and its average equals the average over the explicitly zero-padded input."""
    x = make_input(torch.float64, "cpu", shape=(1, 2, 2, 3, 3))
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        F.avg_pool3d(x, 3, 1, 1)
    torch.testing.assert_close(ops.avg_pool3d(x, 3, 1, 1),
                               F.avg_pool3d(F.pad(x, [1] * 6), 3, 1, 0))
    assert_max_pool_matches(ops.max_pool3d, x, dict(kernel_size=3, stride=1, padding=1))
