"""The benchmark suite's machinery (benchmarks/suite.py and its modules) on tiny shapes with
one round of minimal measurements: it runs, and writes results.json, results.md and
results.png with the expected keys. No timing is asserted: the numbers of a shared CI machine
mean nothing here."""

import json

import pytest

from benchmarks import suite
from benchmarks.layer_shapes import ConvLayer, PoolLayer, conv_layers, pool_layers
from benchmarks.memory import cpu_peak_bytes
from benchmarks.train_step import TrainStep

@pytest.fixture(autouse=True)
def one_thread():
    """One thread: on a busy machine a parallel region waits for preempted threads."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


TINY = suite.Settings(rounds=1, min_run_time=0.001, warmup=1, algorithms=("winograd", "fft"))


def tiny_run():
    conv = ConvLayer("vgg16.conv_tiny", (2, 4, 8, 8), (4, 4, 3, 3), (1, 1), (1, 1), (1, 1), 1,
                     bias=True, first=False)
    # 5x5: winograd cannot do it and is skipped, with the reason.
    first = ConvLayer("lenet.conv_tiny", (2, 1, 12, 12), (3, 1, 5, 5), (1, 1), (0, 0), (1, 1), 1,
                      bias=False, first=True)
    pools = [PoolLayer("tiny.pool1", "max_pool2d", (2, 4, 8, 8),
                       {"kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1,
                        "ceil_mode": False}),
             PoolLayer("tiny.pool2", "adaptive_avg_pool2d", (2, 4, 4, 4), {"output_size": (2, 2)})]
    workloads = [suite.Workload("LeNet-5 tiny", "lenet", 2, {"width": 0.5})]
    return suite.run(TINY, [conv, first], pools, workloads, gemm_size=64, log=lambda _: None)


def test_suite_writes_json_markdown_and_chart(tmp_path):
    results = tiny_run()
    paths = suite.write_reports(results, tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"results.json", "results.md", "results.png"}

    data = json.loads(paths["json"].read_text())
    assert set(data) == {"meta", "goals", "gemm", "machine", "conv", "pool", "train", "summary"}
    assert {"threads", "timer", "memory_method", "machine", "torch", "wall_s",
            "settings"} <= set(data["meta"])
    assert data["meta"]["threads"] >= 1 and data["gemm"]["gflops"]["fp32"] > 0
    machine = data["machine"]
    assert machine["instruction_set"] in ("AMX", "AVX-512", "AVX2", "baseline x86-64", "unknown")
    assert [g["shape"] for g in machine["gemms"]][0] == "64³" and len(machine["gemms"]) == 4
    for row in machine["gemms"]:
        assert row["gflops"]["convlab"] > 0 and row["machine_gflops"] >= row["gflops"]["mkl"]
        assert row["convlab_of_machine"] == row["gflops"]["convlab"] / row["machine_gflops"]
    markdown = paths["md"].read_text()
    assert "convlab of machine" in markdown and "custom of machine GEMM" in markdown

    vgg, lenet = data["conv"]
    for row in (vgg, lenet):
        for part in ("fwd", "fwd_bwd"):
            assert {"native", "auto", "fft"} <= set(row[part])
            assert all(v["ms"] > 0 and v["gflops"] > 0 for v in row[part].values())
        assert row["ratio_fwd_bwd"] > 0 and row["auto_picks"] in suite.ALGORITHMS
    assert "winograd" in vgg["fwd_bwd"] and "winograd" in lenet["skipped"]
    assert lenet["input_grad"] is False and lenet["gflop_fwd_bwd"] == 2 * lenet["gflop_fwd"]
    assert vgg["goal"] == 1.5 and isinstance(vgg["pass"], bool)
    assert lenet["goal"] is None and lenet["pass"] is None  # the conv goal is VGG-16's

    assert [p["op"] for p in data["pool"]] == ["max_pool2d", "adaptive_avg_pool2d"]
    assert all(set(p["fwd_bwd"]) == {"native", "custom"} and isinstance(p["pass"], bool)
               for p in data["pool"])

    (train,) = data["train"]
    assert set(train["time"]) == {"native", "custom"}
    assert all(v > 0 for v in train["peak_mib"].values())
    assert {"ratio_time", "ratio_memory", "pass_time", "pass_memory"} <= set(train)
    assert data["summary"] == {"train_time": [int(train["pass_time"]), 1],
                               "train_memory": [int(train["pass_memory"]), 1],
                               "vgg16_conv": [int(vgg["pass"]), 1],
                               "pool": [sum(p["pass"] for p in data["pool"]), 2]}

    text = paths["md"].read_text()
    for heading in ("## Train step", "## Conv layers", "### Every algorithm, forward + backward",
                    "## Pooling layers", "| vgg16.conv_tiny |", "| tiny.pool2 |", "| LeNet-5 tiny |"):
        assert heading in text
    assert "PASS" in text or "FAIL" in text
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_peak_memory_sees_convlab_workspaces():
    """The CPU peak counts what a step allocates inside convlab's kernels, not just tensors
    handed back: im2col's columns make the custom step's peak exceed its output alone. One
    sample, so the columns are one sample's whether im2col runs by sample or by chunk."""
    import torch

    import ops

    model = torch.nn.Sequential(ops.Conv2d(16, 16, 3, padding=1, algorithm="im2col"),
                                torch.nn.Flatten(), torch.nn.Linear(16 * 16 * 16, 10))
    step = TrainStep(model, torch.randn(1, 16, 16, 16), torch.tensor([3]), "fp32")
    step()  # allocates the momentum buffers
    peak = cpu_peak_bytes(step)
    columns = (16 * 9) * (16 * 16) * 4  # (C*kh*kw) x (H*W) float32
    assert peak >= step.resident_bytes() + columns


def test_command_line_writes_the_reports(tmp_path, capsys):
    results = suite.main(["--only", "pool", "--models", "lenet", "--batch", "lenet=4",
                          "--rounds", "1", "--min-run-time", "0.001", "--gemm-size", "64",
                          "--out", str(tmp_path)])
    assert [r["layer"] for r in results["pool"]] == ["lenet.pool1", "lenet.pool2"]
    assert results["conv"] == [] and results["train"] == []
    assert "## Pooling layers" in capsys.readouterr().out
    assert (tmp_path / "results.md").exists() and (tmp_path / "results.png").exists()
    markdown = (tmp_path / "results.md").read_text()
    (tmp_path / "results.md").unlink()
    suite.main(["--render", str(tmp_path)])  # from results.json alone
    assert (tmp_path / "results.md").read_text() == markdown


def test_layer_shapes_cover_every_conv_and_pooling_layer():
    assert [len(conv_layers(m, 1)) for m in ("lenet", "alexnet", "vgg16")] == [3, 5, 13]
    pools = {m: [p.kind for p in pool_layers(m, 1)] for m in ("lenet", "alexnet", "vgg16")}
    assert pools == {"lenet": ["max_pool2d"] * 2,
                     "alexnet": ["max_pool2d"] * 3 + ["adaptive_avg_pool2d"],
                     "vgg16": ["max_pool2d"] * 5}
    assert conv_layers("vgg16", 32)[0].input == (32, 3, 32, 32)
    assert [c.first for c in conv_layers("lenet", 1)] == [True, False, False]


@pytest.mark.parametrize("argv", [["--models", "resnet"], ["--only", "speed"],
                                  ["--algorithms", "gemm"]])
def test_command_line_refuses_unknown_names(argv):
    with pytest.raises(SystemExit):
        suite.main(argv)
