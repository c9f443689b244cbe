"""The epoch line and TensorBoard's epoch points give the epoch's mean training loss, not its
last batch's; the per-step curve stays, under train/loss_step."""

import re
import statistics

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from training.classifier import Classifier
from training.run import train
from tests.test_training import TINY_FIT

STEPS_PER_EPOCH = 3  # TINY_FIT: 48 training images (64 less a quarter for validation), 16 a batch


def test_epoch_line_and_tensorboard_show_the_epochs_mean_training_loss(
        compose_config, tmp_path, capsys, monkeypatch):
    step_losses = []
    training_step = Classifier.training_step

    def recording_step(self, batch, batch_idx):
        loss = training_step(self, batch, batch_idx)
        step_losses.append(loss.item())
        return loss

    monkeypatch.setattr(Classifier, "training_step", recording_step)
    train(compose_config(*TINY_FIT, "trainer.max_epochs=2", "trainer.log_every_n_steps=1"))
    lines = re.findall(r"^epoch \d/2  train/loss (\S+)  (.*)$", capsys.readouterr().out, re.M)
    assert len(lines) == 2 and len(step_losses) == 2 * STEPS_PER_EPOCH
    epoch_means = [statistics.fmean(step_losses[start:start + STEPS_PER_EPOCH])
                   for start in (0, STEPS_PER_EPOCH)]
    last_losses = step_losses[STEPS_PER_EPOCH - 1::STEPS_PER_EPOCH]
    for (shown, rest), mean, last in zip(lines, epoch_means, last_losses):
        assert abs(last - mean) > 1e-3  # else the check below could not tell them apart
        assert float(shown) == pytest.approx(mean, abs=1e-4)
        assert re.match(r"train/acc \d\.\d{4}  val/loss \S+  val/acc \S+", rest)

    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    epoch_points = events.Scalars("train/loss")
    assert [e.step for e in epoch_points] == [STEPS_PER_EPOCH - 1, 2 * STEPS_PER_EPOCH - 1]
    assert [e.value for e in epoch_points] == pytest.approx(epoch_means, rel=1e-5)
    assert [e.value for e in events.Scalars("train/loss_step")] == pytest.approx(step_losses,
                                                                                 rel=1e-5)
    assert len(events.Scalars("train/acc")) == 2
