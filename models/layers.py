"""The one place that knows about backends: conv and pooling layer classes for an op backend.
Model files build their layers from what `layers(op)` returns and never name a backend."""

from types import SimpleNamespace

import torch.nn as nn

BACKENDS = ("native", "custom")


def layers(op: str) -> SimpleNamespace:
    """Conv2d, MaxPool2d, AvgPool2d and AdaptiveAvgPool2d classes of backend `op`."""
    if op == "native":
        source = nn
    elif op == "custom":
        import ops  # builds and loads the extension; raises if it cannot

        source = ops
    else:
        raise ValueError(f"op must be one of {BACKENDS}, got {op!r}")
    return SimpleNamespace(
        Conv2d=source.Conv2d,
        MaxPool2d=source.MaxPool2d,
        AvgPool2d=source.AvgPool2d,
        AdaptiveAvgPool2d=source.AdaptiveAvgPool2d,
    )
