import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from training.errors import UserError
from training.run import train

ROOT = Path(__file__).resolve().parent.parent
FAKE = ["data=fake", "trainer.accelerator=cpu", "trainer.enable_progress_bar=false"]
TINY_FIT = FAKE + ["model=lenet", "data.batch_size=16", "data.train_size=64",
                   "data.test_size=32", "trainer.max_epochs=1"]


@pytest.mark.parametrize("op", ["native", "custom"])
@pytest.mark.parametrize("model", ["lenet", "alexnet", "vgg11", "vgg13", "vgg16", "vgg19"])
def test_one_batch_fit_of_every_model(compose_config, model, op):
    cfg = compose_config(*FAKE, f"model={model}", f"op={op}", "data.batch_size=4",
                         "trainer.fast_dev_run=true")
    accuracy = train(cfg)
    assert 0.0 <= accuracy <= 1.0


def _tags(folder: Path):
    events = EventAccumulator(str(folder), size_guidance={"images": 0, "scalars": 0})
    events.Reload()
    return set(events.Tags()["scalars"]), set(events.Tags()["images"])


def test_tensorboard_events_hold_the_documented_tags(compose_config, tmp_path):
    train(compose_config(*TINY_FIT, "trainer.log_every_n_steps=1"))
    scalars, images = _tags(tmp_path / "tensorboard")
    assert {"train/loss", "train/acc", "val/loss", "val/acc", "test/loss", "test/acc",
            "train/lr"} <= scalars
    assert {"filters/first_conv", "test/confusion_matrix"} <= images
    hparams = list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    assert hparams and b"_hparams_" in b"".join(p.read_bytes() for p in hparams)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["model"] == "lenet" and metrics["backend"] == "custom"
    assert (tmp_path / "checkpoints" / "last.ckpt").is_file()


def test_resume_continues_from_the_saved_epoch(compose_config, tmp_path):
    # An epoch-wise schedule extends; one-cycle and cosine are fixed to their first run's
    # length (tests/test_schedules.py).
    fit = (*TINY_FIT, "scheduler=step", "trainer.log_every_n_steps=1")
    train(compose_config(*fit))
    last = tmp_path / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=False)["global_step"] == 3
    train(compose_config(*fit, "trainer.max_epochs=2", f"ckpt_path={last}"))
    assert torch.load(last, weights_only=False)["global_step"] == 6
    # A resumed run logs only the new steps; a restart would log steps 0-2 a second time.
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    assert [e.step for e in events.Scalars("train/lr")] == [0, 1, 2, 3, 4, 5]
    assert json.loads((tmp_path / "metrics.json").read_text())["epochs"] == 2


def test_test_only_mode_evaluates_a_checkpoint(compose_config, tmp_path):
    trained = train(compose_config(*TINY_FIT))
    best = next((tmp_path / "checkpoints").glob("best-*.ckpt"))
    tested = train(compose_config(*TINY_FIT, "train=false", f"ckpt_path={best}"))
    assert tested == pytest.approx(trained)


def test_clear_errors_for_missing_checkpoint_and_data(compose_config, tmp_path):
    with pytest.raises(UserError, match="ckpt_path"):
        train(compose_config(*TINY_FIT, "train=false"))
    with pytest.raises(UserError, match="is not a file"):
        train(compose_config(*TINY_FIT, f"ckpt_path={tmp_path}/missing.ckpt"))
    train(compose_config(*TINY_FIT, f"paths.output_dir={tmp_path}/first"))
    other_model = f"ckpt_path={tmp_path}/first/checkpoints/last.ckpt"
    with pytest.raises(UserError, match=r"holds another model: model.1.weight .* here"):
        train(compose_config(*TINY_FIT, "data.in_channels=1", other_model))
    with pytest.raises(UserError, match="data.root"):
        train(compose_config("data=mnist", f"data.root={tmp_path}/nothing", "data.download=false"))
    with pytest.raises(UserError, match="data.root"):
        train(compose_config("data=imagefolder", f"data.root={tmp_path}/nothing"))


def test_command_line_multirun_gives_one_run_per_backend(tmp_path):
    command = [sys.executable, "train.py", "-m", "op=native,custom", *TINY_FIT,
               f"hydra.sweep.dir={tmp_path}/sweep", "hydra/job_logging=disabled"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.is_dir())
    assert runs == ["0_lenet_native", "1_lenet_custom"]
    for run in runs:
        assert list((tmp_path / "sweep" / run / "tensorboard").glob("events.out.tfevents.*"))


def test_command_line_error_is_one_clear_line(tmp_path):
    command = [sys.executable, "train.py", "data=mnist", f"data.root={tmp_path}/none",
               "data.download=false", f"hydra.run.dir={tmp_path}/run"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1
    assert "convlab: MNIST was not found" in result.stderr
    assert "Traceback" not in result.stderr
