"""The lecture's homework, graded (`prove.py exercise=conv2d_homework`): a solution's conv2d
(padding and stride) against torch.nn.functional, requirement by requirement, then a LeNet-5
epoch with it against torch's layers from the same start."""

import copy
import itertools
from pathlib import Path

import lightning as L
import torch
import torch.nn as nn
import torch.nn.functional as F

from training.errors import UserError
from training.parity import train_one
from training.run import build_data, model_for

from .cases import Case
from .outcome import error, forward_and_gradients, outcome

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
PADDINGS = (0, 1, 2, (1, 0))
STRIDES = ((1, 1), (2, 2), (2, 1))
KERNELS = ((3, 3), (2, 3), (1, 1))


def cases() -> list[Case]:
    """padding x stride, the kernel and the size turning over, with and without bias."""
    return [Case(2, 1, ((7, 8), (9, 9), (8, 7))[i % 3], KERNELS[i % 3], stride, padding,
                 (1, 1), i % 2 == 0, "contiguous")
            for i, (padding, stride) in enumerate(itertools.product(PADDINGS, STRIDES))]


def exercise_path(name: str) -> Path:
    path = EXERCISES / f"{name}.py"
    if not path.is_file():
        raise UserError(f"exercise must name a file of exercises/, got {name!r}")
    return path


def _solution(module):
    def conv(input, weight, bias, stride, padding, dilation, groups):
        return module.conv2d(input, weight, bias, stride=stride, padding=padding)
    return conv


def requirement(module, quantity: str) -> dict:
    covers = f"{quantity} equals torch.nn.functional.conv2d's in float64 over padding x stride"
    conv = _solution(module)
    for i, case in enumerate(cases()):
        tensors = case.tensors(torch.float64, i)
        got = forward_and_gradients(conv, *tensors, case.arguments(), i)
        want = forward_and_gradients(F.conv2d, *tensors, case.arguments(), i)
        if want[quantity] is None:
            continue
        if got[quantity].shape != want[quantity].shape:
            return outcome(quantity, covers, False, f"shape {tuple(got[quantity].shape)}, "
                           f"torch's {tuple(want[quantity].shape)}, on {case.describe()}")
        err, scale = error(got[quantity], want[quantity])
        if not err <= 1e-9 * (1 + scale):
            return outcome(quantity, covers, False, f"max error {err:.3g} (torch's largest "
                           f"value {scale:.3g}) on {case.describe()}")
    return outcome(quantity, covers, True, f"{len(cases())} cases", cases=len(cases()))


def gradcheck(module) -> dict:
    covers = "torch.autograd.gradcheck in float64, stride 2 and padding 1, with bias"
    x, w, b = (t.detach().requires_grad_() for t in
               Case(1, 1, (5, 6), (3, 3), (2, 2), 1, (1, 1), True, "contiguous").tensors(
                   torch.float64, 0))
    torch.autograd.gradcheck(lambda *t: module.conv2d(*t, stride=2, padding=1), (x, w, b))
    return outcome("gradcheck", covers, True, "analytical and numerical Jacobians agree", cases=1)


class HomeworkConv2d(nn.Conv2d):
    """torch's Conv2d computed by the solution's conv2d (padding and stride only)."""

    solution = None

    def _conv_forward(self, input, weight, bias):
        return type(self).solution.conv2d(input, weight, bias, stride=self.stride,
                                          padding=self.padding)


def lenet_epoch(module, cfg, output_dir: Path) -> dict:
    covers = (f"{cfg.model.name} on {cfg.data.name}, {cfg.trainer.max_epochs} epoch(s), with the "
              f"solution's conv against torch's from one initialisation; |Δ test accuracy| <= "
              f"{cfg.parity.tolerance} points")
    data = build_data(cfg)
    data.setup("fit")
    L.seed_everything(cfg.seed, workers=True)
    native = model_for(cfg, data, backend="native")
    solved = copy.deepcopy(native)
    solution_class = type("HomeworkConv2d", (HomeworkConv2d,), {"solution": module})
    for layer in solved.modules():
        if type(layer) is nn.Conv2d:
            layer.__class__ = solution_class
    runs = {name: train_one(cfg, data, model, "native", cfg.seed, output_dir / name)
            for name, model in (("native", native), ("solution", solved))}
    delta = 100 * (runs["solution"]["test_acc"] - runs["native"]["test_acc"])
    return outcome("LeNet-5 epoch", covers, abs(delta) <= cfg.parity.tolerance,
                   f"test accuracy {100 * runs['solution']['test_acc']:.2f} % against torch's "
                   f"{100 * runs['native']['test_acc']:.2f} % (Δ {delta:+.2f} points)",
                   delta_points=delta, cases=1)


def grading(cfg, output_dir: Path, module) -> tuple[str, list]:
    checks = [(q, lambda q=q: requirement(module, q))
              for q in ("forward", "grad_input", "grad_weight", "grad_bias")]
    checks.append(("gradcheck", lambda: gradcheck(module)))
    if not cfg.prove.quick:
        checks.append(("LeNet-5 epoch", lambda: lenet_epoch(module, cfg, output_dir)))
    return f"prove.py: exercise {cfg.exercise!r} ({module.__file__})", checks
