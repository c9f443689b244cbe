"""The one writer of the project's reports (the benchmark suite, the algorithm error table,
parity, evolution): NAME.json, NAME.md and, with a plot, NAME.png side by side in one folder."""

import json
from collections.abc import Callable
from pathlib import Path


def write_report(out_dir: Path, name: str, data, markdown: str,
                 plot: Callable[[Path], None] | None = None) -> dict[str, Path]:
    """Write `data` (anything json.dumps takes) as NAME.json, `markdown` as NAME.md and, when
    given, `plot(path)` as NAME.png into out_dir, made if missing. Returns the paths written,
    keyed json, md and png."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{name}.json", "md": out_dir / f"{name}.md"}
    paths["json"].write_text(json.dumps(data, indent=2))
    paths["md"].write_text(markdown)
    if plot is not None:
        paths["png"] = out_dir / f"{name}.png"
        plot(paths["png"])
    return paths
