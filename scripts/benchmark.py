"""Speed reading (not a test): median train-step time with torch's layers (native), convlab's
(custom) and a naive ATen im2col (F.unfold + matmul), all measured in one run.

python scripts/benchmark.py --device cuda   # VGG-16-BN 32 px batch 128, LeNet-5 batch 256
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ops  # noqa: E402
from models import build_model  # noqa: E402


class UnfoldConv2d(nn.Conv2d):
    """The naive baseline: F.unfold lowers the whole batch, one matmul per group."""

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


def model_for(name, backend, **shape):
    model = build_model(name, backend="custom" if backend == "custom" else "native", **shape)
    if backend == "naive":
        for module in model.modules():
            if type(module) is nn.Conv2d:
                module.__class__ = UnfoldConv2d
    return model


def median_step_ms(model, images, labels, warmup, steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cuda = images.is_cuda
    times = []
    for i in range(warmup + steps):
        if cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
        else:
            started = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()
        if cuda:
            end.record()
            end.synchronize()
            elapsed = start.elapsed_time(end)
        else:
            elapsed = 1000 * (time.perf_counter() - started)
        if i >= warmup:
            times.append(elapsed)
    return statistics.median(times)


WORKLOADS = {
    "VGG-16-BN": dict(name="vgg16", batch=128, channels=3, size=32, options=dict(batch_norm=True)),
    "LeNet-5": dict(name="lenet", batch=256, channels=1, size=28, options={}),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch-scale", type=float, default=1.0,
                        help="scale the batch sizes (e.g. 0.125 for a quick CPU run)")
    args = parser.parse_args()
    device = torch.device(args.device)
    card = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    tf32_modes = [True, False] if device.type == "cuda" else [False]
    print(f"device: {card}; torch {torch.__version__}; convlab extension {ops.load_extension()}")
    print("| model | batch | TF32 | native ms | custom ms | naive unfold ms | custom / native |")
    print("|---|---|---|---|---|---|---|")
    for label, work in WORKLOADS.items():
        batch = max(1, int(work["batch"] * args.batch_scale))
        torch.manual_seed(0)
        images = torch.randn(batch, work["channels"], work["size"], work["size"], device=device)
        labels = torch.randint(0, 10, (batch,), device=device)
        for tf32 in tf32_modes:
            torch.backends.cudnn.allow_tf32 = tf32
            torch.backends.cuda.matmul.allow_tf32 = tf32
            times = {}
            for backend in ("native", "custom", "naive"):
                torch.manual_seed(0)
                model = model_for(work["name"], backend, num_classes=10,
                                  in_channels=work["channels"], image_size=work["size"],
                                  **work["options"]).to(device)
                times[backend] = median_step_ms(model, images, labels, args.warmup, args.steps)
            print(f"| {label} | {batch} | {'on' if tf32 else 'off'} | {times['native']:.2f} | "
                  f"{times['custom']:.2f} | {times['naive']:.2f} | "
                  f"{times['custom'] / times['native']:.2f} |")


if __name__ == "__main__":
    main()
