"""Every model of the zoo, LeNet-5 to ResNet-34, trained on two backends (by default torch's
layers and convlab's) and compared: parameters, multiply-adds, time per epoch, accuracy:
python evolution.py data.root=../shared/data/cifar10-jpg
python evolution.py 'evolution.models=[lenet,vgg11]' evolution.configs.vgg11.width=0.5 ..."""

import hydra
from omegaconf import DictConfig

from training import config_setup
from training.cli import run_hydra_main

config_setup.register()


@hydra.main(version_base="1.3", config_path="configs", config_name="evolution")
def main(cfg: DictConfig) -> None:
    # Imported after Hydra has checked the config (see train.py).
    from training.console import quiet
    from training.errors import UserError
    from training.evolution import run_evolution

    quiet()
    try:
        report = run_evolution(cfg)
    except UserError as error:
        raise SystemExit(f"convlab: {error}") from None
    if report["problems"]:
        raise SystemExit(f"evolution FAILED (a run used the other backend's layers): see "
                         f"{cfg.paths.output_dir}/evolution.md")


if __name__ == "__main__":
    run_hydra_main(main)
