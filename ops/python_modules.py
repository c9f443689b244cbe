"""torch.nn's conv and pooling modules computed by the python backend (generated from
ops/layers.py). Each subclasses the module it replaces, as ops.modules' do, so parameters,
init and state_dict are torch's own and `ops.convert` swaps classes in place."""

from .layers import CLASSES

globals().update(CLASSES["python"])
__all__ = sorted(CLASSES["python"])
