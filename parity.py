"""Train one model with torch's and with convlab's layers and compare them:
python parity.py model=lenet data.root=../shared/data trainer.max_epochs=3"""

import hydra
from omegaconf import DictConfig

from training.errors import UserError
from training.parity import run_parity
from training.run import register_resolvers

register_resolvers()


@hydra.main(version_base="1.3", config_path="configs", config_name="parity")
def main(cfg: DictConfig) -> None:
    try:
        report = run_parity(cfg)
    except UserError as error:
        raise SystemExit(f"convlab: {error}") from None
    if not report["summary"]["passed"]:
        raise SystemExit(f"parity FAILED: see {cfg.paths.output_dir}/parity.md")


if __name__ == "__main__":
    main()
