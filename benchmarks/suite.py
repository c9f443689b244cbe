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
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # also runnable as `python3 benchmarks/suite.py`
    sys.path.insert(0, str(ROOT))

import ops  # noqa: E402
from benchmarks import machine  # noqa: E402
from benchmarks.goals import GOALS, summarise  # noqa: E402
from benchmarks.layer_shapes import ConvLayer, PoolLayer, conv_layers, pool_layers  # noqa: E402
from benchmarks.memory import CPU_MEMORY_METHOD, CUDA_MEMORY_METHOD  # noqa: E402
from benchmarks.op_level import ALGORITHMS, bench_conv, bench_pool, gemm_rates  # noqa: E402
from benchmarks.report import write_reports  # noqa: E402
from benchmarks.timing import Settings, make_timer, precision_flags  # noqa: E402
from benchmarks.train_step import TRAIN, Workload, bench_train  # noqa: E402

OP_MODELS = ("lenet", "alexnet", "vgg16")
# Op-level batch sizes: the batch each model trains with in the train-step part on that device
# (AlexNet has no CPU train step; it gets VGG-16's CIFAR batch there).
OP_BATCH = {"cpu": {"lenet": 256, "alexnet": 32, "vgg16": 32},
            "cuda": {"lenet": 256, "alexnet": 128, "vgg16": 128}}
PRESETS = {  # rounds, seconds per Timer measurement, warm-up calls, algorithms besides auto
    "quick": dict(rounds=3, min_run_time=0.1, warmup=1, algorithms=()),
    "full": dict(rounds=5, min_run_time=0.3, warmup=2, algorithms=ALGORITHMS),
}


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
        if device.type == "cpu":
            log("GEMM rates: MKL, oneDNN, convlab ...")
            results["machine"] = machine.gemm_rates(settings, timer, gemm_size)
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
