"""The 1-D and 3-D drop-in modules (ops.Conv1d, ops.Conv3d, ops.MaxPool1d, ...) and
ops.convert across all three dimensionalities, both ways."""

import copy

import pytest
import torch
import torch.nn as nn
from functorch.compile import make_boxed_func
from torch._dynamo.backends.common import aot_autograd

import ops
from ops import python_modules
from training.op_counter import backend_check, count_layer_ops

MODULE_PAIRS = [
    ("Conv1d", dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2)),
    ("Conv1d", dict(in_channels=4, out_channels=4, kernel_size=4, padding="same", bias=False)),
    ("Conv3d", dict(in_channels=4, out_channels=6, kernel_size=(3, 2, 3), stride=(2, 1, 1),
                    padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)),
    ("Conv3d", dict(in_channels=4, out_channels=2, kernel_size=(2, 3, 3), padding="same")),
    ("MaxPool1d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("MaxPool3d", dict(kernel_size=3, stride=2, padding=1, dilation=(2, 1, 1))),
    ("AvgPool1d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("AvgPool3d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=5)),
    ("AdaptiveAvgPool1d", dict(output_size=4)),
    ("AdaptiveAvgPool3d", dict(output_size=(3, None, 2))),
]
SHAPES = {"1d": (2, 4, 11), "3d": (2, 4, 6, 5, 7)}


@pytest.mark.parametrize("backend", ["custom", "python"])
@pytest.mark.parametrize("name,kwargs", MODULE_PAIRS, ids=[p[0] for p in MODULE_PAIRS])
def test_module_matches_native_with_same_init_and_state_dict(name, kwargs, backend):
    torch.manual_seed(0)
    native = getattr(nn, name)(**kwargs).double()
    torch.manual_seed(0)
    custom = getattr(ops.backend(backend), name)(**kwargs).double()
    assert isinstance(custom, getattr(nn, name))
    assert custom.state_dict().keys() == native.state_dict().keys()
    for key, value in native.state_dict().items():
        torch.testing.assert_close(custom.state_dict()[key], value, rtol=0, atol=0)
    assert repr(custom).split("(", 1)[1] == repr(native).split("(", 1)[1]
    x = torch.randn(*SHAPES[name[-2:]], dtype=torch.float64)
    torch.testing.assert_close(custom(x), native(x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls,shape", [(ops.Conv1d, SHAPES["1d"]), (ops.Conv3d, SHAPES["3d"])])
@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_padding_modes(cls, shape, padding_mode):
    torch.manual_seed(0)
    custom = cls(4, 3, 3, padding=2, padding_mode=padding_mode).double()
    native = getattr(nn, cls.__name__)(4, 3, 3, padding=2, padding_mode=padding_mode).double()
    native.load_state_dict(custom.state_dict())
    x = torch.randn(*shape, dtype=torch.float64)
    torch.testing.assert_close(custom(x), native(x), rtol=1e-10, atol=1e-10)


def test_conv_algorithm_argument_repr_and_use_algorithm():
    conv = ops.Conv3d(2, 3, 3, padding=1, algorithm="winograd").double()
    assert "algorithm='winograd'" in repr(conv) and "algorithm" not in conv.state_dict()
    x = torch.randn(1, 2, 4, 5, 5, dtype=torch.float64)
    torch.testing.assert_close(conv(x), nn.functional.conv3d(x, conv.weight, conv.bias, padding=1))
    model = nn.Sequential(ops.Conv1d(2, 2, 3), ops.Conv2d(2, 2, 3), ops.Conv3d(2, 2, 3))
    ops.use_algorithm(model, "fft")
    assert [m.algorithm for m in model] == ["fft"] * 3
    with pytest.raises(ValueError, match="algorithm"):
        ops.Conv1d(2, 2, 3, algorithm="fastest")


@pytest.mark.parametrize("cls,shape", [(ops.MaxPool1d, SHAPES["1d"]), (ops.MaxPool3d, SHAPES["3d"])])
def test_max_pool_modules_return_indices(cls, shape):
    x = torch.randn(*shape)
    out, indices = cls(2, return_indices=True)(x)
    expected, expected_indices = getattr(nn, cls.__name__)(2, return_indices=True)(x)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(indices, expected_indices)


class EveryDimensionality(nn.Module):
    """Conv and pooling layers of all three dimensionalities (12), each through its own branch."""

    def __init__(self):
        super().__init__()
        self.branch1d = nn.Sequential(nn.Conv1d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2),
                                      nn.AvgPool1d(3, 1, 1), nn.AdaptiveAvgPool1d(2))
        self.branch2d = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.AvgPool2d(3, 1, 1), nn.AdaptiveAvgPool2d(2))
        self.branch3d = nn.Sequential(nn.Conv3d(2, 4, 3, stride=(2, 1, 1), padding=1), nn.ReLU(),
                                      nn.MaxPool3d(2, ceil_mode=True),
                                      nn.AvgPool3d(3, 1, 1, count_include_pad=False),
                                      nn.AdaptiveAvgPool3d(2))
        self.head = nn.Linear(4 * (2 + 4 + 8), 3)

    def forward(self, signal, image, volume):
        features = [self.branch1d(signal), self.branch2d(image), self.branch3d(volume)]
        return self.head(torch.cat([f.flatten(1) for f in features], 1))


