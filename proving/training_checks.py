"""What training sees: a short parity run with the subject against torch's layers from the same
start (training/parity.py), and the speed of every conv layer of the model (benchmarks/)."""

from pathlib import Path

import torch
from omegaconf import OmegaConf, open_dict

import ops

from benchmarks.layer_shapes import MODELS, conv_layers
from benchmarks.op_level import bench_conv
from benchmarks.timing import Settings, make_timer
from training.parity import run_parity
from training.run import build_data, model_for

from .outcome import outcome


def refusals(algorithm: str, cfg) -> tuple[int, list[str]]:
    """How many 2-D convs cfg.model has, and why `algorithm` cannot do each one it cannot (a
    forward of the model on shape-only tensors, every conv tried with the algorithm forced)."""
    data = build_data(cfg)
    auto = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    with open_dict(auto):
        auto.op.backend, auto.op.algorithm = "custom", "auto"
    model = model_for(auto, data, backend="custom").to("meta")
    convs, reasons = [], []

    def attempt(module, inputs):
        convs.append(module)
        try:
            ops.conv2d(inputs[0], module.weight, module.bias, module.stride, module.padding,
                       module.dilation, module.groups, algorithm=algorithm)
        except ValueError as error:
            if "cannot do this convolution" not in str(error):
                raise
            reasons.append(str(error))

    for module in model.modules():
        if isinstance(module, ops.Conv2d):
            module.register_forward_pre_hook(attempt)
    model(torch.empty(2, data.in_channels, data.image_size, data.image_size, device="meta"))
    return len(convs), reasons


def parity(subject, cfg, output_dir: Path) -> dict:
    name = "parity"
    covers = (f"{cfg.model.name} on {cfg.data.name}, {cfg.trainer.max_epochs} epoch(s), "
              f"{subject.label} against torch's layers from one initialisation; "
              f"|Δ test accuracy| <= {cfg.parity.tolerance} points")
    if subject.algorithm is not None:
        # Forced on every conv layer, as op.algorithm does: a model with a layer it cannot do
        # (Winograd and LeNet-5's 5x5 filters) proves nothing about it.
        count, reasons = refusals(subject.algorithm, cfg)
        if reasons:
            return outcome(name, covers, None, f"{subject.label} cannot do {len(reasons)} of "
                           f"the {count} conv layers of {cfg.model.name} ({reasons[0]}); "
                           "choose a model= whose every conv layer it can do")
    run_cfg = OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))
    with open_dict(run_cfg):
        run_cfg.parity.backends = ["native", subject.backend]
        run_cfg.op.backend = subject.backend
        run_cfg.op.algorithm = subject.algorithm or "auto"
        run_cfg.paths.output_dir = str(output_dir / "parity")
    report = run_parity(run_cfg)
    summary = report["summary"]
    delta = summary["mean_diff_points"]
    message = f"Δ accuracy {delta:+.2f} points (see parity/parity.md)"
    problems = "; ".join(summary["problems"])
    return outcome(name, covers, summary["passed"], message + (f"; {problems}" if problems else ""),
                   cases=len(report["runs"]), delta_points=delta, accuracies={run["backend"]: run["test_acc"]
                                                   for run in report["runs"]})


def speed(subject, cfg) -> dict:
    name = "speed"
    covers = ("forward and forward + backward of every conv layer of the model against native "
              "and im2col, ms and GFLOP/s (reported, never a failure)")
    if subject.algorithm is None:
        return outcome(name, covers, None, "times convlab algorithms only")
    if cfg.model.name not in MODELS:
        return outcome(name, covers, None, f"no layer shapes for model {cfg.model.name!r} "
                       f"(benchmarks/layer_shapes.py has {tuple(MODELS)})")
    settings = Settings(rounds=1, min_run_time=0.05,
                        algorithms=tuple(dict.fromkeys(("im2col", subject.algorithm))))
    timer = make_timer(settings)
    rows = [bench_conv(layer, settings, timer)
            for layer in conv_layers(cfg.model.name, cfg.prove.speed_batch)]
    timed = sum(subject.algorithm in row["fwd"] for row in rows)
    return outcome(name, covers, True, f"{len(rows)} layers timed, {subject.label} on {timed} "
                   "(the others it cannot do)", layers=rows, cases=len(rows))
