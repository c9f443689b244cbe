"""python3 -m docs.figures [--out DIR]: draw every picture of the docs into DIR (default
docs/images/) and print each one's path."""

import argparse
from pathlib import Path

from . import FIGURES

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "images"


def main(argv=None) -> list[Path]:
    parser = argparse.ArgumentParser(prog="python3 -m docs.figures", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the PNGs (default: docs/images/)")
    out_dir = parser.parse_args(argv).out
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for figure in FIGURES:
        paths.append(figure.draw(out_dir))
        print(paths[-1], flush=True)
    return paths


if __name__ == "__main__":
    main()
