"""Counts which conv and pooling operators actually run, to prove which backend a model uses.

Two nets, because each misses what the other sees (the python backend's autograd Functions
show only in the first, the functions net: they run no conv/pool kernel of anyone's):
- torch functions, through the same table the backend mode routes by
  (`ops.layer_functions`): a torch.nn.functional conv/pool call that reached torch, whatever
  alias it came by, and each call of the python backend's functions. It catches calls that
  leave no trace of their own at the dispatcher, such as `F.adaptive_avg_pool2d(x, 1)`, which
  torch runs as a plain `mean`.
- aten operators at the dispatcher (after autograd, so forward and backward each count once):
  torch's conv/pool kernels however they were reached, and convlab's ops. convlab's 1-D and 3-D
  ops are compositions (ops/nd.py) that the dispatcher expands before this net, so they count
  as the 2-D ops they run: a conv3d as one conv2d per depth tap that reads input."""

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
        self.counts = {"native": Counter(), "python": Counter()}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        layer = LAYER_FUNCTIONS.get(func)
        if layer is not None and layer.owner in self.counts:
            self.counts[layer.owner][called_name(func)] += 1
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
    """Count convlab's ops, the python backend's functions (forward calls: their backward is
    no function call) and torch's own conv/pool calls (torch functions reached and aten
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
    native.update(functions.counts["native"])
    python = dict(functions.counts["python"])
    counts.update(convlab_calls=sum(convlab.values()), torch_calls=sum(native.values()),
                  python_calls=sum(python.values()), convlab_ops=convlab, torch_ops=native,
                  python_ops=python)


def count_layer_ops(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor,
                    functional: str | None = None) -> dict:
    """Run one training step (forward, loss, backward) on a copy of `model` and count its
    layer ops (see `counting_layer_ops`)."""
    probe = copy.deepcopy(model).train()
    with counting_layer_ops(functional) as counts:
        F.cross_entropy(probe(images), labels).backward()
    return counts


def backend_check(backend: str, counts: dict) -> str | None:
    """None when the counts fit `backend`, else what went wrong: a run may call only its own
    backend's ops, and custom and python runs must call some (native ones leave no count of
    their own when torch answers a pooling with a plain mean)."""
    own = {"native": "torch_calls", "custom": "convlab_calls", "python": "python_calls"}[backend]
    foreign = {"torch_calls": ("torch's own conv/pool ops", "torch_ops"),
               "convlab_calls": ("convlab ops", "convlab_ops"),
               "python_calls": ("python backend ops", "python_ops")}
    for key, (what, detail) in foreign.items():
        if key != own and counts[key]:
            return f"{backend} run used {what} {counts[detail]} ({own}: {counts[own]})"
    if backend != "native" and not counts[own]:
        return f"{backend} run called none of its own ops ({own}: 0)"
    return None
