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
from .layer_functions import FUNCTIONAL_NAMES
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
    Conv2d: type
    MaxPool2d: type
    AvgPool2d: type
    AdaptiveAvgPool2d: type
    functions: Mapping[str, Callable] = field(compare=False, repr=False)

    def layer_classes(self) -> tuple[type, ...]:
        return (self.Conv2d, self.MaxPool2d, self.AvgPool2d, self.AdaptiveAvgPool2d)

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


_BY_NAME = {
    b.name: b
    for b in (
        Backend("native", nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
                MappingProxyType({name: getattr(F, name) for name in FUNCTIONAL_NAMES})),
        Backend("custom", modules.Conv2d, modules.MaxPool2d, modules.AvgPool2d,
                modules.AdaptiveAvgPool2d,
                MappingProxyType({"conv2d": functional.conv2d,
                                  "max_pool2d": functional.max_pool2d,
                                  "avg_pool2d": functional.avg_pool2d,
                                  "adaptive_avg_pool2d": functional.adaptive_avg_pool2d})),
        # Python autograd Functions with hand-written backward passes, no torch conv/pool.
        Backend("python", python_modules.Conv2d, python_modules.MaxPool2d,
                python_modules.AvgPool2d, python_modules.AdaptiveAvgPool2d,
                MappingProxyType({name: getattr(python_functional, name)
                                  for name in ("conv2d", "max_pool2d", "avg_pool2d",
                                               "adaptive_avg_pool2d")})),
    )
}
BACKENDS = tuple(_BY_NAME)


def backend(name: str) -> Backend:
    """The backend called `name`; a ValueError lists the valid names."""
    if name not in _BY_NAME:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    return _BY_NAME[name]
