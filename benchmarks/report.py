"""The suite's report: results.md (the goals' verdicts and a table per part) and results.png
(native and custom side by side), next to results.json, from the results dict alone."""

from pathlib import Path

from matplotlib.figure import Figure

from benchmarks.goals import ratio
from benchmarks.op_level import ALGORITHMS
from training.reports import write_report


def _ms(value):
    return "—" if value is None else (f"{value:.3f}" if value < 1 else f"{value:.2f}")


def _x(value):
    return "—" if value is None else f"{value:.2f}×"


def _pass(value):
    return "—" if value is None else ("PASS" if value else "**FAIL**")


def _threads(n):
    return f"{n} torch thread{'s' if n != 1 else ''}"


def _shape(shape):
    return "×".join(str(s) for s in shape)


def _machine_rate(results: dict) -> float | None:
    """The machine GEMM rate of the square GEMM (CPU runs), what conv rates are a fraction of."""
    machine = results.get("machine")
    return machine["gemms"][0]["machine_gflops"] if machine else None


def _machine_lines(machine: dict | None) -> list[str]:
    if not machine:
        return []
    cache_text = ", ".join(f"{k} {v}" for k, v in machine["caches"].items()) or "not reported"
    lines = ["", "## GEMM (float32): convlab's own against the machine's", "",
             f"Instruction set: {machine['instruction_set']} (convlab's GEMM micro-kernel built "
             f"for {machine['convlab_gemm_built_for']}); caches per core: {cache_text}. "
             "Machine GEMM = the better of MKL (torch.mm) and oneDNN"
             + ("" if machine["onednn"] else " (not in this torch build: MKL alone)")
             + ", measured in this run.", "",
             "| GEMM (m × n × k) | MKL GFLOP/s | oneDNN GFLOP/s | convlab GFLOP/s | convlab of machine |",
             "|---|---|---|---|---|"]
    for row in machine["gemms"]:
        rates = row["gflops"]
        onednn = f"{rates['onednn']:.0f}" if "onednn" in rates else "—"
        lines.append(f"| {row['shape']} | {rates['mkl']:.0f} | {onednn} | {rates['convlab']:.0f} | "
                     f"{row['convlab_of_machine']:.0%} |")
    return lines


