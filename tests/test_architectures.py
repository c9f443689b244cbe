"""The models' architectures, family by family: the sizes every model takes (MNIST and CIFAR
with the CIFAR stem, ImageNet's 224 px with global average pooling), LeNet-5's paper layout,
VGG's batch-norm and width switches, GoogLeNet's nine Inception modules of the paper's
widths, and ResNet-18/34's depth and projection shortcuts."""

import pytest
import torch
import torch.nn as nn

from models import MODEL_NAMES, build_model
from models.googlenet import Inception
from models.resnet import BasicBlock


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
