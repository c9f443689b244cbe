"""Learning-rate schedules: the per-step ones last every short run, a two-epoch two-batch
OneCycle run trains, and resuming OneCycle with more epochs stops at once, saying how."""

import pytest
import torch

from training.errors import UserError
from training.run import train
from training.schedules import make_scheduler
from tests.test_training import TINY_FIT


@pytest.mark.parametrize("name", ["onecycle", "cosine"])
@pytest.mark.parametrize("total_steps", range(1, 13))
def test_per_step_schedules_last_every_short_run(name, total_steps):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_scheduler(optimizer, name, total_steps=total_steps, max_epochs=1,
                               pct_start=0.25)["scheduler"]
    for _ in range(total_steps):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] >= 0.0


def test_a_two_epoch_two_batch_onecycle_run_trains(compose_config):
    accuracy = train(compose_config(*TINY_FIT, "scheduler=onecycle", "trainer.max_epochs=2",
                                    "trainer.limit_train_batches=2"))
    assert 0.0 <= accuracy <= 1.0


def test_resuming_onecycle_with_more_epochs_stops_at_once_saying_how(compose_config, tmp_path):
    train(compose_config(*TINY_FIT, "scheduler=onecycle"))
    last = tmp_path / "checkpoints" / "last.ckpt"
    with pytest.raises(UserError, match=r"Resume with trainer.max_epochs=1 .*scheduler=step"):
        train(compose_config(*TINY_FIT, "scheduler=onecycle", "trainer.max_epochs=3",
                             f"ckpt_path={last}"))
    assert torch.load(last, weights_only=False)["global_step"] == 3  # not one step taken
    assert (tmp_path / "metrics.json").is_file()  # the first run's folder is kept