def markdown(results: dict) -> str:
    meta, goals, summary = results["meta"], results["goals"], results["summary"]
    s = meta["settings"]
    gemm = results["gemm"]
    rates = ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in gemm["gflops"].items())
    load = meta["load_average_at_start"]
    lines = [
        f"# convlab benchmarks: native (torch) vs custom (convlab), {meta['mode']} run",
        "",
        f"{meta['date']}; {meta['machine']} ({meta['device']}), {meta['cpu_count']} CPU cores, "
        f"{_threads(meta['threads'])} (torch.get_num_threads()); torch {meta['torch']}; "
        + (f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; " if load else "")
        + f"wall time {meta['wall_s']:.0f} s.",
        "",
        *([f"**Busy machine**: the load average at start ({load[0]:.1f}) reached the "
           f"{meta['cpu_count']} cores. With {_threads(meta['threads'])} an OpenMP parallel region "
           "waits for whichever of its threads another process preempted, which adds whole "
           "scheduler time slices to short ops; compare runs made with `--threads 1` here.", ""]
          if meta["device"] == "cpu" and load and meta["threads"] > 1
          and load[0] >= meta["cpu_count"] else []),
        f"- Timing: {meta['timer']}, median of every timed block over {s['rounds']} rounds "
        f"(min_run_time {s['min_run_time']} s per measurement; a call over {s['slow_call']} s is "
        f"timed once per round) after {s['warmup']} warm-up call(s); in each round native and "
        "custom run one after the other, in alternating order, in this one process.",
        f"- Op level: {meta['op_precision']}; forward with autograd recording as in training; "
        "fwd+bwd adds grad_weight, grad_bias and grad_input (not for a model's first layer, "
        "whose input needs no gradient in training). custom = `ops.conv2d(..., "
        "algorithm=\"auto\")` / convlab's pooling modules; native = torch.nn.functional / "
        "torch.nn.",
        f"- fp32 GEMM ({gemm['size']}³ matmul, measured in this run): {rates}.",
        f"- Peak memory: {meta['memory_method'].rstrip('.')}.",
        f"- Goals (custom / native, at most): train step time {goals['train_time']}×, train "
        f"step peak memory {goals['train_memory']}×, every VGG-16 conv layer fwd+bwd "
        f"{goals['vgg16_conv']}×, every pooling layer {goals['pool']}× (forward and fwd+bwd).",
        "",
        "| goal (custom / native) | PASS |",
        "|---|---|",
        *(f"| {title} ≤ {goals[key]}× | {summary[key][0]} / {summary[key][1]} |"
          for key, title in (("train_time", "train step time"),
                             ("train_memory", "train step peak memory"),
                             ("vgg16_conv", "VGG-16 conv layer fwd+bwd"),
                             ("pool", "pooling layer fwd and fwd+bwd"))),
    ]
    lines += _machine_lines(results.get("machine"))
    if results["train"]:
        naive = any("naive" in r["time"] for r in results["train"])
        lines += ["", "## Train step (forward, loss, backward, SGD step)", "",
                  "| model | batch | precision | native ms | custom ms "
                  + ("| naive unfold ms " if naive else "")
                  + f"| custom / native | ≤ {goals['train_time']}× | native peak MiB | custom peak MiB "
                  f"| custom / native | ≤ {goals['train_memory']}× |",
                  "|---|---|---|---|---|" + ("---|" if naive else "") + "---|---|---|---|---|---|"]
        for r in results["train"]:
            t = r["time"]
            lines.append(
                f"| {r['label']} | {r['batch']} | {r['precision']} | {_ms(t['native']['ms'])} | "
                f"{_ms(t['custom']['ms'])} | "
                + (f"{_ms(t['naive']['ms']) if 'naive' in t else '—'} | " if naive else "")
                + f"{_x(r['ratio_time'])} | {_pass(r['pass_time'])} | "
                f"{r['peak_mib']['native']:.1f} | {r['peak_mib']['custom']:.1f} | "
                f"{_x(r['ratio_memory'])} | {_pass(r['pass_memory'])} |")
    if results["conv"]:
        lines += ["", "## Conv layers (custom = auto)", "",
                  "| layer | input | weight | auto picks | fwd native ms | fwd custom ms | fwd × "
                  "| fwd+bwd native ms | fwd+bwd custom ms | fwd+bwd × | GFLOP/s fwd+bwd native / custom "
                  f"| custom of machine GEMM | ≤ {goals['vgg16_conv']}× (VGG-16) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        machine_rate = _machine_rate(results)
        for r in results["conv"]:
            f, b = r["fwd"], r["fwd_bwd"]
            lines.append(
                f"| {r['layer']} | {_shape(r['input'])} | {_shape(r['weight'])} | {r['auto_picks']} | "
                f"{_ms(f['native']['ms'])} | {_ms(f['auto']['ms'])} | {_x(r['ratio_fwd'])} | "
                f"{_ms(b['native']['ms'])} | {_ms(b['auto']['ms'])} | {_x(r['ratio_fwd_bwd'])} | "
                f"{b['native']['gflops']:.0f} / {b['auto']['gflops']:.0f} | "
                + (f"{b['auto']['gflops'] / machine_rate:.0%} | " if machine_rate else "— | ")
                + f"{_pass(r['pass'])} |")
        algorithms = [a for a in ALGORITHMS if any(a in r["fwd_bwd"] or a in r["skipped"]
                                                   for r in results["conv"])]
        if algorithms:
            for part, title in (("fwd_bwd", "forward + backward"), ("fwd", "forward")):
                lines += ["", f"### Every algorithm, {title} (ms; — cannot do the shape; "
                          "**bold** the fastest convlab algorithm)", "",
                          "| layer | native | " + " | ".join(algorithms)
                          + " | auto | auto picks | best / native |",
                          "|---|---|" + "---|" * len(algorithms) + "---|---|---|"]
                for r in results["conv"]:
                    times = {a: r[part][a]["ms"] for a in algorithms if a in r[part]}
                    best = min(times, key=times.get) if times else None
                    cells = [("—" if a not in times else
                              (f"**{_ms(times[a])}**" if a == best else _ms(times[a])))
                             for a in algorithms]
                    lines.append(f"| {r['layer']} | {_ms(r[part]['native']['ms'])} | " + " | ".join(cells)
                                 + f" | {_ms(r[part]['auto']['ms'])} | {r['auto_picks']} | "
                                 + (_x(ratio(times[best], r[part]['native']['ms'])) if best else "—")
                                 + " |")
    if results["pool"]:
        lines += ["", "## Pooling layers", "",
                  "| layer | op | input | arguments | fwd native ms | fwd custom ms | fwd × "
                  f"| fwd+bwd native ms | fwd+bwd custom ms | fwd+bwd × | ≤ {goals['pool']}× |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in results["pool"]:
            f, b = r["fwd"], r["fwd_bwd"]
            arguments = ", ".join(f"{k}={v}" for k, v in r["arguments"].items()
                                  if k in ("kernel_size", "stride", "output_size"))
            lines.append(
                f"| {r['layer']} | {r['op']} | {_shape(r['input'])} | {arguments} | "
                f"{_ms(f['native']['ms'])} | {_ms(f['custom']['ms'])} | {_x(r['ratio_fwd'])} | "
                f"{_ms(b['native']['ms'])} | {_ms(b['custom']['ms'])} | {_x(r['ratio_fwd_bwd'])} | "
                f"{_pass(r['pass'])} |")
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    """Time per layer (fwd+bwd) and per train step, native and custom side by side, log scale."""
    panels = []
    if results["conv"]:
        panels.append(("conv layers, forward + backward",
                       [(r["layer"], r["fwd_bwd"]["native"]["ms"], r["fwd_bwd"]["auto"]["ms"])
                        for r in results["conv"]]))
    if results["pool"]:
        panels.append(("pooling layers, forward + backward",
                       [(r["layer"], r["fwd_bwd"]["native"]["ms"], r["fwd_bwd"]["custom"]["ms"])
                        for r in results["pool"]]))
    if results["train"]:
        panels.append(("train step", [(f"{r['label']} b{r['batch']} {r['precision']}",
                                       r["time"]["native"]["ms"], r["time"]["custom"]["ms"])
                                      for r in results["train"]]))
    widest = max((len(bars) for _, bars in panels), default=1)
    # A bare Figure needs no pyplot backend, so this works on headless machines.
    fig = Figure(figsize=(max(8.0, 0.45 * widest + 2), 3.6 * max(1, len(panels))))
    axes = fig.subplots(max(1, len(panels)), 1, squeeze=False)
    for ax, (title, bars) in zip(axes[:, 0], panels):
        positions = range(len(bars))
        ax.bar([p - 0.2 for p in positions], [b[1] for b in bars], 0.4, label="native (torch)")
        ax.bar([p + 0.2 for p in positions], [b[2] for b in bars], 0.4, label="custom (convlab)")
        for p, (_, native, custom) in zip(positions, bars):
            ax.annotate(f"{custom / native:.2f}×", (p + 0.2, custom), ha="center", va="bottom",
                        fontsize=7)
        ax.set_xticks(list(positions))
        ax.set_xticklabels([b[0] for b in bars], rotation=45, ha="right", fontsize=8)
        ax.set_yscale("log")
        ax.margins(y=0.15)
        ax.set_ylabel("ms (median)")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    meta = results["meta"]
    fig.suptitle(f"convlab vs torch: {meta['machine']}, {_threads(meta['threads'])}, "
                 f"torch {meta['torch']}, {meta['date']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_reports(results: dict, out: Path) -> dict[str, Path]:
    """results.json, results.md and results.png in `out`."""
    return write_report(out, "results", results, markdown(results),
                        lambda path: chart(results, path))
