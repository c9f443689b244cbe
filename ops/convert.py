"""Swap every conv and pooling layer of a model from one backend to another."""

import torch.nn as nn

from .backends import BACKENDS, backend


def convert(model: nn.Module, target: str) -> nn.Module:
    """Replace, in place, each conv/pooling layer of `model` (the model itself included) with
    backend `target`'s class for it. Each convlab class subclasses its native one and adds no
    state, so a module changes backend by changing its class: parameters, buffers and hooks
    stay the same objects, and an optimizer built before the call still holds them."""
    wanted = backend(target).layer_classes()
    classes = {
        source: goal
        for name in BACKENDS
        for source, goal in zip(backend(name).layer_classes(), wanted)
    }
    for module in model.modules():
        goal = classes.get(type(module))
        if goal is not None:
            module.__class__ = goal
    return model
