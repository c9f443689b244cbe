"""How the suite times a call: its settings, a timer per device (torch.utils.benchmark on a
CPU, CUDA events on a GPU), the alternating rounds that compare variants, and the TF32 switch
a measurement runs under."""

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

import ops  # noqa: F401  (first: it quiets cpp_extension's CUDA warning, which benchmark imports)
from torch.utils import benchmark


@dataclass
class Settings:
    device: str = "cpu"
    rounds: int = 3  # rounds of measurements; native and custom alternate within each
    min_run_time: float = 0.1  # seconds per Timer measurement (blocked_autorange)
    warmup: int = 1  # untimed calls of each variant before the first round
    algorithms: tuple = ()  # convlab algorithms timed besides "auto" where they apply
    slow_call: float = 1.0  # a call longer than this (s) is timed once per round
    naive: bool = False  # train steps also with a naive F.unfold + matmul conv
    mode: str = "quick"


class CpuTimer:
    """torch.utils.benchmark.Timer at the process's thread count (Timer's default is 1)."""

    name = "torch.utils.benchmark.Timer.blocked_autorange"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.threads = torch.get_num_threads()

    def sync(self):
        pass

    def sample(self, fn: Callable, slow: bool) -> list[float]:
        """Seconds per call, one value per timed block."""
        timer = benchmark.Timer("fn()", globals={"fn": fn}, num_threads=self.threads)
        if slow:
            return list(timer.timeit(1).times)
        return list(timer.blocked_autorange(min_run_time=self.settings.min_run_time).times)


class CudaTimer:
    """Blocks of calls between two CUDA events, until a measurement lasts min_run_time."""

    name = "CUDA events (blocks of calls between two events)"

    def __init__(self, settings: Settings):
        self.settings = settings

    def sync(self):
        torch.cuda.synchronize()

    def _block(self, fn: Callable, number: int) -> float:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(number):
            fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3 / number

    def sample(self, fn: Callable, slow: bool) -> list[float]:
        number = 1
        if not slow:  # blocks of about a twentieth of min_run_time each
            once = self._block(fn, 1)
            number = max(1, min(1000, int(self.settings.min_run_time / 20 / max(once, 1e-7))))
        times, total = [], 0.0
        while not times or (not slow and total < self.settings.min_run_time):
            seconds = self._block(fn, number)
            times.append(seconds)
            total += seconds * number
        return times


def make_timer(settings: Settings):
    return CudaTimer(settings) if settings.device == "cuda" else CpuTimer(settings)


def compare(variants: dict[str, Callable], timer, settings: Settings) -> dict[str, dict]:
    """Median milliseconds per call of each variant. After the warm-up, each round measures
    every variant once, in alternating order, so slow drifts of a shared machine reach all of
    them alike; the median is over every timed block of every round."""
    slow = {}
    for name, fn in variants.items():
        for _ in range(max(1, settings.warmup)):
            timer.sync()
            started = time.perf_counter()
            fn()
            timer.sync()
            slow[name] = time.perf_counter() - started > settings.slow_call
            if slow[name]:  # one warm-up call is enough for a call of seconds
                break
    samples = {name: [] for name in variants}
    names = list(variants)
    for i in range(settings.rounds):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name] += timer.sample(variants[name], slow[name])
    return {name: {"ms": 1e3 * statistics.median(s), "min_ms": 1e3 * min(s), "blocks": len(s)}
            for name, s in samples.items()}


@contextlib.contextmanager
def precision_flags(device: torch.device, precision: str):
    """TF32 on for "tf32", off otherwise (convlab's CUDA GEMMs follow cudnn.allow_tf32)."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    if device.type == "cuda":
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
