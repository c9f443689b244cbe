"""evolution.png: README's Network evolution chart, redrawn from the run's recorded numbers
(docs/results/evolution.json, evolution.py's report structure) by the chart function that
evolution.py itself uses, so that the picture and a fresh run's look the same."""

import json
from pathlib import Path

from training.evolution_report import plot

RESULTS = Path(__file__).resolve().parent.parent / "results" / "evolution.json"


def load(path: Path = RESULTS) -> dict:
    return json.loads(path.read_text())


def draw(out_dir: Path) -> Path:
    path = out_dir / "evolution.png"
    plot(load(), path)
    return path
