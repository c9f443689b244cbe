"""What a run logs to TensorBoard: the hyperparameters with the real final metrics, and no
placeholder points on the metric curves."""

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from training.run import train
from tests.test_training import TINY_FIT


def test_hparams_add_no_points_to_the_metric_curves(compose_config, tmp_path):
    train(compose_config(*TINY_FIT, "trainer.max_epochs=2"))
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    assert [e.step for e in events.Scalars("val/acc")] == [2, 5]
    assert [e.step for e in events.Scalars("test/acc")] == [6]
    summaries = b"".join(p.read_bytes() for p in (tmp_path / "tensorboard").glob("events.*"))
    assert b"_hparams_/experiment" in summaries and b"test/acc" in summaries
