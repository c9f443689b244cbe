"""torch.nn's conv and pooling modules computed by the python backend (ops.python_functional).
Each subclasses the module it replaces, as ops.modules' do, so parameters, init and
state_dict are torch's own and `ops.convert` swaps classes in place."""

import torch.nn as nn
import torch.nn.functional as F

from . import python_functional as functional


class Conv2d(nn.Conv2d):
    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return functional.conv2d(padded, weight, bias, self.stride, 0, self.dilation,
                                     self.groups)
        return functional.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                                 self.groups)


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
