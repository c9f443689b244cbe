"""The LightningModule: cross-entropy classification with accuracy, learning rate, first-layer
filters, a test confusion matrix and the run's hyper-parameters logged for TensorBoard."""

import warnings
from contextlib import nullcontext

import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from lightning.pytorch.loggers import TensorBoardLogger
from matplotlib.figure import Figure
from torch.utils.tensorboard.summary import hparams
from torchmetrics.classification import MulticlassAccuracy, MulticlassConfusionMatrix

import ops

from .errors import UserError
from .schedules import make_scheduler, planned_steps, resume_mismatch

HPARAM_METRICS = ("val/acc", "val/loss", "test/acc", "test/loss")


class Classifier(L.LightningModule):
    def __init__(self, model: nn.Module, num_classes: int, optimizer, scheduler: dict,
                 run_params: dict | None = None, functional_backend: str | None = None,
                 example_input=None):
        """`optimizer` is a partial taking the parameters (Hydra `_partial_: true`);
        `scheduler` the schedule's settings (see schedules.make_scheduler);
        `functional_backend`, when given, runs the forward inside
        `with ops.backend(functional_backend):`, so that the model's torch.nn.functional
        conv/pool calls run on that backend too, not only its layers; `example_input`, a batch
        of the data's shape, is what the model is traced on for TensorBoard's graph."""
        super().__init__()
        self.model = model
        self.optimizer_factory = optimizer
        self.scheduler_settings = dict(scheduler)
        self.run_params = run_params or {}
        self.functional_backend = functional_backend
        self.example_input = example_input
        # ModuleDict keys may not shadow Module attributes such as `train`.
        self.accuracy = nn.ModuleDict(
            {f"{stage}_acc": MulticlassAccuracy(num_classes, average="micro")
             for stage in ("train", "val", "test")})
        self.confusion = MulticlassConfusionMatrix(num_classes)
        self._planned_steps = None  # what this run's schedule is sized for
        self._saved_max_epochs = None
        self._params_logged = False

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
        self.log(f"{stage}/loss", loss, on_step=train, on_epoch=not train, prog_bar=True)
        self.log(f"{stage}/acc", accuracy, on_step=False, on_epoch=True,
                 prog_bar=stage != "train")
        return loss, logits, labels

    def training_step(self, batch, batch_idx):
        loss, _, _ = self._step(batch, "train")
        self.log("train/lr", self.optimizers().param_groups[0]["lr"], on_step=True,
                 on_epoch=False)
        return loss

    def validation_step(self, batch, batch_idx):
        self._step(batch, "val")

    def test_step(self, batch, batch_idx):
        _, logits, labels = self._step(batch, "test")
        self.confusion.update(logits, labels)

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(self.parameters())
        scheduler = make_scheduler(
            optimizer, total_steps=self.trainer.estimated_stepping_batches,
            max_epochs=self.trainer.max_epochs, **self.scheduler_settings)
        if scheduler is None:
            return optimizer
        self._planned_steps = planned_steps(scheduler["scheduler"])
        return {"optimizer": optimizer, "lr_scheduler": scheduler}

    def _tensorboards(self):
        return [lg.experiment for lg in self.loggers if isinstance(lg, TensorBoardLogger)]

    def _log_params_once(self):
        if self._params_logged or not self.run_params:
            return
        self._params_logged = True
        # TensorBoard gets them at the end, with the real final metrics (see on_test_end).
        for logger in self.loggers:
            if not isinstance(logger, TensorBoardLogger):
                logger.log_hyperparams(self.run_params)

    def on_fit_start(self):
        self._log_params_once()
        self._log_graph()

    def _log_graph(self):
        """The model's graph (GRAPHS tab), traced as training runs it: inside the backend mode
        when there is one, so convlab's ops show as convlab::conv2d and friends."""
        writers = self._tensorboards()
        if self.example_input is None or not writers:
            return
        scope = ops.backend(self.functional_backend) if self.functional_backend else nullcontext()
        # Traced in eval mode: a training-mode forward would move batch norm's running
        # statistics and draw dropout's random numbers, changing the run it pictures.
        training = self.model.training
        self.model.eval()
        # A model compiled in place (compile=true) cannot be jit-traced through dynamo: trace
        # its plain forward, which is the same graph.
        compiled_forward = getattr(self.model, "_compiled_call_impl", None)
        self.model._compiled_call_impl = None
        try:
            with warnings.catch_warnings(), scope:
                # torch.jit.trace, which add_graph runs, warns that it is deprecated and about
                # Python control flow it freezes; neither matters for a picture of the model.
                warnings.simplefilter("ignore", FutureWarning)
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                for writer in writers:
                    writer.add_graph(self.model, self.example_input.to(self.device))
        finally:
            self.model._compiled_call_impl = compiled_forward
            self.model.train(training)

    def on_test_start(self):
        self._log_params_once()

    def on_test_end(self):
        if not self.run_params:
            return
        # The metrics' names tell TensorBoard's HParams view which scalars to compare runs
        # by; it reads their values from the logged curves. Lightning's log_hyperparams would
        # also log each metric as a point at step 0, which shows as a fake start of the curve.
        metrics = {name: float(value) for name, value in self.trainer.callback_metrics.items()
                   if name in HPARAM_METRICS}
        for writer in self._tensorboards():
            for summary in hparams(self.run_params, metrics):
                writer.file_writer.add_summary(summary)

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

    def on_validation_epoch_end(self):
        if self.trainer.sanity_checking:
            return
        conv = next((m for m in self.model.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is None:
            return
        filters = conv.weight.detach().float().cpu()
        # RGB filters as colour images, others one channel at a time.
        filters = filters if filters.size(1) == 3 else filters[:, :1]
        low = filters.amin(dim=(1, 2, 3), keepdim=True)
        high = filters.amax(dim=(1, 2, 3), keepdim=True)
        grid = torchvision.utils.make_grid((filters - low) / (high - low + 1e-12), nrow=8,
                                           padding=1)
        for writer in self._tensorboards():
            writer.add_image("filters/first_conv", grid, self.global_step)

    def on_test_epoch_end(self):
        matrix = self.confusion.compute().cpu()
        self.confusion.reset()
        writers = self._tensorboards()
        if not writers:
            return
        figure = Figure(figsize=(6, 5))  # no pyplot: works without a display
        axes = figure.subplots()
        image = axes.imshow(matrix, cmap="Blues")
        figure.colorbar(image)
        axes.set_xlabel("predicted")
        axes.set_ylabel("true")
        axes.set_title("test confusion matrix")
        for writer in writers:
            writer.add_figure("test/confusion_matrix", figure, self.global_step, close=False)
