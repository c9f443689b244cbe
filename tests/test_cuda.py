"""CUDA-only checks: half types, CPU/CUDA agreement, and the TF32 switch."""

import pytest
import torch
import torch.nn.functional as F

import ops
from tests.reference import TOLERANCES

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU visible to torch")

CALLS = {
    "conv2d": (lambda f, x, w: f.conv2d(x, w, None, 2, 1, 1, 2), True),
    "max_pool2d": (lambda f, x, w: f.max_pool2d(x, 3, 2, 1, ceil_mode=True), False),
    "avg_pool2d": (lambda f, x, w: f.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                count_include_pad=False), False),
    "adaptive_avg_pool2d": (lambda f, x, w: f.adaptive_avg_pool2d(x, (4, 5)), False),
}


def _inputs(device, dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 6, 13, 11, generator=generator, dtype=torch.float64)
    w = torch.randn(8, 3, 3, 3, generator=generator, dtype=torch.float64)
    return x.to(device, dtype), w.to(device, dtype)


def _run(namespace, call, uses_weight, x, w):
    x = x.detach().requires_grad_()
    w = w.detach().requires_grad_()
    out = call(namespace, x, w)
    out.backward(torch.ones_like(out))
    return out, x.grad, (w.grad if uses_weight else None)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", list(CALLS))
def test_half_types_match_torch(name, dtype):
    call, uses_weight = CALLS[name]
    x, w = _inputs("cuda", dtype)
    got = _run(ops, call, uses_weight, x, w)
    want = _run(F, call, uses_weight, x, w)
    for g, e in zip(got, want):
        if g is not None:
            assert g.dtype == dtype
            torch.testing.assert_close(g.float(), e.float(), **TOLERANCES[dtype])


@pytest.mark.parametrize("name", list(CALLS))
def test_cpu_and_cuda_agree(name):
    call, uses_weight = CALLS[name]
    x, w = _inputs("cpu", torch.float64)
    on_cpu = _run(ops, call, uses_weight, x, w)
    on_cuda = _run(ops, call, uses_weight, x.cuda(), w.cuda())
    for c, g in zip(on_cpu, on_cuda):
        if c is not None:
            torch.testing.assert_close(g.cpu(), c, **TOLERANCES[torch.float64])


def test_conv_follows_the_cudnn_tf32_switch_and_restores_cublas():
    x, w = _inputs("cuda", torch.float32)
    exact = F.conv2d(x.double(), w.double(), None, 2, 1, 1, 2).float()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = True
    tf32 = ops.conv2d(x, w, None, 2, 1, 1, 2)
    assert torch.backends.cuda.matmul.allow_tf32 is False
    torch.backends.cudnn.allow_tf32 = False
    full = ops.conv2d(x, w, None, 2, 1, 1, 2)
    torch.testing.assert_close(full, exact, rtol=1e-5, atol=1e-5)
    # TF32 keeps 10 mantissa bits: its error is far above float32's on this problem.
    assert (tf32 - exact).abs().max() > 10 * (full - exact).abs().max()


def test_ops_run_on_the_current_device_and_stream():
    x, w = _inputs("cuda", torch.float32)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        out = ops.conv2d(x, w, None, 2, 1, 1, 2)
    stream.synchronize()
    torch.testing.assert_close(out, F.conv2d(x, w, None, 2, 1, 1, 2), **TOLERANCES[torch.float32])
