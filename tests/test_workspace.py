"""The workspace limit: a convolution whose lowered buffer would pass the limit runs its batch
in chunks and stays correct. A lowered matrix past 2^31 elements is the same situation as
this test's, scaled: here a limit of a few thousand elements forces the chunking a huge input
would force under the default limit."""

import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import DEVICES, TOLERANCES, assert_matches_reference


def test_default_limits():
    assert ops.workspace_limit("cpu") == 2**20
    assert ops.workspace_limit(torch.device("cuda", 0)) == 2**28


# Batch 5 of 3x9x9 inputs, 3x3 kernels: one sample lowers to 27 x 81 im2col elements, and to
# 36 x 4 x 9 Winograd tile elements. Limits of two samples' worth and of less than one give
# chunks of 2, 2, 1 and of 1 sample.
IM2COL_PER_SAMPLE = 27 * 81
WINOGRAD_PER_SAMPLE = 36 * 4 * 9


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("elements", [2 * IM2COL_PER_SAMPLE, 2 * WINOGRAD_PER_SAMPLE, 100])
@pytest.mark.parametrize("algorithm", ["im2col", "winograd"])
# 16x16: 256 output positions, where im2col's CPU backward would run a sample per thread,
# unless (as under these limits) the threads' samples do not fit: then it runs in chunks.
@pytest.mark.parametrize("size", [9, 16])
def test_a_conv_past_the_limit_runs_in_chunks_and_matches_torch(device, elements, algorithm, size):
    generator = torch.Generator().manual_seed(0)
    x, w, b = (torch.randn(s, generator=generator, dtype=torch.float64).to(device)
               for s in ((5, 3, size, size), (4, 3, 3, 3), (4,)))
    previous = ops.set_workspace_limit(device, elements)
    try:
        assert_matches_reference(
            lambda *t: ops.conv2d(*t, padding=1, algorithm=algorithm),
            lambda *t: F.conv2d(*t, padding=1), (x, w, b), torch.float64,
            tolerance=TOLERANCES[torch.float64])
    finally:
        ops.set_workspace_limit(device, previous)


def test_set_workspace_limit_returns_the_previous_limit():
    previous = ops.set_workspace_limit("cpu", 1000)
    try:
        assert ops.workspace_limit("cpu") == 1000
    finally:
        assert ops.set_workspace_limit("cpu", previous) == 1000
    assert ops.workspace_limit("cpu") == previous


@pytest.mark.parametrize("device,elements,error,argument", [
    ("cpu", 0, ValueError, "elements"),
    ("cpu", 2.5, TypeError, "elements"),
    ("tpu", 1000, ValueError, "device"),
])
def test_bad_limits_name_the_argument(device, elements, error, argument):
    with pytest.raises(error, match=argument):
        ops.set_workspace_limit(device, elements)



# The scratch cache: blocks given back by one call are lent to the next, so a call must never
# read what an earlier one left there. Each shape computed first on fresh blocks (the cache
# emptied), then again on blocks that the other shapes filled: the results must not change
# by a bit.
@pytest.mark.parametrize("algorithm", ["im2col", "winograd", "implicit"])
def test_results_do_not_depend_on_what_scratch_blocks_held(algorithm):
    generator = torch.Generator().manual_seed(0)
    shapes = [((8, 16, 12, 12), (32, 16, 3, 3)), ((4, 64, 4, 4), (64, 64, 3, 3)),
              ((8, 16, 12, 12), (8, 16, 3, 3))]
    tensors = [[torch.randn(s, generator=generator) for s in (x, w, (x[0], w[0], *x[2:]))]
               for x, w in shapes]

    def conv_and_gradients(x, w, grad_output):
        x, w = x.clone().requires_grad_(), w.clone().requires_grad_()
        y = ops.conv2d(x, w, padding=1, algorithm=algorithm)
        return (y, *torch.autograd.grad(y, (x, w), grad_output))

    fresh = []
    for x, w, grad_output in tensors:
        ops.empty_scratch_cache()
        fresh.append(conv_and_gradients(x, w, grad_output))
    for (x, w, grad_output), expected in zip(tensors, fresh):
        for got, want in zip(conv_and_gradients(x, w, grad_output), expected):
            assert torch.equal(got, want)
    assert ops.scratch_cache_bytes() > 0
    ops.empty_scratch_cache()
    assert ops.scratch_cache_bytes() == 0


def _allocations_of(nbytes, fn):
    """How many blocks of exactly `nbytes` c10's CPU allocator hands out while `fn` runs."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    return sum(1 for e in prof.profiler.kineto_results.events()
               if e.name() == "[memory]" and e.nbytes() == nbytes)


# A training loop asks the cache for the same blocks every step: after the first step every
# request must find its block. Implicit GEMM on a 2x2 plane takes filter-sized blocks (the
# filters' transposes, grad_weight's sums) and smaller ones between them; of the blocks of the
# filters' size that a step allocates, only the returned grad_weight may be new.
def test_a_repeated_step_takes_no_new_scratch_blocks():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4, 128, 2, 2, generator=generator, requires_grad=True)
    w = torch.randn(128, 128, 3, 3, generator=generator, requires_grad=True)
    go = torch.randn(4, 128, 2, 2, generator=generator)

    def step():
        y = ops.conv2d(x, w, padding=1, algorithm="implicit")
        torch.autograd.grad(y, (x, w), go)

    ops.empty_scratch_cache()
    for _ in range(3):
        step()
    # One block of the filters' size is the returned grad_weight; none is scratch.
    assert _allocations_of(w.numel() * 4, step) == 1
