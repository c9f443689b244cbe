"""Builds the C++/CUDA sources in ``csrc/`` with ninja on first use and loads them.

The build is cached under ``build/`` (or ``$CONVLAB_BUILD_DIR``) per torch version, device
flavour, for a CUDA build the GPU architectures it targets and, where the compiler can target
the building machine's CPU, that CPU's instruction set; ninja rebuilds only what changed. A
failed build raises: convlab never falls back to torch's own layers.

Environment variables: ``CONVLAB_CUDA`` (cuda_requested), ``TORCH_CUDA_ARCH_LIST`` (the GPU
architectures of a CUDA build; unset: the visible GPUs'), ``CONVLAB_SANITIZE``
(sanitize_requested), ``CONVLAB_PTXAS_VERBOSE`` (ptxas_verbose_requested),
``CONVLAB_VERBOSE_BUILD=1`` (print ninja's and the compilers' output), ``MAX_JOBS``
(build_jobs) and ``CONVLAB_BUILD_DIR``.
"""

import hashlib
import logging
import math
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import torch

# torch warns "No CUDA runtime is found" when it imports cpp_extension on a machine that has a
# CUDA toolkit but no GPU: expected for a CPU build, and nothing a user can act on.
_cpp_extension_log = logging.getLogger("torch.utils.cpp_extension")
_saved_level = _cpp_extension_log.level
_cpp_extension_log.setLevel(logging.ERROR)
from torch.utils import cpp_extension  # noqa: E402

_cpp_extension_log.setLevel(_saved_level)

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"


class ExtensionBuildError(RuntimeError):
    """The convlab extension could not be compiled or loaded."""


def cuda_requested() -> bool:
    """CUDA kernels are built when torch sees a GPU; ``CONVLAB_CUDA=1`` forces a CUDA build
    (compile-only on a machine without a GPU), ``CONVLAB_CUDA=0`` a CPU-only one."""
    setting = os.environ.get("CONVLAB_CUDA", "")
    if setting not in ("", "0", "1"):
        raise ExtensionBuildError(f"CONVLAB_CUDA must be 0 or 1, got {setting!r}")
    if setting:
        return setting == "1"
    return torch.cuda.is_available()


def _check_toolchain(with_cuda: bool) -> None:
    compiler = os.environ.get("CXX", "c++")
    if shutil.which(compiler) is None:
        raise ExtensionBuildError(
            f"convlab needs a C++ compiler to build its kernels, but {compiler!r} was not found. "
            "Install one (e.g. `apt-get install g++`) or point the CXX environment variable at it."
        )
    if not cpp_extension.is_ninja_available():
        raise ExtensionBuildError(
            "convlab builds its kernels with ninja, which was not found: `pip install ninja`."
        )
    if with_cuda and cpp_extension.CUDA_HOME is None:
        raise ExtensionBuildError(
            "CUDA kernels were requested but no CUDA toolkit (nvcc) was found: install it and "
            "set CUDA_HOME, or set CONVLAB_CUDA=0 for a CPU-only build."
        )
    if with_cuda and not torch.cuda.is_available() and not os.environ.get("TORCH_CUDA_ARCH_LIST"):
        raise ExtensionBuildError(
            "A CUDA build without a visible GPU needs TORCH_CUDA_ARCH_LIST (e.g. '9.0')."
        )


@cache
def native_isa() -> str | None:
    """A short name for the instruction set ``-march=native`` selects on this machine (a hash
    of the compiler's predefined macros there), or None when the compiler cannot target the
    machine it runs on. The CPU loops are vectorised by the compiler: built for the baseline
    x86-64 (SSE2) they run at half the vector width of an AVX2 machine or less, and without
    64-bit integer compares. The name keys the build directory, so a build folder shared by
    machines with different CPUs never runs code one of them cannot execute."""
    compiler = os.environ.get("CXX", "c++")
    try:
        macros = subprocess.run([compiler, "-march=native", "-dM", "-E", "-x", "c++", os.devnull],
                                capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if macros.returncode != 0:
        return None
    return hashlib.sha256(macros.stdout.encode()).hexdigest()[:10]


# CONVLAB_SANITIZE=address,undefined (scripts/sanitize.sh): the CPU kernels built with
# AddressSanitizer and UndefinedBehaviorSanitizer, at -O1 instead of -O3 (compile and link), in
# their own build folder, plus a test-only op that reads out of bounds on purpose
# (tests/test_sanitizer.py). The library then needs the sanitizer runtimes preloaded.
SANITIZE_SETTINGS = ("address,undefined",)
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-O1", "-g", "-fno-omit-frame-pointer",
                  "-fno-sanitize-recover=all"]
