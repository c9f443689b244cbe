"""Drop-in replacements for torch.nn's conv and pooling modules. Each subclasses the torch.nn
module it replaces, so constructor arguments, parameter names, shapes, default init and
state_dict are torch's own; only the computation runs through convlab's kernels (1-D and 3-D
layers through its 2-D kernels, ops/nd.py)."""

import torch.nn as nn
import torch.nn.functional as F

from . import functional
from .algorithms import check_algorithm


class _ConvlabConv:
    """A convlab convolution module: torch's, plus `algorithm` (one of ops.CONV2D_ALGORITHMS,
    what its 2-D convolutions run), which is not part of the state_dict. A layer converted
    from torch's class gets the class default, "auto"."""

    algorithm = "auto"
    _function = None  # the functional form, set per dimensionality

    def __init__(self, *args, algorithm="auto", **kwargs):
        super().__init__(*args, **kwargs)
        self.algorithm = check_algorithm(algorithm)

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.algorithm == "auto" else f"{text}, algorithm={self.algorithm!r}"

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._function
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups,
                        algorithm=self.algorithm)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups,
                    algorithm=self.algorithm)


class Conv1d(_ConvlabConv, nn.Conv1d):
    _function = staticmethod(functional.conv1d)


class Conv2d(_ConvlabConv, nn.Conv2d):
    _function = staticmethod(functional.conv2d)


class Conv3d(_ConvlabConv, nn.Conv3d):
    _function = staticmethod(functional.conv3d)


class MaxPool1d(nn.MaxPool1d):
    def forward(self, input):
        return functional.max_pool1d(input, self.kernel_size, self.stride, self.padding,
                                     self.dilation, self.ceil_mode, self.return_indices)


class MaxPool2d(nn.MaxPool2d):
    def forward(self, input):
        return functional.max_pool2d(input, self.kernel_size, self.stride, self.padding,
                                     self.dilation, self.ceil_mode, self.return_indices)


class MaxPool3d(nn.MaxPool3d):
    def forward(self, input):
        return functional.max_pool3d(input, self.kernel_size, self.stride, self.padding,
                                     self.dilation, self.ceil_mode, self.return_indices)


class AvgPool1d(nn.AvgPool1d):
    def forward(self, input):
        return functional.avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                                     self.ceil_mode, self.count_include_pad)


class AvgPool2d(nn.AvgPool2d):
    def forward(self, input):
        return functional.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                                     self.ceil_mode, self.count_include_pad, self.divisor_override)


class AvgPool3d(nn.AvgPool3d):
    def forward(self, input):
        return functional.avg_pool3d(input, self.kernel_size, self.stride, self.padding,
                                     self.ceil_mode, self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool1d(nn.AdaptiveAvgPool1d):
    def forward(self, input):
        return functional.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(nn.AdaptiveAvgPool2d):
    def forward(self, input):
        return functional.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(nn.AdaptiveAvgPool3d):
    def forward(self, input):
        return functional.adaptive_avg_pool3d(input, self.output_size)
