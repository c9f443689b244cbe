import os

import pytest
import torch

import ops
from ops import _extension

OPS = ["conv2d", "conv2d_backward", "max_pool2d", "max_pool2d_backward", "avg_pool2d",
       "avg_pool2d_backward", "adaptive_avg_pool2d", "adaptive_avg_pool2d_backward"]


@pytest.mark.parametrize("name", OPS)
def test_every_op_has_a_cpu_kernel(name):
    assert torch._C._dispatch_has_kernel_for_dispatch_key(f"convlab::{name}", "CPU")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU visible to torch")
@pytest.mark.parametrize("name", OPS)
def test_every_op_has_a_cuda_kernel(name):
    assert torch._C._dispatch_has_kernel_for_dispatch_key(f"convlab::{name}", "CUDA")


def test_missing_compiler_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler-xyz")
    with pytest.raises(ops.ExtensionBuildError, match="C\\+\\+ compiler.*no-such-compiler-xyz"):
        _extension.load_extension()


def test_bad_cuda_switch_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CONVLAB_CUDA", "yes")
    with pytest.raises(ops.ExtensionBuildError, match="CONVLAB_CUDA"):
        _extension.load_extension()


def test_cpu_build_leaves_out_cuda_sources():
    cpu_sources = _extension.sources(with_cuda=False)
    assert cpu_sources and not any("/cuda/" in s for s in cpu_sources)
    assert set(cpu_sources) <= set(_extension.sources(with_cuda=True))


def test_only_the_flavours_own_sources_make_a_build_stale(tmp_path, monkeypatch):
    csrc = tmp_path / "csrc"
    (csrc / "ops" / "cuda").mkdir(parents=True)
    cpp, cu = csrc / "ops" / "a.cpp", csrc / "ops" / "cuda" / "a.cu"
    library = tmp_path / "convlab_cpu.so"
    for path, mtime in ((cpp, 100), (library, 200), (cu, 300)):
        path.write_text("")
        os.utime(path, (mtime, mtime))
    monkeypatch.setattr(_extension, "CSRC", csrc)
    assert not _extension._needs_build("convlab_cpu", tmp_path, with_cuda=False)
    assert _extension._needs_build("convlab_cpu", tmp_path, with_cuda=True)
    os.utime(cpp, (400, 400))
    assert _extension._needs_build("convlab_cpu", tmp_path, with_cuda=False)
