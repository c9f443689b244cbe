"""convlab's benchmark suite: torch's layers (native) against convlab's (custom), per layer
and per training step, in one process, with the speed goals marked PASS/FAIL.

    python3 -m benchmarks.suite                 # quick (default): native vs auto, a few minutes on 2 cores
    python3 -m benchmarks.suite --full          # also every conv algorithm, direct included; more rounds
    python3 -m benchmarks.suite --device cuda   # on a GPU: CUDA events, TF32 on/off, bf16 autocast

Op level: every conv and pooling layer of LeNet-5, AlexNet (CIFAR) and VGG-16-BN (CIFAR) as
benchmarks/layer_shapes.py reads them off the models, forward and forward + backward:
torch.nn.functional's kernel against convlab's ("auto", what the custom backend runs) and, with
--full or --algorithms, each convlab algorithm that can do the shape. Train step: forward,
cross-entropy, backward and an SGD step of whole models built with backend="native" and
"custom" from the same initial weights.

Writes results.json, results.md and results.png into outputs/benchmarks/<timestamp>/ (or
--out) and prints the Markdown."""

import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

# torch.profiler (peak memory) logs its stages to stderr unless told otherwise; read when it
# first starts.
os.environ.setdefault("KINETO_LOG_LEVEL", "5")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python3 benchmarks/suite.py`
    sys.path.insert(0, str(ROOT))

import ops  # noqa: E402  (first: it quiets cpp_extension's CUDA warning, which benchmark imports)
from torch.utils import benchmark  # noqa: E402
from benchmarks.layer_shapes import (  # noqa: E402
    ConvLayer,
    PoolLayer,
    build,
    conv_layers,
    input_shape,
    pool_layers,
)

# custom / native ratios the speed issue aims at (at most).
GOALS = {
    "train_time": 1.3,  # every training step
    "train_memory": 1.25,  # peak memory of every training step
    "vgg16_conv": 1.5,  # every VGG-16 conv layer, forward + backward
    "pool": 1.2,  # every pooling layer, forward and forward + backward
}
OP_MODELS = ("lenet", "alexnet", "vgg16")
# Op-level batch sizes: the batch each model trains with in the train-step part on that device
# (AlexNet has no CPU train step; it gets VGG-16's CIFAR batch there).
OP_BATCH = {"cpu": {"lenet": 256, "alexnet": 32, "vgg16": 32},
            "cuda": {"lenet": 256, "alexnet": 128, "vgg16": 128}}
ALGORITHMS = ops.CONV2D_ALGORITHMS[1:]  # direct, im2col, winograd, fft ("auto" is always timed)
PRESETS = {  # rounds, seconds per Timer measurement, warm-up calls, algorithms besides auto
    "quick": dict(rounds=3, min_run_time=0.1, warmup=1, algorithms=()),
    "full": dict(rounds=5, min_run_time=0.3, warmup=2, algorithms=ALGORITHMS),
}
MIB = 2.0 ** 20


@dataclass(frozen=True)
class Workload:
    """One train-step row: a model of layer_shapes.MODELS (plus `options`) at `batch`."""

    label: str
    model: str
    batch: int
    options: dict = field(default_factory=dict)
    precision: str = "fp32"  # fp32 (TF32 off), tf32 (TF32 on), bf16 (bf16 autocast, TF32 off)


TRAIN = {
    "cpu": (
        Workload("LeNet-5", "lenet", 256),
        Workload("VGG-11-BN width 1/4", "vgg11", 64, {"width": 0.25}),
        Workload("VGG-16-BN", "vgg16", 32),
    ),
    "cuda": (
        Workload("VGG-16-BN", "vgg16", 128),
        Workload("VGG-16-BN", "vgg16", 128, precision="tf32"),
        Workload("VGG-16-BN", "vgg16", 128, precision="bf16"),
        Workload("AlexNet", "alexnet", 128),
        Workload("LeNet-5", "lenet", 256),
    ),
}


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


# ---------------------------------------------------------------------------------- timing


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
        self.threads = torch.get_num_threads()

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


def ratio(custom, native):
    return None if custom is None or native is None or native <= 0 else custom / native


def verdict(value, goal):
    return None if value is None or goal is None else value <= goal


# ----------------------------------------------------------------------------------- GEMM


def gemm_rates(settings: Settings, timer, size: int = 2048) -> dict:
    """GFLOP/s of one size^3 matmul, float32 (TF32 off); on a GPU also TF32 and bfloat16."""
    device = torch.device(settings.device)
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    flops = 2 * size ** 3
    kinds = {"fp32": (torch.float32, False)}
    if device.type == "cuda":
        kinds.update({"tf32": (torch.float32, True), "bf16": (torch.bfloat16, False)})
    rates = {}
    once = Settings(**{**asdict(settings), "rounds": 1})
    for kind, (dtype, tf32) in kinds.items():
        x, y = a.to(dtype), b.to(dtype)
        with precision_flags(device, "tf32" if tf32 else "fp32"):
            ms = compare({kind: lambda: torch.mm(x, y)}, timer, once)[kind]["ms"]
        rates[kind] = flops / (ms / 1e3) / 1e9
    return {"size": size, "gflops": rates}


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


# ------------------------------------------------------------------------------ op level


def conv_flops(layer: ConvLayer) -> tuple[int, int]:
    """Multiply-adds x 2 of the forward, and of forward + backward as timed (grad_weight, and
    grad_input except for a model's first layer)."""
    n, _, h, w = layer.input
    out_c, in_per_group, kh, kw = layer.weight
    oh = (h + 2 * layer.padding[0] - layer.dilation[0] * (kh - 1) - 1) // layer.stride[0] + 1
    ow = (w + 2 * layer.padding[1] - layer.dilation[1] * (kw - 1) - 1) // layer.stride[1] + 1
    forward = 2 * n * out_c * oh * ow * in_per_group * kh * kw
    return forward, forward * (2 if layer.first else 3)


def bench_conv(layer: ConvLayer, settings: Settings, timer) -> dict:
    """Forward and forward + backward of one conv shape: torch's conv, convlab's "auto" and
    each requested algorithm that can do the shape. Inputs need gradients as in training (the
    first layer's input does not); forward runs with autograd recording, as in training."""
    device = torch.device(settings.device)
    torch.manual_seed(0)
    x = torch.randn(layer.input, device=device).requires_grad_(not layer.first)
    fan_in = math.prod(layer.weight[1:])
    w = (torch.randn(layer.weight, device=device) * math.sqrt(2 / fan_in)).requires_grad_()
    b = torch.randn(layer.weight[0], device=device).requires_grad_() if layer.bias else None
    args = (layer.stride, layer.padding, layer.dilation, layer.groups)
    wanted = [t for t in (x, w, b) if t is not None and t.requires_grad]
    with torch.no_grad():
        grad_out = torch.randn_like(F.conv2d(x, w, b, *args))

    convs = {"native": lambda: F.conv2d(x, w, b, *args),
             "auto": lambda: ops.conv2d(x, w, b, *args, algorithm="auto")}
    skipped = {}
    for name in settings.algorithms:
        try:
            ops.conv2d_algorithm(x, w, *args, algorithm=name)
        except ValueError as error:
            skipped[name] = str(error).split(": ")[-1]
            continue
        convs[name] = lambda n=name: ops.conv2d(x, w, b, *args, algorithm=n)

    def both(conv):
        return lambda: torch.autograd.grad(conv(), wanted, grad_out)

    forward = compare(convs, timer, settings)
    backward = compare({name: both(conv) for name, conv in convs.items()}, timer, settings)
    flops_fwd, flops_both = conv_flops(layer)
    row = {"layer": layer.label, "input": list(layer.input), "weight": list(layer.weight),
           "stride": list(layer.stride), "padding": list(layer.padding), "bias": layer.bias,
           "input_grad": not layer.first, "auto_picks": ops.conv2d_algorithm(x, w, *args),
           "gflop_fwd": flops_fwd / 1e9, "gflop_fwd_bwd": flops_both / 1e9,
           "fwd": forward, "fwd_bwd": backward, "skipped": skipped}
    for name in convs:
        row["fwd_bwd"][name]["gflops"] = flops_both / 1e6 / backward[name]["ms"]
        row["fwd"][name]["gflops"] = flops_fwd / 1e6 / forward[name]["ms"]
    row["ratio_fwd"] = ratio(forward["auto"]["ms"], forward["native"]["ms"])
    row["ratio_fwd_bwd"] = ratio(backward["auto"]["ms"], backward["native"]["ms"])
    row["goal"] = GOALS["vgg16_conv"] if layer.label.startswith("vgg16.") else None
    row["pass"] = verdict(row["ratio_fwd_bwd"], row["goal"])
    return row


_NATIVE_POOL = {"max_pool2d": nn.MaxPool2d, "avg_pool2d": nn.AvgPool2d,
                "adaptive_avg_pool2d": nn.AdaptiveAvgPool2d}
_CUSTOM_POOL = {"max_pool2d": ops.MaxPool2d, "avg_pool2d": ops.AvgPool2d,
                "adaptive_avg_pool2d": ops.AdaptiveAvgPool2d}


def bench_pool(layer: PoolLayer, settings: Settings, timer) -> dict:
    """Forward and forward + backward of one pooling layer: torch.nn's module and convlab's,
    built from the same arguments."""
    device = torch.device(settings.device)
    torch.manual_seed(0)
    x = torch.randn(layer.input, device=device, requires_grad=True)
    native = _NATIVE_POOL[layer.kind](**layer.arguments)
    custom = _CUSTOM_POOL[layer.kind](**layer.arguments)
    with torch.no_grad():
        grad_out = torch.randn_like(native(x))
    pools = {"native": lambda: native(x), "custom": lambda: custom(x)}
    forward = compare(pools, timer, settings)
    backward = compare({name: (lambda p=p: torch.autograd.grad(p(), x, grad_out))
                        for name, p in pools.items()}, timer, settings)
    row = {"layer": layer.label, "op": layer.kind, "input": list(layer.input),
           "arguments": {k: list(v) if isinstance(v, tuple) else v
                         for k, v in layer.arguments.items()},
           "fwd": forward, "fwd_bwd": backward,
           "ratio_fwd": ratio(forward["custom"]["ms"], forward["native"]["ms"]),
           "ratio_fwd_bwd": ratio(backward["custom"]["ms"], backward["native"]["ms"]),
           "goal": GOALS["pool"]}
    row["pass"] = (None if row["ratio_fwd"] is None or row["ratio_fwd_bwd"] is None
                   else max(row["ratio_fwd"], row["ratio_fwd_bwd"]) <= row["goal"])
    return row


# ---------------------------------------------------------------------------- train step


class UnfoldConv2d(nn.Conv2d):
    """The naive baseline (--naive): F.unfold lowers the whole batch, one matmul per group."""

    def _conv_forward(self, x, weight, bias):
        n, _, h, w = x.shape
        kh, kw = weight.shape[2:]
        out_h = (h + 2 * self.padding[0] - self.dilation[0] * (kh - 1) - 1) // self.stride[0] + 1
        out_w = (w + 2 * self.padding[1] - self.dilation[1] * (kw - 1) - 1) // self.stride[1] + 1
        columns = F.unfold(x, (kh, kw), self.dilation, self.padding, self.stride)
        columns = columns.view(n, self.groups, -1, out_h * out_w)
        out = torch.matmul(weight.view(self.groups, weight.size(0) // self.groups, -1), columns)
        out = out.reshape(n, -1, out_h, out_w)
        return out if bias is None else out + bias.view(1, -1, 1, 1)


def train_models(workload: Workload, device: torch.device, naive: bool) -> dict[str, nn.Module]:
    """The workload's model per backend, all from the native model's initial weights."""
    torch.manual_seed(0)
    native = build(workload.model, "native", **workload.options)
    models = {"native": native, "custom": build(workload.model, "custom", **workload.options)}
    if naive:
        models["naive"] = build(workload.model, "native", **workload.options)
        for module in models["naive"].modules():
            if type(module) is nn.Conv2d:
                module.__class__ = UnfoldConv2d
    for model in models.values():
        model.load_state_dict(native.state_dict())
        model.to(device).train()
    return models


class TrainStep:
    """zero_grad, forward, cross-entropy, backward, SGD step (momentum 0.9)."""

    def __init__(self, model, images, labels, precision):
        self.model, self.images, self.labels = model, images, labels
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        self.autocast = precision == "bf16"

    def __call__(self):
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(self.images.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            loss = F.cross_entropy(self.model(self.images), self.labels)
        loss.backward()
        self.optimizer.step()

    def resident_bytes(self) -> int:
        """Parameters, buffers, optimizer state and the batch: what lives between steps."""
        tensors = [*self.model.parameters(), *self.model.buffers(), self.images, self.labels]
        for state in self.optimizer.state.values():
            tensors += [v for v in state.values() if torch.is_tensor(v)]
        return sum(t.untyped_storage().nbytes() for t in tensors)


CPU_MEMORY_METHOD = (
    "one extra step under torch.profiler (profile_memory=True), not timed: every allocation "
    "and free through c10's CPU allocator (tensors, autograd's saved tensors, convlab's "
    "im2col/Winograd/FFT workspaces, oneDNN scratchpads) replayed in order; peak = bytes "
    "resident between steps (parameters, buffers, SGD momentum, the batch) + the highest "
    "running total of the step's own allocations. Memory that oneDNN or BLAS take with "
    "malloc directly is not seen.")
CUDA_MEMORY_METHOD = (
    "one extra step, not timed: peak = bytes resident between steps (parameters, buffers, SGD "
    "momentum, the batch) + torch.cuda.max_memory_allocated during the step less what was "
    "allocated before it (the other models of the comparison live on the same GPU).")


def cpu_peak_bytes(step: TrainStep) -> int:
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    step.optimizer.zero_grad(set_to_none=True)  # frees outside the profile: it sees none of them
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    cpu = (DeviceType.CPU, DeviceType.MKLDNN, DeviceType.IDEEP)
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                    if e.name() == "[memory]" and e.device_type() in cpu)
    running = peak = 0
    for _, nbytes in events:
        running += nbytes
        peak = max(peak, running)
    return step.resident_bytes() + peak


def cuda_peak_bytes(step: TrainStep) -> int:
    step.optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return step.resident_bytes() + torch.cuda.max_memory_allocated() - before


def bench_train(workload: Workload, settings: Settings, timer) -> dict:
    device = torch.device(settings.device)
    torch.manual_seed(0)
    images = torch.randn(input_shape(workload.model, workload.batch), device=device)
    labels = torch.randint(0, 10, (workload.batch,), device=device)
    with precision_flags(device, workload.precision):
        steps = {name: TrainStep(model, images, labels, workload.precision)
                 for name, model in train_models(workload, device, settings.naive).items()}
        times = compare(steps, timer, settings)
        peak = cuda_peak_bytes if device.type == "cuda" else cpu_peak_bytes
        memory = {name: peak(step) / MIB for name, step in steps.items()}
    row = {"label": workload.label, "model": workload.model, "options": workload.options,
           "batch": workload.batch, "precision": workload.precision, "time": times,
           "peak_mib": memory,
           "ratio_time": ratio(times["custom"]["ms"], times["native"]["ms"]),
           "ratio_memory": ratio(memory["custom"], memory["native"]),
           "goal_time": GOALS["train_time"], "goal_memory": GOALS["train_memory"]}
    row["pass_time"] = verdict(row["ratio_time"], row["goal_time"])
    row["pass_memory"] = verdict(row["ratio_memory"], row["goal_memory"])
    return row


# ---------------------------------------------------------------------------------- run


def machine_description(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def run(settings: Settings, convs: list[ConvLayer], pools: list[PoolLayer],
        workloads: list[Workload], gemm_size: int = 2048, log=print) -> dict:
    """Measure everything given; returns the results dict written as results.json."""
    started = time.perf_counter()
    device = torch.device(settings.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: torch sees no GPU")
    timer = make_timer(settings)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    results = {
        "meta": {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "mode": settings.mode, "device": settings.device,
            "machine": machine_description(device), "cpu_count": os.cpu_count(),
            "threads": torch.get_num_threads(), "load_average_at_start": load,
            "torch": torch.__version__, "extension": str(ops.load_extension()),
            "python": platform.python_version(), "dtype": "float32",
            "timer": timer.name, "settings": asdict(settings),
            "op_precision": "float32, TF32 off" if device.type == "cuda" else "float32",
            "memory_method": CUDA_MEMORY_METHOD if device.type == "cuda" else CPU_MEMORY_METHOD,
            "cudnn_benchmark": torch.backends.cudnn.benchmark,
        },
        "goals": GOALS,
    }
    with precision_flags(device, "fp32"):
        log(f"fp32 GEMM {gemm_size}^3 ...")
        results["gemm"] = gemm_rates(settings, timer, gemm_size)
        log(f"  {results['gemm']['gflops']} GFLOP/s")
        results["conv"] = []
        for layer in convs:
            log(f"{layer.label} {layer.input} {layer.weight} ...")
            results["conv"].append(bench_conv(layer, settings, timer))
            log(f"  custom/native fwd {results['conv'][-1]['ratio_fwd']:.2f}, "
                f"fwd+bwd {results['conv'][-1]['ratio_fwd_bwd']:.2f}")
        results["pool"] = []
        for layer in pools:
            log(f"{layer.label} {layer.kind} {layer.input} ...")
            results["pool"].append(bench_pool(layer, settings, timer))
    results["train"] = []
    for workload in workloads:
        log(f"train step {workload.label} batch {workload.batch} {workload.precision} ...")
        results["train"].append(bench_train(workload, settings, timer))
        row = results["train"][-1]
        log(f"  custom/native time {row['ratio_time']:.2f}, memory {row['ratio_memory']:.2f}")
    results["summary"] = summarise(results)
    results["meta"]["wall_s"] = time.perf_counter() - started
    return results


def summarise(results: dict) -> dict:
    """PASS counts per goal: {goal: [passed, judged]}."""
    groups = {
        "train_time": [r["pass_time"] for r in results["train"]],
        "train_memory": [r["pass_memory"] for r in results["train"]],
        "vgg16_conv": [r["pass"] for r in results["conv"]],
        "pool": [r["pass"] for r in results["pool"]],
    }
    return {goal: [sum(v is True for v in verdicts), sum(v is not None for v in verdicts)]
            for goal, verdicts in groups.items()}


# ------------------------------------------------------------------------------ reports


def _ms(value):
    return "—" if value is None else (f"{value:.3f}" if value < 1 else f"{value:.2f}")


def _x(value):
    return "—" if value is None else f"{value:.2f}×"


def _pass(value):
    return "—" if value is None else ("PASS" if value else "**FAIL**")


def _threads(n):
    return f"{n} torch thread{'s' if n != 1 else ''}"


def _shape(shape):
    return "×".join(str(s) for s in shape)


def markdown(results: dict) -> str:
    meta, goals, summary = results["meta"], results["goals"], results["summary"]
    s = meta["settings"]
    gemm = results["gemm"]
    rates = ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in gemm["gflops"].items())
    load = meta["load_average_at_start"]
    lines = [
        f"# convlab benchmarks: native (torch) vs custom (convlab), {meta['mode']} run",
        "",
        f"{meta['date']}; {meta['machine']} ({meta['device']}), {meta['cpu_count']} CPU cores, "
        f"{_threads(meta['threads'])} (torch.get_num_threads()); torch {meta['torch']}; "
        + (f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; " if load else "")
        + f"wall time {meta['wall_s']:.0f} s.",
        "",
        *([f"**Busy machine**: the load average at start ({load[0]:.1f}) reached the "
           f"{meta['cpu_count']} cores. With {_threads(meta['threads'])} an OpenMP parallel region "
           "waits for whichever of its threads another process preempted, which adds whole "
           "scheduler time slices to short ops; compare runs made with `--threads 1` here.", ""]
          if meta["device"] == "cpu" and load and meta["threads"] > 1
          and load[0] >= meta["cpu_count"] else []),
        f"- Timing: {meta['timer']}, median of every timed block over {s['rounds']} rounds "
        f"(min_run_time {s['min_run_time']} s per measurement; a call over {s['slow_call']} s is "
        f"timed once per round) after {s['warmup']} warm-up call(s); in each round native and "
        "custom run one after the other, in alternating order, in this one process.",
        f"- Op level: {meta['op_precision']}; forward with autograd recording as in training; "
        "fwd+bwd adds grad_weight, grad_bias and grad_input (not for a model's first layer, "
        "whose input needs no gradient in training). custom = `ops.conv2d(..., "
        "algorithm=\"auto\")` / convlab's pooling modules; native = torch.nn.functional / "
        "torch.nn.",
        f"- fp32 GEMM ({gemm['size']}³ matmul, measured in this run): {rates}.",
        f"- Peak memory: {meta['memory_method'].rstrip('.')}.",
        f"- Goals (custom / native, at most): train step time {goals['train_time']}×, train "
        f"step peak memory {goals['train_memory']}×, every VGG-16 conv layer fwd+bwd "
        f"{goals['vgg16_conv']}×, every pooling layer {goals['pool']}× (forward and fwd+bwd).",
        "",
        "| goal (custom / native) | PASS |",
        "|---|---|",
        *(f"| {title} ≤ {goals[key]}× | {summary[key][0]} / {summary[key][1]} |"
          for key, title in (("train_time", "train step time"),
                             ("train_memory", "train step peak memory"),
                             ("vgg16_conv", "VGG-16 conv layer fwd+bwd"),
                             ("pool", "pooling layer fwd and fwd+bwd"))),
    ]
    if results["train"]:
        naive = any("naive" in r["time"] for r in results["train"])
        lines += ["", "## Train step (forward, loss, backward, SGD step)", "",
                  "| model | batch | precision | native ms | custom ms "
                  + ("| naive unfold ms " if naive else "")
                  + f"| custom / native | ≤ {goals['train_time']}× | native peak MiB | custom peak MiB "
                  f"| custom / native | ≤ {goals['train_memory']}× |",
                  "|---|---|---|---|---|" + ("---|" if naive else "") + "---|---|---|---|---|---|"]
        for r in results["train"]:
            t = r["time"]
            lines.append(
                f"| {r['label']} | {r['batch']} | {r['precision']} | {_ms(t['native']['ms'])} | "
                f"{_ms(t['custom']['ms'])} | "
                + (f"{_ms(t['naive']['ms']) if 'naive' in t else '—'} | " if naive else "")
                + f"{_x(r['ratio_time'])} | {_pass(r['pass_time'])} | "
                f"{r['peak_mib']['native']:.1f} | {r['peak_mib']['custom']:.1f} | "
                f"{_x(r['ratio_memory'])} | {_pass(r['pass_memory'])} |")
    if results["conv"]:
        lines += ["", "## Conv layers (custom = auto)", "",
                  "| layer | input | weight | auto picks | fwd native ms | fwd custom ms | fwd × "
                  "| fwd+bwd native ms | fwd+bwd custom ms | fwd+bwd × | GFLOP/s fwd+bwd native / custom "
                  f"| ≤ {goals['vgg16_conv']}× (VGG-16) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in results["conv"]:
            f, b = r["fwd"], r["fwd_bwd"]
            lines.append(
                f"| {r['layer']} | {_shape(r['input'])} | {_shape(r['weight'])} | {r['auto_picks']} | "
                f"{_ms(f['native']['ms'])} | {_ms(f['auto']['ms'])} | {_x(r['ratio_fwd'])} | "
                f"{_ms(b['native']['ms'])} | {_ms(b['auto']['ms'])} | {_x(r['ratio_fwd_bwd'])} | "
                f"{b['native']['gflops']:.0f} / {b['auto']['gflops']:.0f} | {_pass(r['pass'])} |")
        algorithms = [a for a in ALGORITHMS if any(a in r["fwd_bwd"] or a in r["skipped"]
                                                   for r in results["conv"])]
        if algorithms:
            for part, title in (("fwd_bwd", "forward + backward"), ("fwd", "forward")):
                lines += ["", f"### Every algorithm, {title} (ms; — cannot do the shape; "
                          "**bold** the fastest convlab algorithm)", "",
                          "| layer | native | " + " | ".join(algorithms)
                          + " | auto | auto picks | best / native |",
                          "|---|---|" + "---|" * len(algorithms) + "---|---|---|"]
                for r in results["conv"]:
                    times = {a: r[part][a]["ms"] for a in algorithms if a in r[part]}
                    best = min(times, key=times.get) if times else None
                    cells = [("—" if a not in times else
                              (f"**{_ms(times[a])}**" if a == best else _ms(times[a])))
                             for a in algorithms]
                    lines.append(f"| {r['layer']} | {_ms(r[part]['native']['ms'])} | " + " | ".join(cells)
                                 + f" | {_ms(r[part]['auto']['ms'])} | {r['auto_picks']} | "
                                 + (_x(ratio(times[best], r[part]['native']['ms'])) if best else "—")
                                 + " |")
    if results["pool"]:
        lines += ["", "## Pooling layers", "",
                  "| layer | op | input | arguments | fwd native ms | fwd custom ms | fwd × "
                  f"| fwd+bwd native ms | fwd+bwd custom ms | fwd+bwd × | ≤ {goals['pool']}× |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in results["pool"]:
            f, b = r["fwd"], r["fwd_bwd"]
            arguments = ", ".join(f"{k}={v}" for k, v in r["arguments"].items()
                                  if k in ("kernel_size", "stride", "output_size"))
            lines.append(
                f"| {r['layer']} | {r['op']} | {_shape(r['input'])} | {arguments} | "
                f"{_ms(f['native']['ms'])} | {_ms(f['custom']['ms'])} | {_x(r['ratio_fwd'])} | "
                f"{_ms(b['native']['ms'])} | {_ms(b['custom']['ms'])} | {_x(r['ratio_fwd_bwd'])} | "
                f"{_pass(r['pass'])} |")
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    """Time per layer (fwd+bwd) and per train step, native and custom side by side, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    if results["conv"]:
        panels.append(("conv layers, forward + backward",
                       [(r["layer"], r["fwd_bwd"]["native"]["ms"], r["fwd_bwd"]["auto"]["ms"])
                        for r in results["conv"]]))
    if results["pool"]:
        panels.append(("pooling layers, forward + backward",
                       [(r["layer"], r["fwd_bwd"]["native"]["ms"], r["fwd_bwd"]["custom"]["ms"])
                        for r in results["pool"]]))
    if results["train"]:
        panels.append(("train step", [(f"{r['label']} b{r['batch']} {r['precision']}",
                                       r["time"]["native"]["ms"], r["time"]["custom"]["ms"])
                                      for r in results["train"]]))
    widest = max((len(bars) for _, bars in panels), default=1)
    fig, axes = plt.subplots(max(1, len(panels)), 1, squeeze=False,
                             figsize=(max(8.0, 0.45 * widest + 2), 3.6 * max(1, len(panels))))
    for ax, (title, bars) in zip(axes[:, 0], panels):
        positions = range(len(bars))
        ax.bar([p - 0.2 for p in positions], [b[1] for b in bars], 0.4, label="native (torch)")
        ax.bar([p + 0.2 for p in positions], [b[2] for b in bars], 0.4, label="custom (convlab)")
        for p, (_, native, custom) in zip(positions, bars):
            ax.annotate(f"{custom / native:.2f}×", (p + 0.2, custom), ha="center", va="bottom",
                        fontsize=7)
        ax.set_xticks(list(positions))
        ax.set_xticklabels([b[0] for b in bars], rotation=45, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.margins(y=0.15)
        ax.set_ylabel("ms (median)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    meta = results["meta"]
    fig.suptitle(f"convlab vs torch: {meta['machine']}, {_threads(meta['threads'])}, "
                 f"torch {meta['torch']}, {meta['date']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(results: dict, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "md": out / "results.md", "png": out / "results.png"}
    paths["json"].write_text(json.dumps(results, indent=1))
    paths["md"].write_text(markdown(results))
    chart(results, paths["png"])
    return paths


# ---------------------------------------------------------------------------------- CLI


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m benchmarks.suite", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    preset = parser.add_mutually_exclusive_group()
    preset.add_argument("--quick", dest="mode", action="store_const", const="quick",
                        help="native vs auto only, 3 rounds (the default)")
    preset.add_argument("--full", dest="mode", action="store_const", const="full",
                        help="also every conv algorithm that applies (direct included), 5 rounds")
    parser.set_defaults(mode="quick")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--out", type=Path, help="default outputs/benchmarks/<timestamp>/")
    parser.add_argument("--only", default="conv,pool,train",
                        help="comma-separated parts to run: conv, pool, train")
    parser.add_argument("--models", default=",".join(OP_MODELS),
                        help="op-level models (layers of), comma-separated")
    parser.add_argument("--batch", action="append", default=[], metavar="[MODEL=]N",
                        help="op-level batch size of a model (repeatable), e.g. vgg16=16; "
                             "N alone: every model")
    parser.add_argument("--algorithms",
                        help="conv algorithms to time besides auto: comma-separated, 'all' or 'none' "
                             "(quick: none, full: all)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--min-run-time", type=float, help="seconds per Timer measurement")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--naive", action="store_true",
                        help="train steps also with a naive F.unfold + matmul conv")
    parser.add_argument("--gemm-size", type=int, default=2048)
    parser.add_argument("--render", type=Path, metavar="DIR",
                        help="measure nothing: rewrite DIR's results.md and results.png from "
                             "its results.json")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.render:
        results = json.loads((args.render / "results.json").read_text())
        paths = write_reports(results, args.render)
        print(paths["md"].read_text())
        return results
    if args.threads:
        torch.set_num_threads(args.threads)
    preset = dict(PRESETS[args.mode])
    if args.algorithms is not None:
        names = {"all": ALGORITHMS, "none": ()}.get(args.algorithms)
        if names is None:
            names = tuple(a for a in args.algorithms.split(",") if a)
            unknown = [a for a in names if a not in ALGORITHMS]
            if unknown:
                raise SystemExit(f"--algorithms: unknown {unknown}; choose from {ALGORITHMS}")
        preset["algorithms"] = tuple(names)
    for key in ("rounds", "min_run_time", "warmup"):
        if getattr(args, key) is not None:
            preset[key] = getattr(args, key)
    settings = Settings(device=args.device, naive=args.naive, mode=args.mode, **preset)
    parts = set(args.only.split(","))
    if parts - {"conv", "pool", "train"}:
        raise SystemExit(f"--only: unknown {sorted(parts - {'conv', 'pool', 'train'})}")
    batches = dict(OP_BATCH[args.device])
    for item in args.batch:
        model, _, value = item.rpartition("=")
        for name in [model] if model else OP_MODELS:
            batches[name] = int(value)
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in OP_MODELS]
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; choose from {OP_MODELS}")
    convs = [c for m in models for c in conv_layers(m, batches[m])] if "conv" in parts else []
    pools = [p for m in models for p in pool_layers(m, batches[m])] if "pool" in parts else []
    workloads = list(TRAIN[args.device]) if "train" in parts else []
    out = args.out or ROOT / "outputs" / "benchmarks" / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    results = run(settings, convs, pools, workloads, gemm_size=args.gemm_size,
                  log=lambda text: print(text, file=sys.stderr, flush=True))
    paths = write_reports(results, out)
    print(paths["md"].read_text())
    print(f"wrote {', '.join(str(p) for p in paths.values())} ({results['meta']['wall_s']:.0f} s)",
          file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
