"""What one family of layers (conv, max_pool, ...) gives convlab: its torch.nn.functional kind,
each backend's functions by dimensionality, and the mixin that turns torch.nn's module of that
kind into one calling a backend's function. ops/layers.py lists the families; backends,
`with ops.backend(...)` and the module classes are generated from that list."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LayerFamily:
    kind: str  # torch.nn.functional's name without the dimensionality: "max_pool"
    # backend name ("custom", "python") -> dims -> a function with torch.nn.functional's
    # signature. A backend or a dimensionality left out is one the family does not offer.
    functions: Mapping[str, Mapping[int, Callable]]
    # backend name -> mixin whose forward calls `type(self)._function`; "*" for every backend.
    module_mixins: Mapping[str, type]
    # torch.nn's class name without the dimensionality, where it is not the kind in
    # CamelCase ("lp_pool" -> "LPPool").
    class_stem: str = ""

    def class_name(self, dims: int) -> str:
        stem = self.class_stem or "".join(part.capitalize() for part in self.kind.split("_"))
        return f"{stem}{dims}d"

    def mixin(self, backend: str) -> type:
        return self.module_mixins.get(backend, self.module_mixins.get("*"))
