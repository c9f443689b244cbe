"""The CPU a benchmark ran on, and the float32 GEMM rate it offers: its instruction set (what
its vector units can do), its caches, and "machine GEMM", the best of torch's two CPU GEMMs
(MKL behind torch.mm, oneDNN behind its linear op) measured in the same run, which convlab's
own GEMM (csrc/common/cpu/sgemm.cpp) and its conv layers are compared with."""

import contextlib
from pathlib import Path

import torch

import ops  # noqa: F401  (torch.ops.convlab.gemm)
from benchmarks.timing import Settings, compare

# (m, n, k) of the GEMMs measured: a square one (the suite's --gemm-size) and the im2col
# forward GEMMs of three VGG-16 layers at batch 32 (filters x columns).
VGG16_IM2COL_GEMMS = {
    "VGG-16 conv2 (64 x 32768 x 576)": (64, 32768, 576),
    "VGG-16 conv6 (256 x 2048 x 2304)": (256, 2048, 2304),
    "VGG-16 conv9 (512 x 512 x 4608)": (512, 512, 4608),
}


def instruction_set() -> str:
    """The widest vector extension /proc/cpuinfo lists: AMX, AVX-512, AVX2 or baseline."""
    flags = set()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    for flag, name in (("amx_tile", "AMX"), ("avx512f", "AVX-512"), ("avx2", "AVX2")):
        if flag in flags:
            return name
    return "baseline x86-64" if flags else "unknown"


def caches() -> dict[str, str]:
    """Per-core cache sizes of CPU 0 as the kernel reports them, e.g. {"L1d": "32K", ...}."""
    found = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        with contextlib.suppress(OSError):
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            if kind != "Instruction":
                found[f"L{level}" + ("d" if kind == "Data" else "")] = (index / "size").read_text().strip()
    return found


def _onednn_matmul():
    """a @ b through oneDNN (torch's private mkldnn linear op: weight is b transposed), or None
    where this torch build has no such op."""
    op = getattr(torch.ops.mkldnn, "_linear_pointwise", None)
    if op is None or not torch.backends.mkldnn.is_available():
        return None
    try:
        op(torch.ones(2, 2), torch.ones(2, 2), None, "none", [], "")
    except RuntimeError:
        return None
    return lambda a, b: op(a, b.t(), None, "none", [], "")


def gemm_rates(settings: Settings, timer, size: int) -> dict:
    """GFLOP/s of MKL, oneDNN and convlab on each GEMM shape; machine = the better of the two
    torch GEMMs; convlab's fraction of it."""
    onednn = _onednn_matmul()
    shapes = {f"{size}³": (size, size, size), **VGG16_IM2COL_GEMMS}
    rows = []
    once = Settings(**{**settings.__dict__, "rounds": 1})
    for label, (m, n, k) in shapes.items():
        a, b = torch.randn(m, k), torch.randn(k, n)
        variants = {"mkl": lambda: torch.mm(a, b),
                    "convlab": lambda: torch.ops.convlab.gemm(a[None], b[None])}
        if onednn is not None:
            variants["onednn"] = lambda: onednn(a, b)
        times = compare(variants, timer, once)
        rates = {name: 2 * m * n * k / (t["ms"] / 1e3) / 1e9 for name, t in times.items()}
        machine = max(rates["mkl"], rates.get("onednn", 0.0))
        rows.append({"shape": label, "m": m, "n": n, "k": k, "gflops": rates,
                     "machine_gflops": machine, "convlab_of_machine": rates["convlab"] / machine})
    return {"instruction_set": instruction_set(), "caches": caches(),
            "convlab_gemm_built_for": torch.ops.convlab.gemm_instruction_set(),
            "onednn": onednn is not None, "gemms": rows}
