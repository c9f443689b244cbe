"""AlexNet: torchvision's 224 px layout, and a CIFAR-sized variant for 32 px inputs."""

import torch.nn as nn

from .common import conv_block, pad_to, scaled


def _classifier(features: int, hidden: int, num_classes: int, dropout: float) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(features, hidden), nn.ReLU(inplace=True),
        nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
        nn.Linear(hidden, num_classes),
    )


def alexnet_imagenet(backend, num_classes=1000, in_channels=3, batch_norm=False, width=1.0,
                     dropout=0.5):
    c = [scaled(v, width) for v in (64, 192, 384, 256, 256)]

    def block(cin, cout, kernel, **args):
        return conv_block(backend, cin, cout, kernel, batch_norm, nn.ReLU(inplace=True), **args)

    return nn.Sequential(
        *block(in_channels, c[0], 11, stride=4, padding=2), backend.MaxPool2d(3, 2),
        *block(c[0], c[1], 5, padding=2), backend.MaxPool2d(3, 2),
        *block(c[1], c[2], 3, padding=1),
        *block(c[2], c[3], 3, padding=1),
        *block(c[3], c[4], 3, padding=1), backend.MaxPool2d(3, 2),
        backend.AdaptiveAvgPool2d((6, 6)), nn.Flatten(),
        _classifier(c[4] * 36, scaled(4096, width), num_classes, dropout),
    )


def alexnet_cifar(backend, num_classes=10, in_channels=3, image_size=32, batch_norm=False,
                  width=1.0, dropout=0.5):
    """Same five convs and three max-pools, sized for 32 px: 3x3 kernels, stride 1."""
    c = [scaled(v, width) for v in (64, 192, 384, 256, 256)]

    def block(cin, cout):
        return conv_block(backend, cin, cout, 3, batch_norm, nn.ReLU(inplace=True), padding=1)

    return nn.Sequential(
        pad_to(image_size, 32, "AlexNet (CIFAR variant)"),
        *block(in_channels, c[0]), backend.MaxPool2d(2),  # 16x16
        *block(c[0], c[1]), backend.MaxPool2d(2),  # 8x8
        *block(c[1], c[2]),
        *block(c[2], c[3]),
        *block(c[3], c[4]), backend.MaxPool2d(2),  # 4x4
        backend.AdaptiveAvgPool2d((2, 2)), nn.Flatten(),
        _classifier(c[4] * 4, scaled(1024, width), num_classes, dropout),
    )
