#!/usr/bin/env bash
# Builds the CUDA flavour of the extension and checks that every op has a CUDA kernel.
# Needs nvcc but no GPU, so CI catches a CUDA break on machines without one.
#
# The build runs with ptxas's report (CONVLAB_PTXAS_VERBOSE=1, its own build folder, whose
# CUDA objects are deleted first so every kernel really is compiled and reported) and the
# compiler output shown (CONVLAB_VERBOSE_BUILD=1), logged to $CUDA_COMPILE_LOG (default
# build/cuda_compile_check.log). From ptxas's lines it prints every kernel entry (body type,
# dtype, registers, spill bytes) and fails when
#   - a float, Half or BFloat16 kernel (or one of no dtype) spills registers (a double
#     kernel's spills are only reported: fp64 on a GPU is slow anyway);
#   - a *Thread body declared in csrc/**/*_grid.h has no compiled entry function, or a
#     templated one lacks one of float, double, Half, BFloat16.
# MAX_JOBS defaults to 1 (nvcc on every core can exhaust a small machine's memory).
set -euo pipefail
cd "$(dirname "$0")/.."

# nvcc on the PATH may be a wrapper script outside the toolkit, so prefer the usual home.
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then
  export CUDA_HOME=/usr/local/cuda
fi
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
export CONVLAB_CUDA=1
export CONVLAB_PTXAS_VERBOSE=1
export CONVLAB_VERBOSE_BUILD=1
export MAX_JOBS="${MAX_JOBS:-1}"
log="${CUDA_COMPILE_LOG:-build/cuda_compile_check.log}"
mkdir -p "$(dirname "$log")"

