"""ops.register_conv2d_algorithm: a Python algorithm goes through the C++ registry's door and is
then a name like any other (ops.conv2d, modules, use_algorithm, the op itself, the config key,
recording), with its own backward or im2col's, and its reasons as ValueErrors."""

import pytest
import torch
import torch.nn.functional as F

import ops
from training.config_checks import check_config
from training.errors import UserError


def forward(input, weight, bias, stride, padding, dilation, groups):
    assert isinstance(stride, tuple) and len(stride) == 2  # pairs of ints, as documented
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups)


def grad_input(grad_output, input, weight, stride, padding, dilation, groups):
    return torch.nn.grad.conv2d_input(input.shape, weight, grad_output, stride, padding,
                                      dilation, groups)


def only_groups_1(input, weight, stride, padding, dilation, groups):
    assert input.device.type == "meta"
    return None if groups == 1 else "it needs groups=1"


@pytest.fixture
def registered():
    names = set()

    def register(name, *args, **kwargs):
        names.add(ops.register_conv2d_algorithm(name, *args, **kwargs))
        return name

    yield register
    for name in names:
        ops.unregister_conv2d_algorithm(name)
    assert not set(names) & set(ops.CONV2D_ALGORITHMS)


def _tensors():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 7, 9, dtype=torch.float64, requires_grad=True)
    w = torch.randn(6, 4, 3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, requires_grad=True)
    return x, w, b


def test_a_registered_algorithm_is_a_name_like_any_other(registered, compose_config):
    name = registered("mine", forward, grad_input=grad_input, supports=only_groups_1)
    # Sorted by name among the built-in ones.
    assert name in ops.CONV2D_ALGORITHMS and list(ops.CONV2D_ALGORITHMS[1:]) == sorted(
        ops.CONV2D_ALGORITHMS[1:])
    # Its own grad_input, im2col's grad_weight (left out).
    assert ops.backward_algorithms(name) == {"grad_input": name, "grad_weight": "im2col"}
    x, w, b = _tensors()
    args = ((2, 1), 1, (1, 2), 1)
    got = ops.conv2d(x, w, b, *args, algorithm=name)
    want = F.conv2d(x, w, b, *args)
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    grad = torch.randn_like(want)
    for a, e in zip(torch.autograd.grad(got, (x, w, b), grad), torch.autograd.grad(want, (x, w, b), grad)):
        torch.testing.assert_close(a, e, rtol=1e-12, atol=1e-12)
    small = [t.detach().requires_grad_() for t in (x[:1, :2, :4, :5], w[:2, :2], b[:2])]
    assert torch.autograd.gradgradcheck(lambda *t: ops.conv2d(*t, 1, 1, 1, 1, algorithm=name),
                                        small)
    layer = ops.Conv2d(4, 6, 3, algorithm=name).double()
    assert ops.use_algorithm(torch.nn.Sequential(ops.Conv2d(4, 6, 3)), name)[0].algorithm == name
    with ops.recording_algorithms() as calls:
        layer(x)
    assert calls[0]["forward"] == name
    assert torch.ops.convlab.conv2d_algorithm(x, w, [1, 1], [0, 0], [1, 1], 1, name) == name
    check_config(compose_config("op=custom", f"op.algorithm={name}"))


def test_its_reason_is_the_forced_algorithms_value_error(registered):
    name = registered("groups_one", forward, supports=only_groups_1)
    x, w = torch.randn(1, 4, 5, 5), torch.randn(4, 2, 3, 3)
    with pytest.raises(ValueError, match="algorithm 'groups_one' cannot do this convolution: "
                                         "it needs groups=1"):
        ops.conv2d(x, w, groups=2, algorithm=name)


def test_registering_again_replaces_and_removal_forgets(registered, compose_config):
    registered("twice", forward)
    registered("twice", lambda *a: 2 * forward(*a))
    x, w, b = _tensors()
    torch.testing.assert_close(ops.conv2d(x, w, algorithm="twice"), 2 * F.conv2d(x, w))
    ops.unregister_conv2d_algorithm("twice")
    with pytest.raises(ValueError, match="algorithm must be one of"):
        ops.conv2d(x, w, algorithm="twice")
    with pytest.raises(UserError, match="op.algorithm must be one of"):
        check_config(compose_config("op=custom", "op.algorithm=twice"))
    ops.register_conv2d_algorithm("twice", forward)  # the fixture removes it again


def test_wrong_registrations_and_results_are_named(registered):
    with pytest.raises(ValueError, match="'im2col' is a built-in algorithm"):
        ops.register_conv2d_algorithm("im2col", forward)
    with pytest.raises(ValueError, match="identifier other than 'auto'"):
        ops.register_conv2d_algorithm("auto", forward)
    with pytest.raises(TypeError, match="grad_weight must be callable or None"):
        ops.register_conv2d_algorithm("bad", forward, grad_weight=3)
    with pytest.raises(ValueError, match="not a registered Python algorithm"):
        ops.unregister_conv2d_algorithm("im2col")
    name = registered("cropped", lambda *a: forward(*a)[..., 1:])
    with pytest.raises(ValueError, match=r"'cropped''s forward returned .* shape \(2, 6, 5, 7\)"
                                         r".*expected .* shape \(2, 6, 5, 8\)"):
        ops.conv2d(*_tensors(), algorithm=name)
