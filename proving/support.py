"""Cases an algorithm of narrow support can do: Winograd refuses four grid cases in five (it
needs 3x3, stride 1, dilation 1), so the grid and the fuzz would prove it on few shapes. For
such a subject each refused case is also run made plainer, one argument at a time in SIMPLER's
order, until the subject accepts it: the rest of the case (padding, groups, layout, batch,
bias, size) still varies."""

from dataclasses import replace

import torch

from .cases import Case, grid

# The plainest value of each argument, in the order they are given up.
SIMPLER = (("stride", (1, 1)), ("dilation", (1, 1)), ("kernel", (3, 3)), ("groups", 1),
           ("padding", 0))


def refuses(subject, input_shape, weight_shape, arguments) -> bool:
    """Whether the subject declares it cannot do this shape (decided on shape-only tensors:
    the op's fake kernel asks the algorithm's supports)."""
    if subject.algorithm is None:
        return False  # a backend computes every convolution torch does
    input = torch.empty(input_shape, dtype=torch.float64, device="meta")
    weight = torch.empty(weight_shape, dtype=torch.float64, device="meta")
    try:
        subject.conv2d(input, weight, None, *arguments)
    except ValueError as error:
        return "cannot do this convolution" in str(error)
    except Exception:  # noqa: BLE001  (any other failure is for the real run to report)
        return False
    return False


def refuses_case(subject, case: Case) -> bool:
    return refuses(subject, case.input_shape, case.weight_shape, case.arguments())


def plainer_case(subject, case: Case) -> Case | None:
    """`case` with its arguments given up in SIMPLER's order until the subject can do it;
    None if even the plainest is refused."""
    for field, value in SIMPLER:
        case = replace(case, **{field: value})
        if not refuses_case(subject, case):
            return case
    return None


def narrow(subject, cases: list[Case]) -> bool:
    """Whether the subject refuses more than half of `cases`."""
    return sum(refuses_case(subject, c) for c in cases) * 2 > len(cases)


def subject_grid(subject, size: str) -> tuple[list[Case], int]:
    """The grid of `size` for this subject, and how many cases were added to it: for a narrow
    subject, each refused case made plainer (once each), after the grid's own cases (the
    refused ones stay: refusing them cleanly is checked too)."""
    cases = grid(size)
    if not narrow(subject, cases):
        return cases, 0
    added = dict.fromkeys(plainer_case(subject, c) for c in cases if refuses_case(subject, c))
    added = [c for c in added if c is not None and c not in cases]
    return cases + added, len(added)


def plainer_arguments(subject, shape, weight_shape, args: dict):
    """The fuzz's (input shape, weight shape, arguments) given up in SIMPLER's order until the
    subject can do them; unchanged if it cannot do even the plainest."""
    plain_weight, plain = tuple(weight_shape), dict(args)
    for field, value in SIMPLER:
        if field == "kernel":
            plain_weight = (*plain_weight[:2], *value)
        elif field == "groups":
            plain_weight = (plain_weight[0], shape[1], *plain_weight[2:])
            plain["groups"] = value
        else:
            plain[field] = value
        arguments = (plain["stride"], plain["padding"], plain["dilation"], plain["groups"])
        if not refuses(subject, shape, plain_weight, arguments):
            return shape, plain_weight, plain
    return shape, weight_shape, args
