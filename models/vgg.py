"""VGG-11/13/16/19 (Simonyan & Zisserman, 2014), with or without batch norm: the ImageNet
layout (as torchvision defines it) and the CIFAR variant (512 -> classes head)."""

import torch.nn as nn

from .common import conv_block, pad_to, scaled

# Numbers are conv output channels, "M" a 2x2 max-pool.
CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def _features(backend, depth, in_channels, batch_norm, width):
    modules, channels = [], in_channels
    for item in CONFIGS[depth]:
        if item == "M":
            modules.append(backend.MaxPool2d(2, 2))
        else:
            out = scaled(item, width)
            modules += conv_block(backend, channels, out, 3, batch_norm, nn.ReLU(inplace=True),
                                  padding=1)
            channels = out
    return modules, channels


def vgg_imagenet(backend, depth, num_classes=1000, in_channels=3, batch_norm=False, width=1.0,
                 dropout=0.5):
    features, channels = _features(backend, depth, in_channels, batch_norm, width)
    hidden = scaled(4096, width)
    return nn.Sequential(
        *features, backend.AdaptiveAvgPool2d((7, 7)), nn.Flatten(),
        nn.Linear(channels * 49, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
        nn.Linear(hidden, num_classes),
    )


def vgg_cifar(backend, depth, num_classes=10, in_channels=3, image_size=32, batch_norm=True,
              width=1.0):
    """Five max-pools take 32 px to 1x1, so the head is a single 512 -> classes layer."""
    features, channels = _features(backend, depth, in_channels, batch_norm, width)
    return nn.Sequential(
        pad_to(image_size, 32, f"{depth.upper()} (CIFAR variant)"),
        *features, nn.Flatten(), nn.Linear(channels, num_classes),
    )
