"""Docs that cannot go stale: every runnable snippet of README.md and docs/**/*.md runs here, so
a renamed argument or module breaks this test instead of the reader's first try.

The convention (tests/doc_snippets.py reads it):

- A fenced block ```bash or ```python runs (```sh and ```shell count as bash, ```py as
  python). Any other language (```cpp, ```text, ```yaml, ```console) is only shown.
- ```bash no-test (any runnable language, `no-test` among the info string's other words) is
  shown but not run: installs, the test suite itself, servers, hour-long runs. GitHub still
  highlights it by its first word. An unmarked block that installs packages, runs pytest,
  starts TensorBoard or fetches from the network fails here without running: mark it no-test.
- ```bash gpu / ```python gpu: skipped on a machine without a GPU. A bash line with
  `--device cuda`, `trainer=gpu`, `trainer=ddp` or `accelerator=gpu` is skipped there alone.
- Each block is one test case (id: file:line of its opening fence), run in a fresh copy of
  the checkout (its tracked and untracked-but-not-ignored files as in the working tree) with
  `../shared` beside it as beside the real one; outputs land in the copy and are thrown away.
  The copy's ops/_extension.py is a link to the real one, so the extension loads from the
  real build/ without rebuilding (its build lists absolute source paths: a copy's would
  recompile all of it). Blocks are independent: one cannot use another's outputs.
- A bash block runs line by line, each line in its own `bash -e -o pipefail` at the copy's
  root: `#` comments are stripped, a line ending in `\\` is joined with the next, and state
  does not carry between lines (`cd`, `export`): write `VAR=1 python3 ...` or join with `&&`.
  No prompts (`$ `), no multi-line loops or heredocs. The block stops at its first failing
  line (LINE_TIMEOUT_S each).
- A line that runs an entry point of ENTRY_POINT_LIMITS (below) gets that entry's arguments
  appended, so a documented hour-long run runs one batch: write the real command.
- A python block runs as `python3 -c <block>` at the copy's root (PYTHON_TIMEOUT_S).
- A bash line or python block that names `../shared/data` or `DATA_ROOT` is skipped when that
  folder is absent (a clone outside this workspace; DATA_ROOT, if set, stands in for it).
- Environment: OMP_NUM_THREADS=1 (shared cores), MPLBACKEND=Agg, CUDA_VISIBLE_DEVICES=""
  unless torch sees a GPU; the python3 on PATH is the one running pytest. No network.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.doc_snippets import (GPU_FLAG, documented_pages, runnable_snippets, shell_commands,
                                with_limits)

ROOT = Path(__file__).resolve().parent.parent

# One batch of each split, no worker processes: Hydra keeps the last of repeated overrides,
# so these win over any the docs give. (`+trainer.max_steps` is refused: not in the schema.)
ONE_BATCH = ["trainer.max_epochs=1", "trainer.limit_train_batches=1",
             "trainer.limit_val_batches=1", "trainer.limit_test_batches=1", "data.num_workers=0"]
ENTRY_POINT_LIMITS = {
    "train.py": ONE_BATCH,
    # One seed: each seed is two more trainings.
    "parity.py": ONE_BATCH + ["parity.seeds=[0]"],
    # One model of the seven: each is two trainings.
    "evolution.py": ONE_BATCH + ["evolution.models=[lenet]"],
    # Every fifth grid case, 5 fuzz examples; quick skips the parity run and the speed table.
    "prove.py": ONE_BATCH + ["prove.quick=true", "prove.grid=small", "prove.fuzz_examples=5"],
    # Pooling layers of LeNet-5 only, one round of ~1 ms per measurement, a tiny GEMM probe;
    # argparse keeps the last value, so these win too.
    "-m benchmarks.suite": ["--only", "pool", "--models", "lenet", "--batch", "lenet=4",
                            "--rounds", "1", "--min-run-time", "0.001", "--warmup", "1",
                            "--gemm-size", "64"],
    # The smallest batch: its rows are LeNet-5's and VGG-16's layers in float64.
    "benchmarks/algorithm_errors.py": ["--batch", "1"],
}
# Commands a docs test must not run, and why: their block is to be marked no-test. Each
# pattern matches a command word (a line's first, or the first after an operator or `VAR=x`).
COMMAND_START = r"(?:^|[;&|(]\s*)(?:\w+=\S*\s+)*"
REFUSED = {
    COMMAND_START + r"(?:python3?\s+-m\s+)?pip3?\s+install\b": "installs packages",
    COMMAND_START + r"(?:python3?\s+-m\s+)?pytest\b": "runs the test suite, this test's home",
    COMMAND_START + r"tensorboard\b": "starts a server that does not exit",
    COMMAND_START + r"(?:git\s+clone|curl|wget)\b": "needs the network",
}
NEEDS_GPU = re.compile(r"--device[= ]cuda\b|\btrainer=(?:gpu|ddp)\b|\baccelerator=gpu\b")
NEEDS_DATA = re.compile(r"\.\./shared/data|\bDATA_ROOT\b")
LINE_TIMEOUT_S = 180
PYTHON_TIMEOUT_S = 120
HAS_GPU = torch.cuda.is_available()


def documented_snippets():
    """The runnable snippets of README.md and docs/**/*.md as they are now."""
    return [snippet for path in documented_pages(ROOT) if path.is_file()
            for snippet in runnable_snippets(path.read_text(), str(path.relative_to(ROOT)))]


def checkout_copy(parent: Path) -> Path:
    """A copy of the working tree's files that git tracks or would track, at parent/<name>,
    with parent/shared standing for ../shared (or holding $DATA_ROOT as shared/data)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode()
    copy = parent / ROOT.name
    for name in filter(None, set(listed.split("\0"))):
        source = ROOT / name
        if source.is_file() or source.is_symlink():  # a deleted tracked file stays deleted
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name, follow_symlinks=False)
    extension = copy / "ops" / "_extension.py"
    extension.unlink()
    extension.symlink_to(ROOT / "ops" / "_extension.py")
    (copy / "build").symlink_to(ROOT / "build", target_is_directory=True)
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (parent / "shared").symlink_to(shared, target_is_directory=True)
    elif os.environ.get("DATA_ROOT"):
        (parent / "shared").mkdir()
        (parent / "shared" / "data").symlink_to(Path(os.environ["DATA_ROOT"]).resolve())
    return copy


