"""What a run gives TensorBoard beyond the scalars the Classifier logs: the model's graph, the
first conv layer's filters after each validation, the test confusion matrix, and the run's
parameters for the HParams view (other loggers get those when the run starts)."""

import warnings
from contextlib import nullcontext

import torch
import torch.nn as nn
import torchvision
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger
from matplotlib.figure import Figure
from torch.utils.tensorboard.summary import hparams
from torchmetrics.classification import MulticlassConfusionMatrix

import ops

HPARAM_METRICS = ("val/acc", "val/loss", "test/acc", "test/loss")


def tensorboards(trainer) -> list:
    return [lg.experiment for lg in trainer.loggers if isinstance(lg, TensorBoardLogger)]


def hparam_metrics(trainer) -> dict:
    """The metrics of HPARAM_METRICS that the trainer has now, by name."""
    return {name: float(value) for name, value in trainer.callback_metrics.items()
            if name in HPARAM_METRICS}


def example_input(data, batch_size: int = 2):
    """Zero images of `data`'s shape, or None without a data module to size them. The graph is
    traced on two (batch norm in training mode needs more than one value per channel)."""
    if data is None:
        return None
    return torch.zeros(batch_size, data.in_channels, data.image_size, data.image_size)


def log_graph(writers, model: nn.Module, example, functional_backend: str | None) -> None:
    """The model's graph (GRAPHS tab), traced as training runs it: inside the backend mode
    when there is one, so convlab's ops show as convlab::conv2d and friends."""
    scope = ops.backend(functional_backend) if functional_backend else nullcontext()
    # Traced in eval mode: a training-mode forward would move batch norm's running
    # statistics and draw dropout's random numbers, changing the run it pictures.
    training = model.training
    model.eval()
    # A model compiled in place (compile=true) cannot be jit-traced through dynamo: trace
    # its plain forward, which is the same graph.
    compiled_forward = getattr(model, "_compiled_call_impl", None)
    model._compiled_call_impl = None
    try:
        with warnings.catch_warnings(), scope:
            # torch.jit.trace, which add_graph runs, warns that it is deprecated and about
            # Python control flow it freezes; neither matters for a picture of the model.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            for writer in writers:
                writer.add_graph(model, example)
    finally:
        model._compiled_call_impl = compiled_forward
        model.train(training)


def filter_grid(model: nn.Module):
    """The first Conv2d's filters as one image, each scaled to its own range; None without one."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    if conv is None:
        return None
    filters = conv.weight.detach().float().cpu()
    # RGB filters as colour images, others one channel at a time.
    filters = filters if filters.size(1) == 3 else filters[:, :1]
    low = filters.amin(dim=(1, 2, 3), keepdim=True)
    high = filters.amax(dim=(1, 2, 3), keepdim=True)
    return torchvision.utils.make_grid((filters - low) / (high - low + 1e-12), nrow=8, padding=1)


def confusion_figure(matrix) -> Figure:
    figure = Figure(figsize=(6, 5))  # no pyplot: works without a display
    axes = figure.subplots()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title("test confusion matrix")
    return figure


class TensorBoardExtras(Callback):
    """For a Classifier: reads its `model`, `functional_backend`, `num_classes`, `run_params`
    and the logits its test_step returns."""

    def __init__(self):
        self._params_logged = False
        self._confusion = None
        self._validation_metrics = {}

    def _log_params_once(self, trainer, pl_module):
        if self._params_logged or not pl_module.run_params:
            return
        self._params_logged = True
        # TensorBoard gets them at the end, with the real final metrics (see on_test_end).
        for logger in trainer.loggers:
            if not isinstance(logger, TensorBoardLogger):
                logger.log_hyperparams(pl_module.run_params)

    def on_fit_start(self, trainer, pl_module):
        self._log_params_once(trainer, pl_module)
        writers = tensorboards(trainer)
        example = example_input(trainer.datamodule)
        if example is not None and writers:
            log_graph(writers, pl_module.model, example.to(pl_module.device),
                      pl_module.functional_backend)

    def on_validation_epoch_end(self, trainer, pl_module):
        if trainer.sanity_checking:
            return
        grid = filter_grid(pl_module.model)
        if grid is None:
            return
        for writer in tensorboards(trainer):
            writer.add_image("filters/first_conv", grid, trainer.global_step)

    def on_validation_end(self, trainer, pl_module):
        # trainer.test starts with empty callback_metrics: the val/ ones are kept from here.
        if not trainer.sanity_checking:
            self._validation_metrics = hparam_metrics(trainer)

    def on_test_start(self, trainer, pl_module):
        self._log_params_once(trainer, pl_module)
        self._confusion = MulticlassConfusionMatrix(pl_module.num_classes).to(pl_module.device)

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx,
                          dataloader_idx=0):
        self._confusion.update(outputs, batch[1])

    def on_test_epoch_end(self, trainer, pl_module):
        # Computed on every DDP rank: it gathers the ranks' counts.
        matrix = self._confusion.compute().cpu()
        self._confusion.reset()
        writers = tensorboards(trainer)
        if not writers:
            return
        figure = confusion_figure(matrix)
        for writer in writers:
            writer.add_figure("test/confusion_matrix", figure, trainer.global_step, close=False)

    def on_test_end(self, trainer, pl_module):
        if not pl_module.run_params:
            return
        # The metrics' names tell TensorBoard's HParams view which scalars to compare runs
        # by; it reads their values from the logged curves. Lightning's log_hyperparams would
        # also log each metric as a point at step 0, which shows as a fake start of the curve.
        metrics = {**self._validation_metrics, **hparam_metrics(trainer)}
        for writer in tensorboards(trainer):
            for summary in hparams(pl_module.run_params, metrics):
                writer.file_writer.add_summary(summary)
