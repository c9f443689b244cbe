"""Checkpoints across faults and backends: a corrupt or truncated file is one clear line, a
checkpoint of one backend loads with the other (their state_dicts share every key), and one
last.ckpt follows the run (a run killed mid-epoch: tests/test_kill_resume.py)."""

import json

import pytest
import torch

from training.errors import UserError
from training.run import train
from tests.test_training import TINY_FIT


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_corrupt_checkpoint_is_one_clear_line(compose_config, tmp_path, damage):
    # A checkpoint file like Lightning's (torch.save's zip format), cut or overwritten.
    whole = tmp_path / "whole.ckpt"
    torch.save({"state_dict": {"model.0.weight": torch.randn(6, 1, 5, 5)}}, whole)
    data = whole.read_bytes()
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not a checkpoint" * 64,
                        "empty": b""}[damage])
    for mode in ("train=true", "train=false"):
        with pytest.raises(UserError, match="is not a readable checkpoint") as error:
            train(compose_config(*TINY_FIT, mode, f"ckpt_path={broken}",
                                 f"paths.output_dir={tmp_path}/{damage}"))
        assert "\n" not in str(error.value)


@pytest.mark.parametrize("trained_with, loaded_with", [("custom", "native"), ("native", "custom")])
def test_a_checkpoint_loads_with_the_other_backend(compose_config, tmp_path, trained_with,
                                                   loaded_with):
    trained = train(compose_config(*TINY_FIT, f"op={trained_with}",
                                   f"paths.output_dir={tmp_path}/trained"))
    best = next((tmp_path / "trained" / "checkpoints").glob("best-*.ckpt"))
    tested = train(compose_config(*TINY_FIT, f"op={loaded_with}", "train=false",
                                  f"ckpt_path={best}", f"paths.output_dir={tmp_path}/tested"))
    assert tested == pytest.approx(trained)
    first = json.loads((tmp_path / "trained" / "metrics.json").read_text())
    second = json.loads((tmp_path / "tested" / "metrics.json").read_text())
    assert second["backend"] == loaded_with
    # The same weights on the other backend's kernels: the loss moves only by float32 rounding.
    assert second["test_loss"] == pytest.approx(first["test_loss"], rel=1e-5)


def test_one_last_checkpoint_refreshed_at_every_epoch_end(compose_config, tmp_path):
    # lr 0: val/acc never improves after the first epoch, so only best-epoch000 is kept; last.ckpt
    # still follows every epoch (and every 2 steps between), one file, never last-v1.ckpt.
    train(compose_config(*TINY_FIT, "trainer.max_epochs=3", "optimizer.lr=0.0", "scheduler=none",
                         "checkpoint_every_n_steps=2"))
    folder = tmp_path / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["best-epoch000.ckpt", "last.ckpt"]
    last = torch.load(folder / "last.ckpt", weights_only=False)
    assert (last["epoch"], last["global_step"]) == (2, 9)


def test_a_negative_checkpoint_interval_is_one_clear_line(compose_config):
    with pytest.raises(UserError, match="checkpoint_every_n_steps=-1: give a number"):
        train(compose_config(*TINY_FIT, "checkpoint_every_n_steps=-1"))
