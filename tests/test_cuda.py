"""The CUDA code path against the CPU kernels, on two devices: "emulated" (ops.emulated_cuda:
the same kernel bodies, grid and cuBLAS call executed on the CPU, on every machine) and
"cuda" (a GPU, when torch sees one). Half types on the CPU: tests/test_half_types.py.

Default run: the CPU tests' whole conv and pooling grids with "auto" (im2col on the GPU
path), every algorithm on representative cases, float64 and float32, the half types. The
whole grid (every conv case x every algorithm x float64 and float32): ``-m full_grid``."""

import re
from contextlib import contextmanager

import pytest
import torch
import torch.nn.functional as F

import ops
from ops._extension import CSRC
from tests.compare import TOLERANCES

HAS_GPU = torch.cuda.is_available()
DEVICES = ["emulated", pytest.param("cuda", marks=pytest.mark.skipif(
    not HAS_GPU, reason="no CUDA GPU visible to torch"))]

CALLS = {
    "conv2d": (lambda f, x, w: f.conv2d(x, w, None, 2, 1, 1, 2), True),
    "max_pool2d": (lambda f, x, w: f.max_pool2d(x, 3, 2, 1, ceil_mode=True), False),
    "avg_pool2d": (lambda f, x, w: f.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                count_include_pad=False), False),
    "adaptive_avg_pool2d": (lambda f, x, w: f.adaptive_avg_pool2d(x, (4, 5)), False),
}


@contextmanager
def on(device):
    """Runs the block's convlab calls on `device`'s CUDA code path; yields the function that
    moves a CPU tensor there."""
    if device == "emulated":
        with ops.emulated_cuda():
            yield lambda t: t
    else:
        yield lambda t: t.cuda()


def _inputs(dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 6, 13, 11, generator=generator, dtype=torch.float64)
    w = torch.randn(8, 3, 3, 3, generator=generator, dtype=torch.float64)
    return x.to(dtype), w.to(dtype)


def _run(call, uses_weight, x, w):
    x = x.detach().requires_grad_()
    w = w.detach().requires_grad_()
    out = call(ops, x, w)
    out.backward(torch.ones_like(out))
    return out, x.grad, (w.grad if uses_weight else None)


def _forward_and_grads(call, tensors, seed=0):
    """Output and the gradient of every tensor for one fixed upstream gradient, on the CPU."""
    leaves = [t.detach().clone().requires_grad_() for t in tensors]
    out = call(*leaves)
    out = out[0] if isinstance(out, tuple) else out
    generator = torch.Generator().manual_seed(seed)
    grad = torch.randn(out.shape, generator=generator, dtype=torch.float64).to(out)
    return tuple(t.cpu() for t in (out.detach(), *torch.autograd.grad(out, leaves, grad)))


def _on_device(device, call, tensors):
    with on(device) as move:
        return _forward_and_grads(call, [move(t) for t in tensors])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(CALLS))
def test_cpu_and_cuda_agree(name, device):
    call, uses_weight = CALLS[name]
    x, w = _inputs(torch.float64)
    on_cpu = _run(call, uses_weight, x, w)
    with on(device) as move:
        on_gpu = _run(call, uses_weight, move(x), move(w))
    for c, g in zip(on_cpu, on_gpu):
        if c is not None:
            torch.testing.assert_close(g.cpu(), c, **TOLERANCES[torch.float64])


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


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name,call,tensors", GRID, ids=[case[0] for case in GRID])
def test_cuda_kernels_equal_the_cpu_kernels_over_the_grid(name, call, tensors, device):
    """Both devices run the same element functions (csrc/conv2d/im2col/im2col.h,
    csrc/pool2d/*.h) in the same order: pooling agrees bit for bit in float64; conv differs
    only by the GEMM's summation order (and the algorithm the CPU's "auto" picks)."""
    on_cpu = _forward_and_grads(call, tensors)
    on_gpu = _on_device(device, call, tensors)
    exact = not name.startswith("conv2d")
    for c, g in zip(on_cpu, on_gpu):
        torch.testing.assert_close(g, c, rtol=0 if exact else 1e-12, atol=0 if exact else 1e-12)
    if name.startswith("max_pool2d"):
        with on(device) as move:
            indices = call(move(tensors[0]))[1].cpu()
        torch.testing.assert_close(indices, call(tensors[0])[1])


