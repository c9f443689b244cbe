"""Swap every conv and pooling layer of a model from one backend to another."""

import torch.nn as nn

from .backends import BACKENDS, backend
from .layers import LAYER_CLASS_NAMES


def convert(model: nn.Module, target: str) -> nn.Module:
    """Replace, in place, each conv/pooling layer of `model` (the model itself included) with
    backend `target`'s class for it. Each convlab class subclasses its native one and adds no
    state, so a module changes backend by changing its class: parameters, buffers and hooks
    stay the same objects, and an optimizer built before the call still holds them. A layer
    the target backend has no class for raises NotImplementedError, before anything changes."""
    wanted = dict(zip(LAYER_CLASS_NAMES, backend(target).layer_classes()))
    kinds = {source: name
             for other in BACKENDS
             for name, source in zip(LAYER_CLASS_NAMES, backend(other).layer_classes())
             if source is not None}
    swaps = [(module, kinds[type(module)]) for module in model.modules() if type(module) in kinds]
    for module, name in swaps:
        if wanted[name] is None:
            raise NotImplementedError(
                f"ops.convert: backend {target!r} has no {name} (the model's "
                f"{type(module).__module__}.{type(module).__qualname__} layer)")
    for module, name in swaps:
        module.__class__ = wanted[name]
    return model
