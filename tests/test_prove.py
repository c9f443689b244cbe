"""prove.py can fail: deliberately wrong Python algorithms (mutants) each fail it, with a message
naming the failing check and the arguments; the correct one, the example in examples/ and the
homework's reference solution pass; the homework's scaffold fails its grade by name. The full
prove of every built-in algorithm runs with -m prove_full."""

import re

import pytest
import torch
import torch.nn.functional as F

import ops
from ops import registered_algorithms
from proving import autograd_checks
from proving.autograd_checks import SMALL, small_cases
from proving.cases import LAYOUTS
from proving.fuzz import fuzz
from proving.run import run_prove
from proving.subject import Subject, subject_for
from proving.support import refuses_case, subject_grid
from proving.training_checks import refusals

# Quick prove on the small grid: seconds, not minutes.
QUICK = ("prove.quick=true", "prove.grid=small", "prove.fuzz_examples=20")


def correct(input, weight, bias, stride, padding, dilation, groups):
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups)


def one_side(input, weight, bias, stride, padding, dilation, groups):
    # The left column of padding one wider, the right one narrower: same output size.
    shifted = F.pad(input, (padding[1] + 1, padding[1] - 1, padding[0], padding[0]))
    return F.conv2d(shifted, weight, bias, stride, 0, dilation, groups)


def filter_gradient_transposed(grad_output, input, weight, stride, padding, dilation, groups):
    return torch.nn.grad.conv2d_weight(input, weight.shape, grad_output, stride, padding,
                                       dilation, groups).transpose(2, 3)


def dilation_ignored(grad_output, input, weight, stride, padding, dilation, groups):
    return torch.nn.grad.conv2d_input(input.shape, weight, grad_output, stride, padding, 1, groups)


def groups_only(input, weight, bias, stride, padding, dilation, groups):
    return correct(input, weight, bias, stride, padding, dilation, groups) * (
        1.01 if groups > 1 else 1)


def non_contiguous_only(input, weight, bias, stride, padding, dilation, groups):
    dense = input.is_contiguous() or input.is_contiguous(memory_format=torch.channels_last)
    return correct(input.contiguous(), weight, bias, stride, padding, dilation, groups) + (
        0 if dense else 1e-3)


def relative_1e3(input, weight, bias, stride, padding, dilation, groups):
    return correct(input, weight, bias, stride, padding, dilation, groups) * (1 + 1e-3)


def half_inside(input, weight, bias, stride, padding, dilation, groups):
    # Exact in float64, float16's rounding in float32: only the float32 check sees it.
    if input.dtype != torch.float32:
        return correct(input, weight, bias, stride, padding, dilation, groups)
    return correct(input.half().float(), weight.half().float(), bias, stride, padding, dilation,
                   groups)


@pytest.fixture
def prove(compose_config):
    registered = set()

    def run(name, *overrides, **functions):
        if functions:
            registered.add(ops.register_conv2d_algorithm(name, **functions))
        cfg = compose_config(f"algorithm={name}", *QUICK, *overrides, config_name="prove")
        return run_prove(cfg)

    yield run
    for name in registered:
        ops.unregister_conv2d_algorithm(name)


MUTANTS = [
    ("one_side", {"forward": one_side}, ("float64 grid: forward max error", "padding 0")),
    ("transposed_filter_gradient", {"forward": correct, "grad_weight": filter_gradient_transposed},
     ("float64 grid: grad_weight max error", r"weight \(3, 2, 3, 3\)")),
    ("dilation_ignored", {"forward": correct, "grad_input": dilation_ignored},
     ("float64 grid:", "'dilation_ignored''s grad_input raised", r"dilation \((2, 2|1, 2)\)")),
    ("groups_only", {"forward": groups_only}, ("float64 grid: forward max error", "groups 2")),
    ("non_contiguous_only", {"forward": non_contiguous_only},
     ("float64 grid: forward max error", r"\) (strided|transposed), weight")),
    ("relative_1e3", {"forward": relative_1e3},
     ("float64 grid: forward max error", r"on input \(\d+, \d+, \d+, \d+\)")),
    ("half_inside", {"forward": half_inside},
     ("float32 accuracy: forward float32 error", "more than the promised 10x, on input")),
]


