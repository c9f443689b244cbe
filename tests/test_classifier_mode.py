"""The training module's switch: with `functional_backend`, a model's own torch.nn.functional
conv/pool calls run on that backend during a Lightning fit, not only its layers."""

import lightning as L
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from training.classifier import Classifier
from training.op_counter import counting_layer_ops


class FunctionalNet(nn.Module):
    """A model that pools through torch.nn.functional, as inception_v3 does."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


def fit_one_batch(functional_backend):
    torch.manual_seed(0)
    images, labels = torch.randn(8, 1, 10, 10), torch.randint(0, 3, (8,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels),
                                         batch_size=8)
    module = Classifier(FunctionalNet(), 3, lambda params: torch.optim.SGD(params, lr=0.1),
                        {"name": "none"}, functional_backend=functional_backend)
    trainer = L.Trainer(fast_dev_run=True, accelerator="cpu", logger=False,
                        enable_progress_bar=False, enable_model_summary=False)
    with counting_layer_ops() as counts:
        trainer.fit(module, loader, loader)
    return counts


@pytest.mark.parametrize("functional_backend", [None, "custom"])
def test_fit_runs_functional_calls_on_the_chosen_backend(functional_backend):
    counts = fit_one_batch(functional_backend)
    if functional_backend == "custom":
        assert counts["torch_calls"] == 0 and counts["convlab_calls"] > 0, counts
    else:
        assert counts["convlab_calls"] == 0 and counts["torch_calls"] > 0, counts


def test_compiled_classifier_traces_the_model_with_convlab_ops():
    # Dynamo cannot enter the `with ops.backend(...)` in forward itself (a graph break
    # there), but it traces the model inside it under the mode, into convlab's ops.
    graphs = []

    def record(graph_module, example_inputs):
        graphs.append(graph_module.code)
        return graph_module.forward

    torch.manual_seed(0)
    module = Classifier(FunctionalNet(), 3, None, {"name": "none"}, functional_backend="custom")
    x = torch.randn(2, 1, 10, 10)
    out = torch.compile(module, backend=record)(x)
    code = "".join(graphs)
    assert "torch.ops.convlab.max_pool2d" in code and "torch.ops.convlab.adaptive_avg_pool2d" in code
    assert "max_pool2d_with_indices" not in code and "torch.conv2d" not in code
    torch.testing.assert_close(out, module(x), rtol=0, atol=0)
