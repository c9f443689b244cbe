"""Implicit GEMM's CPU float32 kernels (csrc/conv2d/implicit/cpu/): the forward, grad_input (a full
convolution with the rotated filters) and grad_weight summed in vector registers. The forward
and grad_input run on planes whose output rows are at least 8 long and 8 times the padding
(`runs_in_registers` in implicit.cpp), grad_weight where a block of samples also holds at least
1024 positions (`implicit_grad_weight_fills_registers`); every shape here is one of those,
each against torch in float64 on the same float32 inputs. The conv grid
(test_conv2d_algorithms.py) covers the small planes that take the tap GEMMs."""

import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import leaves

# (batch, in channels, out channels, (H, W), kernel, padding, dilation, groups, bias)
SHAPES = {
    "lenet_conv1": (3, 1, 6, (32, 32), (5, 5), 0, 1, 1, True),  # 6 of a vector's lanes
    "lenet_conv2": (8, 6, 16, (14, 14), (5, 5), 0, 1, 1, True),
    "vgg_3x3": (4, 16, 32, (16, 16), (3, 3), 1, 1, 1, False),
    "vgg_first_layer": (2, 3, 64, (32, 32), (3, 3), 1, 1, 1, True),  # rows of two vectors
    "two_channel_blocks": (8, 5, 40, (12, 12), (3, 3), 0, 1, 1, True),  # 32 + 8 filters
    "row_tiles": (5, 3, 7, (6, 31), (3, 3), 1, 1, 1, True),  # tiles of 11, 11 and 9 at AVX-512
    "kernel_3x5": (4, 4, 9, (11, 20), (3, 5), (1, 2), 1, 1, True),
    "dilation": (3, 4, 12, (14, 24), (3, 3), 2, 2, 1, True),
    "groups": (6, 8, 12, (10, 17), (3, 3), 1, 1, 2, True),
    "depthwise": (6, 6, 6, (9, 16), (3, 3), 1, 1, 6, False),
    "padding_past_the_kernel": (3, 3, 5, (9, 30), (3, 3), 3, 1, 1, True),  # grad_input by taps
    "one_sample": (1, 3, 17, (8, 40), (5, 5), 2, 1, 1, True),  # grad_weight by taps
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_forward_and_every_gradient_match_torch_in_float64(name):
    batch, cin, cout, size, kernel, padding, dilation, groups, bias = SHAPES[name]
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(batch, cin, *size, generator=generator)
    w = torch.randn(cout, cin // groups, *kernel, generator=generator)
    b = torch.randn(cout, generator=generator) if bias else None
    args = dict(padding=padding, dilation=dilation, groups=groups)
    tensors = (x, w) if b is None else (x, w, b)
    inputs = leaves(*tensors)
    out = ops.conv2d(*inputs, algorithm="implicit", **args)
    reference_inputs = leaves(*(t.double() for t in tensors))
    expected = F.conv2d(*reference_inputs, **args)
    grad = torch.randn(expected.shape, generator=generator)
    tolerance = dict(rtol=1e-4, atol=1e-4 * w[0].numel() ** 0.5)
    torch.testing.assert_close(out.double(), expected, **tolerance)
    got = torch.autograd.grad(out, inputs, grad)
    want = torch.autograd.grad(expected, reference_inputs, grad.double())
    for which, (g, r) in enumerate(zip(got, want)):
        torch.testing.assert_close(g.double(), r, **tolerance,
                                   msg=lambda m: f"gradient {which}: {m}")


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_that_start_within_a_sample_give_one_threads_bits(threads):
    # Each thread pads the samples of its own tasks into a buffer of its own: with 3 samples a
    # thread's share of the forward's (sample, row) tasks starts within a sample, and grad_weight's
    # tasks of one sample each fall to the threads unevenly. The bits must not change.
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(3, 4, 16, 32, generator=generator)
    w = torch.randn(10, 4, 3, 3, generator=generator)
    b = torch.randn(10, generator=generator)
    grad = torch.randn(3, 10, 16, 32, generator=generator)
    results = []
    previous = torch.get_num_threads()
    try:
        for count in (1, threads):
            torch.set_num_threads(count)
            inputs = leaves(x, w, b)
            out = ops.conv2d(*inputs, padding=1, algorithm="implicit")
            results.append((out, *torch.autograd.grad(out, inputs, grad)))
    finally:
        torch.set_num_threads(previous)
    for which, (one, many) in enumerate(zip(*results)):
        assert torch.equal(one, many), f"result {which} differs at {threads} threads"
    expected = F.conv2d(x.double(), w.double(), b.double(), padding=1)
    torch.testing.assert_close(results[0][0].double(), expected, rtol=1e-4, atol=1e-3)