SANITIZER_PROBE = ROOT / "tests" / "sanitizer" / "out_of_bounds_read.cpp"


def sanitize_requested() -> bool:
    """Whether ``CONVLAB_SANITIZE`` asks for the sanitizer build (unset or empty: no)."""
    setting = os.environ.get("CONVLAB_SANITIZE", "")
    if setting and setting not in SANITIZE_SETTINGS:
        raise ExtensionBuildError(
            f"CONVLAB_SANITIZE must be {' or '.join(map(repr, SANITIZE_SETTINGS))} (or unset), "
            f"got {setting!r}")
    if setting and os.environ.get("CONVLAB_CUDA") == "1":
        raise ExtensionBuildError(
            "CONVLAB_SANITIZE builds the CPU kernels only: unset CONVLAB_CUDA or set it to 0")
    return bool(setting)


# CONVLAB_PTXAS_VERBOSE=1 (scripts/cuda_compile_check.sh): a CUDA build passes -Xptxas -v to
# nvcc, so ptxas reports every kernel's registers and spill bytes on stderr (shown with
# CONVLAB_VERBOSE_BUILD=1), into its own build folder (name ending in -ptxas-v): a build
# reused from the plain folder would compile nothing and report nothing.
PTXAS_VERBOSE_FLAGS = ["-Xptxas", "-v"]


def ptxas_verbose_requested() -> bool:
    """Whether ``CONVLAB_PTXAS_VERBOSE=1`` asks for ptxas's per-kernel report (unset, empty
    or 0: no). Only a CUDA build has ptxas to ask."""
    setting = os.environ.get("CONVLAB_PTXAS_VERBOSE", "")
    if setting not in ("", "0", "1"):
        raise ExtensionBuildError(f"CONVLAB_PTXAS_VERBOSE must be 0 or 1, got {setting!r}")
    return setting == "1"


def cuda_arch_tag() -> str:
    """The GPU architectures a CUDA build targets, as a folder-name part: TORCH_CUDA_ARCH_LIST
    ("9.0" -> "sm90", "8.0;9.0+PTX" -> "sm80-sm90+ptx") or, unset or "native", the visible
    GPUs' compute capabilities (what torch's build then targets). A build carried to a GPU of
    another kind then lands in another folder instead of loading code compiled for none of
    its architectures."""
    setting = os.environ.get("TORCH_CUDA_ARCH_LIST", "").strip()
    if setting and setting != "native":
        tokens = []
        for token in setting.replace(" ", ";").split(";"):
            match = re.fullmatch(r"(\d+)\.(\d+)([a-z]?)(\+PTX)?", token.strip())
            if match:
                major, minor, suffix, ptx = match.groups()
                tokens.append(f"sm{major}{minor}{suffix}" + ("+ptx" if ptx else ""))
            elif token.strip():  # a named architecture ("Hopper"), as torch spells it
                tokens.append(re.sub(r"[^a-z0-9.+]", "", token.strip().lower()))
    else:
        tokens = [f"sm{major}{minor}" for major, minor in
                  (torch.cuda.get_device_capability(i) for i in range(torch.cuda.device_count()))]
    return "-".join(sorted(set(tokens))) or "sm-none"


def build_directory(with_cuda: bool) -> Path:
    base = Path(os.environ.get("CONVLAB_BUILD_DIR", ROOT / "build"))
    flavour = f"cuda-{cuda_arch_tag()}" if with_cuda else "cpu"
    isa = native_isa()
    path = base / f"torch-{torch.__version__}-{flavour}-{f'native-{isa}' if isa else 'generic'}"
    if sanitize_requested():
        path = path.with_name(path.name + "-sanitize")
    if with_cuda and ptxas_verbose_requested():
        path = path.with_name(path.name + "-ptxas-v")
    path.mkdir(parents=True, exist_ok=True)
    return path


def sources(with_cuda: bool) -> list[str]:
    """Every C++ source under csrc/ (and, for a CUDA build, every .cu), so a new kernel file
    is built without being listed anywhere; a CPU build leaves out every cuda/ folder."""
    files = sorted(CSRC.rglob("*.cpp"))
    if with_cuda:
        files += sorted(CSRC.rglob("*.cu"))
    else:
        files = [f for f in files if "cuda" not in f.relative_to(CSRC).parts]
    # torch's ninja build names each object after its file alone: two sources of one name
    # would overwrite each other's object and one of them would silently not be linked.
    stems = {}
    for f in files:
        key = (f.stem, f.suffix == ".cu")
        if key in stems:
            raise ExtensionBuildError(
                f"two sources share the name {f.name!r}: {stems[key].relative_to(ROOT)} and "
                f"{f.relative_to(ROOT)}; rename one (torch's build names objects by file name)")
        stems[key] = f
    return [str(f) for f in files]


