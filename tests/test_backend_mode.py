"""`with ops.backend(name):` runs every conv/pool call on that backend, whatever alias or module
made it, matches torch in float64 (forward and every gradient), and raises for what the
backend lacks instead of falling back to torch."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import ops
from ops.layer_functions import FUNCTIONAL_NAMES, LAYER_FUNCTIONS
from tests.compare import assert_matches_reference
from training.op_counter import counting_layer_ops

DOUBLE = dict(dtype=torch.float64)


def image(*shape):
    return torch.randn(*shape, **DOUBLE, generator=torch.Generator().manual_seed(1))


# Every way model code calls convlab's four operations: (name, function of the input, and of
# the weight for convolutions).
CALLS = [
    ("F.conv2d", lambda x, w: F.conv2d(x, w, None, 2, 1, 1, 1)),
    ("torch.conv2d padding='same'", lambda x, w: torch.conv2d(x, w, padding="same")),
    ("nn.Conv2d module", lambda x, w: torch.func.functional_call(
        nn.Conv2d(3, 4, 3, padding=1, bias=False), {"weight": w}, (x,))),
    ("F.max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("F.max_pool2d return_indices", lambda x: F.max_pool2d(x, 2, return_indices=True)[0]),
    ("F.max_pool2d_with_indices", lambda x: F.max_pool2d_with_indices(x, 2)[0]),
    ("torch.max_pool2d", lambda x: torch.max_pool2d(x, 2, [], 0, 1, False)),
    ("torch._C._nn.max_pool2d_with_indices",
     lambda x: torch._C._nn.max_pool2d_with_indices(x, [2, 2], [1, 1])[0]),
    ("nn.MaxPool2d module", lambda x: nn.MaxPool2d(2, dilation=2)(x)),
    ("F.avg_pool2d", lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)),
    ("F.avg_pool2d divisor_override", lambda x: F.avg_pool2d(x, 2, divisor_override=3)),
    ("F.adaptive_avg_pool2d to 1", lambda x: F.adaptive_avg_pool2d(x, 1)),
    ("torch._C._nn.adaptive_avg_pool2d", lambda x: torch._C._nn.adaptive_avg_pool2d(x, [3, 2])),
    ("nn.AdaptiveAvgPool2d module", lambda x: nn.AdaptiveAvgPool2d((None, 2))(x)),
    ("unbatched (C, H, W)", lambda x, w: F.max_pool2d(F.conv2d(x[0], w), 2)),
]


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_every_call_form_runs_convlab_and_matches_torch(name, call):
    tensors = (image(2, 3, 9, 8), image(4, 3, 3, 3))[:call.__code__.co_argcount]

    def custom(*args):
        with ops.backend("custom"):
            return call(*args)

    assert_matches_reference(custom, call, tensors, torch.float64)
    leaves = [t.clone().requires_grad_(True) for t in tensors]
    with counting_layer_ops("custom") as counts:
        call(*leaves).sum().backward()
    assert counts["torch_calls"] == 0, counts["torch_ops"]
    assert counts["convlab_calls"] >= 2, counts  # a forward and its backward at least


# The same for the 1-D and 3-D layers, which convlab makes of its 2-D ops: (name, shapes of
# the input and, for convolutions, of the weight, function of those tensors).
L, DHW = (2, 4, 11), (2, 2, 5, 4, 5)
ND_CALLS = [
    ("F.conv1d", (L, (3, 4, 3)), lambda x, w: F.conv1d(x, w, None, 2, 1, 1, 1)),
    ("torch.conv1d padding='same' groups", (L, (4, 2, 4)),
     lambda x, w: torch.conv1d(x, w, padding="same", groups=2)),
    ("nn.Conv1d module", (L, (3, 4, 3)), lambda x, w: torch.func.functional_call(
        nn.Conv1d(4, 3, 3, padding=1, bias=False), {"weight": w}, (x,))),
    ("F.conv3d", (DHW, (3, 2, 3, 2, 3)),
     lambda x, w: F.conv3d(x, w, None, (2, 1, 1), 1, (1, 2, 1))),
    ("nn.Conv3d module padding='same'", ((1, 2, 4, 5, 4), (3, 2, 2, 3, 3)),
     lambda x, w: torch.func.functional_call(
         nn.Conv3d(2, 3, (2, 3, 3), padding="same", bias=False), {"weight": w}, (x,))),
    ("F.max_pool1d return_indices", (L,),
     lambda x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[0]),
    ("torch.max_pool1d_with_indices", (L,), lambda x: torch.max_pool1d_with_indices(x, 2)[0]),
    ("nn.MaxPool3d module", (DHW,), lambda x: nn.MaxPool3d(2, 1, dilation=(2, 1, 1))(x)),
    ("torch._C._nn.max_pool3d_with_indices", (DHW,),
     lambda x: torch._C._nn.max_pool3d_with_indices(x, [2, 2, 2], [2, 1, 2], [1, 0, 1])[0]),
    ("F.avg_pool1d", (L,), lambda x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False)),
    ("torch.avg_pool1d", (L,), lambda x: torch.avg_pool1d(x, 2)),
    ("F.avg_pool3d divisor_override", (DHW,), lambda x: F.avg_pool3d(x, 2, divisor_override=3)),
    ("nn.AvgPool3d module", (DHW,), lambda x: nn.AvgPool3d(3, 2, 1, ceil_mode=True)(x)),
    ("F.adaptive_avg_pool1d", (L,), lambda x: F.adaptive_avg_pool1d(x, 4)),
    ("F.adaptive_avg_pool3d to 1", (DHW,), lambda x: F.adaptive_avg_pool3d(x, 1)),
    ("nn.AdaptiveAvgPool3d module", (DHW,), lambda x: nn.AdaptiveAvgPool3d((3, None, 2))(x)),
]


@pytest.mark.parametrize("name,shapes,call", ND_CALLS, ids=[c[0] for c in ND_CALLS])
def test_every_1d_and_3d_call_form_runs_convlab_and_matches_torch(name, shapes, call):
    tensors = [image(*shape) for shape in shapes]

    def custom(*args):
        with ops.backend("custom"):
            return call(*args)

    assert_matches_reference(custom, call, tensors, torch.float64)
    leaves = [t.clone().requires_grad_(True) for t in tensors]
    with counting_layer_ops("custom") as counts:
        call(*leaves).sum().backward()
    assert counts["torch_calls"] == 0, counts["torch_ops"]
    assert counts["convlab_calls"] >= 2, counts
    # The python backend routes them too, to its own compositions.
    with counting_layer_ops("python") as counts:
        out = call(*tensors)
    torch.testing.assert_close(out, call(*tensors), rtol=1e-10, atol=1e-10)
    assert counts["torch_calls"] == counts["convlab_calls"] == 0, counts
    assert counts["python_calls"] >= 1, counts


# What convlab does not implement (yet): under "custom" each raises and names the operation.
UNSUPPORTED = [
    ("conv_transpose1d", lambda: F.conv_transpose1d(image(1, 2, 8), image(2, 3, 3))),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(2, 3, 3).double()(image(1, 2, 4, 4))),
    ("conv_transpose3d", lambda: nn.ConvTranspose3d(2, 3, 3).double()(image(1, 2, 4, 4, 4))),
    ("adaptive_max_pool1d", lambda: F.adaptive_max_pool1d(image(1, 2, 8), 1)),
    ("adaptive_max_pool2d", lambda: nn.AdaptiveMaxPool2d(1)(image(1, 2, 4, 4))),
    ("adaptive_max_pool3d", lambda: nn.AdaptiveMaxPool3d(1)(image(1, 2, 4, 4, 4))),
    ("lp_pool1d", lambda: F.lp_pool1d(image(1, 2, 8), 2, 2)),
    ("lp_pool2d", lambda: F.lp_pool2d(image(1, 2, 4, 4), 2, 2)),
    ("local_response_norm", lambda: nn.LocalResponseNorm(2)(image(1, 4, 4, 4))),
    ("convolution", lambda: torch.convolution(image(1, 2, 4, 4), image(3, 2, 3, 3), None,
                                              [1, 1], [0, 0], [1, 1], False, [0, 0], 1)),
]


@pytest.mark.parametrize("name,call", UNSUPPORTED, ids=[c[0] for c in UNSUPPORTED])
def test_what_convlab_lacks_raises_instead_of_running_torch(name, call):
    with ops.backend("custom"), pytest.raises(NotImplementedError, match=f"has no {name}:"):
        call()
    call()  # the same call is fine outside the block: the mode, not the call, refused it


def test_an_argument_form_convlab_rejects_raises_instead_of_running_torch():
    # torch's conv takes complex numbers; convlab's does not, and says so.
    x, w = image(1, 3, 6, 6).cfloat(), image(2, 3, 3, 3).cfloat()
    F.conv2d(x, w)
    with ops.backend("custom"), pytest.raises(TypeError, match="convlab.conv2d: unsupported dtype ComplexFloat"):
        F.conv2d(x, w)


def test_every_functional_conv_and_pool_is_in_the_table():
    # F.conv2d, F.avg_pool2d... are torch builtins and F.max_pool2d a wrapper: each object
    # must be known to the mode and the counter, or it would run torch's kernel unseen.
    assert all(getattr(F, name) in LAYER_FUNCTIONS for name in FUNCTIONAL_NAMES)
    assert torch.max_pool2d in LAYER_FUNCTIONS and torch.cudnn_convolution in LAYER_FUNCTIONS


def tiny_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2),
                         nn.AdaptiveAvgPool2d(1)).double()


def forward_backward_counts(model, x, functional=None):
    with counting_layer_ops(functional) as counts:
        model(x).sum().backward()
    return counts


def test_native_mode_runs_convlab_modules_on_torch():
    native = tiny_model()
    converted = ops.convert(tiny_model(), "custom")
    x = image(2, 3, 10, 10)
    counts = forward_backward_counts(converted, x, "native")
    assert counts["convlab_calls"] == 0 and counts["torch_calls"] > 0, counts
    with ops.backend("native"):
        torch.testing.assert_close(converted(x), native(x), rtol=0, atol=0)


def test_the_innermost_block_decides():
    x, w = image(1, 3, 6, 6), image(2, 3, 3, 3)
    with counting_layer_ops() as counts:
        with ops.backend("custom"), ops.backend("native"):
            F.conv2d(x, w)
    assert counts["convlab_calls"] == 0 and counts["torch_calls"] > 0, counts
    with counting_layer_ops() as counts:
        with ops.backend("native"), ops.backend("custom"):
            F.conv2d(x, w)
    assert counts["convlab_calls"] == 1 and counts["torch_calls"] == 0, counts


def test_leaving_the_block_restores_torch_even_after_an_error():
    x, w = image(1, 3, 6, 6), image(2, 3, 3, 3)
    with pytest.raises(NotImplementedError), ops.backend("custom"):
        F.conv_transpose2d(x, w.transpose(0, 1))
    counts = forward_backward_counts(tiny_model(), x)
    assert counts["convlab_calls"] == 0 and counts["torch_calls"] > 0, counts


def test_the_mode_composes_with_torch_compile():
    graphs = []

    def record(graph_module, example_inputs):
        graphs.append(graph_module.code)
        return graph_module.forward

    model, x = tiny_model(), image(2, 3, 10, 10)
    compiled = torch.compile(model, backend=record, fullgraph=True)
    with ops.backend("custom"):
        out = compiled(x)
    assert len(graphs) == 1 and "torch.ops.convlab.conv2d" in graphs[0], graphs
    assert "torch.ops.convlab.adaptive_avg_pool2d" in graphs[0]
    assert "torch.conv2d" not in graphs[0] and "max_pool2d_with_indices" not in graphs[0]
    torch.testing.assert_close(out, model(x), rtol=1e-12, atol=1e-12)
