"""Which torch functions compute a convolution or a pooling, whatever name they are called by.

A TorchFunctionMode sees the function object that was called: `F.conv2d` and `torch.conv2d`
are one builtin, but `F.max_pool2d` (a Python wrapper), `torch.max_pool2d` (a builtin) and
`torch._C._nn.max_pool2d_with_indices` are three objects for one computation. `LAYER_FUNCTIONS`
maps every such object to one `LayerFunction`: the torch.nn.functional name whose signature
its arguments follow, and whether it returns indices. The backend mode routes by it
(`ops.mode`) and the op counter counts by it (`training/op_counter.py`), so they agree on what
a conv/pool call is."""

import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .layers import CONVLAB_NAMES, FUNCTIONS


@dataclass(frozen=True)
class LayerFunction:
    name: str  # the torch.nn.functional name; its signature is the call's signature
    owner: str  # the backend it belongs to: "native" (torch), "custom" (convlab), "python"
    with_indices: bool = False  # a *_with_indices form: always returns (output, indices)


# torch.nn.functional's conv and pooling functions. The lp_pool family and
# local_response_norm pool inside their own bodies, where no TorchFunctionMode can reach, so
# they count as pooling calls in their own right.
FUNCTIONAL_NAMES = (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "conv_tbc",
    "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "fractional_max_pool2d", "fractional_max_pool3d", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "local_response_norm",
)
_NAMESPACES = (F, torch, torch._C._nn)
# torch's other conv/pool entry points (torch.convolution, torch.cudnn_convolution,
# torch._C._nn.thnn_conv2d, ...): found by name so that a new torch version's kernels are
# covered too. "convert" and "reorder" name weight-layout helpers, not convolutions.
_KERNEL_NAME = re.compile(r"conv|pool")
_NOT_A_KERNEL = re.compile(r"convert|reorder|_unpool_output_size|_check_unpool")


def is_kernel_name(name: str) -> bool:
    """Whether a torch or aten operator called `name` computes a convolution or a pooling."""
    return bool(_KERNEL_NAME.search(name)) and not _NOT_A_KERNEL.search(name)


def _native_functions() -> dict:
    table = {}
    for name in FUNCTIONAL_NAMES:
        for namespace in _NAMESPACES:
            for suffix, with_indices in (("", False), ("_with_indices", True)):
                function = getattr(namespace, name + suffix, None)
                if callable(function):
                    table.setdefault(function, LayerFunction(name, "native", with_indices))
    for namespace in (torch, torch._C._nn):
        for attribute in dir(namespace):
            function = getattr(namespace, attribute)
            if (callable(function) and function not in table and is_kernel_name(attribute)
                    and not isinstance(function, type)):
                table[function] = LayerFunction(attribute, "native")
    return table


def _convlab_functions() -> dict:
    # convlab's ops take torch.nn.functional's arguments in the same order (its max pools
    # always return indices), so they route like the native functions of the same name.
    # A call through the packet (`torch.ops.convlab.conv2d(...)`, as ops.functional makes it)
    # reaches the mode as the packet, one through `.default` as the overload.
    table = {}
    for name in CONVLAB_NAMES:
        layer = LayerFunction(name, "custom", with_indices=name.startswith("max_pool"))
        packet = getattr(torch.ops.convlab, name)
        table[packet] = table[packet.default] = layer
    return table


def _python_functions() -> dict:
    # The python backend's functions take torch.nn.functional's arguments (max pools their
    # return_indices too) and announce themselves to torch-function modes like F's do.
    return {function: LayerFunction(name, "python")
            for name, function in FUNCTIONS["python"].items()}


LAYER_FUNCTIONS = {**_native_functions(), **_convlab_functions(), **_python_functions()}


def called_name(function) -> str:
    """How a caller spelled `function`, for error messages and op counts."""
    if isinstance(function, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        return f"torch.ops.{function}"
    return f"{function.__module__}.{function.__name__}"
