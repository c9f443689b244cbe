"""Train and test a model: python train.py model=lenet op=custom [key=value ...]"""

from training.cli import entry_point


@entry_point("train")
def main(cfg) -> float:
    # Imported once Hydra has checked the config: a config mistake is reported at once, not
    # after the extension's first build.
    from training.run import train

    return train(cfg)


if __name__ == "__main__":
    main()
