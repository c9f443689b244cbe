"""The layer backends, defined once: each name, the conv and pooling layer classes and the
torch.nn.functional-style functions it stands for. Everything that takes a backend (models,
`convert`, training, parity, `with ops.backend(name):`) takes one of these names."""

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import torch.nn as nn
import torch.nn.functional as F

from .layer_functions import FUNCTIONAL_NAMES
from .layers import CLASSES, FUNCTIONS, LAYER_CLASS_NAMES
from .mode import BackendMode

# The modes entered through `with backend:`, per thread; `with` exits them last-in first-out.
_entered = threading.local()


@dataclass(frozen=True)
class Backend:
    """A backend's name, its conv and pooling layer classes by torch.nn name (`backend.Conv2d`)
    and its functions by torch.nn.functional name (with torch.nn.functional's signatures).
    A class or function a backend lacks raises NotImplementedError naming it.

    Used as a context manager, it runs every conv/pool call inside the block on this backend:
    see `ops.mode`."""

    name: str
    classes: Mapping[str, type] = field(compare=False, repr=False)
    functions: Mapping[str, Callable] = field(compare=False, repr=False)

    def __getattr__(self, attribute: str):
        # Only reached for names that are not fields: the layer classes.
        classes = self.__dict__.get("classes", {})
        if attribute in classes:
            return classes[attribute]
        if attribute in LAYER_CLASS_NAMES:
            raise NotImplementedError(
                f"backend {self.name!r} has no {attribute}; it has: {', '.join(classes)}")
        raise AttributeError(attribute)

    def layer_classes(self) -> tuple[type | None, ...]:
        """The conv and pooling classes in the order of LAYER_CLASS_NAMES (None where this
        backend has none)."""
        return tuple(self.classes.get(name) for name in LAYER_CLASS_NAMES)

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


def _make(name, classes, functions):
    return Backend(name, MappingProxyType(classes), MappingProxyType(functions))


_BY_NAME = {
    "native": _make("native", {name: getattr(nn, name) for name in LAYER_CLASS_NAMES},
                    {name: getattr(F, name) for name in FUNCTIONAL_NAMES}),
    # convlab's kernels; and Python autograd Functions with hand-written backward passes, no
    # torch conv/pool.
    **{name: _make(name, CLASSES[name], FUNCTIONS[name]) for name in ("custom", "python")},
}
BACKENDS = tuple(_BY_NAME)


def backend(name: str) -> Backend:
    """The backend called `name`; a ValueError lists the valid names."""
    if name not in _BY_NAME:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return _BY_NAME[name]
