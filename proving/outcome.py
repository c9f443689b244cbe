"""One check's outcome, as every prove.py check reports it, and how a convolution's output and
gradients are run and compared."""

import torch

QUANTITIES = ("forward", "grad_input", "grad_weight", "grad_bias")


def outcome(name: str, covers: str, passed: bool | None, message: str = "", **details) -> dict:
    """passed None: the check did not apply (the message says why)."""
    status = "skipped" if passed is None else "pass" if passed else "FAIL"
    return {"check": name, "covers": covers, "status": status, "message": message, **details}


def forward_and_gradients(conv, input, weight, bias, arguments, grad_seed: int) -> dict:
    """conv's output and the gradients of input, weight and bias (None without a bias) for a
    seeded grad_output drawn in float64 and rounded to the output's dtype."""
    leaves = [t.detach().requires_grad_() for t in (input, weight, bias) if t is not None]
    output = conv(*leaves, *([] if bias is not None else [None]), *arguments)
    generator = torch.Generator().manual_seed(grad_seed)
    grad_output = torch.randn(output.shape, dtype=torch.float64, generator=generator)
    grads = torch.autograd.grad(output, leaves, grad_output.to(output.dtype), allow_unused=True)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, leaves)]
    return dict(zip(QUANTITIES, [output.detach(), *grads, None][:4]))


def error(got: torch.Tensor, want: torch.Tensor) -> tuple[float, float]:
    """(max |got - want|, max |want|), in float64."""
    if got.numel() == 0:
        return 0.0, 0.0
    want = want.double()
    return (got.double() - want).abs().max().item(), want.abs().max().item()


def mismatch(got: dict, want: dict, tolerance: float) -> str | None:
    """What differs first between two forward_and_gradients results: a quantity's shape, or its
    max error beyond tolerance x (1 + max |want|); None if nothing does."""
    for quantity in QUANTITIES:
        a, b = got[quantity], want[quantity]
        if b is None:
            continue
        if a.shape != b.shape:
            return f"{quantity} has shape {tuple(a.shape)}, torch's {tuple(b.shape)}"
        if not torch.isfinite(a).all():
            return f"{quantity} is not finite (nan or inf)"
        err, scale = error(a, b)
        if err > tolerance * (1 + scale):
            return f"{quantity} max error {err:.3g} (torch's largest value {scale:.3g})"
    return None