def _cuda_library_headers() -> list[str]:
    """A toolkit without the math libraries' headers (cuBLAS, cuSPARSE: ATen's CUDA headers
    include them) can borrow them from the nvidia-* wheels that CUDA builds of torch install.
    They are searched last (-idirafter), so the toolkit's own headers always win."""
    if (Path(cpp_extension.CUDA_HOME) / "include" / "cusparse.h").exists():
        return []
    try:
        import nvidia
    except ImportError:
        return []
    folders = [p for base in nvidia.__path__ for p in Path(base).glob("*/include")
               if (p / "cusparse.h").exists()]
    return [flag for folder in folders for flag in ("-Xcompiler", f"-idirafter{folder}")]


def build_jobs() -> int:
    """Parallel compile jobs: $MAX_JOBS, or every core this process may use."""
    return int(os.environ.get("MAX_JOBS") or len(os.sched_getaffinity(0)))


def _needs_build(name: str, directory: Path, with_cuda: bool) -> bool:
    """Whether a source the flavour compiles (a CPU build: none under csrc/**/cuda/) is newer
    than its library; then the build is announced (ninja itself decides what to recompile)."""
    library = directory / f"{name}.so"
    if not library.exists():
        return True
    built = library.stat().st_mtime
    return any(p.stat().st_mtime > built for p in CSRC.rglob("*")
               if p.is_file() and (with_cuda or "cuda" not in p.relative_to(CSRC).parts))


def _announce_build(directory: Path, with_cuda: bool, jobs: int) -> None:
    # About 140 CPU-seconds of g++ for the CPU build; nvcc adds minutes per CUDA file.
    minutes = math.ceil(140 / jobs / 60)
    extra = ", plus several minutes for the CUDA kernels" if with_cuda else ""
    print(f"convlab: compiling its C++ extension into {directory} with {jobs} parallel jobs: "
          f"about {minutes} min on idle cores{extra}, longer on busy ones; once (later imports "
          "reuse it)", file=sys.stderr, flush=True)


def load_extension() -> str:
    """Compile (if needed) and load the extension; returns the path of the loaded library."""
    sanitize = sanitize_requested()
    with_cuda = not sanitize and cuda_requested()
    _check_toolchain(with_cuda)
    # -fopenmp: without it ATen's parallel_for compiles to a serial loop in the extension
    # (ATen/Parallel-inl.h), so every convlab CPU kernel would run on one core. The OpenMP
    # runtime is the one torch already loaded (same soname, libgomp.so.1).
    cflags, ldflags, cuda_flags = ["-O3", "-fopenmp"], ["-fopenmp"], ["-O3"]
    if sanitize:
        cflags, ldflags = SANITIZE_FLAGS + ["-fopenmp"], SANITIZE_FLAGS + ["-fopenmp"]
    if native_isa():
        cflags.append("-march=native")
    if with_cuda:
        # Some toolkits keep libcudart in lib/ rather than lib64/.
        ldflags += [f"-L{Path(cpp_extension.CUDA_HOME) / d}" for d in ("lib64", "lib")]
        cuda_flags += _cuda_library_headers()
        # Source lines in compute-sanitizer's reports (and profilers'); the code is unchanged.
        cuda_flags.append("-lineinfo")
        if ptxas_verbose_requested():
            cuda_flags += PTXAS_VERBOSE_FLAGS
    name = "convlab_cuda" if with_cuda else "convlab_cpu"
    directory = build_directory(with_cuda)
    jobs = build_jobs()
    # torch's ninja build reads MAX_JOBS; without it ninja guesses from the machine's cores,
    # not the ones this process may use.
    os.environ.setdefault("MAX_JOBS", str(jobs))
    if _needs_build(name, directory, with_cuda):
        _announce_build(directory, with_cuda, jobs)
    try:
        return cpp_extension.load(
            name=name,
            sources=sources(with_cuda) + ([str(SANITIZER_PROBE)] if sanitize else []),
            extra_cflags=cflags,
            extra_cuda_cflags=cuda_flags,
            extra_ldflags=ldflags,
            extra_include_paths=[str(CSRC)],
            build_directory=str(directory),
            with_cuda=with_cuda,
            is_python_module=False,
            verbose=os.environ.get("CONVLAB_VERBOSE_BUILD") == "1",
        )
    except (RuntimeError, OSError, ImportError) as error:
        raise ExtensionBuildError(
            f"Building the convlab extension failed ({error}). Rerun with CONVLAB_VERBOSE_BUILD=1 "
            "to see the compiler output."
        ) from error
