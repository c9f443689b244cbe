"""Checks of a composed config that the typed schemas cannot express, run before any data or
model is set up; each failure is a one-line UserError naming the key."""

import dataclasses

import torch
from omegaconf import DictConfig, OmegaConf

from ops import BACKENDS, CONV2D_ALGORITHMS

from .errors import UserError
from .schedules import SCHEDULES

LIMITS = ("limit_train_batches", "limit_val_batches", "limit_test_batches")


def _unknown_keys(node: DictConfig, prefix: str = ""):
    """Keys that a `+key=value` override added to a typed group: Hydra lets `+` through a
    schema, and the constructor would fail later with a traceback."""
    schema = OmegaConf.get_type(node)
    known = ({f.name for f in dataclasses.fields(schema)}
             if dataclasses.is_dataclass(schema) else None)
    for key in node.keys():
        full_key = f"{prefix}{key}"
        if known is not None and key not in known:
            yield full_key, schema
        value = node._get_node(key)
        if isinstance(value, DictConfig) and not value._is_none() and not value._is_missing():
            yield from _unknown_keys(value, f"{full_key}.")


def _check_limit(key: str, value) -> None:
    ok = (value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
          or (isinstance(value, float) and 0.0 <= value <= 1.0))
    if not ok:
        raise UserError(f"trainer.{key}={value!r}: give a number of batches (int), a fraction "
                        "between 0.0 and 1.0, or null for all batches")


def check_config(cfg: DictConfig) -> None:
    for key, schema in _unknown_keys(cfg):
        known = ", ".join(f.name for f in dataclasses.fields(schema) if not f.name.startswith("_"))
        raise UserError(f"unknown key '{key}' ({schema.__name__} has: {known})")
    if cfg.op.backend not in BACKENDS:
        raise UserError(f"op.backend must be one of {BACKENDS}, got {cfg.op.backend!r}")
    if cfg.op.algorithm not in CONV2D_ALGORITHMS:
        raise UserError(f"op.algorithm must be one of {CONV2D_ALGORITHMS}, got {cfg.op.algorithm!r}")
    if cfg.op.backend != "custom" and cfg.op.algorithm != "auto":
        chooser = ("torch chooses its own (op.benchmark=true times them)"
                   if cfg.op.backend == "native" else "each op has one way to compute")
        raise UserError(f"op.algorithm={cfg.op.algorithm} picks one of convlab's algorithms; with "
                        f"op={cfg.op.backend} {chooser}")
    if cfg.scheduler.name not in SCHEDULES:
        raise UserError(f"scheduler.name must be one of {SCHEDULES}, got {cfg.scheduler.name!r}")
    for key in LIMITS:
        _check_limit(key, cfg.trainer[key])
    if cfg.checkpoint_every_n_steps < 0:
        raise UserError(f"checkpoint_every_n_steps={cfg.checkpoint_every_n_steps}: give a number of "
                        "training steps, or 0 to write last.ckpt only at the end of each epoch")
    if cfg.trainer.accelerator in ("gpu", "cuda") and not torch.cuda.is_available():
        raise UserError(f"trainer.accelerator={cfg.trainer.accelerator} (trainer=gpu, trainer=ddp) "
                        "needs a GPU and torch sees none: use trainer=cpu or trainer=default "
                        "(DDP on the CPU: trainer=ddp trainer.accelerator=cpu trainer.devices=2)")
    on_cpu = cfg.trainer.accelerator == "cpu" or (
        cfg.trainer.accelerator == "auto" and not torch.cuda.is_available())
    if cfg.trainer.sync_batchnorm and on_cpu and cfg.model.get("batch_norm", False):
        # torch's SyncBatchNorm runs on CUDA only; it would fail at the first step.
        raise UserError("trainer.sync_batchnorm=true needs GPUs (torch's SyncBatchNorm has no CPU "
                        "kernel): add trainer.sync_batchnorm=false to run DDP on the CPU")
