"""convlab's functional API (the custom backend's functions, generated from ops/layers.py),
with torch.nn.functional's signatures and argument forms. Every call runs a convlab kernel;
nothing here falls back to torch's own conv or pooling."""

from .layers import FUNCTIONS

globals().update(FUNCTIONS["custom"])
__all__ = sorted(FUNCTIONS["custom"])
