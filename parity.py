"""Train one model on two backends (by default torch's layers and convlab's) and compare them:
python parity.py model=lenet data.root=../shared/data trainer.max_epochs=3
python parity.py 'parity.backends=[custom,python]' ..."""

from training.cli import entry_point


@entry_point("parity")
def main(cfg) -> None:
    from training.parity import run_parity  # after Hydra has checked the config (see train.py)

    report = run_parity(cfg)
    if not report["summary"]["passed"]:
        raise SystemExit(f"parity FAILED: see {cfg.paths.output_dir}/parity.md")


if __name__ == "__main__":
    main()
