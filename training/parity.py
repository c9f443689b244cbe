"""Accuracy parity: the same model trained on two backends (parity.backends, by default
torch's layers and convlab's), from one initialisation, with the same seed and data order; a
JSON/Markdown/PNG report and a verdict."""

import math
import statistics
import time
from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import Callback
from matplotlib.figure import Figure
from omegaconf import DictConfig, OmegaConf

import ops

from .config_checks import check_config
from .errors import UserError
from .op_counter import backend_check, count_layer_ops
from .reports import write_report
from .run import build_data_and_model, make_classifier, make_trainer, model_for, set_benchmark

class EpochHistory(Callback):
    """Validation accuracy/loss and wall time of every epoch: `seconds` the whole epoch,
    `train_seconds` the epoch without its validation (Lightning validates inside the epoch)."""

    def __init__(self):
        self.epochs = []
        self._started = None
        self._validation_started = None
        self._validating = 0.0

    def on_train_epoch_start(self, trainer, pl_module):
        self._started = time.perf_counter()
        self._validating = 0.0

    def on_validation_start(self, trainer, pl_module):
        self._validation_started = time.perf_counter()

    def on_validation_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            self._validating += time.perf_counter() - self._validation_started

    def on_train_epoch_end(self, trainer, pl_module):
        metrics = trainer.callback_metrics
        seconds = time.perf_counter() - self._started
        self.epochs.append({
            "epoch": trainer.current_epoch,
            "val_acc": float(metrics["val/acc"]),
            "val_loss": float(metrics["val/loss"]),
            "seconds": seconds,
            "train_seconds": seconds - self._validating,
        })


def twin_models(cfg: DictConfig, data, seed: int, backends: list[str]):
    """One initialisation, copied: the first backend's model is built, the second's gets its
    weights."""
    L.seed_everything(seed, workers=True)
    first = model_for(cfg, data, backend=backends[0])
    second = model_for(cfg, data, backend=backends[1])
    second.load_state_dict(first.state_dict())
    return {backends[0]: first, backends[1]: second}


def checked_backends(backends, key: str = "parity.backends") -> list[str]:
    """`backends` as a list, if it names two different backends of ops.BACKENDS."""
    backends = list(backends)
    if len(backends) != 2 or backends[0] == backends[1] or not set(backends) <= set(ops.BACKENDS):
        raise UserError(f"{key} must name two different backends of {ops.BACKENDS}, "
                        f"got {backends}")
    return backends


def train_one(cfg, data, model, backend, seed, output_dir):
    """Fit `model` (its layers of `backend`) with cfg's trainer, optimizer and schedule from
    `seed`, test its final weights, and return what was measured: accuracies, time per epoch
    (whole and training only), batches, op counts and a backend problem, if any. Its run and
    TensorBoard folders go under output_dir."""
    module = make_classifier(cfg, model, data, backend)
    # Counted the way training runs the model: inside the classifier's backend mode, if any.
    counts = count_layer_ops(model, *next(iter(data.train_dataloader())),
                             functional=module.functional_backend)
    history = EpochHistory()
    L.seed_everything(seed, workers=True)  # same data order, augmentation and dropout
    trainer = make_trainer(
        cfg, output_dir / "runs" / f"seed{seed}_{backend}", callbacks=[history],
        logger_overrides={"save_dir": str(output_dir / "tensorboard"), "name": "",
                          "version": f"seed{seed}_{backend}"})
    trainer.fit(module, datamodule=data)
    results = trainer.test(module, datamodule=data)[0]
    seconds = [e["seconds"] for e in history.epochs]
    train_seconds = [e["train_seconds"] for e in history.epochs]
    return {
        "backend": backend, "seed": seed,
        "test_acc": results["test/acc"], "test_loss": results["test/loss"],
        "seconds_per_epoch": statistics.median(seconds) if seconds else None,
        "train_seconds_per_epoch": statistics.median(train_seconds) if train_seconds else None,
        "train_batches": trainer.num_training_batches,
        "test_batches": sum(trainer.num_test_batches),
        "epochs": history.epochs, "op_counts": counts,
        "backend_problem": backend_check(backend, counts),
    }


