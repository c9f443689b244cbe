"""Prove a conv2d algorithm, a backend or an exercise against torch.nn.functional:
python prove.py algorithm=NAME [prove.module=FILE.py] [prove.quick=true]
python prove.py backend=NAME
python prove.py exercise=conv2d_homework [prove.module=SOLUTION.py]"""

from training.cli import entry_point


@entry_point("prove")
def main(cfg) -> None:
    from proving.run import run_prove  # after Hydra has checked the config (see train.py)

    report = run_prove(cfg)
    if not report["passed"]:
        raise SystemExit(f"prove FAILED: {report['first_failure']}")


if __name__ == "__main__":
    main()
