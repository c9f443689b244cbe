"""Small pieces shared by the model definitions."""

import torch.nn as nn


def scaled(channels: int, width: float) -> int:
    """Channel count under a width multiplier, never below 1."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return max(1, round(channels * width))


def pad_to(image_size: int, size: int, model: str) -> nn.Module:
    """Zero-pad smaller images up to `size` (e.g. MNIST's 28 px to LeNet's 32 px)."""
    if image_size > size:
        raise ValueError(f"{model} expects images of at most {size} px here, got {image_size}")
    missing = size - image_size
    if missing == 0:
        return nn.Identity()
    return nn.ZeroPad2d((missing // 2, missing - missing // 2, missing // 2, missing - missing // 2))


def activation_layer(name: str) -> nn.Module:
    choices = {"relu": nn.ReLU, "tanh": nn.Tanh}
    if name not in choices:
        raise ValueError(f"activation must be one of {sorted(choices)}, got {name!r}")
    return choices[name]()


def conv_block(backend, in_channels, out_channels, kernel_size, batch_norm, act, **conv_args):
    """conv -> (batch norm) -> activation; the conv drops its bias when batch norm follows."""
    conv = backend.Conv2d(in_channels, out_channels, kernel_size, bias=not batch_norm, **conv_args)
    norm = [nn.BatchNorm2d(out_channels)] if batch_norm else []
    return [conv, *norm, act]
