"""Counts which conv and pooling operators actually run, to prove which backend a model uses.

Two nets, because each misses what the other sees:
- torch functions, through the same table the backend mode routes by
  (`ops.layer_functions`): a torch.nn.functional conv/pool call that reached torch, whatever
  alias it came by. It catches calls that leave no trace of their own at the dispatcher, such
  as `F.adaptive_avg_pool2d(x, 1)`, which torch runs as a plain `mean`.
- aten operators at the dispatcher (after autograd, so forward and backward each count once):
  torch's conv/pool kernels however they were reached, and convlab's ops."""

import contextlib
import copy
from collections import Counter

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

import ops
from ops.layer_functions import LAYER_FUNCTIONS, called_name, is_kernel_name


class _FunctionCounter(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.counts = Counter()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        layer = LAYER_FUNCTIONS.get(func)
        if layer is not None and layer.owner == "native":
            self.counts[called_name(func)] += 1
        return func(*args, **(kwargs or {}))


class _DispatchCounter(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.counts = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.counts[str(func.overloadpacket)] += 1
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def counting_layer_ops(functional: str | None = None):
    """Count convlab's ops and torch's own conv/pool calls (torch functions reached and aten
    kernels run, so one native call can count in both) made inside the block, which runs
    inside `with ops.backend(functional):` when given. Yields the counts dict, filled on exit.

    The counters are entered outside the backend mode so that they see only what the mode
    let through; use this outside any `with ops.backend(...)` of your own for the same reason
    (inside one, a call the outer mode would route counts as torch's)."""
    counts = {}
    scope = ops.backend(functional) if functional else contextlib.nullcontext()
    with _DispatchCounter() as kernels, _FunctionCounter() as functions, scope:
        yield counts
    convlab = {k: v for k, v in kernels.counts.items() if k.startswith("convlab.")}
    native = {k: v for k, v in kernels.counts.items()
              if k.startswith("aten.") and is_kernel_name(k)}
    native.update(functions.counts)
    counts.update(convlab_calls=sum(convlab.values()), torch_calls=sum(native.values()),
                  convlab_ops=convlab, torch_ops=native)


def count_layer_ops(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
                    functional: str | None = None) -> dict:
    """Run one training step (forward, loss, backward) on a copy of `model` and count its
    layer ops (see `counting_layer_ops`)."""
    probe = copy.deepcopy(model).train()
    with counting_layer_ops(functional) as counts:
        F.cross_entropy(probe(images), labels).backward()
    return counts


def backend_check(backend: str, counts: dict) -> str | None:
    """None when the counts fit `backend`, else what went wrong."""
    if backend == "custom" and (counts["torch_calls"] or not counts["convlab_calls"]):
        return (f"custom run used torch's own conv/pool ops {counts['torch_ops']} "
                f"(convlab calls: {counts['convlab_calls']})")
    if backend == "native" and counts["convlab_calls"]:
        return f"native run called convlab ops {counts['convlab_ops']}"
    return None
