"""The conv and pooling layers of convlab's models, read off one forward pass, so benchmarks
and error tables use exactly the shapes training runs. The one place that says which models
and layouts the benchmarks cover."""

from typing import NamedTuple

import torch

import ops
from models import build_model

# model -> (build_model name, input channels, image size, model options). The options are the
# training app's defaults (configs/model/*.yaml): LeNet-5 with ReLU and max-pooling on 28 px
# MNIST, AlexNet and VGG-BN in their CIFAR layouts at 32 px.
MODELS = {
    "lenet": ("lenet", 1, 28, {"activation": "relu", "pooling": "max"}),
    "alexnet": ("alexnet", 3, 32, {}),
    "vgg11": ("vgg11", 3, 32, {"batch_norm": True}),
    "vgg16": ("vgg16", 3, 32, {"batch_norm": True}),
}


class ConvLayer(NamedTuple):
    label: str  # e.g. "vgg16.conv3"
    input: tuple  # (N, C, H, W)
    weight: tuple  # (out channels, in channels / groups, kH, kW)
    stride: tuple
    padding: tuple
    dilation: tuple
    groups: int
    bias: bool
    first: bool  # the model's first conv: training needs no gradient for its input


class PoolLayer(NamedTuple):
    label: str  # e.g. "vgg16.pool2"
    kind: str  # "max_pool2d", "avg_pool2d" or "adaptive_avg_pool2d"
    input: tuple
    arguments: dict  # the module's constructor arguments, torch.nn's and convlab's alike


_POOL_KINDS = {ops.MaxPool2d: "max_pool2d", ops.AvgPool2d: "avg_pool2d",
               ops.AdaptiveAvgPool2d: "adaptive_avg_pool2d"}
_POOL_ARGUMENTS = {
    "max_pool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    "avg_pool2d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                   "divisor_override"),
    "adaptive_avg_pool2d": ("output_size",),
}


def build(model_name: str, backend: str = "custom", **extra) -> torch.nn.Module:
    """`model_name` (a key of MODELS) with its benchmark layout on `backend`."""
    name, channels, size, options = MODELS[model_name]
    return build_model(name, backend=backend, num_classes=10, in_channels=channels,
                       image_size=size, **{**options, **extra})


def input_shape(model_name: str, batch: int) -> tuple:
    _, channels, size, _ = MODELS[model_name]
    return (batch, channels, size, size)


def _trace(model_name: str, batch: int):
    """[(module, input shape)] for every convlab conv and pooling module, in forward order."""
    model = build(model_name).eval()
    found = []
    hooks = [m.register_forward_pre_hook(lambda module, args: found.append(
        (module, tuple(args[0].shape))))
        for m in model.modules() if isinstance(m, (ops.Conv2d, *_POOL_KINDS))]
    with torch.no_grad():
        model(torch.randn(input_shape(model_name, batch)))
    for hook in hooks:
        hook.remove()
    return found


def conv_layers(model_name: str, batch: int) -> list[ConvLayer]:
    """Every conv of `model_name` at batch size `batch`, in forward order."""
    convs = [(m, shape) for m, shape in _trace(model_name, batch) if isinstance(m, ops.Conv2d)]
    return [ConvLayer(f"{model_name}.conv{i + 1}", shape, tuple(m.weight.shape), m.stride,
                      m.padding, m.dilation, m.groups, m.bias is not None, i == 0)
            for i, (m, shape) in enumerate(convs)]


def pool_layers(model_name: str, batch: int) -> list[PoolLayer]:
    """Every pooling layer of `model_name` at batch size `batch`, in forward order."""
    pools = [(m, shape) for m, shape in _trace(model_name, batch) if not isinstance(m, ops.Conv2d)]
    layers = []
    for i, (module, shape) in enumerate(pools):
        kind = _POOL_KINDS[type(module)]
        arguments = {key: getattr(module, key) for key in _POOL_ARGUMENTS[kind]}
        layers.append(PoolLayer(f"{model_name}.pool{i + 1}", kind, shape, arguments))
    return layers
