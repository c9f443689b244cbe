"""The evolution experiment's machinery on a tiny setting: random images, one batch of each
split, two models; multiply-adds counted by hand; the command's JSON, Markdown and PNG."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch.nn as nn

from models import build_model
from training.errors import UserError
from training.evolution import count_macs, count_parameters, run_evolution

ROOT = Path(__file__).resolve().parent.parent

TINY = ["data=fake", "data.batch_size=8", "data.train_size=32", "data.test_size=16",
        "data.num_workers=0", "trainer.max_epochs=1", "trainer.limit_train_batches=2",
        "trainer.limit_val_batches=1", "trainer.limit_test_batches=1",
        "trainer.accelerator=cpu", "trainer.enable_progress_bar=false"]

# LeNet-5 on 3x32x32: C1 6x28x28 outputs of 3x5x5, C3 16x10x10 of 6x5x5, C5 120 of 16x5x5,
# F6 84 of 120, output 10 of 84.
LENET_MACS = 6 * 28 * 28 * 3 * 25 + 16 * 10 * 10 * 6 * 25 + 120 * 16 * 25 + 84 * 120 + 10 * 84


def test_macs_count_convs_by_groups_and_linears_by_inputs():
    model = nn.Sequential(
        nn.Conv2d(4, 8, 3, padding=1),  # 8x6x6 outputs of 4x3x3
        nn.Conv2d(8, 8, 3, stride=2, groups=4, bias=False),  # 8x2x2 outputs of 2x3x3
        nn.Flatten(), nn.Linear(32, 5))
    model.train()
    assert count_macs(model, 4, 6) == 8 * 36 * 36 + 8 * 4 * 18 + 5 * 32
    assert model.training  # its mode is restored
    assert all(not m._forward_hooks for m in model.modules())


@pytest.mark.parametrize("backend", ["native", "custom"])
def test_lenet_macs_and_parameters_on_cifar_shapes(backend):
    model = build_model("lenet", backend=backend, in_channels=3, image_size=32)
    assert count_macs(model, 3, 32) == LENET_MACS
    assert count_parameters(model) == (6 * 76 + 16 * 151 + 120 * 401 + 84 * 121 + 10 * 85)


def test_evolution_trains_both_backends_of_each_model_and_reports(compose_config, tmp_path):
    cfg = compose_config(*TINY, "evolution.models=[lenet,resnet18]",
                         "evolution.configs.resnet18.width=0.125", config_name="evolution")
    report = run_evolution(cfg)

    assert report["backends"] == ["native", "custom"] and not report["problems"]
    assert [row["model"] for row in report["rows"]] == ["lenet", "resnet18"]
    lenet, resnet = report["rows"]
    assert lenet["macs_per_image"] == LENET_MACS
    assert resnet["config"]["width"] == 0.125
    assert 0 < lenet["parameters"] < resnet["parameters"]
    assert lenet["macs_per_image"] < resnet["macs_per_image"]
    for row in report["rows"]:
        for backend in ("native", "custom"):
            run = row["runs"][backend]
            assert run["train_batches"] == 2 and run["test_batches"] == 1
            assert 0 < run["train_seconds_per_epoch"] <= run["seconds_per_epoch"]
            assert run["backend_problem"] is None
        assert row["delta_points"] == pytest.approx(
            100 * (row["runs"]["custom"]["test_acc"] - row["runs"]["native"]["test_acc"]))
    assert report["sizing"]["train_images_per_epoch"] == 16
    assert report["sizing"]["test_images"] == 8

    saved = json.loads((tmp_path / "evolution.json").read_text())
    assert [row["model"] for row in saved["rows"]] == ["lenet", "resnet18"]
    table = (tmp_path / "evolution.md").read_text().splitlines()
    assert table[0].startswith("| model | width | parameters | multiply-adds / image |")
    assert table[2].startswith("| LeNet-5 | 1 | 62.01 k | 651.72 k |")
    assert table[3].startswith("| ResNet-18 | 0.125 |")
    assert "16 training images" in table[5] and "ResNet-18 0.125" in table[5]
    assert (tmp_path / "evolution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_model_without_a_config_is_a_clear_error(compose_config):
    cfg = compose_config(*TINY, "evolution.models=[lenet,vgg19]", config_name="evolution")
    with pytest.raises(UserError, match="'vgg19', which has no evolution.configs entry"):
        run_evolution(cfg)


def test_evolution_command_writes_its_report(tmp_path):
    command = [sys.executable, "evolution.py", *TINY, "evolution.models=[lenet]",
               f"hydra.run.dir={tmp_path}", "hydra/job_logging=disabled"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {"evolution.json", "evolution.md", "evolution.png"} <= {p.name for p in tmp_path.iterdir()}
    assert "| LeNet-5 | 1 |" in result.stdout
