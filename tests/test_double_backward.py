"""Double backward through convlab's ops: gradgradcheck (numerical against analytical second
derivatives, float64) and a gradient penalty compared with torch's own layers."""

import pytest
import torch
import torch.nn.functional as F

import ops


def _tensor(*shape, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).requires_grad_()


CONV_CASES = {
    "plain": dict(stride=1, padding=0, dilation=1, groups=1),
    "stride2_pad1": dict(stride=2, padding=1, dilation=1, groups=1),
    "dilation2_pad2": dict(stride=1, padding=2, dilation=2, groups=1),
    "groups2_stride_hw": dict(stride=(2, 1), padding=(1, 0), dilation=1, groups=2),
}


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("name", list(CONV_CASES))
def test_conv2d_gradgradcheck(name, bias):
    args = CONV_CASES[name]
    x = _tensor(2, 2, 5, 4, seed=0)
    w = _tensor(2, 2 // args["groups"], 3, 2, seed=1)
    b = _tensor(2, seed=2) if bias else None
    inputs = (x, w, b) if bias else (x, w)
    # fast_mode checks random projections of the second derivatives (seconds instead of
    # minutes); the full Jacobians are checked once, below.
    assert torch.autograd.gradgradcheck(lambda *t: ops.conv2d(*t, **args), inputs, fast_mode=True)


def test_conv2d_gradgradcheck_full_jacobians():
    x, w, b = _tensor(1, 2, 4, 4, seed=11), _tensor(2, 1, 2, 3, seed=12), _tensor(2, seed=13)
    assert torch.autograd.gradgradcheck(
        lambda *t: ops.conv2d(*t, stride=(1, 2), padding=1, dilation=(2, 1), groups=2), (x, w, b))


@pytest.mark.parametrize("algorithm", ops.CONV2D_ALGORITHMS[1:])
def test_conv2d_gradgradcheck_every_algorithm(algorithm):
    x, w, b = _tensor(1, 2, 4, 4, seed=3), _tensor(2, 2, 3, 3, seed=4), _tensor(2, seed=5)
    assert torch.autograd.gradgradcheck(
        lambda *t: ops.conv2d(*t, padding=1, algorithm=algorithm), (x, w, b), fast_mode=True)


def test_conv2d_gradient_penalty_matches_torch():
    """A WGAN-GP-style penalty (the norm of d output / d input, differentiated again) gives the
    same weight and bias gradients as torch's conv2d."""
    x0, w0, b0 = _tensor(3, 4, 9, 8, seed=6), _tensor(6, 2, 3, 3, seed=7), _tensor(6, seed=8)

    def penalty_grads(conv):
        x, w, b = (t.detach().clone().requires_grad_() for t in (x0, w0, b0))
        out = conv(x, w, b, stride=2, padding=1, groups=2)
        (gx,) = torch.autograd.grad((out ** 2).sum(), x, create_graph=True)
        return torch.autograd.grad(gx.pow(2).sum() + out.sum(), (x, w, b))

    for got, want in zip(penalty_grads(ops.conv2d), penalty_grads(F.conv2d)):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


POOL_CASES = {
    "max_k2": (ops.max_pool2d, dict(kernel_size=2)),
    "max_k3_s2_pad1_dil_ceil": (ops.max_pool2d, dict(kernel_size=3, stride=2, padding=1,
                                                     dilation=(1, 2), ceil_mode=True)),
    "avg_k3_s2_pad1": (ops.avg_pool2d, dict(kernel_size=3, stride=2, padding=1)),
    "avg_ceil_no_pad_count": (ops.avg_pool2d, dict(kernel_size=3, stride=2, padding=1,
                                                   ceil_mode=True, count_include_pad=False)),
    "avg_divisor": (ops.avg_pool2d, dict(kernel_size=2, divisor_override=3)),
    "adaptive_3x2": (ops.adaptive_avg_pool2d, dict(output_size=(3, 2))),
}


@pytest.mark.parametrize("name", list(POOL_CASES))
def test_pooling_gradgradcheck(name):
    pool, args = POOL_CASES[name]
    # Distinct random values: no max-pool window holds a tie that the numerical
    # perturbation could flip.
    x = _tensor(1, 2, 7, 6, seed=9)
    assert torch.autograd.gradgradcheck(lambda t: pool(t, **args), (x,))


@pytest.mark.parametrize("name", list(POOL_CASES))
def test_pooling_second_derivative_matches_torch(name):
    """d/d grad_output of each pooling backward, against torch's own pooling."""
    pool, args = POOL_CASES[name]
    native = {ops.max_pool2d: F.max_pool2d, ops.avg_pool2d: F.avg_pool2d,
              ops.adaptive_avg_pool2d: F.adaptive_avg_pool2d}[pool]
    x0 = _tensor(2, 3, 7, 8, seed=10)

    def second(fn):
        x = x0.detach().clone().requires_grad_()
        out = fn(x, **args)
        v = torch.ones_like(out).requires_grad_()
        (gx,) = torch.autograd.grad(out, x, v, create_graph=True)
        return torch.autograd.grad((gx * torch.arange(gx.numel()).view_as(gx)).sum(), v)[0]

    torch.testing.assert_close(second(pool), second(native), rtol=1e-10, atol=1e-10)
