"""Drop-in replacements for torch.nn's conv and pooling modules (the custom backend's classes,
generated from ops/layers.py). Each subclasses the torch.nn module it replaces, so constructor
arguments, parameter names, shapes, default init and state_dict are torch's own; only the
computation runs through convlab's kernels (1-D and 3-D layers through its 2-D ones, ops/nd.py)."""

from .layers import CLASSES

globals().update(CLASSES["custom"])
__all__ = sorted(CLASSES["custom"])
