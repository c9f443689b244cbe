"""Which conv algorithm each layer ran, forward and backward: algorithms.json in the run folder
and a table in TensorBoard's Text tab, written after the first training batch."""

import json
from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import TensorBoardLogger

import ops


class AlgorithmReport(L.Callback):
    def __init__(self, output_dir: Path):
        self.output_dir = Path(output_dir)
        self._recording = None
        self._hooks = []
        self._layer_names = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if self._recording is not None or (self.output_dir / "algorithms.json").exists():
            return
        self._recording = ops.recording_algorithms()
        calls = self._recording.__enter__()
        # Each call is attributed to the convlab layer whose forward made it.
        model = getattr(pl_module, "model", pl_module)
        for name, module in model.named_modules():
            if isinstance(module, ops.Conv2d):
                self._hooks.append(module.register_forward_pre_hook(
                    lambda _m, _args, name=name: self._layer_names.append((name, len(calls)))))
        self._calls = calls

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if self._recording is None or not self._hooks:
            return
        self._recording.__exit__(None, None, None)
        for hook in self._hooks:
            hook.remove()
        self._hooks = []
        starts = dict((index, name) for name, index in self._layer_names)
        layers = [{"layer": starts.get(i, "(functional call)"), **call}
                  for i, call in enumerate(self._calls)]
        if trainer.is_global_zero:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            (self.output_dir / "algorithms.json").write_text(json.dumps(layers, indent=2))
            for logger in trainer.loggers:
                if isinstance(logger, TensorBoardLogger):
                    logger.experiment.add_text("conv_algorithms", markdown_table(layers), 0)


def markdown_table(layers: list[dict]) -> str:
    lines = ["| layer | input | forward | grad_input | grad_weight |", "|---|---|---|---|---|"]
    lines += [f"| {r['layer']} | {tuple(r['input'])} | {r['forward']} | {r['grad_input']} | "
              f"{r['grad_weight']} |" for r in layers]
    return "\n".join(lines)
