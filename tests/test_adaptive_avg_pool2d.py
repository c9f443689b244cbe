import pytest
import torch
import torch.nn.functional as F

import ops
from tests.compare import DEVICES, assert_matches_reference

# Input is 11 x 9: sizes that divide it, that don't, larger than it, and None (keep).
OUTPUT_SIZES = [1, (1, 3), 3, (4, 5), (5, 4), (7, 7), (11, 9), (13, 10), (None, 4), (6, None)]


def make_input(dtype, device, shape=(2, 3, 11, 9), seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64).to(device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("size", OUTPUT_SIZES, ids=str)
def test_forward_and_gradient_match_torch(size, dtype, device):
    assert_matches_reference(
        lambda t: ops.adaptive_avg_pool2d(t, size), lambda t: F.adaptive_avg_pool2d(t, size),
        (make_input(dtype, device),), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", [(3, 4), (5, 2), (8, 8)], ids=str)
def test_gradcheck(size, device):
    x = make_input(torch.float64, device, shape=(1, 2, 7, 6)).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: ops.adaptive_avg_pool2d(t, size), (x,))


@pytest.mark.parametrize("device", DEVICES)
def test_opcheck(device):
    x = make_input(torch.float64, device).requires_grad_()
    torch.library.opcheck(torch.ops.convlab.adaptive_avg_pool2d.default, (x, [4, 5]))
    out = torch.ops.convlab.adaptive_avg_pool2d(x.detach(), [4, 5])
    torch.library.opcheck(
        torch.ops.convlab.adaptive_avg_pool2d_backward.default, (torch.randn_like(out), x.detach()))


@pytest.mark.parametrize("device", DEVICES)
def test_channels_last_unbatched_and_empty_batch(device):
    x = make_input(torch.float64, device)
    for variant in (x.to(memory_format=torch.channels_last), x[0], x[:0]):
        assert_matches_reference(
            lambda t: ops.adaptive_avg_pool2d(t, (4, 5)),
            lambda t: F.adaptive_avg_pool2d(t, (4, 5)), (variant,), torch.float64)


def test_bad_input_raises_naming_the_argument():
    x = make_input(torch.float32, "cpu")
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool2d(x, -1)  # 0 gives an empty result, like torch (test_fuzz)
    with pytest.raises(ValueError, match="output_size"):
        ops.adaptive_avg_pool2d(x, (1, 2, 3))
    with pytest.raises(ValueError, match="input"):
        ops.adaptive_avg_pool2d(x[0, 0], 2)
    with pytest.raises(TypeError, match="dtype"):
        ops.adaptive_avg_pool2d(x.long(), 2)
    with pytest.raises(ValueError, match="grad_output"):
        torch.ops.convlab.adaptive_avg_pool2d_backward(torch.randn(2, 3, 4), x)
