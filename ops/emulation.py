"""The emulated GPU: convlab's CUDA code path executed on the CPU.

Inside ``with ops.emulated_cuda():`` every convlab op called on CPU tensors runs what it
would run on a GPU: the algorithm a GPU chooses, the GPU's workspace limit, the CUDA
kernels' per-index bodies over the grid a GPU would launch (``csrc/common/grid.h``) and the
cuBLAS call convlab plans, executed by a column-major reference GEMM after cuBLAS's argument
rules are checked. Outputs start as NaN and every element must be written exactly once, or
the op raises naming the kernel. ``emulated_cuda_stats()`` counts what ran.

What emulation proves: index math, launch arithmetic, cuBLAS arguments, write-once outputs.
What only a GPU can: timing, TF32 and tensor-core numerics beyond rounding, real memory
faults, streams (``scripts/gpu_check.sh``).
"""

from contextlib import contextmanager

import torch

__all__ = ["emulated_cuda", "emulated_cuda_stats", "reset_emulated_cuda_stats"]


@contextmanager
def emulated_cuda(multiprocessors: int = 1):
    """Run convlab ops on CPU tensors through the CUDA code path for the block.

    ``multiprocessors`` sizes the emulated grid (32 blocks of 256 threads each): the default
    one makes any launch past 8192 indices wrap through the grid-stride loop. Blocks nest;
    the setting is process-wide, so autograd's backward follows it.
    """
    if not isinstance(multiprocessors, int) or multiprocessors < 1:
        raise ValueError(f"multiprocessors must be a positive int, got {multiprocessors!r}")
    was_on = torch.ops.convlab.set_emulated_cuda(True)
    previous = torch.ops.convlab.set_emulated_cuda_multiprocessors(multiprocessors)
    try:
        yield
    finally:
        torch.ops.convlab.set_emulated_cuda_multiprocessors(previous)
        torch.ops.convlab.set_emulated_cuda(was_on)


def emulated_cuda_stats() -> dict[str, int]:
    """Launches per CUDA kernel name, and calls of ``cublasGemmStridedBatchedEx``, made under
    emulation since the last ``reset_emulated_cuda_stats()``."""
    names, counts = torch.ops.convlab.emulated_cuda_stats()
    return dict(zip(names, counts))


def reset_emulated_cuda_stats() -> None:
    torch.ops.convlab.reset_emulated_cuda_stats()
