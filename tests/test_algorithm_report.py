"""op.algorithm and op.benchmark in the training app, and the per-layer report of which
algorithm ran: algorithms.json in the run folder and a text table in TensorBoard."""

import json

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import ops
from training.errors import UserError
from training.run import train

FIT = ["data=fake", "trainer.accelerator=cpu", "trainer.enable_progress_bar=false",
       "data.batch_size=8", "data.train_size=16", "data.test_size=8", "trainer.max_epochs=1"]


@pytest.mark.parametrize("algorithm,model,expected", [
    ("fft", "lenet", ["fft", "fft", "fft"]),
    ("winograd", "vgg11", ["winograd"] * 8),
    # The rule table: implicit GEMM's register kernels for the two layers with few channels,
    # im2col for the last (a 1x1 output).
    ("auto", "lenet", ["implicit", "implicit", "im2col"]),
])
def test_each_layer_reports_the_algorithm_it_ran(compose_config, tmp_path, algorithm, model,
                                                  expected):
    extra = ["data.in_channels=1"] if model == "lenet" else []
    train(compose_config(*FIT, *extra, f"model={model}", "op=custom", f"op.algorithm={algorithm}"))
    layers = json.loads((tmp_path / "algorithms.json").read_text())
    assert [layer["forward"] for layer in layers] == expected
    # Layers are named as in the model (nn.Sequential indices here), each conv once.
    names = [layer["layer"] for layer in layers]
    assert all(name.isdigit() for name in names) and len(set(names)) == len(names)
    winograd = [layer for layer in layers if layer["forward"] == "winograd"]
    assert all(layer["grad_input"] == "winograd" and layer["grad_weight"] == "winograd"
               for layer in winograd)
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"tensors": 0})
    events.Reload()
    assert "conv_algorithms/text_summary" in events.Tags()["tensors"]


def test_algorithm_choices_that_cannot_work_fail_before_training(compose_config):
    with pytest.raises(UserError, match="winograd needs a 3x3 kernel"):
        train(compose_config(*FIT, "model=lenet", "op=custom", "op.algorithm=winograd"))
    with pytest.raises(UserError, match="torch chooses its own"):
        train(compose_config(*FIT, "model=lenet", "op=native", "op.algorithm=fft"))


def test_benchmark_mode_trains(compose_config, tmp_path):
    try:
        train(compose_config(*FIT, "model=lenet", "op=custom", "op.benchmark=true"))
        assert ops.algorithms.benchmark_enabled()
    finally:
        # Benchmark mode is process-wide, like cudnn.benchmark: later tests expect it off.
        ops.set_benchmark(False)
        torch.backends.cudnn.benchmark = False
    layers = json.loads((tmp_path / "algorithms.json").read_text())
    assert len(layers) == 3
