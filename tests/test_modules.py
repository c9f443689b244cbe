import copy

import pytest
import torch
import torch.nn as nn
import torchvision

import ops

MODULE_PAIRS = [
    (nn.Conv2d, ops.Conv2d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2,
                                 padding=1, dilation=1, groups=2, bias=True)),
    (nn.Conv2d, ops.Conv2d, dict(in_channels=4, out_channels=4, kernel_size=(3, 5),
                                 padding="same", bias=False)),
    (nn.MaxPool2d, ops.MaxPool2d, dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (nn.AvgPool2d, ops.AvgPool2d, dict(kernel_size=3, stride=2, padding=1,
                                       count_include_pad=False, divisor_override=None)),
    (nn.AdaptiveAvgPool2d, ops.AdaptiveAvgPool2d, dict(output_size=(3, None))),
]


@pytest.mark.parametrize("native_cls,custom_cls,kwargs", MODULE_PAIRS)
def test_module_matches_native_with_same_init_and_state_dict(native_cls, custom_cls, kwargs):
    torch.manual_seed(0)
    native = native_cls(**kwargs).double()
    torch.manual_seed(0)
    custom = custom_cls(**kwargs).double()
    assert custom.state_dict().keys() == native.state_dict().keys()
    for key, value in native.state_dict().items():
        torch.testing.assert_close(custom.state_dict()[key], value, rtol=0, atol=0)
    assert repr(custom).split("(", 1)[1] == repr(native).split("(", 1)[1]
    x = torch.randn(2, 4, 9, 10, dtype=torch.float64)
    torch.testing.assert_close(custom(x), native(x), rtol=1e-10, atol=1e-10)


def test_conv_state_dict_loads_both_ways():
    native = nn.Conv2d(3, 5, 3)
    custom = ops.Conv2d(3, 5, 3)
    custom.load_state_dict(native.state_dict())
    x = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(custom(x), native(x))
    with torch.no_grad():
        custom.weight.mul_(2)
    native.load_state_dict(custom.state_dict())
    torch.testing.assert_close(custom(x), native(x))


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_padding_modes(padding_mode):
    torch.manual_seed(0)
    native = nn.Conv2d(3, 4, 3, padding=2, padding_mode=padding_mode).double()
    custom = ops.Conv2d(3, 4, 3, padding=2, padding_mode=padding_mode).double()
    custom.load_state_dict(native.state_dict())
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    torch.testing.assert_close(custom(x), native(x), rtol=1e-10, atol=1e-10)


def test_max_pool_module_returns_indices():
    x = torch.randn(1, 2, 8, 8)
    out, indices = ops.MaxPool2d(2, return_indices=True)(x)
    expected, expected_indices = nn.MaxPool2d(2, return_indices=True)(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(indices, expected_indices)


def _layer_types(model):
    return [type(m) for m in model.modules()
            if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d))]


@pytest.mark.parametrize("name,size", [("alexnet", 64), ("vgg11_bn", 32)])
def test_convert_torchvision_model_keeps_outputs_and_gradients(name, size):
    torch.manual_seed(0)
    native = getattr(torchvision.models, name)(num_classes=10).double()
    custom = ops.convert(copy.deepcopy(native), "custom")
    types = _layer_types(custom)
    assert types and all(t.__module__ == "ops.modules" for t in types)
    assert all(t.__module__.startswith("torch.nn") for t in _layer_types(native))

    x = torch.randn(2, 3, size, size, dtype=torch.float64)
    # Same seed before each forward: AlexNet's dropout draws the same masks.
    torch.manual_seed(1)
    out_native = native(x)
    torch.manual_seed(1)
    out_custom = custom(x)
    torch.testing.assert_close(out_custom, out_native, rtol=1e-10, atol=1e-10)
    out_native.square().sum().backward()
    out_custom.square().sum().backward()
    for (key, p_native), p_custom in zip(native.named_parameters(), custom.parameters()):
        torch.testing.assert_close(p_custom.grad, p_native.grad, rtol=1e-9, atol=1e-10,
                                   msg=lambda m, key=key: f"{key}: {m}")

    back = ops.convert(custom, "native")
    assert back is custom
    assert _layer_types(back) == _layer_types(native)


def test_convert_keeps_parameter_objects_and_rejects_unknown_backend():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2))
    weight = model[0].weight
    ops.convert(model, "custom")
    assert isinstance(model[0], ops.Conv2d) and model[0].weight is weight
    with pytest.raises(ValueError, match="backend"):
        ops.convert(model, "cudnn")


def test_custom_model_traces_whole_with_torch_compile():
    """fullgraph=True fails on any graph break, so the fake and autograd registrations
    must carry every convlab op through AOTAutograd."""
    from models import build_model

    torch.manual_seed(0)
    model = build_model("lenet", backend="custom", in_channels=1, image_size=28, pooling="avg")
    x = torch.randn(4, 1, 28, 28)
    eager = model(x)
    (eager_grad,) = torch.autograd.grad(eager.sum(), model[1].weight)
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)(x)
    (compiled_grad,) = torch.autograd.grad(compiled.sum(), model[1].weight)
    torch.testing.assert_close(compiled, eager)
    torch.testing.assert_close(compiled_grad, eager_grad)
