"""The grid checks: forward and every gradient against torch.nn.functional in float64 (also on
the emulated GPU path), and float32 accuracy against float64 compared with native's own."""

import torch
import torch.nn.functional as F

import ops

from .support import subject_grid
from .outcome import QUANTITIES, forward_and_gradients, mismatch, outcome
from .outcome import error as max_error

FLOAT64_TOLERANCE = 1e-10
# Native's float32 error is floored at float32's epsilon: the ratio says how many roundings
# worse, not how many times an exact result.
FLOAT32_EPSILON = torch.finfo(torch.float32).eps


def _cannot_do(error: Exception) -> bool:
    # A forced algorithm refusing a shape it declares it cannot do (supports, or the C++ check).
    return isinstance(error, ValueError) and "cannot do this convolution" in str(error)


def _run(conv, case, dtype, seed):
    return forward_and_gradients(conv, *case.tensors(dtype, seed), case.arguments(), seed + 1)


def _reference(case, seed, dtype=torch.float64):
    """torch's results on the case's `dtype` values, computed in float64."""
    input, weight, bias = (t if t is None else t.double() for t in case.tensors(dtype, seed))
    return forward_and_gradients(F.conv2d, input, weight, bias, case.arguments(), seed + 1)


def float64_grid(subject, size: str, seed: int, name="float64 grid", emulated=False) -> dict:
    covers = ("forward, grad_input, grad_weight, grad_bias against torch.nn.functional.conv2d "
              "in float64 over stride, padding ('same' with even kernels too), dilation, groups, "
              "bias, contiguous/channels_last/strided/transposed inputs, batch 2/1/0, odd sizes")
    cases, plainer = subject_grid(subject, size)
    done, skipped = 0, 0
    for i, case in enumerate(cases):
        try:
            got = _run(subject.conv2d, case, torch.float64, seed + i)
        except Exception as error:  # noqa: BLE001  (any other error is the finding)
            if _cannot_do(error):
                skipped += 1
                continue
            return outcome(name, covers, False, f"{case.describe()}: raised "
                           f"{type(error).__name__}: {error}", cases=done)
        problem = mismatch(got, _reference(case, seed + i), FLOAT64_TOLERANCE)
        if problem:
            return outcome(name, covers, False, f"{problem} on {case.describe()}", cases=done)
        done += 1
    if not done:
        return outcome(name, covers, False, f"{subject.label} can do none of the {len(cases)} "
                       "cases", cases=0)
    made_plainer = (f" ({plainer} of them refused cases made plainer, {subject.label} refusing "
                    "most of the grid)") if plainer else ""
    return outcome(name, covers, True, f"{done} cases equal torch's{made_plainer}; {skipped} the "
                   "subject declares it cannot do", cases=done, unsupported=skipped)


def emulated_grid(subject, size: str, seed: int) -> dict:
    name = "emulated GPU"
    if not subject.cuda_kernels:
        return outcome(name, "the CUDA kernels' bodies, run on the CPU", None,
                       f"{subject.label} has no CUDA kernels")
    with ops.emulated_cuda():
        result = float64_grid(subject, size, seed, name=name)
    result["covers"] = "the float64 grid through the CUDA kernels' bodies, run on the CPU"
    return result


def float32_accuracy(subject, size: str, seed: int) -> dict:
    name = "float32 accuracy"
    promise = subject.float32_error_ratio
    covers = (f"max |y32 - y64| / max |y64| of the forward and each gradient over the grid, "
              f"at most {promise:g}x native's float32 error on the same inputs")
    worst = {q: {"ratio": 0.0} for q in QUANTITIES}
    measured = 0
    for i, case in enumerate(subject_grid(subject, size)[0]):
        if case.batch == 0:
            continue
        try:
            got = _run(subject.conv2d, case, torch.float32, seed + i)
        except ValueError as error:
            if _cannot_do(error):
                continue
            raise
        measured += 1
        native = _run(F.conv2d, case, torch.float32, seed + i)
        reference = _reference(case, seed + i, torch.float32)
        for quantity in QUANTITIES:
            if reference[quantity] is None:
                continue
            err, scale = max_error(got[quantity], reference[quantity])
            native_err, _ = max_error(native[quantity], reference[quantity])
            relative, native_relative = err / max(scale, 1e-30), native_err / max(scale, 1e-30)
            ratio = relative / max(native_relative, FLOAT32_EPSILON)
            if ratio >= worst[quantity]["ratio"]:
                worst[quantity] = {"ratio": ratio, "error": relative, "native_error": native_relative,
                                   "case": case.describe()}
    failing = [q for q in QUANTITIES if worst[q]["ratio"] > promise]
    summary = ", ".join(f"{q} {worst[q]['ratio']:.1f}x" for q in QUANTITIES)
    if failing:
        q = failing[0]
        return outcome(name, covers, False,
                       f"{q} float32 error {worst[q]['error']:.3g} is {worst[q]['ratio']:.1f}x "
                       f"native's ({worst[q]['native_error']:.3g}), more than the promised "
                       f"{promise:g}x, on {worst[q]['case']}", worst=worst, promise=promise,
                       cases=measured)
    return outcome(name, covers, True, f"worst ratio to native: {summary}", worst=worst,
                   promise=promise, cases=measured)
