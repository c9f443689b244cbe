import pytest
import torch
import torch.nn as nn

import ops
from models import MODEL_NAMES, build_model

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


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("in_channels,image_size", [(1, 28), (3, 32)])
def test_cifar_sized_models_fit_mnist_and_cifar(name, in_channels, image_size):
    model = build_model(name, backend="custom", num_classes=7, in_channels=in_channels,
                        image_size=image_size)
    model.eval()
    assert model(torch.randn(2, in_channels, image_size, image_size)).shape == (2, 7)


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if n != "lenet"])
def test_imagenet_layout_for_224_px(name):
    model = build_model(name, backend="native", num_classes=1000, image_size=224, width=0.125)
    model.eval()
    assert any(isinstance(m, nn.AdaptiveAvgPool2d) for m in model.modules())
    assert model(torch.randn(1, 3, 224, 224)).shape == (1, 1000)


def test_lenet5_matches_the_paper_layout():
    model = build_model("lenet", backend="native", num_classes=10, in_channels=1, image_size=32)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size) for c in convs] == [(6, (5, 5)), (16, (5, 5)),
                                                                (120, (5, 5))]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(120, 84), (84, 10)]


def test_batch_norm_and_width_switches():
    narrow = build_model("vgg11", backend="native", width=0.25, batch_norm=True)
    convs = [m for m in narrow.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].out_channels == 16 and convs[0].bias is None
    assert any(isinstance(m, nn.BatchNorm2d) for m in narrow.modules())
    plain = build_model("vgg11", backend="native", batch_norm=False)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())


def test_bad_choices_raise_clear_errors():
    with pytest.raises(ValueError, match="model must be one of"):
        build_model("resnet50")
    with pytest.raises(ValueError, match="backend must be one of"):
        build_model("lenet", backend="cudnn")
    with pytest.raises(ValueError, match="resize"):
        build_model("vgg11", image_size=48)
    with pytest.raises(ValueError, match="activation"):
        build_model("lenet", activation="gelu")


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
