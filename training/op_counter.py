"""Counts which conv and pooling operators actually run, to prove which backend a model uses."""

import copy
from collections import Counter

import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

# torch's own conv and pooling kernels as they reach the dispatcher (after autograd, so each
# runs once per call, forward and backward).
TORCH_LAYER_OPS = (
    "aten.convolution", "aten.convolution_backward", "aten._convolution",
    "aten.cudnn_convolution", "aten.mkldnn_convolution", "aten.thnn_conv2d",
    "aten.max_pool2d", "aten.max_pool2d_with_indices", "aten.max_pool2d_with_indices_backward",
    "aten.avg_pool2d", "aten.avg_pool2d_backward",
    "aten.adaptive_avg_pool2d", "aten._adaptive_avg_pool2d", "aten._adaptive_avg_pool2d_backward",
)


class _OpCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.counts = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[str(func.overloadpacket)] += 1
        return func(*args, **(kwargs or {}))


def count_layer_ops(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> dict:
    """Run one training step (forward, loss, backward) on a copy of `model` and count
    convlab's ops and torch's own conv/pool ops."""
    probe = copy.deepcopy(model).train()
    with _OpCounter() as counter:
        F.cross_entropy(probe(images), labels).backward()
    convlab = {k: v for k, v in counter.counts.items() if k.startswith("convlab.")}
    native = {k: v for k, v in counter.counts.items() if k in TORCH_LAYER_OPS}
    return {"convlab_calls": sum(convlab.values()), "torch_calls": sum(native.values()),
            "convlab_ops": convlab, "torch_ops": native}


def backend_check(backend: str, counts: dict) -> str | None:
    """None when the counts fit `backend`, else what went wrong."""
    if backend == "custom" and (counts["torch_calls"] or not counts["convlab_calls"]):
        return (f"custom run used torch's own conv/pool ops {counts['torch_ops']} "
                f"(convlab calls: {counts['convlab_calls']})")
    if backend == "native" and counts["convlab_calls"]:
        return f"native run called convlab ops {counts['convlab_ops']}"
    return None
