"""GoogLeNet (Inception v1, Szegedy et al., 2014): nine Inception modules, each joining four
branches (1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool then 1x1) along the channels,
global average pooling, dropout and one linear layer. Batch norm after each conv when asked
(the original had none; it trains far more easily with it). The CIFAR variant replaces the
ImageNet stem (7x7 stride 2, max-pool, 1x1, 3x3, max-pool) with one 3x3 conv to 192
channels; the auxiliary classifiers are left out, as in torchvision's inference model. Both
layouts pool between stages with 3x3 stride-2 max-pools padded by one (torchvision's ImageNet
model uses ceil_mode instead, and a 2x2 pool before the last stage)."""

import torch
import torch.nn as nn

from .common import conv_block, scaled

# Per module: in-branch widths (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection);
# "M" a 3x3 stride-2 max-pool between stages.
LAYOUT = [
    (64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), "M",
    (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
    (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128), "M",
    (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128),
]


class Inception(nn.Module):
    def __init__(self, backend, in_channels, widths, batch_norm):
        super().__init__()
        one, reduce3, three, reduce5, five, pool = widths

        def block(cin, cout, kernel):
            return conv_block(backend, cin, cout, kernel, batch_norm, nn.ReLU(inplace=True),
                              padding=kernel // 2)

        self.branches = nn.ModuleList([
            nn.Sequential(*block(in_channels, one, 1)),
            nn.Sequential(*block(in_channels, reduce3, 1), *block(reduce3, three, 3)),
            nn.Sequential(*block(in_channels, reduce5, 1), *block(reduce5, five, 5)),
            nn.Sequential(backend.MaxPool2d(3, 1, 1), *block(in_channels, pool, 1)),
        ])
        self.out_channels = one + three + five + pool

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


def googlenet(backend, num_classes=10, in_channels=3, small=True, batch_norm=True, width=1.0,
              dropout=0.2):
    """`small`: the CIFAR stem, else the ImageNet one."""
    relu = nn.ReLU(inplace=True)
    if small:
        channels = scaled(192, width)
        stem = conv_block(backend, in_channels, channels, 3, batch_norm, relu, padding=1)
    else:
        c1, channels = scaled(64, width), scaled(192, width)
        stem = [*conv_block(backend, in_channels, c1, 7, batch_norm, relu, stride=2, padding=3),
                backend.MaxPool2d(3, 2, ceil_mode=True),
                *conv_block(backend, c1, c1, 1, batch_norm, nn.ReLU(inplace=True)),
                *conv_block(backend, c1, channels, 3, batch_norm, nn.ReLU(inplace=True),
                            padding=1),
                backend.MaxPool2d(3, 2, ceil_mode=True)]
    body = []
    for item in LAYOUT:
        if item == "M":
            body.append(backend.MaxPool2d(3, 2, 1))
            continue
        module = Inception(backend, channels, [scaled(c, width) for c in item], batch_norm)
        body.append(module)
        channels = module.out_channels
    return nn.Sequential(*stem, *body, backend.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Dropout(dropout), nn.Linear(channels, num_classes))
