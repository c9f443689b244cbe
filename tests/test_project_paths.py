"""Data and outputs default to folders of the project (data/, outputs/runs/,
outputs/multirun/), whichever folder a run starts from."""

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parent.parent


def test_data_and_outputs_default_to_the_project_wherever_run_from(monkeypatch, tmp_path):
    from training import config_setup

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATA_ROOT", raising=False)
    config_setup.register()
    with initialize_config_dir(config_dir=str(ROOT / "configs"), version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    assert OmegaConf.select(cfg, "hydra.run.dir").startswith(f"{ROOT}/outputs/runs/")
    assert OmegaConf.select(cfg, "hydra.sweep.dir").startswith(f"{ROOT}/outputs/multirun/")
    assert cfg.data.root == f"{ROOT}/data"
