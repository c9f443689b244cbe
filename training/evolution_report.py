"""The evolution report's renderings, from its records alone: the Markdown table with its
caption, and the chart. Kept apart from the training code (torch, Lightning), so that
`python3 -m docs.figures` redraws the chart from a saved evolution.json without importing it."""

from pathlib import Path

from matplotlib.figure import Figure


def _count(value: float) -> str:
    for size, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:.2f} {unit}"
    return str(int(value))


def caption(report: dict) -> str:
    s, m = report["sizing"], report["machine"]
    widths = ", ".join(f"{row['title']} {row['config'].get('width', 1.0):g}"
                       for row in report["rows"])
    where = m["gpu"] or f"{m['cpu']}, {m['cores']} cores, torch threads: {m['torch_threads']}"
    limit = s["limit_train_batches"]
    return (
        f"{s['data']} ({s['train_set']:,} train / {s['test_set']:,} test images, "
        f"{s['in_channels']}x{s['image_size']}x{s['image_size']}); {s['epochs']} "
        f"epoch{'s' if s['epochs'] != 1 else ''} of {s['train_images_per_epoch']:,} training "
        f"images{f' (limit_train_batches={limit})' if limit is not None else ''}, "
        f"batch {s['batch_size']}, {s['optimizer']} lr {s['lr']:g}, "
        f"{s['scheduler']} schedule, {s['precision']}, seed {s['seed']}; test accuracy of the "
        f"final weights on {s['test_images']:,} test images. Width multipliers: {widths}. "
        f"Time: training only (validation excluded), median over epochs. {where}, torch "
        f"{m['torch']}, {m['date']}; total wall time {report['wall_seconds'] / 60:.1f} min.")


def markdown(report: dict) -> str:
    first, second = report["backends"]
    lines = [
        "| model | width | parameters | multiply-adds / image | "
        f"{first} s/epoch | {second} s/epoch | {second} / {first} time | "
        f"{first} acc (%) | {second} acc (%) | Δ (points) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        a, b = row["runs"][first], row["runs"][second]
        ta, tb = a["train_seconds_per_epoch"], b["train_seconds_per_epoch"]
        lines.append(
            f"| {row['title']} | {row['config'].get('width', 1.0):g} | "
            f"{_count(row['parameters'])} | {_count(row['macs_per_image'])} | {ta:.1f} | "
            f"{tb:.1f} | {tb / ta:.2f}x | {100 * a['test_acc']:.2f} | "
            f"{100 * b['test_acc']:.2f} | {row['delta_points']:+.2f} |")
    lines += ["", caption(report)]
    lines += [f"- problem: {p}" for p in report["problems"]]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> None:
    """Test accuracy and training time per epoch per model, both backends side by side, and
    accuracy against multiply-adds."""
    first, second = report["backends"]
    rows = report["rows"]
    names = [row["title"] for row in rows]
    figure = Figure(figsize=(15, 4.5))  # a bare Figure needs no pyplot backend (headless)
    acc_axes, time_axes, macs_axes = figure.subplots(1, 3)
    spots = range(len(rows))
    for offset, backend in ((-0.2, first), (0.2, second)):
        acc = [100 * row["runs"][backend]["test_acc"] for row in rows]
        seconds = [row["runs"][backend]["train_seconds_per_epoch"] for row in rows]
        acc_axes.bar([i + offset for i in spots], acc, width=0.4, label=backend)
        time_axes.bar([i + offset for i in spots], seconds, width=0.4, label=backend)
        macs_axes.plot([row["macs_per_image"] for row in rows], acc,
                       "o" if backend == first else "x", label=backend)
    for axes in (acc_axes, time_axes):
        axes.set_xticks(list(spots), names, rotation=30, ha="right")
    acc_axes.set(ylabel="test accuracy (%)", title="test accuracy")
    time_axes.set(ylabel="s / epoch (training)", title="training time per epoch", yscale="log")
    macs_axes.set(xscale="log", xlabel="multiply-adds per image", ylabel="test accuracy (%)",
                  title="accuracy against compute")
    for i, row in enumerate(rows):  # labels right and left in turn: neighbours overlap less
        macs_axes.annotate(row["title"], (row["macs_per_image"],
                                          100 * row["runs"][first]["test_acc"]),
                           fontsize=8, xytext=(5 if i % 2 == 0 else -5, 3),
                           ha="left" if i % 2 == 0 else "right", textcoords="offset points")
    acc_axes.legend()
    macs_axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
