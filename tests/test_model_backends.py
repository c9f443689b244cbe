"""Every model comes through build_model's layer factory: each conv/pool layer from the
chosen backend (no model file names one), clear errors for bad choices, and on the custom
backend a training step that runs only convlab's ops (the global average pooling included)
and a one-batch fit on fake data. torchvision's models under `with ops.backend(...)`:
tests/test_model_zoo.py."""

import pytest
import torch
import torch.nn as nn

import ops
from models import MODEL_NAMES, build_model
from training.op_counter import backend_check, count_layer_ops
from training.run import train

CONV_AND_POOL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)


def conv_and_pool_layers(model):
    return [m for m in model.modules() if isinstance(m, CONV_AND_POOL)]


@pytest.mark.parametrize("backend", ops.BACKENDS)
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_conv_and_pool_layer_comes_from_the_backend(name, backend):
    model = build_model(name, backend=backend, num_classes=10, in_channels=3, image_size=32)
    found = conv_and_pool_layers(model)
    assert found
    assert all(type(m) in ops.backend(backend).layer_classes() for m in found)


def test_custom_layers_are_the_ops_modules():
    assert ops.backend("custom").Conv2d is ops.Conv2d
    assert ops.backend("native").MaxPool2d is nn.MaxPool2d


def test_no_model_file_names_a_backend():
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "models"
    for path in folder.glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text()
        assert "import ops" not in text and "custom" not in text and "native" not in text, path


def test_bad_choices_raise_clear_errors():
    with pytest.raises(ValueError, match="model must be one of"):
        build_model("resnet50")
    with pytest.raises(ValueError, match="backend must be one of"):
        build_model("lenet", backend="cudnn")
    with pytest.raises(ValueError, match="resize"):
        build_model("vgg11", image_size=48)
    with pytest.raises(ValueError, match="activation"):
        build_model("lenet", activation="gelu")


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
