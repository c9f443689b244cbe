"""A newcomer's first hour (issue #13): each test names the item of the issue it covers."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from training.config_checks import check_config
from training.errors import UserError
from training.run import train
from training.schedules import make_scheduler

ROOT = Path(__file__).resolve().parent.parent
TINY_FIT = ["data=fake", "trainer.accelerator=cpu", "trainer.enable_progress_bar=false",
            "model=lenet", "data.batch_size=16", "data.train_size=64", "data.test_size=32",
            "trainer.max_epochs=1"]


def _run_command(*args, cwd=ROOT, script="train.py"):
    """The command line as a user runs it, output captured (not a terminal)."""
    return subprocess.run([sys.executable, str(ROOT / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


# 1. Schedules on short runs, and resuming with more epochs.

@pytest.mark.parametrize("name", ["onecycle", "cosine"])
@pytest.mark.parametrize("total_steps", range(1, 13))
def test_1_per_step_schedules_last_every_short_run(name, total_steps):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = make_scheduler(optimizer, name, total_steps=total_steps, max_epochs=1,
                               pct_start=0.25)["scheduler"]
    for _ in range(total_steps):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] >= 0.0


def test_1_a_two_epoch_two_batch_onecycle_run_trains(compose_config):
    accuracy = train(compose_config(*TINY_FIT, "scheduler=onecycle", "trainer.max_epochs=2",
                                    "trainer.limit_train_batches=2"))
    assert 0.0 <= accuracy <= 1.0


def test_1_resuming_onecycle_with_more_epochs_stops_at_once_saying_how(compose_config, tmp_path):
    train(compose_config(*TINY_FIT, "scheduler=onecycle"))
    last = tmp_path / "checkpoints" / "last.ckpt"
    with pytest.raises(UserError, match=r"Resume with trainer.max_epochs=1 .*scheduler=step"):
        train(compose_config(*TINY_FIT, "scheduler=onecycle", "trainer.max_epochs=3",
                             f"ckpt_path={last}"))
    assert torch.load(last, weights_only=False)["global_step"] == 3  # not one step taken
    assert (tmp_path / "metrics.json").is_file()  # the first run's folder is kept


# 2. Typed configs: a wrong type or unknown key fails at compose time, naming the key.

@pytest.mark.parametrize("override,expected_type", [
    ("trainer.max_epochs=abc", "Integer"), ("seed=x", "Integer"), ("model.width=wide", "Float"),
    ("data.batch_size=big", "Integer"), ("optimizer.lr=fast", "Float"),
    ("scheduler.pct_start=x", "Float"), ("trainer.enable_progress_bar=maybe", "bool"),
    ("parity.tolerance=x", "Float"),
])
def test_2_wrong_types_fail_at_compose_naming_key_and_type(compose_config, override,
                                                           expected_type):
    with pytest.raises(ConfigCompositionException) as error:
        compose_config(override, config_name="parity")
    assert override in str(error.value) and expected_type in str(error.value.__cause__)


def test_2_misspelt_key_fails_at_compose(compose_config):
    with pytest.raises(ConfigCompositionException) as error:
        compose_config("trainer.max_epoch=1")
    assert "max_epoch" in str(error.value.__cause__)


def test_2_appended_unknown_key_fails_before_setup_naming_it(compose_config):
    with pytest.raises(UserError, match=r"unknown key 'trainer.max_epoch' \(TrainerConfig has: "):
        check_config(compose_config("+trainer.max_epoch=1"))


@pytest.mark.parametrize("override,key", [
    ("trainer.limit_train_batches=1.5", "trainer.limit_train_batches"),
    ("trainer.limit_val_batches=-2", "trainer.limit_val_batches"),
    ("op.backend=cudnn", "op.backend"), ("scheduler.name=linear", "scheduler.name"),
])
def test_2_values_outside_the_schema_fail_naming_the_key(compose_config, override, key):
    with pytest.raises(UserError, match=re.escape(key)):
        check_config(compose_config(override))


def test_2_command_line_config_mistakes_give_no_traceback(tmp_path):
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


# 3. Data errors name the alternative that works.

def test_3_missing_cifar10_batches_name_the_jpeg_copy(compose_config, tmp_path):
    (tmp_path / "data" / "cifar10-jpg").mkdir(parents=True)
    with pytest.raises(UserError) as error:
        train(compose_config("data=cifar10", f"data.root={tmp_path}/data", "data.download=false"))
    assert f"data=imagefolder data.root={tmp_path}/data/cifar10-jpg" in str(error.value)
    assert "../shared/data" not in str(error.value)


@pytest.mark.parametrize("experiment", ["vgg16_cifar10", "alexnet_cifar10"])
def test_3_cifar_experiments_take_the_jpeg_copy(compose_config, experiment):
    cfg = compose_config(f"experiment={experiment}", "data=imagefolder", "data.root=/jpegs")
    assert cfg.data._target_ == "training.data.ImageFolderData" and cfg.data.root == "/jpegs"
    assert cfg.trainer.max_epochs >= 20  # the recipe's own settings stay


# 4. The first build says what it does, and uses every core.

def test_4_first_build_announces_itself_and_uses_every_core(monkeypatch, tmp_path, capsys):
    from ops import _extension

    built = []

    def fake_load(**options):
        built.append(options)
        (Path(options["build_directory"]) / f"{options['name']}.so").touch()
        return "loaded"

    monkeypatch.setattr(_extension.cpp_extension, "load", fake_load)
    monkeypatch.setenv("CONVLAB_BUILD_DIR", str(tmp_path))
    monkeypatch.setenv("CONVLAB_CUDA", "0")
    monkeypatch.delenv("MAX_JOBS", raising=False)
    _extension.load_extension()
    cores = len(os.sched_getaffinity(0))
    assert re.search(rf"compiling .* with {cores} parallel jobs: about \d+ min",
                     capsys.readouterr().err)
    assert os.environ["MAX_JOBS"] == str(cores)
    _extension.load_extension()  # built and up to date: nothing to say
    assert capsys.readouterr().err == "" and len(built) == 2


# 5. Paths anchored at the project; no litter from failed runs and downloads.

def test_5_data_and_outputs_default_to_the_project_wherever_run_from(monkeypatch, tmp_path):
    from training import config_setup

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATA_ROOT", raising=False)
    config_setup.register()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    assert OmegaConf.select(cfg, "hydra.run.dir").startswith(f"{ROOT}/outputs/runs/")
    assert OmegaConf.select(cfg, "hydra.sweep.dir").startswith(f"{ROOT}/outputs/multirun/")
    assert cfg.data.root == f"{ROOT}/data"


def test_5_a_run_failing_before_training_removes_its_folder(tmp_path):
    run = tmp_path / "run"
    result = _run_command("data=mnist", f"data.root={tmp_path}/nothing", "data.download=false",
                          f"hydra.run.dir={run}", cwd=tmp_path)
    assert result.returncode == 1 and "convlab: MNIST was not found" in result.stderr
    assert not run.exists()


@pytest.mark.parametrize("root_exists", [False, True])
def test_5_a_failed_download_removes_what_it_created(compose_config, monkeypatch, tmp_path,
                                                     root_exists):
    import training.data

    def offline_mnist(root, download, **_):
        (Path(root) / "MNIST" / "raw").mkdir(parents=True)
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(training.data.datasets, "MNIST", offline_mnist)
    shared = tmp_path / "shared"
    if root_exists:
        (shared / "data").mkdir(parents=True)
    with pytest.raises(UserError, match="could not be downloaded"):
        train(compose_config("data=mnist", f"data.root={shared}/data",
                             f"paths.output_dir={tmp_path}/run"))
    assert sorted(tmp_path.rglob("*")) == ([shared, shared / "data"] if root_exists else [])


# 6. Short runs are short everywhere.

def test_6_smoke_experiment_limits_every_stage_and_trains_any_model(compose_config):
    cfg = compose_config("experiment=smoke", "model=vgg16")
    assert cfg.model.name == "vgg16" and cfg.data.name == "fake"
    assert cfg.trainer.max_epochs == 1
    assert all(cfg.trainer[f"limit_{stage}_batches"] for stage in ("train", "val", "test"))
    assert 0.0 <= train(compose_config("experiment=smoke", "model=lenet",
                                       "trainer.enable_progress_bar=false")) <= 1.0
    real_data = compose_config("experiment=smoke", "data=mnist")
    assert real_data.data.name == "mnist" and real_data.trainer.limit_train_batches == 10


def test_6_readme_shorter_runs_limit_every_stage_and_compose(compose_config):
    row = next(line for line in (ROOT / "README.md").read_text().splitlines()
               if line.startswith("| shorter runs"))
    overrides = [word for code in re.findall(r"`([^`]+)`", row) for word in code.split()
                 if "=" in word]
    cfg = compose_config(*overrides)
    assert {"experiment=smoke", "trainer.limit_val_batches=0.1",
            "trainer.limit_test_batches=0.1"} <= set(overrides)
    assert cfg.trainer.limit_val_batches == cfg.trainer.limit_test_batches == 0.1


# 7. A quiet console: per-epoch lines when not on a terminal, no notices about the libraries.

def test_7_console_output_of_a_run_is_short_plain_and_quiet(tmp_path):
    # The progress bar is asked for (the default) but stdout is a pipe; more workers than
    # cores made DataLoader warn.
    with_bar = [o for o in TINY_FIT if not o.startswith("trainer.enable_progress_bar")]
    result = _run_command(*with_bar, "trainer.max_epochs=2", "data.num_workers=4",
                          f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "\r" not in output
    assert re.search(r"^epoch 1/2  train/loss \S+  val/loss \S+  val/acc \S+", output, re.M)
    assert re.search(r"^epoch 2/2 ", output, re.M)
    for noise in ("No CUDA runtime", "GPU available", "TPU available", "Tip:", "deprecated",
                  "worker processes", "estimate number of stepping batches"):
        assert noise not in output
    assert len(output.splitlines()) < 60


# 8. HParams logged with the real final metrics, no placeholder points.

def test_8_hparams_add_no_points_to_the_metric_curves(compose_config, tmp_path):
    train(compose_config(*TINY_FIT, "trainer.max_epochs=2"))
    events = EventAccumulator(str(tmp_path / "tensorboard"), size_guidance={"scalars": 0})
    events.Reload()
    assert [e.step for e in events.Scalars("val/acc")] == [2, 5]
    assert [e.step for e in events.Scalars("test/acc")] == [6]
    summaries = b"".join(p.read_bytes() for p in (tmp_path / "tensorboard").glob("events.*"))
    assert b"_hparams_/experiment" in summaries and b"test/acc" in summaries


# 9. Presets that need a GPU say so at once.

@pytest.mark.parametrize("preset", ["gpu", "ddp"])
def test_9_gpu_presets_fail_at_once_without_a_gpu(compose_config, monkeypatch, preset):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(UserError, match=r"trainer.accelerator=gpu .* needs a GPU .* trainer=cpu"):
        check_config(compose_config(f"trainer={preset}"))
