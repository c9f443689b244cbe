"""train.py on the command line, output captured as when it is not a terminal: a config
mistake is one line without a traceback, a run that fails before training leaves no folder,
and a run's console is short, plain per-epoch lines with no notices about the libraries."""

import re
import subprocess
import sys
from pathlib import Path

from tests.test_training import TINY_FIT

ROOT = Path(__file__).resolve().parent.parent


def _run_command(*args, cwd=ROOT, script="train.py"):
    """The command line as a user runs it, output captured (not a terminal)."""
    return subprocess.run([sys.executable, str(ROOT / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_command_line_config_mistakes_give_no_traceback(tmp_path):
    wrong_type = _run_command("trainer.max_epochs=abc", cwd=tmp_path)
    assert wrong_type.returncode == 1 and wrong_type.stderr.count("\n") == 1
    assert re.match(r"convlab: .*trainer.max_epochs=abc: .* to Integer$", wrong_type.stderr)
    misspelt = _run_command("trainer.max_epoch=1", cwd=tmp_path)
    assert misspelt.returncode == 1 and misspelt.stderr.count("\n") == 1
    assert "'max_epoch' not in 'TrainerConfig'" in misspelt.stderr
    appended = _run_command("+trainer.max_epoch=1", f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert appended.returncode == 1 and "Traceback" not in appended.stderr
    assert "convlab: unknown key 'trainer.max_epoch'" in appended.stderr
    assert not (tmp_path / "run").exists()


def test_a_run_failing_before_training_removes_its_folder(tmp_path):
    run = tmp_path / "run"
    result = _run_command("data=mnist", f"data.root={tmp_path}/nothing", "data.download=false",
                          f"hydra.run.dir={run}", cwd=tmp_path)
    assert result.returncode == 1 and "convlab: MNIST was not found" in result.stderr
    assert not run.exists()


def test_console_output_of_a_run_is_short_plain_and_quiet(tmp_path):
    # The progress bar is asked for (the default) but stdout is a pipe; more workers than
    # cores made DataLoader warn.
    with_bar = [o for o in TINY_FIT if not o.startswith("trainer.enable_progress_bar")]
    result = _run_command(*with_bar, "trainer.max_epochs=2", "data.num_workers=4",
                          f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "\r" not in output
    assert re.search(r"^epoch 1/2  train/loss \S+  train/acc \S+  val/loss \S+  val/acc \S+", output,
                     re.M)
    assert re.search(r"^epoch 2/2 ", output, re.M)
    for noise in ("No CUDA runtime", "GPU available", "TPU available", "Tip:", "deprecated",
                  "worker processes", "estimate number of stepping batches"):
        assert noise not in output
    assert len(output.splitlines()) < 60
