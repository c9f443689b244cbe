"""One training run from a composed config: build data and model, fit, test the best
checkpoint, write metrics. train.py is a thin Hydra entry point around `train`."""

import copy
import json
import time
from pathlib import Path

import lightning as L
import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import ops
from models import build_model

from .algorithm_report import AlgorithmReport
from .checkpoints import checkpoint_callbacks
from .classifier import Classifier
from .config_checks import check_config
from .console import EpochLines, wants_progress_bar
from .errors import UserError
from .ranks import rank_digests
from .run_folder import FirstStep, removed_on_early_failure
from .tensorboard_extras import TensorBoardExtras, example_input


def build_data(cfg: DictConfig):
    """The data module of cfg.data."""
    try:
        return instantiate(cfg.data)
    except InstantiationException as error:
        # Hydra wraps what a constructor raised; a UserError keeps its own clear message.
        if isinstance(error.__cause__, UserError):
            raise error.__cause__ from None
        raise


def build_data_and_model(cfg: DictConfig, backend: str | None = None):
    """The data module and a freshly initialised model sized to it, with `backend`'s layers
    (cfg.op.backend by default)."""
    data = build_data(cfg)
    return data, model_for(cfg, data, backend)


def model_for(cfg: DictConfig, data, backend: str | None = None):
    """A freshly initialised cfg.model sized to `data`, with `backend`'s (or cfg.op.backend's)
    layers."""
    options = {key: value for key, value in cfg.model.items() if key != "name"}
    backend = backend or cfg.op.backend
    try:
        model = build_model(cfg.model.name, backend=backend, num_classes=data.num_classes,
                            in_channels=data.in_channels, image_size=data.image_size, **options)
    except (ValueError, TypeError) as error:
        raise UserError(f"cannot build model {cfg.model.name!r}: {error}") from error
    if backend == "custom":
        try:
            ops.use_algorithm(model, cfg.op.algorithm)
            if cfg.op.algorithm != "auto":
                _probe_on_meta(model, data)
        except ValueError as error:
            raise UserError(f"op.algorithm: {error}") from error
    return model


def _probe_on_meta(model, data) -> None:
    """A forward on shape-only (meta) tensors, so that a forced algorithm that cannot do a
    layer fails now, naming why, instead of at the first training step."""
    probe = copy.deepcopy(model).to("meta")
    probe(torch.empty(2, data.in_channels, data.image_size, data.image_size, device="meta"))


def set_benchmark(cfg: DictConfig) -> None:
    """op.benchmark: time the conv algorithms once per shape and keep the fastest, in
    convlab (ops.set_benchmark) and in cuDNN (torch.backends.cudnn.benchmark)."""
    ops.set_benchmark(cfg.op.benchmark)
    torch.backends.cudnn.benchmark = bool(cfg.op.benchmark)


def run_params(cfg: DictConfig, backend: str | None = None) -> dict:
    """What TensorBoard's HParams view compares runs by."""
    return {
        "model": cfg.model.name,
        "backend": backend or cfg.op.backend,
        "algorithm": cfg.op.algorithm,
        "data": cfg.data.name,
        "seed": cfg.seed,
        "batch_norm": cfg.model.get("batch_norm", False),
        "width": cfg.model.get("width", 1.0),
        "optimizer": cfg.optimizer._target_.rsplit(".", 1)[-1],
        "lr": cfg.optimizer.lr,
        "scheduler": cfg.scheduler.name,
        "batch_size": cfg.data.batch_size,
        "max_epochs": cfg.trainer.max_epochs,
    }


def make_classifier(cfg: DictConfig, model, data, backend: str | None = None) -> Classifier:
    backend = backend or cfg.op.backend
    return Classifier(model, data.num_classes, instantiate(cfg.optimizer),
                      OmegaConf.to_container(cfg.scheduler), run_params(cfg, backend),
                      functional_backend=backend if cfg.op.functional else None,
                      example_input=example_input(data, batch_size=1))


