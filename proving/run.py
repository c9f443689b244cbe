"""prove.py's run: import prove.module, pick the subject, run the checks in order (each naming
what it covers), write prove.json/.md/.png and print the verdict table."""

import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from training.config_checks import check_config

from . import autograd_checks, grid_checks, homework, training_checks
from .fuzz import fuzz
from .outcome import outcome
from .report import verdict_table, write
from .subject import import_module, subject_for


def run_checks(checks: list[tuple[str, Callable[[], dict]]], fail_fast: bool) -> list[dict]:
    """Run each (name, check) in order; a check that raises fails with what it raised."""
    results = []
    for name, check in checks:
        try:
            result = check()
        except Exception as error:  # noqa: BLE001  (what the subject raised is the finding)
            where = traceback.extract_tb(error.__traceback__)[-1]
            result = outcome(name, "", False, f"raised {type(error).__name__}: {error} "
                             f"({Path(where.filename).name}:{where.lineno})")
        results.append(result)
        if fail_fast and result["status"] == "FAIL":
            break
    return results


def subject_checks(subject, cfg: DictConfig, output_dir: Path) -> list:
    p = cfg.prove
    checks = [
        ("float64 grid", lambda: grid_checks.float64_grid(subject, p.grid, p.seed)),
        ("float32 accuracy", lambda: grid_checks.float32_accuracy(subject, p.grid, p.seed)),
        ("gradcheck", lambda: autograd_checks.gradchecks(subject, subject.algorithm is not None)),
        ("opcheck", lambda: autograd_checks.opchecks(subject)),
        ("fuzz", lambda: fuzz(subject, p.fuzz_examples, p.seed)),
        ("torch.compile", lambda: autograd_checks.compiled(subject, p.seed)),
        ("emulated GPU", lambda: grid_checks.emulated_grid(subject, "small", p.seed)),
    ]
    if not p.quick:
        checks += [("parity", lambda: training_checks.parity(subject, cfg, output_dir)),
                   ("speed", lambda: training_checks.speed(subject, cfg))]
    return checks


def run_prove(cfg: DictConfig) -> dict:
    """Prove what cfg names; returns {"passed", "checks", "paths", "first_failure"}."""
    check_config(cfg)
    # torch's notice that 'same' with an even kernel pads a copy: the grid does that on purpose.
    warnings.filterwarnings("ignore", "Using padding='same' with even kernel lengths")
    module = import_module(cfg.prove.module) if cfg.prove.module else None
    output_dir = Path(cfg.paths.output_dir)
    if cfg.exercise is not None:
        path = homework.exercise_path(cfg.exercise)
        title, checks = homework.grading(cfg, output_dir, module or import_module(str(path)))
        described, algorithm = {"exercise": cfg.exercise, "module": cfg.prove.module}, None
    else:
        subject = subject_for(cfg.algorithm, cfg.backend)
        title, checks = f"prove.py: {subject.label}", subject_checks(subject, cfg, output_dir)
        described = {"label": subject.label, "algorithm": subject.algorithm,
                     "backend": subject.backend, "module": cfg.prove.module,
                     "float32_error_ratio": subject.float32_error_ratio}
        algorithm = subject.algorithm
    results = run_checks(checks, cfg.prove.fail_fast)
    failures = [r for r in results if r["status"] == "FAIL"]
    described["config"] = OmegaConf.to_container(cfg, resolve=True)
    paths = write(output_dir, title, described, results, not failures, algorithm)
    print(f"{title}\n\n{verdict_table(results)}\n\nVerdict: {'FAIL' if failures else 'PASS'} "
          f"(report: {paths['md']})")
    first = f"{failures[0]['check']}: {failures[0]['message']}" if failures else None
    return {"passed": not failures, "checks": results, "paths": paths, "first_failure": first}
