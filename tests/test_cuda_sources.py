"""What the CUDA sources must say, read off the files (a GPU is not needed to check it):
every kernel launch runs on the current stream and is followed by the launch check, the
only kernel is the launcher's grid-stride wrapper, and every op entry registered for CUDA
takes a device guard."""

import re

from ops._extension import CSRC

SOURCES = sorted(p for p in CSRC.rglob("*") if p.suffix in {".cpp", ".cu", ".cuh", ".h"})


def _text(path):
    return path.read_text()


def test_every_launch_is_on_the_current_stream_and_checked():
    launches = 0
    for path in SOURCES:
        text = _text(path)
        for match in re.finditer(r"<<<(.*?)>>>\s*\([^;]*\);\s*(\S+)", text, re.S):
            launches += 1
            config, next_statement = match.group(1), match.group(2)
            assert "at::cuda::getCurrentCUDAStream()" in config, f"{path}: launch off the current stream"
            assert next_statement.startswith("C10_CUDA_KERNEL_LAUNCH_CHECK"), f"{path}: launch unchecked"
    assert launches >= 1


def test_the_only_kernel_is_the_launchers_grid_stride_wrapper():
    """Kernel bodies live in *_grid.h as per-index functors, so emulation runs them too."""
    kernels = {path.relative_to(CSRC).as_posix(): len(re.findall(r"__global__", _text(path)))
               for path in SOURCES}
    assert {name: n for name, n in kernels.items() if n} == {"common/cuda/launch.cuh": 1}
    assert all("<<<" not in _text(p) for p in SOURCES if p.name != "launch.cuh")


def _function_body(text, name):
    match = re.search(rf"\b{re.escape(name)}\s*\([^;{{]*\)\s*{{", text)
    assert match, f"no definition of {name}"
    depth, i = 1, match.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[match.end():i]


def test_every_cuda_entry_point_takes_a_device_guard():
    entries = 0
    for path in SOURCES:
        text = _text(path)
        for block in re.finditer(r"TORCH_LIBRARY_IMPL\(convlab,\s*CUDA,\s*m\)\s*{(.*?)\n}", text, re.S):
            for function in re.findall(r"m\.impl\(\"\w+\",\s*&([\w:<>, ]+?)\)", block.group(1)):
                entries += 1
                body = _function_body(text, function.split("<")[0].split("::")[-1])
                assert re.search(r"\b(at::DeviceGuard|c10::cuda::CUDAGuard)\b", body), (
                    f"{path.name}: {function} has no device guard")
    assert entries >= 8  # conv2d and three pooling ops, forward and backward
