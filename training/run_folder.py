"""A run that fails before its first training step leaves no folder behind: an empty run in
`outputs/` shows up as an empty run in TensorBoard."""

import shutil
from contextlib import contextmanager
from pathlib import Path

from lightning.pytorch.callbacks import Callback

# What Hydra writes into a run folder before the run starts: the composed config and the log.
_HYDRA_OWN = {".hydra"}


class FirstStep(Callback):
    """Records whether a training step has been taken in this process."""

    taken = False

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.taken = True


def _holds_only_hydra_files(folder: Path) -> bool:
    return all(p.name in _HYDRA_OWN or p.suffix == ".log" for p in folder.iterdir())


@contextmanager
def removed_on_early_failure(folder: Path, first_step: FirstStep):
    """Creates `folder`; if the body raises before `first_step` sees a step, removes it again,
    unless it already held something else (an earlier run's files) when the run began."""
    fresh = not folder.exists() or _holds_only_hydra_files(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        yield
    except BaseException:
        if fresh and not first_step.taken:
            shutil.rmtree(folder, ignore_errors=True)
        raise
