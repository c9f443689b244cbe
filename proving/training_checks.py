"""What training sees: a short parity run with the subject against torch's layers from the same
start (training/parity.py), and the speed of every conv layer of the model (benchmarks/)."""

from pathlib import Path

from omegaconf import OmegaConf, open_dict

from benchmarks.layer_shapes import MODELS, conv_layers
from benchmarks.op_level import bench_conv
from benchmarks.timing import Settings, make_timer
from training.parity import run_parity

from .outcome import outcome


def parity(subject, cfg, output_dir: Path) -> dict:
    name = "parity"
    covers = (f"{cfg.model.name} on {cfg.data.name}, {cfg.trainer.max_epochs} epoch(s), "
              f"{subject.label} against torch's layers from one initialisation; "
              f"|Δ test accuracy| <= {cfg.parity.tolerance} points")
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
                   delta_points=delta, accuracies={run["backend"]: run["test_acc"]
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
    return outcome(name, covers, True, f"{len(rows)} layers timed", layers=rows)