def summarise(runs: list[dict], tolerance: float,
              backends: tuple[str, str] = ("native", "custom")) -> dict:
    """Mean second-minus-first backend accuracy difference over seeds (percentage points), its
    standard error, and the verdict."""
    first, second = backends
    by_seed = {}
    for run in runs:
        by_seed.setdefault(run["seed"], {})[run["backend"]] = run
    diffs = [100 * (pair[second]["test_acc"] - pair[first]["test_acc"])
             for pair in by_seed.values()]
    mean = statistics.fmean(diffs)
    stderr = statistics.stdev(diffs) / math.sqrt(len(diffs)) if len(diffs) > 1 else None
    problems = [run["backend_problem"] for run in runs if run["backend_problem"]]
    passed = abs(mean) <= tolerance and not problems
    return {"backends": [first, second], "mean_diff_points": mean, "stderr_points": stderr,
            "per_seed_diff_points": diffs, "tolerance_points": tolerance, "problems": problems,
            "passed": passed}


def _markdown(cfg, runs, summary) -> str:
    seeds_done = len({run["seed"] for run in runs})
    lines = [
        f"# Parity: {cfg.model.name} on {cfg.data.name}, {cfg.trainer.max_epochs} epochs",
        "",
        *([f"**Partial**: {seeds_done} of {len(cfg.parity.seeds)} seeds done so far.", ""]
          if seeds_done < len(cfg.parity.seeds) else []),
        "| backend | seed | test acc (%) | test loss | s/epoch | convlab op calls | "
        "python op calls | torch conv/pool calls |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        counts = run["op_counts"]
        seconds = run["seconds_per_epoch"]
        lines.append(
            f"| {run['backend']} | {run['seed']} | {100 * run['test_acc']:.2f} | "
            f"{run['test_loss']:.4f} | {seconds:.1f} | {counts['convlab_calls']} | "
            f"{counts['python_calls']} | {counts['torch_calls']} |")
    stderr = summary["stderr_points"]
    first, second = summary["backends"]
    lines += [
        "",
        f"Mean difference ({second} - {first}): {summary['mean_diff_points']:+.2f} points"
        + (f" ± {stderr:.2f} (standard error)" if stderr is not None else " (one seed)"),
        f"Tolerance: ±{summary['tolerance_points']} points. "
        f"Verdict: **{'PASS' if summary['passed'] else 'FAIL'}**",
        "",
        "Op calls are counted over one training step (forward, loss, backward; the python "
        "backend's count its forward calls only).",
    ]
    lines += [f"- problem: {p}" for p in summary["problems"]]
    return "\n".join(lines) + "\n"


def _plot(runs, path: Path, first: str) -> None:
    # A bare Figure needs no pyplot backend, so this works on headless machines.
    figure = Figure(figsize=(11, 4))
    acc_axes, loss_axes = figure.subplots(1, 2)
    for run in runs:
        epochs = [e["epoch"] + 1 for e in run["epochs"]]
        style = "-" if run["backend"] == first else "--"
        label = f"{run['backend']} seed {run['seed']}"
        acc_axes.plot(epochs, [100 * e["val_acc"] for e in run["epochs"]], style, label=label)
        loss_axes.plot(epochs, [e["val_loss"] for e in run["epochs"]], style, label=label)
    acc_axes.set(xlabel="epoch", ylabel="validation accuracy (%)", title="validation accuracy")
    loss_axes.set(xlabel="epoch", ylabel="validation loss", title="validation loss")
    acc_axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def run_parity(cfg: DictConfig) -> dict:
    """Train every seed with both of cfg.parity.backends and write parity.json, parity.md and
    parity.png into cfg.paths.output_dir (rewritten after every seed). Returns the report."""
    check_config(cfg)
    backends = checked_backends(cfg.parity.backends)
    output_dir = Path(cfg.paths.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    data, _ = build_data_and_model(cfg, backend=backends[0])
    data.setup("fit")
    set_benchmark(cfg)
    runs = []
    for seed in cfg.parity.seeds:
        for backend, model in twin_models(cfg, data, seed, backends).items():
            runs.append(train_one(cfg, data, model, backend, seed, output_dir))
        # Written after every seed, so a run stopped early (a deadline, a kill) keeps the
        # seeds it finished.
        summary = summarise(runs, cfg.parity.tolerance, backends)
        report = {"config": OmegaConf.to_container(cfg, resolve=True), "runs": runs,
                  "summary": summary}
        text = _markdown(cfg, runs, summary)
        write_report(output_dir, "parity", report, text,
                     lambda path: _plot(runs, path, backends[0]))
    print(text)
    return report
