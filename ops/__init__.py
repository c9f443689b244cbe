"""convlab's own conv2d and pooling operators for PyTorch.

Importing this package builds (first time) and loads the C++/CUDA extension, which
registers ``torch.ops.convlab.*``, then adds their autograd and fake kernels.

Two ways to run a model on a backend: ``ops.convert(model, name)`` swaps its conv/pool
modules; ``with ops.backend(name):`` runs every conv/pool call in the block on that backend,
torch.nn.functional calls included (``ops.mode``).
"""

from ._extension import ExtensionBuildError, load_extension

load_extension()

from . import _autograd, _fake  # noqa: E402,F401  (registrations)
from .algorithms import (  # noqa: E402
    CONV2D_ALGORITHMS,
    backward_algorithms,
    conv2d_algorithm,
    recording_algorithms,
    set_benchmark,
    use_algorithm,
)
from .backends import BACKENDS, Backend, backend  # noqa: E402
from .convert import convert  # noqa: E402
from .functional import adaptive_avg_pool2d, avg_pool2d, conv2d, max_pool2d  # noqa: E402
from .modules import AdaptiveAvgPool2d, AvgPool2d, Conv2d, MaxPool2d  # noqa: E402
from .workspace import set_workspace_limit, workspace_limit  # noqa: E402

__all__ = [
    "BACKENDS",
    "CONV2D_ALGORITHMS",
    "AdaptiveAvgPool2d",
    "AvgPool2d",
    "Backend",
    "Conv2d",
    "ExtensionBuildError",
    "MaxPool2d",
    "adaptive_avg_pool2d",
    "avg_pool2d",
    "backend",
    "backward_algorithms",
    "conv2d",
    "conv2d_algorithm",
    "convert",
    "max_pool2d",
    "recording_algorithms",
    "set_benchmark",
    "set_workspace_limit",
    "use_algorithm",
    "workspace_limit",
]
