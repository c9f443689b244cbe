"""Drop-in replacements for torch.nn's conv and pooling modules. Each subclasses the torch.nn
module it replaces, so constructor arguments, parameter names, shapes, default init and
state_dict are torch's own; only the computation runs through convlab's kernels."""

import torch.nn as nn
import torch.nn.functional as F

from . import functional
from .algorithms import check_algorithm


class Conv2d(nn.Conv2d):
    """nn.Conv2d plus `algorithm` (one of ops.CONV2D_ALGORITHMS), which is not part of the
    state_dict. A layer converted from nn.Conv2d gets the class default, "auto"."""

    algorithm = "auto"

    def __init__(self, *args, algorithm="auto", **kwargs):
        super().__init__(*args, **kwargs)
        self.algorithm = check_algorithm(algorithm)

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.algorithm == "auto" else f"{text}, algorithm={self.algorithm!r}"

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return functional.conv2d(padded, weight, bias, self.stride, 0, self.dilation,
                                     self.groups, algorithm=self.algorithm)
        return functional.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                                 self.groups, algorithm=self.algorithm)


class MaxPool2d(nn.MaxPool2d):
    def forward(self, input):
        return functional.max_pool2d(input, self.kernel_size, self.stride, self.padding,
                                     self.dilation, self.ceil_mode, self.return_indices)


class AvgPool2d(nn.AvgPool2d):
    def forward(self, input):
        return functional.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                                     self.ceil_mode, self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool2d(nn.AdaptiveAvgPool2d):
    def forward(self, input):
        return functional.adaptive_avg_pool2d(input, self.output_size)
