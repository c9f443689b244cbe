"""Each run's TensorBoard events hold the model's graph, traced through the backend it trains
on, without touching the model's state."""

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from models import build_model
from training.run import train
from training.tensorboard_extras import log_graph

TINY_FIT = ["data=fake", "trainer.accelerator=cpu", "trainer.enable_progress_bar=false",
            "data.batch_size=16", "data.train_size=32", "data.test_size=16",
            "trainer.max_epochs=1"]


def graph_ops(folder) -> set[str]:
    events = EventAccumulator(str(folder))
    events.Reload()
    return {node.op for node in events.Graph().node}


@pytest.mark.parametrize("op,conv", [("custom", "convlab::conv2d"),
                                     ("native", "aten::_convolution")])
def test_the_graph_shows_the_backends_ops(compose_config, tmp_path, op, conv):
    train(compose_config(*TINY_FIT, "model=resnet18", "model.width=0.125", f"op={op}"))
    found = graph_ops(tmp_path / "tensorboard")
    assert conv in found, sorted(found)
    assert op != "custom" or not {o for o in found if o.startswith("aten::") and "conv" in o}


def test_tracing_leaves_batch_norm_and_training_mode_alone():
    model = build_model("resnet18", backend="custom", width=0.125).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    class Writer:  # what log_graph needs of a TensorBoard writer
        graphs = 0

        def add_graph(self, module, example):
            module(example)
            Writer.graphs += 1

    log_graph([Writer()], model, torch.randn(2, 3, 32, 32), functional_backend=None)
    assert Writer.graphs == 1 and model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
