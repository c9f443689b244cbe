"""Time every conv algorithm (forward + backward) on each conv layer of LeNet-5, AlexNet and
VGG-16 (CIFAR shapes), on this machine; torch's own conv timed in the same process.

    python3 benchmarks/conv_algorithms.py [--batch 16] [--out outputs/benchmarks]

Writes conv_algorithms.json and conv_algorithms.md. These timings are what the rule table
behind algorithm="auto" (csrc/ops/conv2d.cpp) is read from."""

import argparse
import json
import platform
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils import benchmark

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ops  # noqa: E402
from benchmarks.layer_shapes import MODELS, conv_layers  # noqa: E402

ALGORITHMS = ops.CONV2D_ALGORITHMS[1:]


def step(conv, x, w):
    out = conv(x, w)
    torch.autograd.grad(out, (x, w), torch.ones_like(out))


def time_ms(fn, min_run_time):
    return benchmark.Timer("fn()", globals={"fn": fn}).blocked_autorange(
        min_run_time=min_run_time).median * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--min-run-time", type=float, default=0.2)
    parser.add_argument("--out", default="outputs/benchmarks")
    args = parser.parse_args()
    rows = []
    for model in MODELS:
        for label, x_shape, w_shape, stride, padding, dilation, groups in conv_layers(model, args.batch):
            x = torch.randn(x_shape, requires_grad=True)
            w = torch.randn(w_shape, requires_grad=True)
            conv_args = (stride, padding, dilation, groups)
            row = {"layer": label, "input": x_shape, "weight": w_shape, "stride": stride,
                   "padding": padding, "auto": ops.conv2d_algorithm(x, w, *conv_args)}
            row["native"] = time_ms(lambda: step(lambda a, b: F.conv2d(a, b, None, *conv_args), x, w),
                                    args.min_run_time)
            for name in ALGORITHMS:
                try:
                    ops.conv2d_algorithm(x, w, *conv_args, name)
                except ValueError:
                    row[name] = None
                    continue
                row[name] = time_ms(
                    lambda n=name: step(lambda a, b: ops.conv2d(a, b, None, *conv_args, algorithm=n), x, w),
                    args.min_run_time)
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
               f"torch {torch.__version__}, batch {args.batch}, float32, forward + backward, ms")
    (out / "conv_algorithms.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2))
    header = "| layer | input | weight | native | " + " | ".join(ALGORITHMS) + " | auto picks |"
    lines = [machine, "", header, "|" + "---|" * (5 + len(ALGORITHMS))]
    for r in rows:
        cells = ["—" if r[a] is None else f"{r[a]:.2f}" for a in ALGORITHMS]
        lines.append(f"| {r['layer']} | {r['input']} | {r['weight']} | {r['native']:.2f} | "
                     + " | ".join(cells) + f" | {r['auto']} |")
    (out / "conv_algorithms.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
