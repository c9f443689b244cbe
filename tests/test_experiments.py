"""Experiment presets: the CIFAR recipes take the JPEG copy through data=imagefolder and keep
their own settings, and the short runs (experiment=smoke, the "shorter runs" row of docs/training.md)
limit every stage and train any model."""

import re
from pathlib import Path

import pytest

from training.run import train

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("experiment", ["vgg16_cifar10", "alexnet_cifar10"])
def test_cifar_experiments_take_the_jpeg_copy(compose_config, experiment):
    cfg = compose_config(f"experiment={experiment}", "data=imagefolder", "data.root=/jpegs")
    assert cfg.data._target_ == "training.data.ImageFolderData" and cfg.data.root == "/jpegs"
    assert cfg.trainer.max_epochs >= 20  # the recipe's own settings stay


def test_smoke_experiment_limits_every_stage_and_trains_any_model(compose_config):
    cfg = compose_config("experiment=smoke", "model=vgg16")
    assert cfg.model.name == "vgg16" and cfg.data.name == "fake"
    assert cfg.trainer.max_epochs == 1
    assert all(cfg.trainer[f"limit_{stage}_batches"] for stage in ("train", "val", "test"))
    assert 0.0 <= train(compose_config("experiment=smoke", "model=lenet",
                                       "trainer.enable_progress_bar=false")) <= 1.0
    real_data = compose_config("experiment=smoke", "data=mnist")
    assert real_data.data.name == "mnist" and real_data.trainer.limit_train_batches == 10


def test_cookbook_shorter_runs_limit_every_stage_and_compose(compose_config):
    row = next(line for line in (ROOT / "docs" / "training.md").read_text().splitlines()
               if line.startswith("| shorter runs"))
    overrides = [word for code in re.findall(r"`([^`]+)`", row) for word in code.split()
                 if "=" in word]
    cfg = compose_config(*overrides)
    assert {"experiment=smoke", "trainer.limit_val_batches=0.1",
            "trainer.limit_test_batches=0.1"} <= set(overrides)
    assert cfg.trainer.limit_val_batches == cfg.trainer.limit_test_batches == 0.1
