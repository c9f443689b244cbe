"""The sanitizer step can fail: under the sanitized build (scripts/sanitize.sh) the test-only op
torch.ops.convlab_sanitizer_probe.read_past_end (tests/sanitizer/out_of_bounds_read.cpp, built
into that build only) reads one element past its input, and AddressSanitizer stops the process
with a report naming that line. Skipped outside the sanitizer run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parent / "sanitizer" / "out_of_bounds_read.cpp"

pytestmark = pytest.mark.skipif(
    not os.environ.get("CONVLAB_SANITIZE") or "libasan" not in os.environ.get("LD_PRELOAD", ""),
    reason="runs only in the sanitizer step (bash scripts/sanitize.sh: CONVLAB_SANITIZE set, "
           "the ASan runtime preloaded)")

SNIPPET = """
import torch
import ops
x = torch.arange(5, dtype=torch.float32)
print("read_past_end returned", torch.ops.convlab_sanitizer_probe.read_past_end(x))
"""


def probe_line() -> int:
    lines = PROBE.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if "SANITIZER-PROBE" in line)


def test_an_out_of_bounds_read_is_reported_with_its_source_line():
    env = dict(os.environ)
    # The same environment as the sanitizer run, except that the report goes to stderr, not to
    # the run's report folder (where sanitize.sh would take it for a real finding).
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":log_path=stderr"
    result = subprocess.run([sys.executable, "-c", SNIPPET], env=env, cwd=PROBE.parents[2],
                            capture_output=True, text=True, timeout=600)
    report = result.stderr
    assert result.returncode != 0, f"the out-of-bounds read went unnoticed:\n{result.stdout}{report}"
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in report, report
    assert re.search(rf"in read_past_end\S*.* {re.escape(str(PROBE))}:{probe_line()}\b",
                     report), report
    assert "read_past_end returned" not in result.stdout
