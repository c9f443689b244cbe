"""trainer.precision (bf16-mixed on the CPU runs convlab's conv in bfloat16) and
trainer.deterministic (two runs, bit-identical weights and metrics)."""

import json
from collections import Counter

import torch
from torch.utils._python_dispatch import TorchDispatchMode

import ops

from training.run import train
from tests.test_training import TINY_FIT


class _ConvDtypes(TorchDispatchMode):
    """Counts, per operator overload, the dtypes of the input tensor it ran on."""

    def __init__(self):
        super().__init__()
        self.seen = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func.overloadpacket)
        # (Ops with a tensor first: convlab.conv2d_gradient_algorithms takes a name.)
        if (name.startswith("convlab.") or name in ("aten.convolution", "aten.conv2d")) and \
                isinstance(args[0], torch.Tensor):
            self.seen[(name, args[0].dtype)] += 1
        return func(*args, **(kwargs or {}))


def test_bf16_mixed_runs_convlabs_conv_in_bfloat16_on_the_cpu(compose_config, tmp_path):
    # CSV logger: TensorBoard's model graph is traced once in float32, outside training.
    with _ConvDtypes() as mode:
        accuracy = train(compose_config(*TINY_FIT, "op=custom", "trainer.precision=bf16-mixed",
                                        "logger=csv"))
    assert 0.0 <= accuracy <= 1.0
    assert mode.seen[("convlab.conv2d", torch.bfloat16)] > 0, mode.seen
    assert mode.seen[("convlab.conv2d_backward", torch.bfloat16)] > 0, mode.seen
    # Autocast leaves no conv in float32, and nothing reached torch's own conv.
    assert mode.seen[("convlab.conv2d", torch.float32)] == 0, mode.seen
    assert not [key for key in mode.seen if key[0].startswith("aten.")], mode.seen


def _run(compose_config, tmp_path, name):
    folder = tmp_path / name
    train(compose_config(*TINY_FIT, "op=custom", "trainer.deterministic=true",
                         "trainer.max_epochs=2", f"paths.output_dir={folder}"))
    weights = torch.load(folder / "checkpoints" / "last.ckpt", weights_only=False)["state_dict"]
    metrics = json.loads((folder / "metrics.json").read_text())
    return weights, {k: metrics[k] for k in ("test_acc", "test_loss", "epochs")}


def test_deterministic_runs_give_bit_identical_weights_and_metrics(compose_config, tmp_path):
    first_weights, first_metrics = _run(compose_config, tmp_path, "first")
    second_weights, second_metrics = _run(compose_config, tmp_path, "second")
    assert first_weights.keys() == second_weights.keys()
    for key, value in first_weights.items():
        assert torch.equal(value, second_weights[key]), key
    assert first_metrics == second_metrics


def test_algorithm_recording_and_benchmark_mode_under_autocast():
    """Under autocast the conv's input is bfloat16 while its weight is still float32 until the
    op casts them: recording and timing must ask about the dtype the kernel runs in."""
    from ops.algorithms import recording_algorithms

    x = torch.randn(2, 16, 16, 16)
    w = torch.randn(16, 16, 3, 3, requires_grad=True)
    ops.set_benchmark(True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16), recording_algorithms() as calls:
            y = ops.conv2d(x.bfloat16(), w, padding=1)
    finally:
        ops.set_benchmark(False)
    assert y.dtype == torch.bfloat16
    assert calls and calls[0]["forward"] in ops.CONV2D_ALGORITHMS[1:]
