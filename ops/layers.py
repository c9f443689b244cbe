"""The table of convlab's layer families. Each row is one family (ops/<kind>.py); the custom and
python backends' functions and module classes, `with ops.backend(...)`'s routing and the op
counter are all generated from it. A new family is one row here plus its family file."""

import torch.nn as nn

from . import adaptive_avg_pool, avg_pool, conv, max_pool

FAMILIES = (conv.FAMILY, max_pool.FAMILY, avg_pool.FAMILY, adaptive_avg_pool.FAMILY)

# Where each backend's generated functions and classes live (their __module__, for pickling
# and error messages).
_MODULES = {"custom": ("ops.functional", "ops.modules"),
            "python": ("ops.python_functional", "ops.python_modules")}


def _functions(backend: str) -> dict:
    table = {}
    for family in FAMILIES:
        for dims, function in family.functions.get(backend, {}).items():
            function.__module__ = _MODULES[backend][0]
            table[f"{family.kind}{dims}d"] = function
    return table


def _classes(backend: str) -> dict:
    classes = {}
    for family in FAMILIES:
        for dims, function in family.functions.get(backend, {}).items():
            name = family.class_name(dims)
            classes[name] = type(name, (family.mixin(backend), getattr(nn, name)), {
                "_function": staticmethod(function),
                "__module__": _MODULES[backend][1],
                "__qualname__": name,
                "__doc__": f"torch.nn.{name} computed by the {backend} backend's "
                           f"{family.kind}{dims}d.",
            })
    return classes


# backend -> torch.nn.functional name -> function, and -> torch.nn class name -> class.
FUNCTIONS = {backend: _functions(backend) for backend in _MODULES}
CLASSES = {backend: _classes(backend) for backend in _MODULES}
# Every torch.nn class name a family stands for, whichever backends implement it.
LAYER_CLASS_NAMES = tuple(family.class_name(dims) for family in FAMILIES
                          for dims in (1, 2, 3) if hasattr(nn, family.class_name(dims)))
# The torch.nn.functional names convlab's own ops implement.
CONVLAB_NAMES = tuple(FUNCTIONS["custom"])
