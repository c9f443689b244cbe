"""ResNet-18/34 (He et al., 2015): basic residual blocks in four stages of 64, 128, 256 and
512 channels, global average pooling and one linear layer. The CIFAR variant starts with one
3x3 conv at full resolution; the ImageNet layout with the 7x7 stride-2 conv and a max-pool."""

import torch.nn as nn

from .common import scaled

BLOCKS = {"resnet18": (2, 2, 2, 2), "resnet34": (3, 4, 6, 3)}
STAGE_CHANNELS = (64, 128, 256, 512)


def _norm(channels: int, batch_norm: bool) -> nn.Module:
    return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()


class BasicBlock(nn.Module):
    """Two 3x3 convs plus the input: out = relu(F(x) + shortcut(x)). Where the block halves the
    resolution or changes the width, the shortcut is a strided 1x1 conv (projection)."""

    def __init__(self, backend, in_channels, out_channels, stride, batch_norm):
        super().__init__()
        self.residual = nn.Sequential(
            backend.Conv2d(in_channels, out_channels, 3, stride, 1, bias=not batch_norm),
            _norm(out_channels, batch_norm), nn.ReLU(inplace=True),
            backend.Conv2d(out_channels, out_channels, 3, 1, 1, bias=not batch_norm),
            _norm(out_channels, batch_norm))
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                backend.Conv2d(in_channels, out_channels, 1, stride, bias=not batch_norm),
                _norm(out_channels, batch_norm))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.residual(x) + self.shortcut(x))


def resnet(backend, depth, num_classes=10, in_channels=3, small=True, batch_norm=True,
           width=1.0):
    """`small`: the CIFAR stem (3x3 conv, no max-pool), else the ImageNet one."""
    channels = [scaled(c, width) for c in STAGE_CHANNELS]
    if small:
        stem = [backend.Conv2d(in_channels, channels[0], 3, 1, 1, bias=not batch_norm)]
    else:
        stem = [backend.Conv2d(in_channels, channels[0], 7, 2, 3, bias=not batch_norm)]
    stem += [_norm(channels[0], batch_norm), nn.ReLU(inplace=True)]
    if not small:
        stem.append(backend.MaxPool2d(3, 2, 1))
    stages, previous = [], channels[0]
    for index, (count, out) in enumerate(zip(BLOCKS[depth], channels)):
        for block in range(count):
            stride = 2 if index > 0 and block == 0 else 1
            stages.append(BasicBlock(backend, previous, out, stride, batch_norm))
            previous = out
    return nn.Sequential(*stem, *stages, backend.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(previous, num_classes))
