"""convlab's own conv2d and pooling operators for PyTorch (1-D and 3-D ones made of them).

Importing this package builds (first time) and loads the C++/CUDA extension, which
registers ``torch.ops.convlab.*``, then adds their autograd and fake kernels.

Two ways to run a model on a backend: ``ops.convert(model, name)`` swaps its conv/pool
modules; ``with ops.backend(name):`` runs every conv/pool call in the block on that backend,
torch.nn.functional calls included (``ops.mode``).
"""

from ._extension import ExtensionBuildError, load_extension

load_extension()

from .algorithms import (  # noqa: E402
    CONV2D_ALGORITHMS,
    backward_algorithms,
    conv2d_algorithm,
    float32_error_ratio,
    recording_algorithms,
    set_benchmark,
)
from .backends import BACKENDS, Backend, backend  # noqa: E402
from .conv import use_algorithm  # noqa: E402  (importing the families registers their ops)
from .convert import convert  # noqa: E402
from .emulation import emulated_cuda, emulated_cuda_stats, reset_emulated_cuda_stats  # noqa: E402
from .functional import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    conv1d,
    conv2d,
    conv3d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
)
from .registered_algorithms import (  # noqa: E402
    register_conv2d_algorithm,
    unregister_conv2d_algorithm,
)
from .modules import (  # noqa: E402
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    Conv1d,
    Conv2d,
    Conv3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
)
from .workspace import (  # noqa: E402
    empty_scratch_cache,
    scratch_cache_bytes,
    set_workspace_limit,
    workspace_limit,
)

__all__ = [
    "BACKENDS",
    "CONV2D_ALGORITHMS",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "Backend",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ExtensionBuildError",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "backend",
    "backward_algorithms",
    "conv1d",
    "conv2d",
    "conv2d_algorithm",
    "conv3d",
    "convert",
    "emulated_cuda",
    "empty_scratch_cache",
    "emulated_cuda_stats",
    "float32_error_ratio",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "recording_algorithms",
    "register_conv2d_algorithm",
    "reset_emulated_cuda_stats",
    "scratch_cache_bytes",
    "set_benchmark",
    "set_workspace_limit",
    "unregister_conv2d_algorithm",
    "use_algorithm",
    "workspace_limit",
]
