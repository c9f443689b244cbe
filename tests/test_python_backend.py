"""The python backend (autograd Functions with hand-written backward passes) computes what
torch.nn.functional computes, forward and every gradient, in float64, runs none of torch's
conv/pool kernels nor convlab's, and agrees with convlab's ops."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ops
from ops import python_functional as P
from tests.compare import assert_matches_reference
from training.op_counter import backend_check, count_layer_ops, counting_layer_ops

DOUBLE = torch.float64


def tensor(*shape, seed=0):
    return torch.randn(*shape, dtype=DOUBLE, generator=torch.Generator().manual_seed(seed))


CONV_CASES = {
    "plain": dict(),
    "stride2_pad1": dict(stride=2, padding=1),
    "stride2x1_pad0x2": dict(stride=(2, 1), padding=(0, 2)),
    "dilation2_pad2": dict(padding=2, dilation=2),
    "dilation1x3_stride3": dict(stride=3, dilation=(1, 3), padding=1),
    "groups2": dict(groups=2, padding=1),
    "depthwise": dict(groups=4, stride=2),
    "same": dict(padding="same", dilation=2),
    "valid": dict(padding="valid"),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv2d_matches_torch(name, bias):
    args = CONV_CASES[name]
    groups = args.get("groups", 1)
    tensors = [tensor(2, 4, 9, 8), tensor(6 if groups < 4 else 8, 4 // groups, 3, 2, seed=1)]
    if bias:
        tensors.append(tensor(tensors[1].size(0), seed=2))
    assert_matches_reference(lambda *t: P.conv2d(*t, **args), lambda *t: F.conv2d(*t, **args),
                             tensors, DOUBLE)


POOL_CASES = {
    "k2": dict(kernel_size=2),
    "k3_stride1": dict(kernel_size=3, stride=1),
    "k3_stride2_pad1": dict(kernel_size=3, stride=2, padding=1),
    "k3x2_stride2x1_pad1x0": dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0)),
    "ceil": dict(kernel_size=3, stride=2, ceil_mode=True),
    "ceil_pad": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "ceil_k2": dict(kernel_size=2, ceil_mode=True),
}
MAX_ONLY = {
    "dilation2": dict(kernel_size=3, stride=1, dilation=2),
    "dilation2x1_pad": dict(kernel_size=3, stride=2, padding=1, dilation=(2, 1)),
}
AVG_ONLY = {
    "exclude_pad": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_pad_exclude": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                             count_include_pad=False),
    "divisor": dict(kernel_size=2, divisor_override=3),
}


@pytest.mark.parametrize("arguments, message", [
    (dict(dilation=0, padding="same"), r"dilation must be >= 1, got \[0, 0\]"),
    (dict(dilation=(1, 0)), r"dilation must be >= 1, got \[1, 0\]"),
    (dict(stride=0), r"stride must be >= 1"),
    (dict(padding=(0, -1)), r"padding must be >= 0"),
    (dict(groups=0), r"groups must be >= 1"),
])
def test_conv2d_refuses_what_torch_refuses_naming_the_argument(arguments, message):
    input, weight = tensor(1, 1, 5, 5), tensor(1, 1, 3, 3, seed=1)
    with pytest.raises(RuntimeError):
        F.conv2d(input, weight, **arguments)
    for backend in ("python", "custom"):
        with pytest.raises(ValueError, match=message):
            ops.backend(backend).functions["conv2d"](input, weight, **arguments)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("name", list(POOL_CASES) + list(MAX_ONLY))
def test_max_pool2d_matches_torch(name, ties):
    args = {**POOL_CASES, **MAX_ONLY}[name]
    x = tensor(2, 3, 11, 9)
    if ties:  # values from a small set: most windows hold several equal maxima
        x = torch.randint(0, 3, x.shape, generator=torch.Generator().manual_seed(0)).to(DOUBLE)
    assert_matches_reference(lambda t: P.max_pool2d(t, **args),
                             lambda t: F.max_pool2d(t, **args), (x,), DOUBLE)
    torch.testing.assert_close(P.max_pool2d(x, **args, return_indices=True)[1],
                               F.max_pool2d(x, **args, return_indices=True)[1])


def test_max_pool2d_window_of_minus_infinity_picks_its_first_element_like_torch():
    x = torch.full((1, 1, 4, 4), float("-inf"), dtype=DOUBLE)
    args = dict(kernel_size=3, stride=2, padding=1)
    torch.testing.assert_close(P.max_pool2d(x, **args, return_indices=True)[1],
                               F.max_pool2d(x, **args, return_indices=True)[1])


def test_max_pool2d_refuses_a_window_of_padding_only():
    # Dilation puts every tap of the first row's windows in the padding (the case convlab's
    # op refuses in tests/test_max_pool2d.py).
    with pytest.raises(ValueError, match="holds no input element"):
        P.max_pool2d(tensor(3, 1, 1, 8), (2, 3), 3, (1, 0), (2, 1))


@pytest.mark.parametrize("name", list(POOL_CASES) + list(AVG_ONLY))
def test_avg_pool2d_matches_torch(name):
    args = {**POOL_CASES, **AVG_ONLY}[name]
    assert_matches_reference(lambda t: P.avg_pool2d(t, **args),
                             lambda t: F.avg_pool2d(t, **args), (tensor(2, 3, 11, 9),), DOUBLE)


@pytest.mark.parametrize("size", [1, 3, (4, 2), (None, 5), (11, 9), (6, 7)])
def test_adaptive_avg_pool2d_matches_torch(size):
    assert_matches_reference(lambda t: P.adaptive_avg_pool2d(t, size),
                             lambda t: F.adaptive_avg_pool2d(t, size), (tensor(2, 3, 11, 9),),
                             DOUBLE)


GRADCHECK = [
    ("conv2d", lambda x, w, b: P.conv2d(x, w, b, 2, 1, (1, 2), 2), (1, 4, 6, 7), (4, 2, 3, 2)),
    ("max_pool2d", lambda x: P.max_pool2d(x, 3, 2, 1, ceil_mode=True), (1, 2, 7, 6), None),
    ("avg_pool2d", lambda x: P.avg_pool2d(x, 3, 2, 1, True, False), (1, 2, 7, 6), None),
    ("adaptive_avg_pool2d", lambda x: P.adaptive_avg_pool2d(x, (3, 4)), (1, 2, 7, 6), None),
]


@pytest.mark.parametrize("name,call,input_shape,weight_shape", GRADCHECK,
                         ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, call, input_shape, weight_shape):
    inputs = [tensor(*input_shape)]
    if weight_shape:
        inputs += [tensor(*weight_shape, seed=1), tensor(weight_shape[0], seed=2)]
    assert torch.autograd.gradcheck(call, [t.requires_grad_() for t in inputs])


AGREEMENT = [
    ("conv2d", lambda f, x, w: f.conv2d(x, w, None, 2, 1, 2, 1)),
    ("max_pool2d", lambda f, x: f.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("avg_pool2d", lambda f, x: f.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    ("adaptive_avg_pool2d", lambda f, x: f.adaptive_avg_pool2d(x, (3, 2))),
]


@pytest.mark.parametrize("name,call", AGREEMENT, ids=[a[0] for a in AGREEMENT])
def test_custom_and_python_backends_agree(name, call):
    tensors = (tensor(2, 3, 10, 9), tensor(4, 3, 3, 3, seed=1))[:call.__code__.co_argcount - 1]
    assert_matches_reference(lambda *t: call(P, *t), lambda *t: call(ops.functional, *t),
                             tensors, DOUBLE)


def small_net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3)).double()


def test_converted_model_runs_only_python_ops_and_matches_torch():
    native = small_net()
    converted = ops.convert(small_net(), "python")
    assert all(type(m).__module__ == "ops.python_modules"
               for m in converted.modules() if isinstance(m, (nn.Conv2d, nn.MaxPool2d)))
    batch = tensor(2, 3, 10, 10), torch.tensor([0, 2])
    counts = count_layer_ops(converted, *batch)
    assert (counts["torch_calls"], counts["convlab_calls"], counts["python_calls"]) == (0, 0, 4)
    assert backend_check("python", counts) is None
    assert "torch's own" in backend_check("python", count_layer_ops(native, *batch))
    torch.testing.assert_close(converted(batch[0]), native(batch[0]), rtol=1e-12, atol=1e-12)


def test_the_python_mode_routes_torch_calls_to_python():
    x, w = tensor(2, 3, 9, 8), tensor(4, 3, 3, 3, seed=1)
    with counting_layer_ops("python") as counts:
        F.max_pool2d(F.conv2d(x, w), 2)
        torch.max_pool2d(x, 2, [], 0, 1, False)
        F.adaptive_avg_pool2d(ops.avg_pool2d(x, 2), 1)
    assert counts["torch_calls"] == counts["convlab_calls"] == 0, counts
    assert counts["python_calls"] == 5, counts
    with ops.backend("python"), pytest.raises(NotImplementedError, match="has no conv_transpose2d"):
        F.conv_transpose2d(x, w.transpose(0, 1))


def test_op_python_refuses_a_convlab_algorithm(compose_config):
    from training.config_checks import check_config
    from training.errors import UserError

    check_config(compose_config("op=python", "data=fake"))
    with pytest.raises(UserError, match="op=python each op has one way to compute"):
        check_config(compose_config("op=python", "data=fake", "op.algorithm=fft"))
