"""Train and test a model: python train.py model=lenet op=custom [key=value ...]"""

import hydra
from omegaconf import DictConfig

from training.errors import UserError
from training.run import register_resolvers, train

register_resolvers()


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> float:
    try:
        return train(cfg)
    except UserError as error:
        raise SystemExit(f"convlab: {error}") from None


if __name__ == "__main__":
    main()
