"""prove.py's report: the verdict table (printed and in prove.md), prove.json, and prove.png
(float32 error ratios against the promise; the speed table's GFLOP/s when timed)."""

from pathlib import Path

from matplotlib.figure import Figure

from training.reports import write_report

from .outcome import QUANTITIES


def verdict_table(checks: list[dict]) -> str:
    """One row per check: its result, how many cases it ran to the end (— where it ran none or
    does not count cases) and its message."""
    lines = ["| check | result | cases | detail |", "|---|---|---|---|"]
    for check in checks:
        detail = check["message"].replace("|", "\\|")
        cases = check.get("cases", "—")
        lines.append(f"| {check['check']} | {check['status']} | {cases} | {detail} |")
    return "\n".join(lines)


def _speed_table(rows: list[dict], algorithm: str) -> list[str]:
    names = list(dict.fromkeys(["native", "im2col", algorithm]))
    lines = ["| layer | input | " + " | ".join(
        f"{n} fwd / fwd+bwd ms (GFLOP/s)" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for row in rows:
        cells = []
        for n in names:
            if n not in row["fwd"]:
                cells.append("—")
                continue
            fwd, both = row["fwd"][n], row["fwd_bwd"][n]
            cells.append(f"{fwd['ms']:.2f} / {both['ms']:.2f} ({both['gflops']:.1f})")
        lines.append(f"| {row['layer']} | {'×'.join(map(str, row['input']))} | "
                     + " | ".join(cells) + " |")
    return lines


def markdown(title: str, checks: list[dict], passed: bool, algorithm: str | None) -> str:
    lines = [f"# {title}", "", f"Verdict: **{'PASS' if passed else 'FAIL'}**", "",
             verdict_table(checks), "", "## What each check covers", ""]
    lines += [f"- **{c['check']}**: {c['covers']}" for c in checks]
    speed = next((c for c in checks if c["check"] == "speed" and c.get("layers")), None)
    if speed:
        lines += ["", "## Speed", "", *_speed_table(speed["layers"], algorithm)]
    return "\n".join(lines) + "\n"


def _plot(checks: list[dict], algorithm: str | None, path: Path) -> None:
    accuracy = next((c for c in checks if c.get("worst")), None)
    speed = next((c for c in checks if c.get("layers")), None)
    figure = Figure(figsize=(11 if speed else 6, 4))
    axes = figure.subplots(1, 2 if speed else 1, squeeze=False)[0]
    if accuracy:
        ratios = [accuracy["worst"][q]["ratio"] for q in QUANTITIES]
        axes[0].bar(QUANTITIES, ratios)
        axes[0].axhline(accuracy["promise"], color="red", linestyle="--", label="promised")
        axes[0].set(ylabel="worst float32 error / native's", title="float32 accuracy")
        axes[0].legend()
    else:
        axes[0].text(0.5, 0.5, "no float32 accuracy measured", ha="center")
    if speed:
        names = list(dict.fromkeys(["native", "im2col", algorithm]))
        layers = [row["layer"] for row in speed["layers"]]
        width = 0.8 / len(names)
        for i, n in enumerate(names):
            values = [row["fwd_bwd"].get(n, {}).get("gflops", 0) for row in speed["layers"]]
            axes[1].bar([x + i * width for x in range(len(layers))], values, width, label=n)
        axes[1].set_xticks(range(len(layers)), layers, rotation=45, ha="right")
        axes[1].set(ylabel="GFLOP/s, forward + backward", title="speed per conv layer")
        axes[1].legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def write(output_dir: Path, title: str, subject: dict, checks: list[dict], passed: bool,
          algorithm: str | None = None) -> dict:
    data = {"subject": subject, "passed": passed, "checks": checks}
    return write_report(output_dir, "prove", data, markdown(title, checks, passed, algorithm),
                        lambda path: _plot(checks, algorithm, path))
