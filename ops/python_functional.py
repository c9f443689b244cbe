"""The python backend's functions (generated from ops/layers.py), with torch.nn.functional's
signatures and argument forms. Like torch.nn.functional's Python functions they announce
themselves to torch-function modes, so `with ops.backend(...)` routes them and the op counter
(training/op_counter.py) sees them."""

from .layers import FUNCTIONS

globals().update(FUNCTIONS["python"])
__all__ = sorted(FUNCTIONS["python"])
