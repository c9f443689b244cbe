"""The workspace limit: the most elements one lowered buffer (im2col columns, Winograd tiles)
may hold on a device. Convolutions whose whole-batch buffer would be larger run the batch in
chunks below it, so their workspace stays bounded however large the batch: 2^20 elements
(4 MiB of float32) on the CPU and 2^28 (1 GiB) on a GPU by default. One sample is never
split, so a single sample larger than the limit still runs, in one chunk.

The scratch cache: on the CPU, convlab's temporaries (those buffers, transformed filters,
layout copies) come from blocks that earlier calls gave back, not from malloc, which can hand
large blocks back to the kernel and page-fault them afresh on every call. The blocks stay with
the process (at most 1 GiB) until `empty_scratch_cache`."""

import torch

_convlab = torch.ops.convlab


def _device_type(device) -> str:
    return torch.device(device).type if not isinstance(device, str) or ":" in device else device


def workspace_limit(device="cpu") -> int:
    """The limit, in elements, on `device` ("cpu", "cuda" or a torch.device)."""
    return _convlab.workspace_limit(_device_type(device))


def set_workspace_limit(device, elements: int) -> int:
    """Set the limit on `device` for the rest of the process; returns the previous one."""
    if isinstance(elements, bool) or not isinstance(elements, int):
        raise TypeError(f"elements must be an int, got {type(elements).__name__}")
    return _convlab.set_workspace_limit(_device_type(device), elements)


def scratch_cache_bytes() -> int:
    """Bytes of the blocks the CPU scratch cache holds, lent to a running call or free."""
    return _convlab.scratch_cache_bytes()


def empty_scratch_cache() -> None:
    """Release the scratch cache's free blocks to the system (as torch.cuda.empty_cache)."""
    _convlab.empty_scratch_cache()
