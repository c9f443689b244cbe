"""Train one model on two backends (by default torch's layers and convlab's) and compare them:
python parity.py model=lenet data.root=../shared/data trainer.max_epochs=3
python parity.py 'parity.backends=[custom,python]' ..."""

import hydra
from omegaconf import DictConfig

from training import config_setup
from training.cli import run_hydra_main

config_setup.register()


@hydra.main(version_base="1.3", config_path="configs", config_name="parity")
def main(cfg: DictConfig) -> None:
    # Imported after Hydra has checked the config (see train.py).
    from training.console import quiet
    from training.errors import UserError
    from training.parity import run_parity

    quiet()
    try:
        report = run_parity(cfg)
    except UserError as error:
        raise SystemExit(f"convlab: {error}") from None
    if not report["summary"]["passed"]:
        raise SystemExit(f"parity FAILED: see {cfg.paths.output_dir}/parity.md")


if __name__ == "__main__":
    run_hydra_main(main)
