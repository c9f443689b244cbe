"""Model zoo: LeNet-5, AlexNet, VGG-11/13/16/19, GoogLeNet and ResNet-18/34, with conv and pooling layers from the
backend that `build_model` is given. This is the only model file that knows about backends:
the others take an `ops.Backend` and build its layer classes."""

import torch.nn as nn

import ops

from .alexnet import alexnet_cifar, alexnet_imagenet
from .googlenet import googlenet
from .lenet import lenet5
from .resnet import BLOCKS as RESNET_BLOCKS
from .resnet import resnet
from .vgg import CONFIGS as VGG_CONFIGS
from .vgg import vgg_cifar, vgg_imagenet

MODEL_NAMES = ("lenet", "alexnet", *VGG_CONFIGS, "googlenet", *RESNET_BLOCKS)
# Inputs up to CIFAR_SIZE px get the CIFAR-sized layouts, from IMAGENET_MIN_SIZE px the
# ImageNet ones (torchvision's AlexNet/VGG need at least 64 px after their pools).
CIFAR_SIZE = 32
IMAGENET_MIN_SIZE = 64


def build_model(name: str, backend: str = "native", num_classes: int = 10, in_channels: int = 3,
                image_size: int = 32, **options) -> nn.Module:
    """The model `name` with conv/pool layers of `backend` (a name in `ops.BACKENDS`),
    choosing the layout that fits `image_size`. `options` go to the model (batch_norm,
    width, and for LeNet-5 activation and pooling, for AlexNet/VGG-ImageNet and GoogLeNet
    dropout)."""
    if name not in MODEL_NAMES:
        raise ValueError(f"model must be one of {MODEL_NAMES}, got {name!r}")
    chosen = ops.backend(backend)
    if name == "lenet":
        return lenet5(chosen, num_classes, in_channels, image_size, **options)
    if CIFAR_SIZE < image_size < IMAGENET_MIN_SIZE:
        raise ValueError(
            f"{name} has a CIFAR layout for images up to {CIFAR_SIZE} px and an ImageNet layout "
            f"from {IMAGENET_MIN_SIZE} px; got {image_size} px: resize the data (data.image_size)")
    small = image_size <= CIFAR_SIZE
    if name == "googlenet":
        return googlenet(chosen, num_classes, in_channels, small, **options)
    if name in RESNET_BLOCKS:
        return resnet(chosen, name, num_classes, in_channels, small, **options)
    if name == "alexnet":
        if small:
            return alexnet_cifar(chosen, num_classes, in_channels, image_size, **options)
        return alexnet_imagenet(chosen, num_classes, in_channels, **options)
    if small:
        return vgg_cifar(chosen, name, num_classes, in_channels, image_size, **options)
    return vgg_imagenet(chosen, name, num_classes, in_channels, **options)


__all__ = ["MODEL_NAMES", "build_model"]
