#!/usr/bin/env bash
# On a GPU machine: build the CUDA extension, run the CUDA tests, run compute-sanitizer's
# memcheck and racecheck over a small forward/backward of every op, then the benchmark suite; print a summary.
# Output also goes to $OUT (when set) so a device call brings the log back.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_HOME=/usr/local/cuda; fi
log_dir="${OUT:-/tmp}"
summary=()

step() {  # step NAME COMMAND...: run, record pass/fail
  local name="$1"; shift
  local started=$SECONDS
  if "$@" 2>&1 | tee "$log_dir/$name.log"; then
    summary+=("PASS $name ($((SECONDS - started)) s)")
  else
    summary+=("FAIL $name ($((SECONDS - started)) s)")
  fi
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
step build python3 -c "import ops, torch; print(ops.load_extension()); assert torch.cuda.is_available()"
step cuda_tests python3 -m pytest -q -k cuda tests/test_conv2d.py tests/test_conv2d_algorithms.py \
  tests/test_max_pool2d.py tests/test_avg_pool2d.py tests/test_adaptive_avg_pool2d.py \
  tests/test_half_types.py tests/test_cuda.py tests/test_extension.py
step algorithm_errors python3 benchmarks/algorithm_errors.py --device cuda --out "$log_dir"
step memcheck compute-sanitizer --tool memcheck --error-exitcode 1 python3 scripts/sanitizer_probe.py
step racecheck compute-sanitizer --tool racecheck --error-exitcode 1 python3 scripts/sanitizer_probe.py
step benchmark python3 -m benchmarks.suite --device cuda --naive --out "$log_dir/benchmarks"

echo "==== gpu_check summary"
printf '%s\n' "${summary[@]}"
! printf '%s\n' "${summary[@]}" | grep -q '^FAIL'
