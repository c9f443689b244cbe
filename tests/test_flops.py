"""FLOPs: torch.utils.flop_counter (and so Lightning's model summary) counts convlab's convolutions
as it counts torch's, forward and backward."""

import pytest
import torch
from lightning.pytorch.utilities.model_summary import ModelSummary
from torch.utils.flop_counter import FlopCounterMode

from models import build_model
from training.run import build_data_and_model, make_classifier


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


@pytest.mark.parametrize("model,data", [("lenet", ["data.in_channels=1", "data.image_size=28"]),
                                        ("vgg11", ["data.in_channels=3", "data.image_size=32"])])
def test_lightning_summary_counts_the_same_nonzero_flops_on_both_backends(compose_config, model,
                                                                          data):
    # The module as train.py builds it: the summary counts the forward of its example input.
    totals = {}
    for op in ("native", "custom"):
        cfg = compose_config("data=fake", *data, f"model={model}", f"op={op}")
        data_module, network = build_data_and_model(cfg)
        totals[op] = ModelSummary(make_classifier(cfg, network, data_module)).total_flops
    assert totals["custom"] == totals["native"] > 0
