"""The emulated launcher itself (csrc/common/emulated/launch.h), on test-only kernels built
with it into their own library: every index of a launch runs exactly once however the grid
wraps, and an element written zero times or twice raises, naming the kernel."""

import pytest
import torch
from torch.utils import cpp_extension

from ops import _extension

PROBE = _extension.ROOT / "tests" / "emulated" / "write_count_probe.cpp"
LAUNCHER = _extension.CSRC / "common" / "emulated" / "emulated_launch.cpp"


@pytest.fixture(scope="module")
def probe():
    build = _extension.ROOT / "build" / f"write-count-probe-torch-{torch.__version__}"
    build.mkdir(parents=True, exist_ok=True)
    cpp_extension.load(
        name="convlab_write_count_probe", sources=[str(PROBE), str(LAUNCHER)],
        extra_include_paths=[str(_extension.CSRC)], extra_cflags=["-O1"],
        build_directory=str(build), is_python_module=False, verbose=False)
    return torch.ops.convlab_probe


@pytest.mark.parametrize("n", [1, 255, 256, 8191, 8192, 8193, 20000])
@pytest.mark.parametrize("multiprocessors", [1, 3])
def test_every_index_runs_once_as_the_grid_wraps(probe, n, multiprocessors):
    """Past 32 blocks x 256 threads per multiprocessor the grid-stride loop wraps."""
    previous = probe.set_multiprocessors(multiprocessors)
    try:
        out = probe.write_count_probe(n, "none")
    finally:
        probe.set_multiprocessors(previous)
    assert torch.equal(out, torch.arange(n, dtype=torch.float32))


def test_an_element_never_written_raises_naming_the_kernel(probe):
    with pytest.raises(RuntimeError, match=r"kernel write_count_probe wrote element 3 .* 0 times.*never written"):
        probe.write_count_probe(100, "skip")


def test_an_element_written_twice_raises_naming_the_kernel(probe):
    with pytest.raises(RuntimeError, match=r"kernel write_count_probe wrote element 4 .* 2 times.*race"):
        probe.write_count_probe(100, "twice")