# The build folder, from ops/_extension.py alone (importing the ops package would build).
build_dir=$(python3 - 2>/dev/null <<'PY'
import importlib.util

spec = importlib.util.spec_from_file_location("convlab_extension", "ops/_extension.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(module.build_directory(with_cuda=True))
PY
)
# ninja would skip up-to-date objects and ptxas would report nothing: recompile the .cu files
# (the C++ objects stay).
rm -f "$build_dir"/*.cuda.o
echo "CUDA build into $build_dir (MAX_JOBS=$MAX_JOBS, TORCH_CUDA_ARCH_LIST=$TORCH_CUDA_ARCH_LIST), log: $log"

python3 - > "$log" 2>&1 <<'PY' || { tail -n 200 "$log"; echo "FAIL: the CUDA build or its load failed (log: $log)"; exit 1; }
import torch

import ops
from tests.test_extension import OPS

missing = [name for name in OPS
           if not torch._C._dispatch_has_kernel_for_dispatch_key(f"convlab::{name}", "CUDA")]
if missing:
    raise SystemExit(f"CUDA build has no CUDA kernel for: {', '.join(missing)}")
print(f"CUDA build compiled and loaded: {len(OPS)} ops have CUDA kernels")
PY
grep -E '^CUDA build compiled and loaded' "$log"

CUDA_COMPILE_LOG="$log" python3 - <<'PY'
"""ptxas's report in the log: one row per (kernel, architecture)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

log = Path(os.environ["CUDA_COMPILE_LOG"]).read_text(errors="replace").splitlines()
entry_re = re.compile(r"Compiling entry function '([^']+)' for '(\w+)'")
props_re = re.compile(r"Function properties for (\S+)")
frame_re = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
regs_re = re.compile(r"Used (\d+) registers")

kernels = {}  # (mangled, arch) -> {"regs", "stack", "stores", "loads"}
entry = props = None
for line in log:
    if "ptxas" not in line and not frame_re.search(line):
        continue
    if m := entry_re.search(line):
        entry, props = (m.group(1), m.group(2)), None
        kernels.setdefault(entry, {})
    elif m := props_re.search(line):
        props = m.group(1)
    elif (m := frame_re.search(line)) and entry and props == entry[0]:
        kernels[entry].update(stack=int(m.group(1)), stores=int(m.group(2)), loads=int(m.group(3)))
    elif (m := regs_re.search(line)) and entry:
        kernels[entry]["regs"] = int(m.group(1))
if not kernels:
    sys.exit("FAIL: no ptxas report in the log (was anything compiled with -Xptxas -v?)")

mangled = sorted({name for name, _ in kernels})
demangled = dict(zip(mangled, mangled))
if shutil.which("c++filt"):
    out = subprocess.run(["c++filt"], input="\n".join(mangled) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    if len(out) == len(mangled):
        demangled = dict(zip(mangled, out))

DTYPES = {"float": "float", "double": "double", "c10::Half": "Half", "c10::BFloat16": "BFloat16"}
MANGLED_DTYPES = (("N3c104HalfE", "Half"), ("N3c108BFloat16E", "BFloat16"), ("f", "float"),
                  ("d", "double"))


def split_args(text):
    """Top-level template arguments of 'A, B<C, D>, E'."""
    args, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "<(" and 1 or (ch in ">)" and -1 or 0)
        if ch == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
    return args + [text[start:].strip()] if text.strip() else args


def describe(name):
    """(body, dtype, other template arguments) of a grid_stride_kernel<Body> entry; body is
    the entry's own name for any other kernel."""
    text = demangled[name]
    if "grid_stride_kernel<" in text:  # demangled
        start = text.index("grid_stride_kernel<") + len("grid_stride_kernel<")
        depth, end = 1, start
        while depth:
            depth += {"<": 1, ">": -1}.get(text[end], 0)
            end += 1
        body = text[start:end - 1].strip()
        base, _, args = body.partition("<")
        args = split_args(args[:-1]) if args else []
        short = lambda s: re.sub(r"\b(?:\w+::)+", "", s)
        # The scalar type is the first argument that is one (a variant's traits may precede it).
        at = next((i for i, a in enumerate(args) if a in DTYPES), None)
        dtype = DTYPES[args[at]] if at is not None else ("?" if args else "-")
        return short(base), dtype, ", ".join(short(a) for i, a in enumerate(args) if i != at)
    if "grid_stride_kernel" in name:  # mangled, no c++filt: <len><Name>Thread [I <dtype>]
        for m in re.finditer(r"(\d+)", name):
            n = int(m.group(1))
            ident = name[m.end():m.end() + n]
            if ident.endswith("Thread") and re.fullmatch(r"[A-Za-z_]\w*", ident):
                rest = name[m.end() + n:]
                if not rest.startswith("I"):
                    return ident, "-", ""
                dtype = next((d for code, d in MANGLED_DTYPES if rest[1:].startswith(code)), "?")
                return ident, dtype, ""
    return text, "-", ""


rows = []
for (name, arch), info in kernels.items():
    body, dtype, rest = describe(name)
    rows.append((body, dtype, rest, arch, info.get("regs", -1), info.get("stores", 0),
                 info.get("loads", 0), info.get("stack", 0)))
rows.sort()
header = ("body", "dtype", "other template arguments", "arch", "registers", "spill stores",
          "spill loads", "stack")
widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
fmt = lambda r: "  ".join(str(v).ljust(w) if i < 4 else str(v).rjust(w)
                          for i, (v, w) in enumerate(zip(r, widths)))
print(fmt(header))
for r in rows:
    print(fmt(r))

failures, notes = [], []
for body, dtype, rest, arch, regs, stores, loads, stack in rows:
    if stores or loads:
        args = ", ".join(a for a in (dtype if dtype != "-" else "", rest) if a)
        what = (f"{body}{f'<{args}>' if args else ''} ({arch}) spills {stores} bytes stored, "
                f"{loads} loaded")
        (notes if dtype == "double" else failures).append(what)
declared = {}
for header_file in sorted(Path("csrc").rglob("*_grid.h")):
    text = header_file.read_text()
    for m in re.finditer(r"(template\s*<[^>]*>\s*)?struct\s+(\w+Thread)\b", text):
        declared[m.group(2)] = bool(m.group(1))
compiled = {}
for body, dtype, *_ in rows:
    compiled.setdefault(body, set()).add(dtype)
for body, templated in sorted(declared.items()):
    if body not in compiled:
        failures.append(f"{body} (declared in csrc/**/*_grid.h) has no compiled entry function")
    elif templated and {"float", "double", "Half", "BFloat16"} - compiled[body]:
        lacking = sorted({"float", "double", "Half", "BFloat16"} - compiled[body])
        failures.append(f"{body} has no compiled entry function for {', '.join(lacking)}")
others = sorted({r[0] for r in rows} - set(declared))
print(f"\n{len(rows)} kernel entries; {len(declared)} *Thread bodies declared, "
      f"{len(set(declared) & set(compiled))} compiled"
      + (f"; other entries: {', '.join(others)}" if others else ""))
for note in notes:
    print("REPORT (double, not a failure):", note)
for failure in failures:
    print("FAIL:", failure)
sys.exit(1 if failures else 0)
PY
echo "PASS: CUDA compile check"
