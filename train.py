"""Train and test a model: python train.py model=lenet op=custom [key=value ...]"""

import hydra
from omegaconf import DictConfig

from training import config_setup
from training.cli import run_hydra_main

config_setup.register()


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float:
    # Imported here, after Hydra has checked the config: a config mistake is reported at
    # once, not after the extension's first build.
    from training.console import quiet
    from training.errors import UserError
    from training.run import train

    quiet()
    try:
        return train(cfg)
    except UserError as error:
        raise SystemExit(f"convlab: {error}") from None


if __name__ == "__main__":
    run_hydra_main(main)
