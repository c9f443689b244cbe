"""What a run prints: a progress bar on a terminal, one line per epoch otherwise (a bar
redirected to a file is carriage-return spam), and none of the notices a user cannot act on."""

import logging
import sys
import time
import warnings

from lightning.pytorch.callbacks import Callback

# Lightning's accelerator inventory, its advertising and its bookkeeping; the model summary,
# the checkpoint it tests and its warnings stay.
_LIGHTNING_NOTICES = ("GPU available:", "TPU available:", "💡 Tip:",
                      "Loading `train_dataloader` to estimate")


class _DropNotices(logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith(_LIGHTNING_NOTICES)


def quiet() -> None:
    """Silence notices about the libraries themselves, which no config change removes."""
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_DropNotices())
    # Lightning prints its messages through its own handler on the `lightning` logger; passed
    # on to Hydra's root handler too, each would print twice.
    logging.getLogger("lightning").propagate = False
    # Lightning's own use of a torch API that torch 2.14 deprecates.
    warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                            category=FutureWarning)


def wants_progress_bar(enabled: bool) -> bool:
    return enabled and sys.stdout.isatty()


class EpochLines(Callback):
    """`epoch 3/10  train/loss 0.4120  train/acc 0.8610  val/loss 0.3880  val/acc 0.8840
    (12.1 s)` after every epoch (Lightning ends the training epoch after its validation);
    the train/ values are the epoch's means, not its last batch's."""

    def on_train_start(self, trainer, pl_module):
        # A run resumed mid-epoch starts inside an epoch: Lightning calls no epoch-start hook
        # for it, and its first line times the rest of that epoch.
        self._started = time.perf_counter()

    def on_train_epoch_start(self, trainer, pl_module):
        self._started = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module):
        metrics = trainer.callback_metrics
        shown = "  ".join(f"{name} {float(metrics[name]):.4f}"
                          for name in ("train/loss", "train/acc", "val/loss", "val/acc")
                          if name in metrics)
        seconds = time.perf_counter() - self._started
        print(f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}  {shown}  ({seconds:.1f} s)",
              flush=True)
