"""The op count behind parity's verdict catches a torch.nn.functional call that escapes
convlab, even one that leaves no pooling kernel at the dispatcher."""

import torch
import torch.nn as nn
import torch.nn.functional as F

import ops
from training.op_counter import backend_check, count_layer_ops


class GlobalPoolNet(nn.Module):
    """densenet121's ending: F.adaptive_avg_pool2d(x, 1), which torch runs as a mean."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(F.adaptive_avg_pool2d(self.conv(x), 1).flatten(1))


def test_an_escaping_functional_call_fails_the_custom_check():
    model = ops.convert(GlobalPoolNet(), "custom")
    batch = torch.randn(2, 1, 8, 8), torch.tensor([0, 2])
    counts = count_layer_ops(model, *batch)
    assert counts["torch_ops"] == {"torch.nn.functional.adaptive_avg_pool2d": 1}, counts
    assert "adaptive_avg_pool2d" in backend_check("custom", counts)
    routed = count_layer_ops(model, *batch, functional="custom")
    assert backend_check("custom", routed) is None, routed
    # conv2d and adaptive_avg_pool2d, forward and backward
    assert routed["convlab_calls"] == 4, routed
