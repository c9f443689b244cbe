"""LeNet-5 (LeCun et al., 1998): C1 6@5x5, S2, C3 16@5x5, S4, C5 120@5x5, F6 84, output."""

import torch.nn as nn

from .common import activation_layer, conv_block, pad_to, scaled


def lenet5(backend, num_classes=10, in_channels=1, image_size=32, batch_norm=False, width=1.0,
           activation="tanh", pooling="avg"):
    pooling_classes = {"avg": backend.AvgPool2d, "max": backend.MaxPool2d}
    if pooling not in pooling_classes:
        raise ValueError(f"pooling must be one of {sorted(pooling_classes)}, got {pooling!r}")
    pool = pooling_classes[pooling]
    c1, c3, c5, f6 = (scaled(c, width) for c in (6, 16, 120, 84))

    def block(cin, cout):
        return conv_block(backend, cin, cout, 5, batch_norm, activation_layer(activation))

    return nn.Sequential(
        pad_to(image_size, 32, "LeNet-5"),
        *block(in_channels, c1),  # C1: 28x28
        pool(2),  # S2: 14x14
        *block(c1, c3),  # C3: 10x10
        pool(2),  # S4: 5x5
        *block(c3, c5),  # C5: 1x1
        nn.Flatten(),
        nn.Linear(c5, f6),  # F6
        activation_layer(activation),
        nn.Linear(f6, num_classes),
    )
