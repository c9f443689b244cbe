"""The LightningModule: cross-entropy classification, its loss, accuracy and learning rate
logged (train/loss_step per step; train/loss and every /acc as the epoch's mean), its optimizer
and schedule. What TensorBoard shows beyond those scalars comes from
tensorboard_extras.TensorBoardExtras."""

import lightning as L
import torch.nn as nn
import torch.nn.functional as F
from torchmetrics.classification import MulticlassAccuracy

import ops

from .errors import UserError
from .schedules import make_scheduler, planned_steps, resume_mismatch


class Classifier(L.LightningModule):
    def __init__(self, model: nn.Module, num_classes: int, optimizer, scheduler: dict,
                 run_params: dict | None = None, functional_backend: str | None = None,
                 example_input=None):
        """`optimizer` is a partial taking the parameters (Hydra `_partial_: true`);
        `scheduler` the schedule's settings (see schedules.make_scheduler);
        `functional_backend`, when given, runs the forward inside
        `with ops.backend(functional_backend):`, so that the model's torch.nn.functional
        conv/pool calls run on that backend too, not only its layers; `run_params`, what the
        loggers compare runs by (see TensorBoardExtras); `example_input`, what Lightning's model
        summary runs to count FLOPs and show layer sizes (one image: FLOPs per image)."""
        super().__init__()
        self.model = model
        self.num_classes = num_classes
        self.optimizer_factory = optimizer
        self.scheduler_settings = dict(scheduler)
        self.run_params = run_params or {}
        self.functional_backend = functional_backend
        # Without it the summary's Total Flops is 0: FLOPs are counted on a forward.
        self.example_input_array = example_input
        # ModuleDict keys may not shadow Module attributes such as `train`.
        self.accuracy = nn.ModuleDict(
            {f"{stage}_acc": MulticlassAccuracy(num_classes, average="micro")
             for stage in ("train", "val", "test")})
        self._planned_steps = None  # what this run's schedule is sized for
        self._saved_max_epochs = None

    def forward(self, x):
        if self.functional_backend is None:
            return self.model(x)
        with ops.backend(self.functional_backend):
            return self.model(x)

    def _step(self, batch, stage):
        images, labels = batch
        logits = self(images)
        loss = F.cross_entropy(logits, labels)
        accuracy = self.accuracy[f"{stage}_acc"]
        accuracy(logits, labels)
        train = stage == "train"
        if train:
            # The per-step curve; `train/loss` is the epoch's mean, like val/ and test/loss.
            self.log("train/loss_step", loss, on_step=True, on_epoch=False, prog_bar=True)
        self.log(f"{stage}/loss", loss, on_step=False, on_epoch=True, prog_bar=not train)
        self.log(f"{stage}/acc", accuracy, on_step=False, on_epoch=True, prog_bar=not train)
        return loss, logits

    def training_step(self, batch, batch_idx):
        loss, _ = self._step(batch, "train")
        self.log("train/lr", self.optimizers().param_groups[0]["lr"], on_step=True,
                 on_epoch=False)
        return loss

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        # The logits go on to callbacks' on_test_batch_end (TensorBoardExtras' confusion matrix).
        return self._step(batch, "test")[1]

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(self.parameters())
        scheduler = make_scheduler(
            optimizer, total_steps=self.trainer.estimated_stepping_batches,
            max_epochs=self.trainer.max_epochs, **self.scheduler_settings)
        if scheduler is None:
            return optimizer
        self._planned_steps = planned_steps(scheduler["scheduler"])
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def on_save_checkpoint(self, checkpoint):
        checkpoint["convlab"] = {"max_epochs": self.trainer.max_epochs}

    def on_load_checkpoint(self, checkpoint):
        self._saved_max_epochs = checkpoint.get("convlab", {}).get("max_epochs")

    def on_train_start(self):
        if self.trainer.ckpt_path and self._planned_steps is not None:
            restored = planned_steps(self.lr_schedulers())
            if restored != self._planned_steps:
                raise UserError(resume_mismatch(self.scheduler_settings["name"], restored,
                                                self._planned_steps, self._saved_max_epochs))