@pytest.mark.parametrize("name, functions, expected", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_mutant_fails_naming_the_check_and_arguments(prove, name, functions, expected):
    report = prove(name, "prove.fail_fast=true", **functions)
    assert not report["passed"]
    for pattern in expected:  # regular expressions
        assert re.search(pattern, report["first_failure"]), report["first_failure"]


def test_the_correct_algorithm_and_the_example_pass(prove, tmp_path):
    report = prove("correct", forward=correct)
    assert report["passed"], report["first_failure"]
    assert {c["check"]: c["status"] for c in report["checks"]} == {
        "float64 grid": "pass", "float32 accuracy": "pass", "gradcheck + gradgradcheck": "pass",
        "opcheck": "pass", "fuzz": "pass", "torch.compile": "pass", "emulated GPU": "skipped"}
    # How many cases each check ran, in the verdict table too.
    assert all(c["cases"] > 0 for c in report["checks"] if c["status"] == "pass")
    assert "| check | result | cases | detail |" in (tmp_path / "prove.md").read_text()
    assert {p.name for p in tmp_path.iterdir()} >= {"prove.json", "prove.md", "prove.png"}
    try:
        report = prove("unfold", "prove.module=examples/unfold_conv2d.py")
    finally:
        ops.unregister_conv2d_algorithm("unfold")
    assert report["passed"], report["first_failure"]


def test_the_homework_scaffold_fails_and_the_reference_passes(compose_config):
    scaffold = run_prove(compose_config("exercise=conv2d_homework", *QUICK, config_name="prove"))
    assert not scaffold["passed"]
    assert scaffold["first_failure"].startswith("forward: raised NotImplementedError: forward "
                                                "not implemented")
    solution = run_prove(compose_config(
        "exercise=conv2d_homework", "prove.module=tests/prove/conv2d_homework_solution.py",
        *QUICK, config_name="prove"))
    assert solution["passed"], solution["first_failure"]
    assert [c["check"] for c in solution["checks"]] == [
        "forward", "grad_input", "grad_weight", "grad_bias", "gradcheck"]


@pytest.mark.prove_full
@pytest.mark.parametrize("target", [*(f"algorithm={a}" for a in ops.CONV2D_ALGORITHMS[1:]),
                                    "backend=python", "backend=custom"])
def test_every_built_in_algorithm_and_backend_passes_the_full_prove(compose_config, target):
    report = run_prove(compose_config(target, "prove.quick=true", config_name="prove"))
    assert report["passed"], report["first_failure"]


def lenient_dilation(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    # The python backend, but computing where torch refuses: a dilation below 1 taken as 1.
    if isinstance(dilation, int) and dilation < 1:
        dilation = 1
    return ops.backend("python").functions["conv2d"](input, weight, bias, stride, padding,
                                                     dilation, groups)


def test_the_fuzz_fails_a_backend_that_computes_where_torch_refuses():
    subject = Subject("backend 'lenient'", lenient_dilation, None, "python", 10.0, False)
    result = fuzz(subject, 100, 0)
    assert result["status"] == "FAIL"
    # (torch computes an empty batch even with dilation 0: then the shapes differ.)
    assert re.search(r"'dilation': (0|-2)\b", result["message"]), result["message"]
    python = ops.backend("python").functions["conv2d"]
    assert fuzz(Subject("backend 'python'", python, None, "python", 10.0, False), 100, 0)[
        "status"] == "pass"


def test_parity_names_the_layers_a_forced_algorithm_cannot_do(compose_config):
    cfg = compose_config("algorithm=winograd", config_name="prove")
    count, reasons = refusals("winograd", cfg)
    assert count == 3 and len(reasons) == 3  # LeNet-5's filters are 5x5
    assert "winograd needs a 3x3 kernel" in reasons[0]
    assert refusals("im2col", cfg) == (3, [])


def bias_as_scratch(input, weight, bias, stride, padding, dilation, groups):
    # Right values, but the caller's bias is halved in place (used as a scratch buffer).
    output = correct(input, weight, bias, stride, padding, dilation, groups)
    if bias is not None:
        bias.mul_(0.5)
    return output


def column_major(input, weight, bias, stride, padding, dilation, groups):
    # Right values in other strides than the op's fake kernel promises (W before H in memory).
    output = correct(input, weight, bias, stride, padding, dilation, groups)
    return output.transpose(2, 3).contiguous().transpose(2, 3)


def test_opcheck_fails_an_algorithm_that_mutates_an_argument():
    ops.register_conv2d_algorithm("bias_as_scratch", bias_as_scratch)
    try:
        result = autograd_checks.opchecks(subject_for("bias_as_scratch", None))
    finally:
        ops.unregister_conv2d_algorithm("bias_as_scratch")
    assert result["status"] == "FAIL"
    assert re.search(r"convlab.conv2d.default on input \(.*bias: .*test_schema failed with "
                     "Argument bias is not defined as mutable but was mutated", result["message"])


def test_opcheck_fails_a_result_whose_strides_are_not_the_fake_kernels(prove, monkeypatch):
    # convlab makes a Python algorithm's results dense (_checked); without that, as for a C++
    # algorithm returning another layout, opcheck is what sees the strides differ.
    monkeypatch.setattr(registered_algorithms, "_checked", lambda result, *_: result)
    report = prove("column_major", "prove.fail_fast=true", forward=column_major)
    # Every check before it passes: only opcheck compares the strides with the fake's.
    assert re.match(r"opcheck: convlab.conv2d.default on input .*test_faketensor failed .*"
                    "Stride mismatch", report["first_failure"]), report["first_failure"]


def zero_input_shortcut(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    # Data-dependent Python: a branch on a tensor's value breaks fullgraph compilation.
    if input.abs().max().item() == 0:
        return input.new_zeros(0)
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups)


def other_when_compiled(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    scale = 1.001 if torch.compiler.is_compiling() else 1.0
    return F.conv2d(input, weight, bias, stride, padding, dilation, groups) * scale


def test_compile_fails_data_dependent_python_and_a_compiled_result_unlike_eager():
    breaking = Subject("backend 'shortcut'", zero_input_shortcut, None, "python", 10.0, False)
    result = autograd_checks.compiled(breaking, 0)
    assert result["status"] == "FAIL"
    assert re.search(r"compiling failed on input \(2, 2, 5, 6\) .*data-dependent",
                     result["message"]), result["message"]
    unlike = Subject("backend 'unlike'", other_when_compiled, None, "python", 10.0, False)
    result = autograd_checks.compiled(unlike, 0)
    assert result["status"] == "FAIL"
    assert result["message"].startswith("compiled forward max error"), result["message"]


def test_a_narrow_algorithm_is_proven_on_cases_it_can_do():
    winograd = subject_for("winograd", None)
    cases, added = subject_grid(winograd, "small")
    plainer = cases[-added:]
    assert added > 20 and not any(refuses_case(winograd, case) for case in plainer)
    # Only what Winograd needs was given up: padding, groups and layout still vary.
    assert {c.layout for c in plainer} == set(LAYOUTS) and {c.groups for c in plainer} == {1, 2}
    assert len({c.padding for c in plainer}) >= 4
    assert len(small_cases(winograd)) == 4
    assert fuzz(winograd, 30, 0)["counts"]["equal"] >= 5
    im2col = subject_for("im2col", None)
    assert subject_grid(im2col, "small")[1] == 0 and small_cases(im2col) == list(SMALL)
