"""CUDA-only checks (half types: tests/test_half_types.py): CUDA kernels against the CPU kernels over the whole test grid,
run-to-run determinism, and the TF32 switch."""

import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import TOLERANCES

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
    # Big enough (GEMMs of 32 x 288 x 256 per group) that cuBLAS takes its tensor-core kernels
    # when TF32 is allowed; on a tiny problem it may keep a plain float32 kernel either way.
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 64, 32, 32, generator=generator).cuda()
    w = torch.randn(64, 32, 3, 3, generator=generator).cuda()
    exact = F.conv2d(x.double(), w.double(), None, 2, 1, 1, 2).float()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = True
    tf32 = ops.conv2d(x, w, None, 2, 1, 1, 2)
    assert torch.backends.cuda.matmul.allow_tf32 is False
    torch.backends.cudnn.allow_tf32 = False
    full = ops.conv2d(x, w, None, 2, 1, 1, 2)
    # Sums of 288 products of size ~17: float32 errs by ~1e-6, TF32 by ~1e-2.
    torch.testing.assert_close(full, exact, rtol=1e-5, atol=1e-4)
    # TF32 keeps 10 mantissa bits: its error is far above float32's on this problem.
    assert (tf32 - exact).abs().max() > 10 * (full - exact).abs().max()


def test_ops_run_on_the_current_device_and_stream():
    x, w = _inputs("cuda", torch.float32)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        out = ops.conv2d(x, w, None, 2, 1, 1, 2)
    stream.synchronize()
    torch.testing.assert_close(out, F.conv2d(x, w, None, 2, 1, 1, 2), **TOLERANCES[torch.float32])


def _forward_and_grads(call, tensors, seed=0):
    """Output and the gradient of every tensor for one fixed upstream gradient."""
    leaves = [t.detach().clone().requires_grad_() for t in tensors]
    out = call(*leaves)
    out = out[0] if isinstance(out, tuple) else out
    generator = torch.Generator().manual_seed(seed)
    grad = torch.randn(out.shape, generator=generator, dtype=torch.float64).to(out)
    return (out.detach(), *torch.autograd.grad(out, leaves, grad))


def _grid():
    """Every case of the CPU test grids as (id, call, tensors on the CPU, float64)."""
    from tests import test_adaptive_avg_pool2d, test_avg_pool2d, test_conv2d, test_max_pool2d

    for name in test_conv2d.VARIANTS:
        x, w, b, args = test_conv2d.make_case(name, torch.float64, "cpu")
        tensors = (x, w) if b is None else (x, w, b)
        yield f"conv2d-{name}", lambda *t, a=args: ops.conv2d(*t, **a), tensors
    x = test_max_pool2d.make_input(torch.float64, "cpu")
    for name, args in test_max_pool2d.CASES.items():
        yield (f"max_pool2d-{name}",
               lambda t, a=args: ops.max_pool2d(t, **a, return_indices=True), (x,))
    for name, args in test_avg_pool2d.CASES.items():
        yield f"avg_pool2d-{name}", lambda t, a=args: ops.avg_pool2d(t, **a), (x,)
    for size in test_adaptive_avg_pool2d.OUTPUT_SIZES:
        yield f"adaptive-{size}", lambda t, s=size: ops.adaptive_avg_pool2d(t, s), (x,)


GRID = list(_grid())


@pytest.mark.parametrize("name,call,tensors", GRID, ids=[case[0] for case in GRID])
def test_cuda_kernels_equal_the_cpu_kernels_over_the_grid(name, call, tensors):
    """Both devices run the same element functions (csrc/conv2d/im2col/im2col.h, csrc/pool2d/*.h) in the same
    order: pooling and the im2col/col2im data movement agree bit for bit in float64; conv
    differs only by the GEMM's summation order."""
    on_cpu = _forward_and_grads(call, tensors)
    on_cuda = _forward_and_grads(call, [t.cuda() for t in tensors])
    exact = not name.startswith("conv2d")
    for c, g in zip(on_cpu, on_cuda):
        torch.testing.assert_close(g.cpu(), c, rtol=0 if exact else 1e-12, atol=0 if exact else 1e-12)
    if name.startswith("max_pool2d"):
        torch.testing.assert_close(call(tensors[0].cuda())[1].cpu(), call(tensors[0])[1])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("name", list(CALLS))
def test_backward_is_bit_identical_run_to_run(name, dtype):
    """No atomics: the gradient of every op is the same bits on every call."""
    call, uses_weight = CALLS[name]
    _, w = _inputs("cuda", dtype)
    # Large enough that many thread blocks run at once (where atomics would race).
    x = torch.randn(64, 6, 40, 40, generator=torch.Generator().manual_seed(1)).to("cuda", dtype)
    first = _run(ops, call, uses_weight, x, w)
    for _ in range(3):
        again = _run(ops, call, uses_weight, x, w)
        for a, b in zip(first, again):
            if a is not None:
                assert torch.equal(a, b)


def test_tf32_choice_is_per_call_and_leaves_torch_flags_alone():
    """The GEMM's compute type follows cudnn.allow_tf32 at each call; torch's cuBLAS flag
    and a native matmul's precision are untouched by a convlab call in between."""
    x, w = _inputs("cuda", torch.float32)
    a = torch.randn(256, 256, device="cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = True
    before = a @ a
    ops.conv2d(x, w, None, 2, 1, 1, 2)
    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert torch.equal(a @ a, before)
