"""float16 and bfloat16 on every device: each op against torch.nn.functional (float32
arithmetic inside, so within the half types' rounding), and autocast sending convlab's conv
into the autocast dtype like torch's own conv, with pooling following its input."""

import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import DEVICES, TOLERANCES, assert_matches_reference

HALF = [torch.float16, torch.bfloat16]
CALLS = {
    "conv2d": lambda f, x, w: f.conv2d(x, w, None, 1, 1, 1, 2),
    "conv2d_strided": lambda f, x, w: f.conv2d(x, w, None, 2, 1, 1, 2),
    "max_pool2d": lambda f, x, w: f.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    "avg_pool2d": lambda f, x, w: f.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    "adaptive_avg_pool2d": lambda f, x, w: f.adaptive_avg_pool2d(x, (4, 5)),
}


def _inputs(device, dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 13, 11, generator=generator)
    w = torch.randn(8, 3, 3, 3, generator=generator)
    return x.to(device, dtype), w.to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", HALF)
@pytest.mark.parametrize("name", list(CALLS))
def test_half_types_match_torch_in_float32(name, dtype, device):
    """Reference: torch in float32 on the same (half-rounded) inputs, then rounded."""
    x, w = _inputs(device, dtype)
    uses_weight = name.startswith("conv")
    tensors = (x, w) if uses_weight else (x,)

    def reference(*t):
        return CALLS[name](F, *(u.float() for u in t), *([None] * (2 - len(t)))).to(dtype)

    assert_matches_reference(lambda *t: CALLS[name](ops, *t, *([None] * (2 - len(t)))),
                             reference, tensors, dtype)


@pytest.mark.parametrize("algorithm", ops.CONV2D_ALGORITHMS)
@pytest.mark.parametrize("dtype", HALF)
def test_every_conv_algorithm_takes_half_types_on_the_cpu(algorithm, dtype):
    x, w = _inputs("cpu", dtype)
    w = w[:, :, :3, :3]
    out = ops.conv2d(x, w, None, 1, 1, 1, 2, algorithm=algorithm)
    assert out.dtype == dtype
    expected = F.conv2d(x.float(), w.float(), None, 1, 1, 1, 2)
    torch.testing.assert_close(out.float(), expected, **TOLERANCES[dtype])


@pytest.mark.parametrize("device,dtype", [("cpu", torch.bfloat16), pytest.param(
    "cuda", torch.float16, marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU"))])
def test_autocast_runs_conv_in_the_autocast_dtype_and_pooling_in_its_input_dtype(device, dtype):
    x, w = (t.float() for t in _inputs(device, torch.float32))
    b = torch.randn(8, device=device)
    with torch.autocast(device, dtype=dtype):
        out = ops.conv2d(x, w, b, 1, 1, 1, 2)
        native = F.conv2d(x, w, b, 1, 1, 1, 2)
        pooled = ops.max_pool2d(x, 2)
        pooled_half = ops.avg_pool2d(out, 2)
    assert out.dtype == native.dtype == dtype
    torch.testing.assert_close(out, native, **TOLERANCES[dtype])
    assert pooled.dtype == torch.float32 and pooled_half.dtype == dtype
    with torch.autocast(device, dtype=dtype):
        loss = ops.conv2d(x.requires_grad_(), w.requires_grad_(), None, 1, 1, 1, 2).float().sum()
    loss.backward()
    assert x.grad.dtype == w.grad.dtype == torch.float32