def _supports(algorithm, x, w, args):
    try:
        ops.conv2d(x, w, None, **args, algorithm=algorithm)
    except ValueError:
        return False
    return True


REPRESENTATIVE = ("base", "mixed_a", "groups2", "positions_306", "pad3x1", "batch1")


def _algorithm_grid():
    """(id, algorithm, conv case, dtype, marks) for every algorithm x conv case it can do."""
    from tests import test_conv2d

    for algorithm in ops.CONV2D_ALGORITHMS:
        for name in test_conv2d.VARIANTS:
            x, w, b, args = test_conv2d.make_case(name, torch.float64, "cpu")
            if not _supports(algorithm, x, w, args):
                continue
            for dtype in (torch.float64, torch.float32):
                chosen = name in REPRESENTATIVE and (dtype == torch.float64 or name == "base")
                marks = () if chosen else (pytest.mark.full_grid,)
                yield pytest.param(algorithm, name, dtype, marks=marks,
                                   id=f"{algorithm}-{name}-{str(dtype)[6:]}")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("algorithm,name,dtype", list(_algorithm_grid()))
def test_every_algorithm_equals_its_cpu_kernels(algorithm, name, dtype, device):
    from tests import test_conv2d

    x, w, b, args = test_conv2d.make_case(name, dtype, "cpu")
    tensors = (x, w) if b is None else (x, w, b)
    call = lambda *t: ops.conv2d(*t, **{**args, "algorithm": algorithm})  # noqa: E731
    on_cpu = _forward_and_grads(call, tensors)
    on_gpu = _on_device(device, call, tensors)
    # The GEMMs sum in other orders: float32 rounding of sums of up to ~300 terms of size ~1.
    tolerance = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-4, atol=1e-4)
    for c, g in zip(on_cpu, on_gpu):
        torch.testing.assert_close(g, c, **tolerance)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", list(CALLS))
def test_half_types_equal_the_cpu_kernels(name, dtype, device):
    """Half types accumulate in float32 on both devices (cuBLAS: CUBLAS_COMPUTE_32F)."""
    call, uses_weight = CALLS[name]
    x, w = _inputs(dtype)
    tensors = (x, w) if uses_weight else (x,)
    fn = (lambda *t: call(ops, *t)) if uses_weight else (lambda t: call(ops, t, None))
    for c, g in zip(_forward_and_grads(fn, tensors), _on_device(device, fn, tensors)):
        assert g.dtype == dtype
        torch.testing.assert_close(g, c, **TOLERANCES[dtype])


@pytest.mark.parametrize("device", DEVICES)
def test_conv_follows_the_cudnn_tf32_switch_and_restores_cublas(device):
    # Big enough (GEMMs of 32 x 288 x 256 per group) that cuBLAS takes its tensor-core kernels
    # when TF32 is allowed; on a tiny problem it may keep a plain float32 kernel either way.
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 64, 32, 32, generator=generator)
    w = torch.randn(64, 32, 3, 3, generator=generator)
    exact = F.conv2d(x.double(), w.double(), None, 2, 1, 1, 2).float()
    with on(device) as move:
        x, w = move(x), move(w)
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = True
        tf32 = ops.conv2d(x, w, None, 2, 1, 1, 2).cpu()
        assert torch.backends.cuda.matmul.allow_tf32 is False
        torch.backends.cudnn.allow_tf32 = False
        full = ops.conv2d(x, w, None, 2, 1, 1, 2).cpu()
    # Sums of 288 products of size ~17: float32 errs by ~1e-6, TF32 by ~1e-2.
    torch.testing.assert_close(full, exact, rtol=1e-5, atol=1e-4)
    # TF32 keeps 10 mantissa bits: its error is far above float32's on this problem.
    assert (tf32 - exact).abs().max() > 10 * (full - exact).abs().max()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
@pytest.mark.parametrize("name", list(CALLS))
def test_backward_is_bit_identical_run_to_run(name, dtype, device):
    """No atomics: the gradient of every op is the same bits on every call."""
    call, uses_weight = CALLS[name]
    _, w = _inputs(dtype)
    # Large enough that many thread blocks run at once (where atomics would race).
    x = torch.randn(64, 6, 40, 40, generator=torch.Generator().manual_seed(1)).to(dtype)
    with on(device) as move:
        x, w = move(x), move(w)
        first = _run(call, uses_weight, x, w)
        for _ in range(2):
            again = _run(call, uses_weight, x, w)
            for a, b in zip(first, again):
                if a is not None:
                    assert torch.equal(a, b)


