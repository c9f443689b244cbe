"""What prove.py proves: a registered conv2d algorithm (`algorithm=NAME`) or a backend's conv2d
(`backend=NAME`), as one torch.nn.functional.conv2d-style function plus what it claims."""

import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import ops
from ops import registered_algorithms
from training.errors import UserError


@dataclass(frozen=True)
class Subject:
    label: str  # "algorithm 'im2col'", "backend 'python'"
    conv2d: Callable  # torch.nn.functional.conv2d's signature
    algorithm: str | None  # the convlab algorithm forced: opcheck, compile, emulation, parity
    backend: str  # what a parity run trains with (op=...)
    float32_error_ratio: float  # the most times native's float32 error it promises
    cuda_kernels: bool  # it has GPU kernels, whose emulation prove.py runs on the CPU


def import_module(path: str):
    """Import prove.module's file (it registers what is to be proven, or is an exercise's
    solution); returns the module."""
    file = Path(path)
    if not file.is_file():
        raise UserError(f"prove.module: no such file {path!r}")
    spec = importlib.util.spec_from_file_location(f"prove_module_{file.stem}", file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def subject_for(algorithm: str | None, backend: str | None) -> Subject:
    """The Subject that `algorithm=` or `backend=` (exactly one of them) names."""
    if (algorithm is None) == (backend is None):
        raise UserError("name what to prove: algorithm=NAME, backend=NAME or exercise=NAME")
    if algorithm is not None:
        if algorithm not in ops.CONV2D_ALGORITHMS[1:]:
            raise UserError(f"algorithm must be one of {tuple(ops.CONV2D_ALGORITHMS[1:])} "
                            "(register yours with ops.register_conv2d_algorithm in "
                            f"prove.module), got {algorithm!r}")
        return Subject(f"algorithm {algorithm!r}", partial(ops.conv2d, algorithm=algorithm),
                       algorithm, "custom", ops.float32_error_ratio(algorithm),
                       algorithm not in registered_algorithms.python_algorithms())
    if backend not in ops.BACKENDS:
        raise UserError(f"backend must be one of {ops.BACKENDS}, got {backend!r}")
    return Subject(f"backend {backend!r}", ops.backend(backend).functions["conv2d"], None,
                   backend, 10.0, False)