def _inputs():
    generator = torch.Generator().manual_seed(1)
    return [torch.randn(*shape, generator=generator, dtype=torch.float64)
            for shape in [(2, 2, 12), (2, 2, 8, 9), (2, 2, 11, 6, 6)]]


def _layer_modules(model):
    return [type(m).__module__ for m in model.modules() if type(m).__name__[-2:] in ("1d", "2d", "3d")]


def _outputs_and_gradients(model):
    out = model(*_inputs())
    return [out] + list(torch.autograd.grad(out.square().sum(), list(model.parameters())))


def test_convert_swaps_all_three_dimensionalities_both_ways():
    torch.manual_seed(0)
    native = EveryDimensionality().double()
    model = copy.deepcopy(native)
    parameters = list(model.parameters())
    expected = _outputs_and_gradients(native)

    for backend, module in (("custom", "ops.modules"), ("python", "ops.python_modules"),
                            ("custom", "ops.modules"), ("native", "torch.nn.modules")):
        assert ops.convert(model, backend) is model
        assert all(m.startswith(module) for m in _layer_modules(model)), _layer_modules(model)
        assert list(model.parameters()) == parameters  # the same objects
        for got, want in zip(_outputs_and_gradients(model), expected):
            torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
    assert [type(m) for m in model.modules()] == [type(m) for m in native.modules()]


def test_op_counter_counts_every_dimensionality():
    torch.manual_seed(0)
    native = EveryDimensionality().double()
    labels = torch.tensor([0, 2])

    class Step(nn.Module):  # count_layer_ops runs model(images): one tuple of three inputs
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, inputs):
            return self.model(*inputs)

    counts = {name: count_layer_ops(Step(ops.convert(copy.deepcopy(native), name)), _inputs(),
                                    labels)
              for name in ("native", "custom", "python")}
    # torch's own calls: each of the 12 layers' forward reaches torch once as a function
    # (torch.conv3d, torch.nn.functional.max_pool1d, ...), and its kernels, forward and
    # backward, at the dispatcher (aten.avg_pool3d, ...; torch runs its 1-D layers as 2-D).
    native = counts["native"]["torch_ops"]
    functions = {k: v for k, v in native.items() if not k.startswith("aten.")}
    assert len(functions) == 12 and set(functions.values()) == {1}, functions
    assert all(native[f"aten.{kernel}"] == 1 for kernel in (
        "max_pool3d_with_indices", "max_pool3d_with_indices_backward", "avg_pool3d",
        "avg_pool3d_backward", "_adaptive_avg_pool3d", "_adaptive_avg_pool3d_backward")), native
    assert backend_check("native", counts["native"]) is None
    # convlab: conv3d's three depth taps that read input each run a conv2d, the other layers one
    # 2-D op each; all with their backward ops; no torch conv/pool call.
    assert counts["custom"]["torch_calls"] == 0, counts["custom"]
    assert counts["custom"]["convlab_ops"]["convlab.conv2d"] == 2 + 3, counts["custom"]
    assert counts["custom"]["convlab_ops"]["convlab.conv2d_backward"] == 2 + 3
    for pool in ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"):
        assert counts["custom"]["convlab_ops"][f"convlab.{pool}"] == 3
        assert counts["custom"]["convlab_ops"][f"convlab.{pool}_backward"] == 3
    assert backend_check("custom", counts["custom"]) is None
    # python: one call per layer.
    assert counts["python"]["python_calls"] == 12, counts["python"]
    assert backend_check("python", counts["python"]) is None
    for name in ("custom", "python"):
        assert "torch's own" in backend_check(name, counts["native"])


def test_every_dimensionality_compiles_into_one_graph_of_convlab_ops():
    torch.manual_seed(0)
    model = ops.convert(EveryDimensionality().double(), "custom")
    graphs = []

    def record(graph_module, example_inputs):
        graphs.append(graph_module)
        return make_boxed_func(graph_module.forward)

    compiled = torch.compile(model, backend=aot_autograd(fw_compiler=record), fullgraph=True)
    eager = _outputs_and_gradients(model)
    got = _outputs_and_gradients(compiled)
    for g, e in zip(got, eager):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-10)
    targets = {str(node.target) for g in graphs for node in g.graph.nodes
               if node.op == "call_function"}
    assert {"convlab.conv2d.default", "convlab.max_pool2d.default", "convlab.avg_pool2d.default",
            "convlab.adaptive_avg_pool2d.default"} <= targets, targets
    assert not any("aten.conv" in t or "aten.max_pool" in t or "aten.avg_pool" in t
                   or "aten._adaptive" in t for t in targets), targets


def test_python_modules_are_the_backends_classes():
    assert ops.backend("python").Conv3d is python_modules.Conv3d
    assert ops.backend("custom").AdaptiveAvgPool1d is ops.AdaptiveAvgPool1d
    assert ops.backend("native").MaxPool3d is nn.MaxPool3d
