"""The layer backends, defined once: each name and the conv and pooling layer classes it
stands for. Everything that takes a backend (models, `convert`, training, parity) takes one
of these names."""

from dataclasses import dataclass

import torch.nn as nn

from . import modules


@dataclass(frozen=True)
class Backend:
    """A backend's name and its conv and pooling layer classes."""

    name: str
    Conv2d: type
    MaxPool2d: type
    AvgPool2d: type
    AdaptiveAvgPool2d: type

    def layer_classes(self) -> tuple[type, ...]:
        return (self.Conv2d, self.MaxPool2d, self.AvgPool2d, self.AdaptiveAvgPool2d)


_BY_NAME = {
    b.name: b
    for b in (
        Backend("native", nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d),
        Backend("custom", modules.Conv2d, modules.MaxPool2d, modules.AvgPool2d,
                modules.AdaptiveAvgPool2d),
    )
}
BACKENDS = tuple(_BY_NAME)


def backend(name: str) -> Backend:
    """The backend called `name`; a ValueError lists the valid names."""
    if name not in _BY_NAME:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return _BY_NAME[name]
