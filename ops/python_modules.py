"""torch.nn's conv and pooling modules computed by the python backend (ops.python_functional).
Each subclasses the module it replaces, as ops.modules' do, so parameters, init and
state_dict are torch's own and `ops.convert` swaps classes in place."""

import torch.nn as nn
import torch.nn.functional as F

from . import python_functional as functional


class _PythonConv:
    _function = None  # the functional form, set per dimensionality

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._function
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_PythonConv, nn.Conv1d):
    _function = staticmethod(functional.conv1d)


class Conv2d(_PythonConv, nn.Conv2d):
    _function = staticmethod(functional.conv2d)


class Conv3d(_PythonConv, nn.Conv3d):
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
