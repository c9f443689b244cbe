"""Train-step benches: forward, cross-entropy, backward and an SGD step of whole models built
with backend="native" and "custom" (and, with --naive, an F.unfold + matmul conv) from the
same initial weights, timed and with their peak memory."""

from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchmarks.goals import GOALS, ratio, verdict
from benchmarks.layer_shapes import build, input_shape
from benchmarks.memory import MIB, cpu_peak_bytes, cuda_peak_bytes
from benchmarks.timing import Settings, compare, precision_flags


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
