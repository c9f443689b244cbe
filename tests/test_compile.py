"""torch.compile (inductor, one graph) and torch.export of a LeNet-5 on convlab's layers: both
run convlab's ops and give eager's results."""

import pytest
import torch

import ops

from models import build_model


def _lenet_and_batch(algorithm="im2col"):
    torch.manual_seed(0)
    model = build_model("lenet", backend="custom", num_classes=10, in_channels=1, image_size=32)
    ops.use_algorithm(model, algorithm)
    x = torch.randn(4, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    return model, x


def _graph_ops(graph_module) -> set[str]:
    return {str(node.target) for node in graph_module.graph.nodes if node.op == "call_function"}


# "auto" runs LeNet-5's first layer (one input channel, 5x5) on FFT, the rest on im2col.
@pytest.mark.parametrize("algorithm", ["im2col", "direct", "fft", "auto"])
def test_compile_fullgraph_matches_eager_forward_and_backward(algorithm):
    model, x = _lenet_and_batch(algorithm)
    graphs = []

    def inductor_recording(gm, example_inputs):
        graphs.append(gm)
        from torch._inductor.compile_fx import compile_fx
        return compile_fx(gm, example_inputs)

    compiled = torch.compile(model, backend=inductor_recording, fullgraph=True)
    eager_out = model(x)
    eager_grads = torch.autograd.grad(eager_out.square().sum(), list(model.parameters()))
    out = compiled(x)
    grads = torch.autograd.grad(out.square().sum(), list(model.parameters()))
    torch.testing.assert_close(out, eager_out, rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, eager_grads):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    # One graph, holding convlab's conv and pooling (not torch's).
    assert len(graphs) == 1
    traced = " ".join(_graph_ops(graphs[0]))
    assert "convlab.conv2d" in traced and "convlab.avg_pool2d" in traced, traced
    assert "conv2d.default" not in traced.replace("convlab.conv2d.default", ""), traced


def test_export_runs_convlabs_ops_and_matches_eager():
    model, x = _lenet_and_batch()
    exported = torch.export.export(model, (x,))
    traced = _graph_ops(exported.graph_module)
    assert "convlab.conv2d.default" in traced, traced
    assert "convlab.avg_pool2d.default" in traced, traced
    assert not any(name.startswith("aten.conv") or "pool2d" in name and "convlab" not in name
                   for name in traced), traced
    torch.testing.assert_close(exported.module()(x), model(x), rtol=0, atol=0)


def test_compile_switch_trains_and_writes_plain_checkpoints(compose_config, tmp_path):
    from tests.test_training import TINY_FIT
    from training.run import train

    accuracy = train(compose_config(*TINY_FIT, "op=custom", "compile=true"))
    assert 0.0 <= accuracy <= 1.0
    saved = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    assert saved and not [key for key in saved if "_orig_mod" in key], list(saved)
    # A compiled run's checkpoint tests without compile.
    best = next((tmp_path / "checkpoints").glob("best-*.ckpt"))
    tested = train(compose_config(*TINY_FIT, "train=false", f"ckpt_path={best}",
                                  f"paths.output_dir={tmp_path}/tested"))
    assert tested == accuracy