def make_trainer(cfg: DictConfig, output_dir: Path, callbacks=(),
                 logger_overrides: dict | None = None) -> L.Trainer:
    """cfg.trainer with cfg.logger, extra `callbacks`, TensorBoard's graph, filters, confusion
    matrix and HParams (TensorBoardExtras), and checkpoints under output_dir/checkpoints (best
    by val/acc; last, every cfg.checkpoint_every_n_steps steps and at every epoch's end). The
    progress bar shows on a terminal only; otherwise each epoch prints one line."""
    checkpoints = checkpoint_callbacks(output_dir / "checkpoints", cfg.checkpoint_every_n_steps)
    logger = instantiate(cfg.logger, **(logger_overrides or {}))
    bar = wants_progress_bar(cfg.trainer.enable_progress_bar)
    console = [] if bar else [EpochLines()]
    return instantiate(cfg.trainer, logger=logger, enable_progress_bar=bar,
                       callbacks=[*callbacks, *console, TensorBoardExtras(), *checkpoints])


def _checked_checkpoint(path) -> str | None:
    if path is None:
        return None
    if not Path(path).is_file():
        raise UserError(f"ckpt_path '{path}' is not a file: point it at a .ckpt written by a run "
                        "(outputs/runs/<run>/checkpoints/)")
    return str(path)


def _check_checkpoint_fits(path: str, module: Classifier) -> None:
    """A checkpoint of another model (or of the same model sized for other data) would fail
    deep inside Lightning with a traceback; say which setting differs instead."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
    except Exception as error:  # truncated zip, bad pickle, a file of another kind: all unusable
        raise UserError(f"ckpt_path '{path}' is not a readable checkpoint, truncated or corrupt "
                        f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
                        "use another .ckpt from the run's checkpoints/ folder") from None
    for key, value in module.state_dict().items():
        if key not in saved or saved[key].shape != value.shape:
            found = tuple(saved[key].shape) if key in saved else "nothing"
            raise UserError(
                f"ckpt_path '{path}' holds another model: {key} is {found} there and "
                f"{tuple(value.shape)} here; use the model and data it was trained with "
                "(its run folder's .hydra/overrides.yaml lists them)")


def train(cfg: DictConfig) -> float:
    """Fit (or, with train=false, only test) and return the test accuracy."""
    output_dir = Path(cfg.paths.output_dir)
    first_step = FirstStep()
    with removed_on_early_failure(output_dir, first_step):
        check_config(cfg)
        return _fit_and_test(cfg, output_dir, first_step)


def _fit_and_test(cfg: DictConfig, output_dir: Path, first_step: FirstStep) -> float:
    ckpt_path = _checked_checkpoint(cfg.ckpt_path)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    set_benchmark(cfg)
    data, model = build_data_and_model(cfg)
    module = make_classifier(cfg, model, data)
    if ckpt_path is not None:
        _check_checkpoint_fits(ckpt_path, module)
    if cfg.compile:
        # The model only (the metrics' update code does not trace), compiled in place, so the
        # state_dict and checkpoints keep the model's own keys.
        module.model.compile()
    reports = [AlgorithmReport(output_dir)] if cfg.op.backend == "custom" else []
    trainer = make_trainer(cfg, output_dir, callbacks=[first_step, *reports])

    started = time.perf_counter()
    if cfg.train:
        trainer.fit(module, datamodule=data, ckpt_path=ckpt_path)
        digests = rank_digests(module)  # one per DDP rank; raises if the ranks drifted apart
        test_ckpt = trainer.checkpoint_callback.best_model_path or None
    elif ckpt_path is None:
        raise UserError("train=false evaluates a checkpoint: add ckpt_path=PATH/TO/run.ckpt")
    else:
        test_ckpt, digests = ckpt_path, []
    results = trainer.test(module, datamodule=data, ckpt_path=test_ckpt, weights_only=False)[0]

    metrics = {
        "test_acc": results["test/acc"],
        "test_loss": results["test/loss"],
        "epochs": trainer.current_epoch,
        "steps": trainer.global_step,
        "seconds": time.perf_counter() - started,
        "tested_checkpoint": test_ckpt,
        "world_size": trainer.world_size,
        "weights_sha256": digests,  # of the trained weights, per rank
        **run_params(cfg),
    }
    if trainer.is_global_zero:  # one run folder, written once, however many DDP ranks
        (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
        print(f"test accuracy: {metrics['test_acc']:.4f} ({output_dir})")
    return metrics["test_acc"]
