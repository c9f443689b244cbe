"""Swap every conv and pooling layer of a model between torch.nn and convlab."""

import torch.nn as nn

from . import modules

# native class -> convlab class; each convlab class subclasses its native one and adds no
# state, so a module changes backend by moving its attributes into the other class.
PAIRS = {
    nn.Conv2d: modules.Conv2d,
    nn.MaxPool2d: modules.MaxPool2d,
    nn.AvgPool2d: modules.AvgPool2d,
    nn.AdaptiveAvgPool2d: modules.AdaptiveAvgPool2d,
}
BACKENDS = ("custom", "native")


def _target_classes(backend: str) -> dict[type, type]:
    if backend == "custom":
        return dict(PAIRS)
    if backend == "native":
        return {custom: native for native, custom in PAIRS.items()}
    raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")


def convert(model: nn.Module, backend: str) -> nn.Module:
    """Replace, in place, each Conv2d / MaxPool2d / AvgPool2d / AdaptiveAvgPool2d of `model`
    (the model itself included) with `backend`'s module. Parameters, buffers and hooks are
    kept as the same objects, so an optimizer built before the call still holds them."""
    targets = _target_classes(backend)
    for module in model.modules():
        target = targets.get(type(module))
        if target is not None:
            module.__class__ = target
    return model
