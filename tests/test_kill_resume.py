"""Faults (issue 12): a run killed mid-epoch (SIGKILL) resumes from its last step checkpoint
and ends with the same number of epochs and steps as a run that was never interrupted."""

import json
import signal
import subprocess
import sys
import time

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from training.run import train
from tests.test_training import ROOT

STEPS_PER_EPOCH = 20
EVERY_N_STEPS = 3  # last.ckpt at steps 3, 6, ..., 18, 20 (epoch end), 21, ..., 39, 40
EPOCHS = 2
RUN = ["data=fake", "model=lenet", "op=custom", "trainer.accelerator=cpu",
       "trainer.enable_progress_bar=false", "data.batch_size=8", f"trainer.max_epochs={EPOCHS}",
       f"trainer.limit_train_batches={STEPS_PER_EPOCH}", "trainer.limit_val_batches=2",
       "trainer.limit_test_batches=2", "trainer.log_every_n_steps=1",
       f"checkpoint_every_n_steps={EVERY_N_STEPS}"]
FIRST_CHECKPOINT_TIMEOUT_S = 300  # the command's start (imports) on a busy machine included


def _checkpoint(path):
    saved = torch.load(path, map_location="cpu", weights_only=False)
    return saved["epoch"], saved["global_step"]


def _kill_after_first_step_checkpoint(folder, log):
    """Runs train.py with RUN in `folder` and SIGKILLs it as soon as last.ckpt appears, which
    first happens at step EVERY_N_STEPS, in the middle of the first epoch."""
    last = folder / "checkpoints" / "last.ckpt"
    command = [sys.executable, "train.py", *RUN, f"hydra.run.dir={folder}",
               "hydra/job_logging=disabled"]
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + FIRST_CHECKPOINT_TIMEOUT_S
        while not last.exists():
            assert process.poll() is None, \
                f"the run ended before writing last.ckpt:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no last.ckpt after {FIRST_CHECKPOINT_TIMEOUT_S} s"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()  # a no-op once it is dead; no run outlives a failed test
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the run finished before it was killed"
    return last


def test_a_run_killed_mid_epoch_resumes_to_the_same_epochs_and_steps(compose_config, tmp_path,
                                                                     capsys):
    last = _kill_after_first_step_checkpoint(tmp_path / "killed", tmp_path / "killed.log")
    epoch, step = _checkpoint(last)
    assert 0 < step < EPOCHS * STEPS_PER_EPOCH and step % STEPS_PER_EPOCH != 0, \
        f"last.ckpt of the killed run is not mid-epoch: step {step}"

    train(compose_config(*RUN, f"paths.output_dir={tmp_path}/straight"))
    capsys.readouterr()
    train(compose_config(*RUN, f"paths.output_dir={tmp_path}/resumed", f"ckpt_path={last}"))
    printed = capsys.readouterr().out

    straight = _checkpoint(tmp_path / "straight" / "checkpoints" / "last.ckpt")
    resumed = _checkpoint(tmp_path / "resumed" / "checkpoints" / "last.ckpt")
    assert straight[1] == EPOCHS * STEPS_PER_EPOCH
    assert resumed == straight
    metrics = {run: json.loads((tmp_path / run / "metrics.json").read_text())
               for run in ("straight", "resumed")}
    assert (metrics["resumed"]["epochs"], metrics["resumed"]["steps"]) == \
        (metrics["straight"]["epochs"], metrics["straight"]["steps"]) == (EPOCHS, EPOCHS * STEPS_PER_EPOCH)
    # Resumed, not restarted: the resumed run took exactly the steps after the checkpoint's.
    events = EventAccumulator(str(tmp_path / "resumed" / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    assert [e.step for e in events.Scalars("train/lr")] == list(range(step, EPOCHS * STEPS_PER_EPOCH))
    # One line for the rest of the interrupted epoch, one for each later epoch.
    assert [line.split()[1] for line in printed.splitlines() if line.startswith("epoch ")] == \
        [f"{n}/{EPOCHS}" for n in range(epoch + 1, EPOCHS + 1)]
