"""Every registered conv algorithm (ops.CONV2D_ALGORITHMS) against torch.nn.functional on the
conv test grid (the shapes each can do), gradcheck and opcheck per algorithm, and how an
algorithm is chosen: forced, "auto", benchmark mode, per layer."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ops
from ops.frontend import pair
from tests.compare import (ALGORITHM_FLOAT32, DEVICES, algorithm_tolerance,
                           assert_matches_reference)
from tests.test_conv2d import VARIANTS, make_case

ALGORITHMS = ops.CONV2D_ALGORITHMS[1:]

def op_args(args):
    return (pair(args["stride"], "stride"), pair(args["padding"], "padding"),
            pair(args["dilation"], "dilation"), args["groups"])


def can_do(algorithm, x, w, args):
    try:
        ops.conv2d_algorithm(x, w, *op_args(args), algorithm)
    except ValueError:
        return False
    return True


def grid():
    for algorithm in ALGORITHMS:
        for name in VARIANTS:
            x, w, _, args = make_case(name, torch.float64, "cpu")
            if can_do(algorithm, x, w, args):
                yield algorithm, name


GRID = list(grid())


def test_every_algorithm_has_shapes_on_the_grid():
    assert {algorithm for algorithm, _ in GRID} == set(ALGORITHMS)
    assert len([1 for algorithm, _ in GRID if algorithm == "winograd"]) >= 8


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("algorithm,name", GRID)
def test_forward_and_gradients_match_torch(algorithm, name, dtype, device):
    x, w, b, args = make_case(name, dtype, device)
    tensors = (x, w) if b is None else (x, w, b)
    tolerance = algorithm_tolerance(algorithm, dtype)
    assert_matches_reference(
        lambda *t: ops.conv2d(*t, **args, algorithm=algorithm),
        lambda *t: F.conv2d(*t, **args), tensors, dtype, tolerance=tolerance)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_gradcheck_and_opcheck(algorithm, device):
    # The most general case the algorithm can do: groups, stride and dilation where it can.
    x, w, b, args = next(case for case in (make_case(name, torch.float64, device)
                                           for name in ("mixed_a", "pad1", *VARIANTS))
                         if can_do(algorithm, case[0], case[1], case[3]))
    x, w, b = (t[:2].detach().requires_grad_() for t in (x, w, b))
    if args["groups"] > 1:  # two filters, one per group
        w = w.detach()[:2].requires_grad_()
    assert torch.autograd.gradcheck(
        lambda *t: ops.conv2d(*t, **args, algorithm=algorithm), (x, w, b))
    torch.library.opcheck(torch.ops.convlab.conv2d.default, (x, w, b, *op_args(args), algorithm))
    out = ops.conv2d(x, w, b, **args, algorithm=algorithm)
    torch.library.opcheck(
        torch.ops.convlab.conv2d_backward.default,
        (torch.randn_like(out), x.detach(), w.detach(), *op_args(args), [True, True, True], algorithm))


@pytest.mark.parametrize("device", DEVICES)
def test_transposed_weight_gemm_returns_the_weights_layout(device):
    """16 filters, a 36-value patch: im2col's grad_weight runs the transposed GEMM on the CPU
    (conv2d_im2col_gemm.cpp) and must still return a contiguous weight-shaped gradient."""
    x, w, _, args = make_case("filters16", torch.float64, device)
    out = ops.conv2d(x, w, **args, algorithm="im2col")
    torch.library.opcheck(
        torch.ops.convlab.conv2d_backward.default,
        (torch.randn_like(out), x, w, *op_args(args), [False, True, False], "im2col"))


@pytest.mark.parametrize("algorithm", ["winograd", "winograd_2x2"])
def test_winograd_takes_any_padding_and_groups(algorithm):
    x = torch.randn(2, 4, 10, 7, dtype=torch.float64)
    w = torch.randn(6, 2, 3, 3, dtype=torch.float64)
    for padding in [0, 1, 2, 3, 5, (4, 0)]:
        assert_matches_reference(
            lambda *t: ops.conv2d(*t, padding=padding, groups=2, algorithm=algorithm),
            lambda *t: F.conv2d(*t, padding=padding, groups=2), (x, w), torch.float64)


@pytest.mark.parametrize("algorithm", ["winograd", "winograd_2x2"])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_winograd_splits_samples_between_threads_and_each_share_into_chunks(algorithm, threads):
    # On the CPU each thread carries its samples through in chunks of about 128 tiles: 40x40
    # outputs (100 F(4x4) tiles, 400 F(2x2)) give chunks of one sample, so with 5 samples a
    # thread runs several, and 3 threads leave one with a share of its own.
    x = torch.randn(5, 3, 40, 40, dtype=torch.float64)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64)
    b = torch.randn(4, dtype=torch.float64)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        assert_matches_reference(
            lambda *t: ops.conv2d(*t, padding=1, algorithm=algorithm),
            lambda *t: F.conv2d(*t, padding=1), (x, w, b), torch.float64)
    finally:
        torch.set_num_threads(previous)


def test_a_forced_algorithm_that_cannot_do_the_shape_says_why():
    x, w = torch.randn(1, 2, 9, 9), torch.randn(3, 2, 5, 5)
    with pytest.raises(ValueError, match=r"winograd needs a 3x3 kernel with stride 1.*5x5"):
        ops.conv2d(x, w, algorithm="winograd")
    with pytest.raises(ValueError, match=r"stride \(2, 2\)"):
        ops.conv2d(x, torch.randn(3, 2, 3, 3), stride=2, algorithm="winograd")
    with pytest.raises(ValueError, match=r"winograd_2x2 needs a 3x3 kernel with stride 1.*5x5"):
        ops.conv2d(x, w, algorithm="winograd_2x2")
    with pytest.raises(ValueError, match="algorithm must be one of"):
        ops.conv2d(x, w, algorithm="gemm")
    with pytest.raises(ValueError, match="algorithm must be one of"):
        torch.ops.convlab.conv2d(x, w, None, [1, 1], [0, 0], [1, 1], 1, "gemm")
    with pytest.raises(ValueError, match="algorithm must be one of"):
        ops.Conv2d(2, 3, 3, algorithm="cudnn")


@pytest.mark.parametrize("kernel,stride,channels,size,batch,expected", [
    # Measured on this project's CPU (csrc/conv2d/rule_table.cpp): Winograd for 3x3 stride-1 layers
    # with 16+ input channels per group, 4x4+ outputs and 64+ output tiles in the batch (128+
    # from 256 input channels); after it, implicit GEMM for padded stride-1 layers with at most
    # 16 output positions per plane; the rest im2col.
    (3, 1, 64, 32, 32, "winograd"),  # VGG-16's second layer
    (3, 1, 17, 32, 1, "winograd"),  # 64 tiles
    (3, 1, 17, 28, 1, "im2col"),  # 49 tiles
    (3, 1, 16, 32, 1, "implicit"),  # at most 16 channels in and 64 out: register kernels
    (3, 1, 15, 32, 32, "implicit"),
    (3, 1, 256, 8, 32, "winograd"),  # VGG-16's 8x8 layers: 128 tiles
    (3, 1, 256, 8, 16, "im2col"),  # 64 tiles, deep
    (3, 1, 64, 8, 64, "winograd"),  # VGG-11 width 1/4's 8x8 layers
    (3, 1, 128, 8, 64, "winograd"),
    (3, 1, 128, 4, 64, "winograd"),  # VGG-11 width 1/4's 4x4 layers: 64 tiles
    (3, 1, 128, 4, 32, "implicit"),  # 32 tiles
    (3, 1, 512, 4, 32, "implicit"),  # VGG-16's 4x4 layers
    (3, 1, 512, 5, 16, "im2col"),  # 25 positions, 64 tiles
    (3, 1, 3, 32, 32, "implicit"),  # VGG-16's first layer: 64 filters
    (3, 1, 512, 2, 128, "implicit"),  # VGG-16's last layers
    (3, 2, 64, 32, 32, "im2col"),  # strided
    (5, 1, 1, 32, 256, "implicit"),  # LeNet-5's C1 and C3 shapes with 64 filters
    (5, 1, 6, 14, 256, "implicit"),
    (5, 1, 6, 9, 256, "im2col"),  # rows of 7
])
def test_auto_follows_the_rule_table(kernel, stride, channels, size, batch, expected):
    x = torch.randn(batch, channels, size, size)
    w = torch.randn(64, channels, kernel, kernel)
    assert ops.conv2d_algorithm(x, w, [stride] * 2, [1, 1], [1, 1], 1) == expected


@pytest.mark.parametrize("channels,filters,size,kernel,stride,padding,expected", [
    # Implicit GEMM's register kernels for stride-1 layers with at most 16 input and 64 output
    # channels whose output rows are at least 8 long and 8 times the padding.
    (1, 6, 32, 5, 1, 0, "implicit"),  # LeNet-5's first layer
    (6, 16, 14, 5, 1, 0, "implicit"),  # its second
    (16, 120, 5, 5, 1, 0, "im2col"),  # its third: a 1x1 output
    (3, 16, 32, 3, 1, 1, "implicit"),  # VGG-11 width 1/4's first layer
    (16, 32, 16, 3, 1, 1, "implicit"),  # its second
    (17, 32, 16, 3, 1, 1, "winograd"),
    (16, 65, 16, 3, 1, 1, "winograd"),
    (3, 64, 32, 3, 1, 1, "implicit"),  # VGG-16's and AlexNet's first layer
    (3, 65, 32, 3, 1, 1, "im2col"),
    (3, 16, 32, 3, 2, 1, "im2col"),  # stride 2
    (3, 16, 7, 3, 1, 1, "im2col"),  # rows of 7
    (3, 16, 15, 5, 1, 2, "im2col"),  # rows of 15, under 8 times the padding of 2
    (3, 16, 16, 5, 1, 2, "implicit"),  # rows of 16
])
def test_auto_gives_layers_with_few_channels_to_implicit(channels, filters, size, kernel,
                                                         stride, padding, expected):
    x = torch.randn(64, channels, size, size)
    w = torch.randn(filters, channels, kernel, kernel)
    assert ops.conv2d_algorithm(x, w, [stride] * 2, [padding] * 2, [1, 1], 1) == expected


def test_auto_picks_only_algorithms_that_can_do_the_shape():
    for name in VARIANTS:
        x, w, _, args = make_case(name, torch.float64, "cpu")
        chosen = ops.conv2d_algorithm(x, w, *op_args(args), "auto")
        assert can_do(chosen, x, w, args), (name, chosen)


def test_benchmark_mode_times_applicable_algorithms_once_and_caches(monkeypatch):
    from ops import algorithms

    timed = []
    real = algorithms._time_all
    monkeypatch.setattr(algorithms, "_time_all", lambda *a: timed.append(a[1].shape) or real(*a))
    monkeypatch.setattr(algorithms, "_fastest", {})
    ops.set_benchmark(True)
    try:
        for kernel in (3, 5):
            x, w = torch.randn(2, 16, 12, 12), torch.randn(16, 16, kernel, kernel)
            for _ in range(2):
                chosen = ops.conv2d_algorithm(x, w, [1, 1], [1, 1], [1, 1], 1)
                assert chosen in ALGORITHMS and (kernel == 3 or not chosen.startswith("winograd"))
                torch.testing.assert_close(ops.conv2d(x, w, padding=1), F.conv2d(x, w, padding=1),
                                           **ALGORITHM_FLOAT32["winograd"])
    finally:
        ops.set_benchmark(False)
    assert timed == [(16, 16, 3, 3), (16, 16, 5, 5)]


def test_layers_keep_their_algorithm_and_state_dicts_do_not_change():
    layer = ops.Conv2d(4, 6, 3, padding=1, algorithm="winograd")
    assert "algorithm='winograd'" in repr(layer)
    native = nn.Conv2d(4, 6, 3, padding=1)
    layer.load_state_dict(native.state_dict())
    assert set(layer.state_dict()) == set(native.state_dict())
    x = torch.randn(2, 4, 8, 8)
    torch.testing.assert_close(layer(x), native(x), **ALGORITHM_FLOAT32["winograd"])
    model = ops.convert(nn.Sequential(nn.Conv2d(4, 6, 3), nn.Conv2d(6, 6, 5)), "custom")
    assert [m.algorithm for m in model] == ["auto", "auto"]
    ops.use_algorithm(model, "fft")
    assert [m.algorithm for m in model] == ["fft", "fft"]
    with pytest.raises(ValueError, match="winograd needs"):
        ops.use_algorithm(model, "winograd")(x)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_algorithm_gives_the_same_result_under_torch_compile(algorithm):
    """The compiled graph calls the same op; its runtime must not change what it computes
    (a lazily conjugated spectrum once turned FFT correlation into convolution there)."""
    x = torch.randn(2, 3, 12, 10, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, requires_grad=True)

    def conv(a, b):
        return ops.conv2d(a, b, None, padding=1, algorithm=algorithm)

    eager = conv(x, w)
    compiled = torch.compile(conv, backend="aot_eager", fullgraph=True)(x, w)
    torch.testing.assert_close(compiled, eager)
    torch.testing.assert_close(torch.autograd.grad(compiled.sum(), (x, w)),
                               torch.autograd.grad(eager.sum(), (x, w)))


@pytest.mark.parametrize("algorithm", ops.CONV2D_ALGORITHMS)
def test_every_algorithm_takes_an_empty_batch(algorithm):
    x = torch.randn(0, 4, 9, 9, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 4, 3, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    out = ops.conv2d(x, w, b, padding=1, algorithm=algorithm)
    assert out.shape == (0, 6, 9, 9)
    out.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros_like(w))
    assert torch.equal(b.grad, torch.zeros_like(b))


def test_winograd_2x2_is_far_more_accurate_in_float32_than_winograd_4x4():
    # Lavin & Gray: F(2x2, 3x3)'s transforms (coefficients 1 and 1/2) round about ten times
    # less than F(4x4, 3x3)'s (1/24 to 8); in float32 its forward error stays near im2col's.
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 64, 16, 16, dtype=torch.float64, generator=generator)
    w = torch.randn(64, 64, 3, 3, dtype=torch.float64, generator=generator) / 24
    exact = F.conv2d(x, w, padding=1)

    def error(algorithm):
        got = ops.conv2d(x.float(), w.float(), padding=1, algorithm=algorithm).double()
        return ((got - exact).abs().max() / exact.abs().max()).item()

    assert error("winograd_2x2") * 5 < error("winograd")
    assert error("winograd_2x2") < 3 * error("im2col")
