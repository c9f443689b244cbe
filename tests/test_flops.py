"""FLOPs: torch.utils.flop_counter (and so Lightning's model summary) counts convlab's convolutions
as it counts torch's, forward and backward."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from models import build_model


def _flops(model, x):
    with FlopCounterMode(display=False) as counter:
        model(x).sum().backward()
    return counter.get_total_flops()


@pytest.mark.parametrize("name,shape", [("lenet", (2, 1, 28, 28)), ("vgg11", (2, 3, 32, 32))])
def test_custom_and_native_count_the_same_nonzero_flops(name, shape):
    x = torch.randn(shape)
    native = build_model(name, backend="native", in_channels=shape[1], image_size=shape[-1])
    custom = build_model(name, backend="custom", in_channels=shape[1], image_size=shape[-1])
    assert _flops(custom, x) == _flops(native, x) > 0
