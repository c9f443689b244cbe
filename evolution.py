"""Every model of the zoo, LeNet-5 to ResNet-34, trained on two backends (by default torch's
layers and convlab's) and compared: parameters, multiply-adds, time per epoch, accuracy:
python evolution.py data.root=../shared/data/cifar10-jpg
python evolution.py 'evolution.models=[lenet,vgg11]' evolution.configs.vgg11.width=0.5 ..."""

from training.cli import entry_point


@entry_point("evolution")
def main(cfg) -> None:
    from training.evolution import run_evolution  # after Hydra has checked the config (see train.py)

    report = run_evolution(cfg)
    if report["problems"]:
        raise SystemExit(f"evolution FAILED (a run used the other backend's layers): see "
                         f"{cfg.paths.output_dir}/evolution.md")


if __name__ == "__main__":
    main()
