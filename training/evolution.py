"""Network evolution: every model of the zoo, LeNet-5 to ResNet-34, trained on two backends
(evolution.backends, by default torch's layers and convlab's) from one initialisation with the
same seed and data order, the way parity trains one model. Per model: parameters,
multiply-adds per image, training time per epoch, test accuracy and the backends' difference,
written as evolution.json, evolution.md and evolution.png (evolution_report.py renders them)."""

import copy
import os
import platform
import time
from datetime import datetime
from pathlib import Path

import torch
import torch.nn as nn
from omegaconf import DictConfig, OmegaConf

from .config_checks import check_config
from .errors import UserError
from .evolution_report import markdown, plot
from .parity import checked_backends, train_one, twin_models
from .reports import write_report
from .run import build_data, set_benchmark

TITLES = {"lenet": "LeNet-5", "alexnet": "AlexNet", "vgg11": "VGG-11", "vgg13": "VGG-13",
          "vgg16": "VGG-16", "vgg19": "VGG-19", "googlenet": "GoogLeNet",
          "resnet18": "ResNet-18", "resnet34": "ResNet-34"}


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, in_channels: int, image_size: int) -> int:
    """Multiply-adds of one forward pass of one image through the model's convolutions and
    linear layers, read off forward hooks: a conv's output elements x in_channels/groups x
    kernel height x kernel width, a linear layer's output elements x in_features. Biases,
    batch norm, activations, pooling and residual additions are not counted."""
    macs = []

    def conv(module, inputs, output):
        kh, kw = module.kernel_size
        macs.append(output.numel() * module.in_channels // module.groups * kh * kw)

    def linear(module, inputs, output):
        macs.append(output.numel() * module.in_features)

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, nn.Linear)]
    training = model.training
    model.eval()  # batch norm on one image; no running statistics move
    try:
        parameter = next(model.parameters())
        with torch.no_grad():  # zeros: the shapes are what counts, and no random number is drawn
            model(torch.zeros(1, in_channels, image_size, image_size, dtype=parameter.dtype,
                              device=parameter.device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(training)
    return sum(macs)


def model_run_config(cfg: DictConfig, name: str) -> DictConfig:
    """cfg with cfg.model replaced by evolution.configs.<name>: what train.py would run with
    model=<name> and the same overrides."""
    if name not in cfg.evolution.configs:
        raise UserError(f"evolution.models names {name!r}, which has no evolution.configs entry "
                        f"(configured: {', '.join(cfg.evolution.configs)})")
    run_cfg = copy.deepcopy(cfg)
    run_cfg.model = cfg.evolution.configs[name]
    return run_cfg


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "torch": torch.__version__, "python": platform.python_version(),
            "date": f"{datetime.now():%Y-%m-%d}"}


def _images(batches: int, batch_size: int, available: int) -> int:
    return min(batches * batch_size, available)


def _sizing(cfg: DictConfig, data, runs: list[dict]) -> dict:
    """What the runs saw, read off their trainers (limit_*_batches applied)."""
    first = runs[0]
    batch = cfg.data.batch_size
    return {
        "data": cfg.data.name, "image_size": data.image_size, "in_channels": data.in_channels,
        "train_set": len(data.train_set), "test_set": len(data.test_set),
        "train_images_per_epoch": _images(first["train_batches"], batch, len(data.train_set)),
        "test_images": _images(first["test_batches"], batch, len(data.test_set)),
        "epochs": cfg.trainer.max_epochs, "batch_size": batch,
        "limit_train_batches": cfg.trainer.limit_train_batches,
        "limit_val_batches": cfg.trainer.limit_val_batches,
        "limit_test_batches": cfg.trainer.limit_test_batches,
        "optimizer": cfg.optimizer._target_.rsplit(".", 1)[-1], "lr": cfg.optimizer.lr,
        "scheduler": cfg.scheduler.name, "precision": cfg.trainer.precision, "seed": cfg.seed,
    }


def _row(name: str, model_cfg: DictConfig, model: nn.Module, data, runs: dict,
         backends: list[str]) -> dict:
    first, second = backends
    return {
        "model": name, "title": TITLES.get(name, name),
        "config": OmegaConf.to_container(model_cfg, resolve=True),
        "parameters": count_parameters(model),
        "macs_per_image": count_macs(model, data.in_channels, data.image_size),
        "runs": runs,
        "delta_points": 100 * (runs[second]["test_acc"] - runs[first]["test_acc"]),
    }


def run_evolution(cfg: DictConfig) -> dict:
    """Train every model of cfg.evolution.models on both cfg.evolution.backends and write
    evolution.json, evolution.md and evolution.png into cfg.paths.output_dir (rewritten after
    each model, so an interrupted run leaves the models done so far). Returns the report."""
    started = time.perf_counter()
    check_config(cfg)
    backends = checked_backends(cfg.evolution.backends, "evolution.backends")
    configs = [(name, model_run_config(cfg, name)) for name in cfg.evolution.models]
    if not configs:
        raise UserError("evolution.models is empty: name at least one model")
    for _, model_cfg in configs:
        check_config(model_cfg)
    output_dir = Path(cfg.paths.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    data = build_data(cfg)
    data.setup("fit")
    set_benchmark(cfg)
    report = {"backends": backends, "machine": machine(),
              "config": OmegaConf.to_container(cfg, resolve=True), "rows": [], "problems": []}
    for name, model_cfg in configs:
        models = twin_models(model_cfg, data, cfg.seed, backends)
        runs = {backend: train_one(model_cfg, data, model, backend, cfg.seed, output_dir / name)
                for backend, model in models.items()}
        report["rows"].append(_row(name, model_cfg.model, models[backends[0]], data, runs,
                                   backends))
        report["problems"] += [f"{name}: {run['backend_problem']}" for run in runs.values()
                               if run["backend_problem"]]
        report["sizing"] = _sizing(cfg, data, list(runs.values()))
        report["wall_seconds"] = time.perf_counter() - started
        text = markdown(report)
        write_report(output_dir, "evolution", report, text, lambda path: plot(report, path))
        print(text, flush=True)
    return report
