"""torchvision's model zoo on convlab: each model, run unconverted inside
`with ops.backend("custom"):`, gives torch's outputs and every gradient in float64 (weights
copied) with zero torch conv/pool calls over a forward and backward. inception_v3 and
densenet121 call torch.nn.functional pooling directly, which `ops.convert` alone cannot reach."""

import copy

import pytest
import torch
import torchvision

import ops
from training.op_counter import counting_layer_ops

# name: (input side in pixels, constructor options). The smallest inputs each model takes,
# to keep the whole zoo within seconds on two CPU cores.
ZOO = {
    "resnet18": (32, {}),
    "googlenet": (32, dict(aux_logits=False, init_weights=False)),
    "mobilenet_v2": (32, {}),
    "squeezenet1_1": (32, {}),
    "densenet121": (32, {}),
    "shufflenet_v2_x0_5": (32, {}),
    "mnasnet0_5": (32, {}),
    "regnet_x_400mf": (32, {}),
    "efficientnet_b0": (32, {}),
    "inception_v3": (75, dict(aux_logits=False, init_weights=False)),
    "convnext_tiny": (32, {}),
}


def forward_backward(model, x, grad_output=None):
    """Output, and the gradients of the input and of every parameter, for one backward."""
    x = x.clone().requires_grad_(True)
    out = model(x)
    if grad_output is None:
        grad_output = torch.randn(out.shape, dtype=out.dtype,
                                  generator=torch.Generator().manual_seed(2))
    out.backward(grad_output)
    grads = {"input": x.grad, **{name: p.grad for name, p in model.named_parameters()}}
    return out, grads, grad_output


@pytest.mark.parametrize("name", list(ZOO))
def test_model_runs_only_convlab_and_matches_torch(name):
    side, options = ZOO[name]
    torch.manual_seed(0)
    # Eval mode: batch norm uses its running statistics and dropout is off, so both runs are
    # deterministic and comparable; autograd still reaches every parameter.
    native = getattr(torchvision.models, name)(num_classes=10, **options).double().eval()
    custom = copy.deepcopy(native)
    x = torch.randn(2, 3, side, side, dtype=torch.float64,
                    generator=torch.Generator().manual_seed(1))

    expected, want, grad_output = forward_backward(native, x)
    with counting_layer_ops("custom") as counts:
        out, got, _ = forward_backward(custom, x, grad_output)

    assert counts["torch_calls"] == 0, counts["torch_ops"]
    assert counts["convlab_calls"] > 0
    torch.testing.assert_close(out, expected, rtol=1e-10, atol=1e-10)
    assert got.keys() == want.keys()
    for key in want:
        assert want[key] is not None, f"{key} got no gradient"
        torch.testing.assert_close(got[key], want[key], rtol=1e-10, atol=1e-10,
                                   msg=lambda m, key=key: f"gradient of {key}: {m}")


@pytest.mark.parametrize("name,calls", [("inception_v3", 11), ("densenet121", 1)])
def test_convert_alone_leaves_functional_pooling_on_torch(name, calls):
    # Why the mode exists: these models pool through torch.nn.functional, which no module
    # swap reaches, so a converted model still runs torch's pooling there.
    side, options = ZOO[name]
    model = ops.convert(getattr(torchvision.models, name)(num_classes=10, **options).eval(),
                        "custom")
    with counting_layer_ops() as counts, torch.no_grad():
        model(torch.randn(1, 3, side, side))
    functional = {k: v for k, v in counts["torch_ops"].items() if not k.startswith("aten.")}
    assert sum(functional.values()) == calls, counts["torch_ops"]