def _kernels_in_sources():
    """Every kernel name the CUDA code path launches, read off the sources (a new kernel is
    a new `Launch launch("name")`, a window rule's kForwardKernel/kBackwardKernel or a Winograd
    variant's kFiltersKernel/kInputsKernel/kOutputsKernel)."""
    names = set()
    for path in CSRC.rglob("*.h"):
        text = path.read_text()
        names |= set(re.findall(r'\bLaunch \w+\("(\w+)"\)', text))
        names |= set(re.findall(r'k\w*Kernel = "(\w+)"', text))
    return names


def test_the_default_emulated_tests_launch_every_cuda_kernel():
    """The representative grid above, under emulation, reaches every kernel and cuBLAS."""
    kernels = _kernels_in_sources()
    assert {"im2col", "col2im", "max_pool2d_backward", "winograd_outputs"} <= kernels
    ops.reset_emulated_cuda_stats()
    for algorithm in ops.CONV2D_ALGORITHMS:
        test_every_algorithm_equals_its_cpu_kernels(algorithm, "base", torch.float64, "emulated")
    for name in CALLS:
        test_cpu_and_cuda_agree(name, "emulated")
    launched = ops.emulated_cuda_stats()
    assert kernels - set(launched) == set()
    assert launched["cublasGemmStridedBatchedEx"] > 0


def test_a_bad_max_pool_index_poisons_its_plane_and_keeps_the_process_usable():
    """The GPU path flags a plane whose hand-made index lies outside its window: that plane's
    gradient is NaN, the others are right, and later calls still work (a device assert would
    have killed the CUDA context). The CPU raises a ValueError naming the index."""
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    out, indices = ops.max_pool2d(x, 2, return_indices=True)
    bad = indices.clone()
    bad[1, 2, 0, 0] = 63  # the last element of the plane: not in output (0, 0)'s window
    grad = torch.ones_like(out)
    args = ([2, 2], [2, 2], [0, 0], [1, 1], False)
    with pytest.raises(ValueError, match="not in the window"):
        torch.ops.convlab.max_pool2d_backward(grad, x, bad, *args)
    expected = torch.ops.convlab.max_pool2d_backward(grad, x, indices, *args)
    with ops.emulated_cuda():
        poisoned = torch.ops.convlab.max_pool2d_backward(grad, x, bad, *args)
        again = torch.ops.convlab.max_pool2d_backward(grad, x, indices, *args)
    assert poisoned[1, 2].isnan().all()
    poisoned[1, 2] = expected[1, 2]
    assert torch.equal(poisoned, expected) and torch.equal(again, expected)


@pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU visible to torch")
def test_ops_run_on_the_current_device_and_stream():
    x, w = (t.float().cuda() for t in _inputs(torch.float64))
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        out = ops.conv2d(x, w, None, 2, 1, 1, 2)
    stream.synchronize()
    torch.testing.assert_close(out, F.conv2d(x, w, None, 2, 1, 1, 2), **TOLERANCES[torch.float32])


@pytest.mark.skipif(not HAS_GPU, reason="no CUDA GPU visible to torch")
def test_tf32_choice_is_per_call_and_leaves_torch_flags_alone():
    """The GEMM's compute type follows cudnn.allow_tf32 at each call; torch's cuBLAS flag
    and a native matmul's precision are untouched by a convlab call in between."""
    x, w = (t.float().cuda() for t in _inputs(torch.float64))
    a = torch.randn(256, 256, device="cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = True
    before = a @ a
    ops.conv2d(x, w, None, 2, 1, 1, 2)
    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert torch.equal(a @ a, before)


def test_emulation_is_off_outside_its_block_and_nests():
    assert not torch.ops.convlab.emulated_cuda()
    with ops.emulated_cuda():
        with ops.emulated_cuda(multiprocessors=4):
            assert torch.ops.convlab.emulated_cuda()
        assert torch.ops.convlab.emulated_cuda()
    assert not torch.ops.convlab.emulated_cuda()
    with pytest.raises(ValueError, match="multiprocessors"):
        with ops.emulated_cuda(multiprocessors=0):
            pass
