"""How a convolution is computed: the algorithm names, benchmark mode, and what a call runs.

The algorithms and the choice live in one place, csrc/conv2d/: each algorithm's file registers
it (its name, what it cannot do and why, which algorithm computes each gradient), a named
algorithm is checked there (a ValueError says why it cannot do a shape) and "auto" follows
the rule table (csrc/conv2d/rule_table.cpp). Benchmark
mode, like ``torch.backends.cudnn.benchmark``, instead times every algorithm that can do a
shape once per process and passes the fastest by name."""

import contextlib
import functools
import statistics
import time
from collections.abc import Sequence

import torch

convlab = torch.ops.convlab


class AlgorithmNames(Sequence):
    """"auto", then the registered algorithms by name: a tuple-like view of the registry, read
    again whenever ops.register_conv2d_algorithm changes it."""

    def __init__(self):
        self._names = ("auto", *convlab.conv2d_algorithms())

    def __getitem__(self, index):
        return self._names[index]

    def __len__(self):
        return len(self._names)

    def __eq__(self, other):
        if isinstance(other, (tuple, AlgorithmNames)):
            return self._names == tuple(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(self._names)


CONV2D_ALGORITHMS = AlgorithmNames()

_benchmark = False
_fastest: dict[tuple, str] = {}
# While `recording_algorithms()` is active: what each conv2d call ran, in call order.
_recorded: list | None = None


def set_benchmark(enabled: bool) -> None:
    """Time every applicable algorithm for each new (device, dtype, shape) and use the
    fastest for calls with algorithm="auto", for the rest of the process."""
    global _benchmark
    _benchmark = bool(enabled)


def registry_changed() -> None:
    """Forget what was read off the registry: an algorithm was registered or removed."""
    CONV2D_ALGORITHMS.__init__()
    _gradient_algorithms.cache_clear()
    _fastest.clear()


def float32_error_ratio(algorithm: str) -> float:
    """How many times native's float32 error `algorithm` promises at most (prove.py)."""
    return convlab.conv2d_float32_error_ratio(algorithm)


def benchmark_enabled() -> bool:
    return _benchmark


def check_algorithm(algorithm) -> str:
    if algorithm not in CONV2D_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {CONV2D_ALGORITHMS}, got {algorithm!r}")
    return algorithm


def algorithm_argument(input, weight, stride, padding, dilation, groups, algorithm) -> str:
    """What ops.conv2d passes to the op: the fastest algorithm's name in benchmark mode,
    else `algorithm` itself ("auto" is resolved by the op)."""
    check_algorithm(algorithm)
    if algorithm == "auto" and _benchmark and not _tracing(input):
        dtype = _kernel_dtype(input)
        key = (input.device, dtype, tuple(input.shape), tuple(weight.shape), tuple(stride),
               tuple(padding), tuple(dilation), groups)
        if key not in _fastest:
            _fastest[key] = _time_all(input, weight, stride, padding, dilation, groups, dtype)
        return _fastest[key]
    return algorithm


def conv2d_algorithm(input, weight, stride, padding, dilation, groups, algorithm="auto") -> str:
    """The algorithm a convlab conv2d call with these (op-level) arguments runs; raises the
    ValueError a forced algorithm that cannot do the shape raises."""
    chosen = algorithm_argument(input, weight, stride, padding, dilation, groups, algorithm)
    return convlab.conv2d_algorithm(input, weight, stride, padding, dilation, groups, chosen)


@contextlib.contextmanager
def recording_algorithms():
    """Collect, for every convlab conv2d call in the block, a dict with its input shape and
    the algorithms of its forward and of each gradient (ops.conv2d fills the list)."""
    global _recorded
    outer, _recorded = _recorded, []
    try:
        yield _recorded
    finally:
        _recorded = outer


def note_call(input, weight, stride, padding, dilation, groups, algorithm) -> None:
    """Called by ops.conv2d with the op's arguments; records them while recording."""
    if _recorded is None or _tracing(input):
        return
    # Shape-only stand-ins in the kernel's dtype: under autocast the input and weight may
    # differ in dtype here (bfloat16 activations, float32 weights) until the op casts them.
    dtype = _kernel_dtype(input)
    forward = convlab.conv2d_algorithm(
        torch.empty(input.shape, dtype=dtype, device="meta"),
        torch.empty(weight.shape, dtype=dtype, device="meta"),
        stride, padding, dilation, groups, algorithm)
    _recorded.append({"input": list(input.shape), "weight": list(weight.shape),
                      "forward": forward, **backward_algorithms(forward)})


def backward_algorithms(forward: str) -> dict[str, str]:
    """Which algorithm computes each gradient when the forward ran `forward`."""
    return dict(_gradient_algorithms(forward))


@functools.cache
def _gradient_algorithms(forward: str) -> tuple:
    # Cached until the registry changes (registry_changed).
    grad_input, grad_weight = convlab.conv2d_gradient_algorithms(forward)
    return ("grad_input", grad_input), ("grad_weight", grad_weight)


def _tracing(input) -> bool:
    # Under torch.compile or fake tensors nothing can be timed; the rule table decides. Nor
    # under torch.jit.trace (TensorBoard's model graph), which cannot record conv2d_algorithm's
    # string result.
    return (torch.compiler.is_compiling() or torch.jit.is_tracing()
            or isinstance(input, torch._subclasses.FakeTensor))


def _kernel_dtype(input) -> torch.dtype:
    """The dtype convlab's conv kernel runs in: under autocast, its autocast kernel casts input
    and weight to the autocast dtype (like torch's conv); otherwise the input's."""
    device = input.device.type
    if input.is_floating_point() and torch.is_autocast_enabled(device):
        return torch.get_autocast_dtype(device)
    return input.dtype


def _time_all(input, weight, stride, padding, dilation, groups, dtype) -> str:
    """The fastest applicable algorithm for one forward + backward on random data of these
    shapes, in `dtype` (median of 3 after a warm-up)."""
    x = torch.randn(input.shape, device=input.device, dtype=dtype)
    w = torch.randn(weight.shape, device=weight.device, dtype=dtype)
    args = (stride, padding, dilation, groups)
    times = {}
    for name in CONV2D_ALGORITHMS[1:]:
        try:
            convlab.conv2d_algorithm(x, w, *args, name)
        except ValueError:
            continue
        samples = []
        for _ in range(4):
            if x.is_cuda:
                torch.cuda.synchronize(x.device)
            started = time.perf_counter()
            out = convlab.conv2d(x, w, None, *args, name)
            convlab.conv2d_backward(out, x, w, *args, [True, True, False], name)
            if x.is_cuda:
                torch.cuda.synchronize(x.device)
            samples.append(time.perf_counter() - started)
        times[name] = statistics.median(samples[1:])
    return min(times, key=times.get)