def snippet_environment() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if not HAS_GPU:
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def run_command(argv: list[str], cwd: Path, timeout: int) -> tuple[int | None, str]:
    """Exit status (None: timed out) and output. A command past its time gets SIGINT first,
    so a Python killed while loading the extension releases torch's build lock, then SIGKILL."""
    process = subprocess.Popen(argv, cwd=cwd, env=snippet_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output = process.communicate(timeout=timeout)[0]
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        try:
            return None, process.communicate(timeout=15)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            return None, process.communicate()[0]


def failure(where: str, command: str, status: int | None, output: str, timeout: int) -> str:
    outcome = f"timed out after {timeout} s" if status is None else f"exit status {status}"
    tail = "\n".join(output.splitlines()[-40:])
    return f"{where}: {outcome}\n$ {command}\n--- last lines of its output ---\n{tail}"


def skip_reason(text: str, data_present: bool) -> str | None:
    if NEEDS_DATA.search(text) and not data_present:
        return "names ../shared/data or DATA_ROOT, and that folder is absent"
    if NEEDS_GPU.search(text) and not HAS_GPU:
        return "needs a GPU"
    return None


def refusal(command: str) -> str | None:
    """Why a documented command may not run here (then its block is to be no-test), or None."""
    return next((why for pattern, why in REFUSED.items() if re.search(pattern, command)), None)


def run_bash(snippet, copy: Path, data_present: bool) -> list[str]:
    """Runs the block's lines in order; returns the skipped lines' reasons."""
    commands = shell_commands(snippet.text)
    for offset, command in commands:
        if why := refusal(command):
            pytest.fail(f"{snippet.path}:{snippet.line + offset + 1}: `{command}` {why}: "
                        "mark the block ```bash no-test", pytrace=False)
    skipped = []
    for offset, command in commands:
        where = f"{snippet.path}:{snippet.line + offset + 1}"
        reason = skip_reason(command, data_present)
        if reason:
            skipped.append(f"{where}: {reason}")
            continue
        limited = with_limits(command, ENTRY_POINT_LIMITS)
        status, output = run_command(["bash", "-e", "-o", "pipefail", "-c", limited], copy,
                                     LINE_TIMEOUT_S)
        if status != 0:
            pytest.fail(failure(where, limited, status, output, LINE_TIMEOUT_S), pytrace=False)
    if len(skipped) == len(commands):
        pytest.skip("; ".join(skipped) or "no commands")
    return skipped


@pytest.mark.parametrize("snippet", documented_snippets(), ids=lambda snippet: snippet.id)
def test_documented_snippet_runs(snippet, tmp_path):
    if GPU_FLAG in snippet.flags and not HAS_GPU:
        pytest.skip("marked gpu, and torch sees none")
    copy = checkout_copy(tmp_path)
    data_present = (copy.parent / "shared" / "data").is_dir()
    if snippet.language == "bash":
        for reason in run_bash(snippet, copy, data_present):
            print("skipped", reason)  # shown with -rA; the block's other lines ran
        return
    reason = skip_reason(snippet.text, data_present)
    if reason:
        pytest.skip(reason)
    status, output = run_command([sys.executable, "-c", snippet.text], copy, PYTHON_TIMEOUT_S)
    if status != 0:
        pytest.fail(failure(snippet.id, "python3 -c <the block>", status, output,
                            PYTHON_TIMEOUT_S), pytrace=False)


SYNTHETIC_MARKDOWN = """# A page

```bash
python3 train.py model=vgg16 \\
    op=custom   # convlab's layers
# a comment line
python3 -m benchmarks.suite --threads 1 2>&1 | tee suite.txt
python3 -c "print('#1')"  # the quoted # stays
```

```bash no-test
python3 -m pip install -r requirements.txt
```

1. In a list:

   ```python
   print("hi")
   ```

```cpp
int main() {}
```
"""


def test_extractor_finds_blocks_joins_lines_and_appends_limits():
    snippets = runnable_snippets(SYNTHETIC_MARKDOWN, "page.md")
    assert [(s.id, s.language, s.text) for s in snippets] == [
        ("page.md:3", "bash", SYNTHETIC_MARKDOWN.split("```")[1][len("bash\n"):]),
        ("page.md:17", "python", 'print("hi")\n')]
    commands = shell_commands(snippets[0].text)
    assert commands == [(0, "python3 train.py model=vgg16 op=custom"),
                        (3, "python3 -m benchmarks.suite --threads 1 2>&1 | tee suite.txt"),
                        (4, "python3 -c \"print('#1')\"")]
    limits = {"train.py": ["a=1", "b=[0]"], "-m benchmarks.suite": ["--rounds", "1"]}
    assert with_limits(commands[0][1], limits) == (
        "python3 train.py model=vgg16 op=custom a=1 'b=[0]'")
    assert with_limits(commands[1][1], limits) == (
        "python3 -m benchmarks.suite --threads 1 --rounds 1 2>&1 | tee suite.txt")
    assert with_limits("python3 train.py x=1 && python3 train.py", {"train.py": ["y=2"]}) == (
        "python3 train.py x=1 y=2 && python3 train.py y=2")
    assert with_limits(commands[2][1], limits) == commands[2][1]
    assert with_limits("python3 retrain.py", limits) == "python3 retrain.py"
    assert refusal(shell_commands(runnable_snippets(
        SYNTHETIC_MARKDOWN.replace("bash no-test", "bash"), "page.md")[1].text)[0][1])
    assert refusal("OMP_NUM_THREADS=1 python3 -m pytest -q") and refusal("tensorboard --logdir x")
    assert not refusal('python3 -c "from torch.utils.tensorboard import SummaryWriter"')
