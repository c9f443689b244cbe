"""GoogLeNet and ResNet-18/34 come through the layer factory like the other models: their
layouts, every conv/pool on the chosen backend, and a one-batch training run."""

import pytest
import torch
import torch.nn as nn

from models import build_model
from models.googlenet import Inception
from models.resnet import BasicBlock
from training.op_counter import backend_check, count_layer_ops
from training.run import train


def test_googlenet_has_nine_inception_modules_of_the_paper_widths():
    model = build_model("googlenet", backend="custom", num_classes=10)
    modules = [m for m in model.modules() if isinstance(m, Inception)]
    # Output channels of 3a ... 5b (Szegedy et al., table 1).
    assert [m.out_channels for m in modules] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    assert isinstance(model[-4], nn.AdaptiveAvgPool2d) and model[-1].in_features == 1024


@pytest.mark.parametrize("name,blocks", [("resnet18", 8), ("resnet34", 16)])
def test_resnet_depth_and_projection_shortcuts(name, blocks):
    model = build_model(name, backend="custom", width=0.25)
    found = [m for m in model.modules() if isinstance(m, BasicBlock)]
    assert len(found) == blocks
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    # Every block's two convs, the stem, and one 1x1 projection where each later stage starts.
    assert len(convs) == 2 * blocks + 1 + 3
    assert convs[0].out_channels == 16 and model[-1].in_features == 128  # width 0.25


@pytest.mark.parametrize("name", ["googlenet", "resnet18"])
def test_one_training_step_runs_only_convlab_ops(name):
    model = build_model(name, backend="custom", width=0.125, in_channels=3, image_size=32)
    counts = count_layer_ops(model, torch.randn(2, 3, 32, 32), torch.tensor([0, 1]))
    assert counts["torch_calls"] == 0, counts["torch_ops"]
    assert backend_check("custom", counts) is None
    # Forward and backward of each conv and pool, the global average pooling included.
    layers = [m for m in model.modules() if isinstance(
        m, (nn.Conv2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d))]
    assert counts["convlab_calls"] == 2 * len(layers), counts["convlab_ops"]
    assert counts["convlab_ops"]["convlab.adaptive_avg_pool2d"] == 1
    assert counts["convlab_ops"]["convlab.adaptive_avg_pool2d_backward"] == 1


@pytest.mark.parametrize("name", ["googlenet", "resnet18", "resnet34"])
def test_one_batch_fit_on_fake_data(compose_config, name):
    cfg = compose_config("data=fake", "trainer.accelerator=cpu", "trainer.enable_progress_bar=false",
                         f"model={name}", "model.width=0.125", "op=custom",
                         "data.batch_size=4", "trainer.fast_dev_run=true")
    assert 0.0 <= train(cfg) <= 1.0
