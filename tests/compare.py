"""Helpers that run a convlab op and its torch.nn.functional reference on the same inputs
and compare the outputs and every gradient."""

import pytest
import torch

TOLERANCES = {
    torch.float64: dict(rtol=1e-10, atol=1e-10),
    torch.float32: dict(rtol=1e-4, atol=1e-5),
    # Half types: inputs rounded to 8 (bf16) or 11 (fp16) significant bits, float32 accumulation.
    torch.float16: dict(rtol=1e-2, atol=1e-2),
    torch.bfloat16: dict(rtol=5e-2, atol=5e-2),
}

# float32 tolerances of conv algorithms against torch, measured on the conv test grid against a
# float64 reference (largest absolute error of the outputs): im2col 1.2e-5, direct 1.7e-5, fft
# 8.0e-6, winograd 5.4e-5. Winograd F(4x4, 3x3) pays for its fewer multiplies with transforms
# whose coefficients (up to 8 and down to 1/24) round several times: about 4x im2col's error.
# An algorithm not listed is held to im2col's bound.
ALGORITHM_FLOAT32 = {
    "direct": dict(rtol=1e-4, atol=5e-5),
    "im2col": dict(rtol=1e-4, atol=5e-5),
    "fft": dict(rtol=1e-4, atol=5e-5),
    "winograd": dict(rtol=1e-4, atol=2e-4),
}


def algorithm_tolerance(algorithm, dtype):
    """How closely conv algorithm `algorithm` must match torch in `dtype`."""
    if dtype == torch.float32:
        return ALGORITHM_FLOAT32.get(algorithm, ALGORITHM_FLOAT32["im2col"])
    return TOLERANCES[dtype]


DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(
        not torch.cuda.is_available(), reason="no CUDA GPU visible to torch")),
]


def leaves(*tensors):
    """Fresh leaf copies that require grad, so each side gets its own gradients."""
    return [t.detach().clone().requires_grad_(True) for t in tensors]


def assert_matches_reference(custom, native, tensors, dtype, grad_seed=0, tolerance=None):
    """`custom` and `native` take the same tensors; compares outputs and all gradients
    (within `tolerance`, by default TOLERANCES[dtype])."""
    tolerance = tolerance or TOLERANCES[dtype]
    custom_inputs, native_inputs = leaves(*tensors), leaves(*tensors)
    out = custom(*custom_inputs)
    expected = native(*native_inputs)
    torch.testing.assert_close(out, expected, **tolerance)
    generator = torch.Generator().manual_seed(grad_seed)
    grad = torch.randn(expected.shape, generator=generator, dtype=torch.float64).to(expected)
    got = torch.autograd.grad(out, custom_inputs, grad)
    want = torch.autograd.grad(expected, native_inputs, grad)
    for name_index, (g, w) in enumerate(zip(got, want)):
        torch.testing.assert_close(g, w, **tolerance, msg=lambda m: f"gradient {name_index}: {m}")
