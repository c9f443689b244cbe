"""Property test over random arguments, valid and invalid, for every op, through the functional
API and the modules: where torch.nn.functional computes a result, convlab's equals it (output
and input gradient, float64); where torch refuses, convlab raises ValueError or TypeError (a
clear Python error, never a RuntimeError or a crash).

The default run draws EXAMPLES (40) cases per property test, 160 in all (four property
tests); CONVLAB_FUZZ_EXAMPLES=500 python3 -m pytest tests/test_fuzz.py draws 2,000."""

import os
from collections import Counter

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ops

EXAMPLES = int(os.environ.get("CONVLAB_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Arguments convlab refuses on purpose although torch computes something (docs/ops.md):
# max-pool windows lying entirely in padding (torch reads out of bounds there).
DELIBERATE_REFUSALS = ("(only padding)",)

# What the cases came to (printed at the end of the module with -s): equal to torch, or
# refused by both.
OUTCOMES = Counter()


@pytest.fixture(scope="module", autouse=True)
def report_outcomes():
    yield
    print(f"\nfuzz cases: {sum(OUTCOMES.values())} ({dict(OUTCOMES)})")

BAD_INTS = [0, -1, -3, 1.5, "2", None, True]
BAD_PADDING = [-1, 2.5, "x", None]


def _small_pair(draw, low, high):
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


def _maybe_break(draw, args: dict, bad: dict) -> tuple[dict, bool]:
    """With probability 1/3, replace one argument with a wrong value (type, sign or range);
    says whether it did."""
    if draw(st.integers(0, 2)) != 0:
        return args, False
    key = draw(st.sampled_from(sorted(bad)))
    return {**args, key: draw(st.sampled_from(bad[key]))}, True


def _input(draw, channels):
    dims = draw(st.sampled_from([4, 4, 4, 4, 4, 4, 3, 2, 5]))
    n = draw(st.integers(0, 2)) if draw(st.integers(0, 9)) == 0 else draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    shape = {4: (n, channels, h, w), 3: (channels, h, w), 2: (h, w), 5: (1, n, channels, h, w)}
    seed = draw(st.integers(0, 2 ** 16))
    return torch.randn(shape[dims], dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def _compare(custom, native, x, broken=False):
    OUTCOMES[_outcome(custom, native, x, broken)] += 1


def _outcome(custom, native, x, broken):
    # A 2-D or 5-D input is a wrong argument too (torch's adaptive pooling to 1x1 lets a 2-D
    # one through, as a mean).
    broken = broken or x.dim() not in (3, 4)
    """The property. `broken`: an argument was given a wrong value on purpose; torch lets a few
    of those through where no element is computed (dilation=0 on an empty batch), and there
    convlab may refuse, with a ValueError or TypeError, instead of matching it."""
    try:
        expected_leaf = x.clone().requires_grad_()
        expected = native(expected_leaf)
    except Exception as error:  # torch refuses: convlab must refuse too, with a clear error
        with pytest.raises((ValueError, TypeError, NotImplementedError)):
            custom(x.clone().requires_grad_())
        return "both refused"
    leaf = x.clone().requires_grad_()
    try:
        out = custom(leaf)
    except (ValueError, TypeError) as error:
        if broken or any(reason in str(error) for reason in DELIBERATE_REFUSALS):
            return "convlab refused"
        raise
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-10)
    if out.numel() and expected.requires_grad:
        grad = torch.randn_like(expected)
        (got,) = torch.autograd.grad(out, leaf, grad, allow_unused=True)
        (want,) = torch.autograd.grad(expected, expected_leaf, grad, allow_unused=True)
        torch.testing.assert_close(got if got is not None else torch.zeros_like(x),
                                   want if want is not None else torch.zeros_like(x),
                                   rtol=1e-10, atol=1e-10)
    return "equal"


def weight_broken(weight, x) -> bool:
    """A weight of the wrong rank (drawn on purpose)."""
    return weight.dim() != 4

@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    weight_shape = draw(st.sampled_from(["ok", "ok", "ok", "ok", "3d", "channels"]))
    wshape = {"ok": (cout, cin // groups, *kernel), "3d": (cout, cin // groups, kernel[0]),
              "channels": (cout, cin // groups + 1, *kernel)}[weight_shape]
    args = dict(stride=_small_pair(draw, 1, 3), dilation=_small_pair(draw, 1, 2), groups=groups,
                padding=draw(st.one_of(st.just("same"), st.just("valid"),
                                       st.integers(0, 2), st.tuples(st.integers(0, 2),
                                                                    st.integers(0, 2)))))
    args, broken = _maybe_break(draw, args, {"stride": BAD_INTS, "dilation": BAD_INTS,
                                     "padding": BAD_PADDING + ["full"], "groups": [0, -1, 1.0, None]})
    x = _input(draw, cin)
    seed = draw(st.integers(0, 2 ** 16))
    generator = torch.Generator().manual_seed(seed)
    weight = torch.randn(wshape, dtype=torch.float64, generator=generator)
    bias = torch.randn(cout, dtype=torch.float64, generator=generator) if draw(st.booleans()) else None
    return x, weight, bias, args, draw(st.booleans()), broken


@FUZZ
@given(conv_cases())
def test_conv2d(case):
    x, weight, bias, args, as_module, broken = case
    if as_module and weight.dim() == 4 and isinstance(args["groups"], int) and args["groups"] > 0:
        # The modules: same constructor arguments, torch's parameters copied.
        def build(cls):
            try:
                layer = cls(weight.size(1) * args["groups"], weight.size(0), tuple(weight.shape[2:]),
                            bias=bias is not None, **args).double()
            except Exception as error:
                return error
            with torch.no_grad():
                layer.weight.copy_(weight)
                if bias is not None:
                    layer.bias.copy_(bias)
            return layer

        native_layer, custom_layer = build(nn.Conv2d), build(ops.Conv2d)
        if isinstance(native_layer, Exception):
            assert isinstance(custom_layer, Exception)  # ops.Conv2d is nn.Conv2d's constructor
            OUTCOMES["both refused"] += 1
            return
        _compare(custom_layer, native_layer, x, broken)
        return
    _compare(lambda t: ops.conv2d(t, weight, bias, **args),
             lambda t: F.conv2d(t, weight, bias, **args), x, broken or weight_broken(weight, x))


@st.composite
def pool_cases(draw, op):
    kernel = _small_pair(draw, 1, 4)
    args = dict(kernel_size=kernel, stride=draw(st.one_of(st.none(), st.just(()),
                                                          st.integers(1, 3))),
                padding=_small_pair(draw, 0, 2), ceil_mode=draw(st.booleans()))
    bad = {"kernel_size": BAD_INTS, "stride": BAD_INTS[:-2], "padding": BAD_PADDING}
    if op == "max":
        args["dilation"] = _small_pair(draw, 1, 2)
        bad["dilation"] = BAD_INTS
    else:
        args["count_include_pad"] = draw(st.booleans())
        args["divisor_override"] = draw(st.sampled_from([None, None, 1, 3]))
        bad["divisor_override"] = [0, -2]
    args, broken = _maybe_break(draw, args, bad)
    return _input(draw, draw(st.integers(1, 3))), args, draw(st.booleans()), broken


def _pool_property(x, args, as_module, broken, custom_fn, native_fn, custom_cls, native_cls):
    if as_module:
        try:
            native_layer = native_cls(**args)
        except Exception:
            with pytest.raises((ValueError, TypeError)):
                custom_cls(**args)(x)
            OUTCOMES["both refused"] += 1
            return
        _compare(custom_cls(**args), native_layer, x, broken)
        return
    _compare(lambda t: custom_fn(t, **args), lambda t: native_fn(t, **args), x, broken)


@FUZZ
@given(pool_cases("max"))
def test_max_pool2d(case):
    _pool_property(*case, ops.max_pool2d, F.max_pool2d, ops.MaxPool2d, nn.MaxPool2d)


@FUZZ
@given(pool_cases("avg"))
def test_avg_pool2d(case):
    _pool_property(*case, ops.avg_pool2d, F.avg_pool2d, ops.AvgPool2d, nn.AvgPool2d)


@st.composite
def adaptive_cases(draw):
    size = st.one_of(st.integers(0, 6), st.none())
    output_size = draw(st.one_of(st.integers(0, 6), st.tuples(size, size)))
    broken = draw(st.integers(0, 3)) == 0
    if broken:
        output_size = draw(st.sampled_from([-1, (2, -1), 1.5, "3", (1, 2, 3)]))
    return _input(draw, draw(st.integers(1, 3))), output_size, draw(st.booleans()), broken


@FUZZ
@given(adaptive_cases())
def test_adaptive_avg_pool2d(case):
    x, output_size, as_module, broken = case
    if as_module:
        _compare(ops.AdaptiveAvgPool2d(output_size), nn.AdaptiveAvgPool2d(output_size), x, broken)
    else:
        _compare(lambda t: ops.adaptive_avg_pool2d(t, output_size),
                 lambda t: F.adaptive_avg_pool2d(t, output_size), x, broken)


def test_named_errors_for_a_3d_weight_and_an_empty_adaptive_output():
    x = torch.randn(2, 3, 5, 6, dtype=torch.float64)
    with pytest.raises(ValueError, match="weight to be 4-D"):
        ops.conv2d(x, torch.randn(3, 3, 3, dtype=torch.float64), padding="same")
    leaf = x.clone().requires_grad_()
    out = ops.adaptive_avg_pool2d(leaf, (0, 2))
    assert out.shape == F.adaptive_avg_pool2d(x, (0, 2)).shape == (2, 3, 0, 2)
    out.sum().backward()
    assert torch.equal(leaf.grad, torch.zeros_like(x))
    with pytest.raises(TypeError, match="dtype"):
        ops.adaptive_avg_pool2d(x.long(), (0, 2))
