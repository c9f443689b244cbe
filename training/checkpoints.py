"""A run's checkpoints: `best-epochNNN.ckpt` (best by val/acc) and one `last.ckpt`, rewritten
every `checkpoint_every_n_steps` training steps and at the end of every epoch, so that a run
killed mid-epoch resumes (`ckpt_path=.../last.ckpt`) from its last step checkpoint."""

from pathlib import Path

from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.trainer.states import TrainerFn


class LastCheckpoint(ModelCheckpoint):
    """Writes only `last.ckpt`: every `every_n_steps` training steps (0: never mid-epoch) and at
    the end of every training epoch, after the epoch's validation.

    Lightning's own `save_last=True` does not do this: a second `ModelCheckpoint(save_last=True)`
    beside the best-by-val one writes `last-v1.ckpt` and leaves `last.ckpt` stale, and Lightning
    2.6 refreshes `last` only when the same callback saved a top-k file at that step (so the best
    callback's `last.ckpt` fell behind at every epoch that did not improve val/acc). Hence one
    callback that saves no top-k file and owns `last.ckpt`, overwritten in place."""

    def __init__(self, dirpath: Path | str, every_n_steps: int):
        super().__init__(dirpath=dirpath, save_top_k=0, save_last=True,
                         every_n_train_steps=every_n_steps, enable_version_counter=False)

    def on_train_epoch_end(self, trainer, pl_module):
        # Also when a step checkpoint was written at the epoch's last step: that one was taken
        # before the epoch's validation, and this one marks the epoch finished.
        if (trainer.fast_dev_run or trainer.sanity_checking
                or trainer.state.fn != TrainerFn.FITTING):
            return
        self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))


def checkpoint_callbacks(dirpath: Path, every_n_steps: int) -> list[ModelCheckpoint]:
    """The best-by-val/acc checkpoint first (it is `trainer.checkpoint_callback`), then `last`,
    which therefore saves the best one's updated state."""
    best = ModelCheckpoint(dirpath=dirpath, filename="best-epoch{epoch:03d}", monitor="val/acc",
                           mode="max", save_last=False, auto_insert_metric_name=False)
    return [best, LastCheckpoint(dirpath, every_n_steps)]
