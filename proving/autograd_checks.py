"""gradcheck and gradgradcheck on small cases, torch.library.opcheck on convlab's op with the
algorithm forced, and torch.compile(fullgraph=True) forward and backward against eager."""

import torch

from .cases import Case
from .outcome import forward_and_gradients, mismatch, outcome
from .support import plainer_case, refuses_case

# Small enough for numerical Jacobians: stride, asymmetric 'same', dilation with groups, and a
# strided (non-contiguous) and a channels_last input among them.
SMALL = (
    Case(2, 1, (5, 6), (3, 3), (2, 1), 1, (1, 1), True, "contiguous"),
    Case(1, 1, (4, 5), (2, 3), (1, 1), "same", (1, 1), False, "strided"),
    Case(1, 2, (5, 5), (2, 2), (1, 1), (1, 0), (2, 1), True, "channels_last"),
    Case(1, 1, (5, 5), (3, 3), (1, 1), 1, (1, 1), True, "contiguous"),
)


def small_cases(subject) -> list[Case]:
    """SMALL, each case the subject declares it cannot do made plainer until it can
    (proving/support.py), so that Winograd too is checked on four cases, not one."""
    cases = [plainer_case(subject, c) if refuses_case(subject, c) else c for c in SMALL]
    return [c for c in dict.fromkeys(cases) if c is not None]


def _call(subject, case):
    def conv(*tensors):
        bias = tensors[2] if case.bias else None
        return subject.conv2d(tensors[0], tensors[1], bias, *case.arguments())
    return conv


def _supported(subject, case) -> bool:
    try:
        subject.conv2d(*case.tensors(torch.float64, 0), *case.arguments())
    except ValueError as error:
        if "cannot do this convolution" in str(error):
            return False
        raise
    return True


def gradchecks(subject, double_backward: bool) -> dict:
    name = "gradcheck" + (" + gradgradcheck" if double_backward else "")
    covers = "numerical against analytical Jacobians in float64 on small cases" + (
        ", and of the backward itself (double backward)" if double_backward else "")
    done = 0
    for case in small_cases(subject):
        if not _supported(subject, case):
            continue
        tensors = [t.detach().requires_grad_() for t in case.tensors(torch.float64, 1)
                   if t is not None]
        for check in (torch.autograd.gradcheck,
                      *((torch.autograd.gradgradcheck,) if double_backward else ())):
            try:
                check(_call(subject, case), tensors, eps=1e-6, atol=1e-5, rtol=1e-4)
            except Exception as error:  # noqa: BLE001  (GradcheckError or what the op raised)
                first = str(error).strip().splitlines()[0]
                return outcome(name, covers, False,
                               f"{check.__name__} failed on {case.describe()}: {first}",
                               cases=done)
        done += 1
    if not done:
        return outcome(name, covers, None, f"{subject.label} can do none of the small cases")
    return outcome(name, covers, True, f"{done} cases", cases=done)


def opchecks(subject) -> dict:
    name = "opcheck"
    covers = ("torch.library.opcheck of convlab::conv2d and conv2d_backward with the algorithm "
              "forced: schema, autograd registration, fake tensors, AOT dispatch")
    if subject.algorithm is None:
        return outcome(name, covers, None, f"{subject.label} is not a convlab algorithm")
    done = 0
    for case in small_cases(subject):
        if isinstance(case.padding, str) or not _supported(subject, case):
            continue  # the op takes explicit pairs; 'same' is the Python front end's
        x, w, b = (t if t is None else t.detach().requires_grad_()
                   for t in case.tensors(torch.float64, 2))
        padding = list(case.padding) if isinstance(case.padding, tuple) else [case.padding] * 2
        geometry = (list(case.stride), padding, list(case.dilation), case.groups)
        grad_output = torch.randn_like(torch.ops.convlab.conv2d(x, w, b, *geometry, subject.algorithm))
        for op, args in ((torch.ops.convlab.conv2d.default, (x, w, b, *geometry, subject.algorithm)),
                         (torch.ops.convlab.conv2d_backward.default,
                          (grad_output, x, w, *geometry, [True, True, case.bias],
                           subject.algorithm))):
            try:
                torch.library.opcheck(op, args)
            except Exception as error:  # noqa: BLE001  (OpCheckError names the failing test)
                first = str(error).strip().splitlines()[0]
                return outcome(name, covers, False, f"{op} on {case.describe()}: {first}",
                               cases=done)
        done += 1
    return outcome(name, covers, True, f"{done} cases, forward and backward op", cases=done)


def compiled(subject, seed: int) -> dict:
    name = "torch.compile"
    covers = "torch.compile(fullgraph=True) forward and backward equal to eager"
    for i, case in enumerate(small_cases(subject)):
        if not _supported(subject, case):
            continue
        torch._dynamo.reset()
        compiled_conv = torch.compile(subject.conv2d, fullgraph=True)
        tensors = case.tensors(torch.float64, seed + i)
        try:
            got = forward_and_gradients(compiled_conv, *tensors, case.arguments(), seed)
        except Exception as error:  # noqa: BLE001  (a graph break or a failing compile)
            first = str(error).strip().splitlines()[0]
            return outcome(name, covers, False, f"compiling failed on {case.describe()}: "
                           f"{type(error).__name__}: {first}", cases=0)
        eager = forward_and_gradients(subject.conv2d, *tensors, case.arguments(), seed)
        problem = mismatch(got, eager, 1e-12)
        if problem:
            return outcome(name, covers, False, f"compiled {problem} (eager's as reference) on "
                           f"{case.describe()}", cases=0)
        return outcome(name, covers, True, f"on {case.describe()}", cases=1)
    return outcome(name, covers, None, f"{subject.label} can do none of the small cases")
