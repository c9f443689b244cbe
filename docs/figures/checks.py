"""The figures' one check: a number drawn equals what convlab's kernel (or torch) computes.
A raise, not an assert, so that it holds under python -O too."""

import torch


class FigureCheckError(AssertionError):
    """A figure's numbers differ from the kernel's: the picture would teach something wrong."""


def agree(drawn: torch.Tensor, reference: torch.Tensor, what: str, *, tolerance: float = 1e-9) -> None:
    """Raise FigureCheckError unless `drawn` and `reference` have one shape and agree to
    `tolerance` relative to the largest value (float64: rounding is far below it)."""
    drawn, reference = torch.as_tensor(drawn).double(), torch.as_tensor(reference).double()
    if drawn.shape != reference.shape:
        raise FigureCheckError(f"{what}: drawn shape {tuple(drawn.shape)}, reference "
                               f"{tuple(reference.shape)}")
    scale = max(1.0, reference.abs().max().item()) if reference.numel() else 1.0
    error = (drawn - reference).abs().max().item() if drawn.numel() else 0.0
    if error > tolerance * scale:
        raise FigureCheckError(f"{what}: the drawn numbers differ from the reference by {error:g}")
