"""DDP on the CPU (gloo): two processes train one run, end with identical weights and leave
one run folder."""

import json
import subprocess
import sys

import pytest

from training.config_checks import check_config
from training.errors import UserError

from tests.test_training import ROOT, TINY_FIT


def test_two_process_ddp_on_the_cpu_trains_one_run_with_identical_ranks(tmp_path):
    command = [sys.executable, "train.py", "trainer=ddp", "trainer.accelerator=cpu",
               "trainer.devices=2", "op=custom", *TINY_FIT, "data.num_workers=0",
               f"paths.log_dir={tmp_path}", "hydra/job_logging=disabled"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1, runs
    metrics = json.loads((runs[0] / "metrics.json").read_text())
    assert metrics["world_size"] == 2
    digests = metrics["weights_sha256"]
    assert len(digests) == 2 and digests[0] == digests[1]
    assert (runs[0] / "checkpoints" / "last.ckpt").is_file()


def test_sync_batchnorm_on_the_cpu_is_refused_naming_the_key(compose_config):
    cfg = compose_config("trainer=ddp", "trainer.accelerator=cpu", "model.batch_norm=true")
    with pytest.raises(UserError, match="trainer.sync_batchnorm=false"):
        check_config(cfg)
    check_config(compose_config("trainer=ddp", "trainer.accelerator=cpu", "model.batch_norm=true",
                                "trainer.sync_batchnorm=false"))
