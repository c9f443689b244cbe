"""Peak memory of one training step, measured in one extra, untimed step: on a CPU replayed
from torch.profiler's allocation events, on a GPU from the CUDA allocator's peak."""

import gc
import os

# torch.profiler logs its stages to stderr unless told otherwise; read when it first starts.
os.environ.setdefault("KINETO_LOG_LEVEL", "5")

import torch  # noqa: E402

import ops  # noqa: E402

MIB = 2.0 ** 20
CPU_MEMORY_METHOD = (
    "one extra step under torch.profiler (profile_memory=True), not timed: every allocation "
    "and free through c10's CPU allocator (tensors, autograd's saved tensors, convlab's "
    "im2col/Winograd/FFT workspaces, oneDNN scratchpads) replayed in order; peak = bytes "
    "resident between steps (parameters, buffers, SGD momentum, the batch) + the highest "
    "running total of the step's own allocations; convlab's scratch cache is emptied before "
    "the step, so the blocks it keeps count as the step's allocations. Memory that oneDNN or "
    "BLAS take with malloc directly is not seen.")
CUDA_MEMORY_METHOD = (
    "one extra step, not timed: peak = bytes resident between steps (parameters, buffers, SGD "
    "momentum, the batch) + torch.cuda.max_memory_allocated during the step less what was "
    "allocated before it (the other models of the comparison live on the same GPU).")


def cpu_peak_bytes(step) -> int:
    """Peak bytes of one call of `step`, a train_step.TrainStep, on the CPU."""
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile

    step.optimizer.zero_grad(set_to_none=True)  # frees outside the profile: it sees none of them
    gc.collect()
    # Its blocks, allocated again within the step and kept after it, count in the peak.
    ops.empty_scratch_cache()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    cpu = (DeviceType.CPU, DeviceType.MKLDNN, DeviceType.IDEEP)
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                    if e.name() == "[memory]" and e.device_type() in cpu)
    running = peak = 0
    for _, nbytes in events:
        running += nbytes
        peak = max(peak, running)
    return step.resident_bytes() + peak


def cuda_peak_bytes(step) -> int:
    """Peak bytes of one call of `step`, a train_step.TrainStep, on the current GPU."""
    step.optimizer.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step()
    torch.cuda.synchronize()
    return step.resident_bytes() + torch.cuda.max_memory_allocated() - before
