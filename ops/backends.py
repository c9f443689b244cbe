"""The layer backends, defined once: each name, the conv and pooling layer classes and the
torch.nn.functional-style functions it stands for. Everything that takes a backend (models,
`convert`, training, parity, `with ops.backend(name):`) takes one of these names."""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import torch.nn as nn
import torch.nn.functional as F

from . import functional, modules, python_functional, python_modules
from .layer_functions import CONVLAB_NAMES, FUNCTIONAL_NAMES
from .mode import BackendMode

# The modes entered through `with backend:`, per thread; `with` exits them last-in first-out.
_entered = threading.local()


@dataclass(frozen=True)
class Backend:
    """A backend's name, its conv and pooling layer classes, and its functions by
    torch.nn.functional name (with torch.nn.functional's signatures).

    Used as a context manager, it runs every conv/pool call inside the block on this backend:
    see `ops.mode`."""

    name: str
    Conv1d: type
    Conv2d: type
    Conv3d: type
    MaxPool1d: type
    MaxPool2d: type
    MaxPool3d: type
    AvgPool1d: type
    AvgPool2d: type
    AvgPool3d: type
    AdaptiveAvgPool1d: type
    AdaptiveAvgPool2d: type
    AdaptiveAvgPool3d: type
    functions: Mapping[str, Callable] = field(compare=False, repr=False)

    def layer_classes(self) -> tuple[type, ...]:
        """The conv and pooling classes, in the order of LAYER_CLASS_NAMES."""
        return tuple(getattr(self, name) for name in LAYER_CLASS_NAMES)

    def __enter__(self) -> "Backend":
        # A fresh mode per block: the Backend is one shared frozen object, and blocks nest.
        mode = BackendMode(self)
        mode.__enter__()
        _entered_modes().append(mode)
        return self

    def __exit__(self, *exc_info) -> None:
        _entered_modes().pop().__exit__(*exc_info)


def _entered_modes() -> list:
    if not hasattr(_entered, "modes"):
        _entered.modes = []
    return _entered.modes


# Every layer class a backend provides: the Backend fields of these names.
LAYER_CLASS_NAMES = tuple(f"{kind}{dims}d" for kind in ("Conv", "MaxPool", "AvgPool",
                                                        "AdaptiveAvgPool")
                          for dims in (1, 2, 3))


def _make(name, classes_from, functions):
    return Backend(name, **{c: getattr(classes_from, c) for c in LAYER_CLASS_NAMES},
                   functions=MappingProxyType(functions))


_BY_NAME = {
    b.name: b
    for b in (
        _make("native", nn, {name: getattr(F, name) for name in FUNCTIONAL_NAMES}),
        _make("custom", modules, {name: getattr(functional, name) for name in CONVLAB_NAMES}),
        # Python autograd Functions with hand-written backward passes, no torch conv/pool.
        _make("python", python_modules,
              {name: getattr(python_functional, name) for name in CONVLAB_NAMES}),
    )
}
BACKENDS = tuple(_BY_NAME)


def backend(name: str) -> Backend:
    """The backend called `name`; a ValueError lists the valid names."""
    if name not in _BY_NAME:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return _BY_NAME[name]
