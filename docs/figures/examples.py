"""The worked examples' inputs, shared so that the pictures tell one story: one 3x3 filter,
and small integer inputs (integers keep every drawn number short)."""

import torch

FILTER = [[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [1.0, 0.0, 1.0]]


def filter_3x3() -> torch.Tensor:
    return torch.tensor(FILTER, dtype=torch.float64)


def small_integers(height: int, width: int, seed: int, low: int = 0, high: int = 9) -> torch.Tensor:
    """A (height, width) float64 tile of integers in low..high, the same for a seed everywhere."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(low, high + 1, (height, width), generator=generator).double()


def distinct_integers(height: int, width: int, seed: int) -> torch.Tensor:
    """1..height*width in an order fixed by `seed`: no ties, so every window has one arg-max."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(height * width, generator=generator) + 1
    return order.reshape(height, width).double()
