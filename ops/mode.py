"""`with ops.backend(name):` runs every conv and pooling call on backend `name`: module
forwards and torch.nn.functional calls alike, whichever classes the modules have.

A TorchFunctionMode sees each torch function as it is called. A conv/pool function
(`ops.layer_functions`) that belongs to another backend is re-run with this backend's
function of the same torch.nn.functional name; one this backend lacks raises
NotImplementedError naming it, since running torch's instead would be the silent fallback
convlab promises never to make. Everything else runs untouched."""

import functools
import inspect
import threading

import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from .layer_functions import LAYER_FUNCTIONS, called_name

# Per thread, like torch's own mode stack.
_state = threading.local()


def _routing() -> bool:
    return getattr(_state, "routing", False)


@functools.cache
def _indices_signature(name: str) -> inspect.Signature:
    # Every *_with_indices form takes its torch.nn.functional namesake's arguments in order.
    return inspect.signature(getattr(F, name + "_with_indices"))


class BackendMode(TorchFunctionMode):
    def __init__(self, backend):
        super().__init__()
        self.backend = backend

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        layer = LAYER_FUNCTIONS.get(func)
        # A call made while an inner `with ops.backend(...)` is already running its choice
        # belongs to that choice: outer modes must not re-route it.
        if layer is None or _routing():
            return func(*args, **kwargs)
        if layer.owner == self.backend.name:
            implementation = func
        else:
            implementation = self.backend.functions.get(layer.name)
            if implementation is None:
                raise NotImplementedError(self._missing(func, layer))
            if layer.name.startswith("conv") and layer.owner == "custom":
                # convlab's conv ops take an `algorithm` after torch.nn.functional's seven
                # arguments; another backend chooses its own way to compute.
                args = args[:7]
                kwargs = {k: v for k, v in kwargs.items() if k != "algorithm"}
            if layer.with_indices:
                bound = _indices_signature(layer.name).bind(*args, **kwargs)
                bound.arguments["return_indices"] = True
                args, kwargs = bound.args, bound.kwargs
        _state.routing = True
        try:
            return implementation(*args, **kwargs)
        finally:
            _state.routing = False

    def _missing(self, func, layer) -> str:
        has = ", ".join(sorted(self.backend.functions))
        return (
            f"backend {self.backend.name!r} has no {layer.name}: `{called_name(func)}` was called inside "
            f"`with ops.backend({self.backend.name!r})`, which never falls back to torch's own "
            f"kernels. This backend implements: {has}. Run this call outside the block, or "
            f"inside `with ops.backend('native')`.")
