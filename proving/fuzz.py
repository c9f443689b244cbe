"""A seeded hypothesis fuzz of conv2d's arguments: where torch.nn.functional computes a result,
the subject equals it (output, input and weight gradients, float64); where torch refuses, the
subject raises a ValueError or TypeError."""

import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from .cases import grid
from .outcome import forward_and_gradients, mismatch, outcome
from .support import narrow, plainer_arguments

BAD = {"stride": [0, -1, 1.5, "2", None], "dilation": [0, -2, 1.5, None],
       "padding": [-1, 2.5, "full", None], "groups": [0, -1, 1.0, None]}


def _pair(draw, low, high):
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return (draw(st.integers(low, high)), draw(st.integers(low, high)))


@st.composite
def conv_arguments(draw, plainer=None):
    """(input shape, weight shape, bias?, layout, arguments, one made wrong?). `plainer`, for a
    subject that refuses most shapes, makes three in four valid draws plainer until it can do
    them (proving/support.py)."""
    groups = draw(st.integers(1, 3))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    args = {"stride": _pair(draw, 1, 3), "dilation": _pair(draw, 1, 2), "groups": groups,
            "padding": draw(st.one_of(st.sampled_from(["same", "valid"]), st.integers(0, 2),
                                      st.tuples(st.integers(0, 2), st.integers(0, 2))))}
    broken = draw(st.integers(0, 2)) == 0  # one argument in three cases wrong on purpose
    if broken:
        key = draw(st.sampled_from(sorted(BAD)))
        args[key] = draw(st.sampled_from(BAD[key]))
    shape = (draw(st.integers(0, 2)), cin, draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    layout = draw(st.sampled_from(["contiguous", "channels_last", "transposed"]))
    weight_shape = (cout, cin // groups, *kernel)
    if plainer is not None and not broken and draw(st.integers(0, 3)) > 0:
        shape, weight_shape, args = plainer(shape, weight_shape, args)
    return shape, weight_shape, draw(st.booleans()), layout, args, broken


def _tensors(shape, weight_shape, with_bias, layout, generator):
    if layout == "transposed":  # a non-contiguous input: H and W swapped in memory
        input = torch.randn(*shape[:2], shape[3], shape[2], dtype=torch.float64,
                            generator=generator).transpose(2, 3)
    else:
        input = torch.randn(shape, dtype=torch.float64, generator=generator)
        if layout == "channels_last":
            input = input.contiguous(memory_format=torch.channels_last)
    weight = torch.randn(weight_shape, dtype=torch.float64, generator=generator)
    bias = torch.randn(weight_shape[0], dtype=torch.float64, generator=generator)
    return input, weight, bias if with_bias else None


def fuzz(subject, examples: int, fuzz_seed: int) -> dict:
    name = "fuzz"
    covers = (f"{examples} seeded hypothesis cases: valid arguments equal torch.nn.functional "
              "(output and gradients, float64), invalid ones a ValueError or TypeError")
    counts = {"equal": 0, "refused by both": 0, "refused, as it may": 0}
    plainer = (lambda *drawn: plainer_arguments(subject, *drawn)) if narrow(
        subject, grid("small")) else None

    @seed(fuzz_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck))
    @given(conv_arguments(plainer))
    def property(case):
        shape, weight_shape, with_bias, layout, args, broken = case
        tensors = _tensors(shape, weight_shape, with_bias, layout, torch.Generator().manual_seed(0))
        where = (f"input {shape} {layout}, weight {weight_shape}, "
                 f"{'bias' if with_bias else 'no bias'}, {args}")
        arguments = (args["stride"], args["padding"], args["dilation"], args["groups"])
        try:
            want = forward_and_gradients(F.conv2d, *tensors, arguments, 1)
        except Exception:  # noqa: BLE001  (torch refuses: the subject must, clearly)
            try:
                subject.conv2d(*tensors, *arguments)
            except (ValueError, TypeError):
                counts["refused by both"] += 1
                return
            except Exception as error:  # noqa: BLE001
                raise AssertionError(f"torch refuses {where}; {subject.label} raised "
                                     f"{type(error).__name__} ({error}), not a ValueError or "
                                     "TypeError") from None
            raise AssertionError(f"torch refuses {where}; {subject.label} computed a result")
        try:
            got = forward_and_gradients(subject.conv2d, *tensors, arguments, 1)
        except (ValueError, TypeError) as error:
            if "cannot do this convolution" in str(error) or broken:
                counts["refused, as it may"] += 1
                return
            raise AssertionError(f"{subject.label} refused valid {where}: {error}") from None
        except Exception as error:  # noqa: BLE001
            raise AssertionError(f"{subject.label} raised {type(error).__name__} ({error}) on "
                                 f"valid {where}") from None
        problem = mismatch(got, want, 1e-10)
        assert problem is None, f"{problem} on {where}"
        counts["equal"] += 1

    try:
        property()
    except AssertionError as error:
        return outcome(name, covers, False, str(error).splitlines()[0], counts=counts,
                       cases=sum(counts.values()))
    plainer_note = " (most draws made plainer: the subject refuses most shapes)" if plainer else ""
    return outcome(name, covers, True, ", ".join(f"{v} {k}" for k, v in counts.items())
                   + plainer_note, counts=counts, cases=sum(counts.values()))
