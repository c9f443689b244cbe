#!/usr/bin/env bash
# The whole GPU proof in one run on a GPU machine, inside a deadline of GPU_CHECK_SECONDS
# (default 540: a 10-minute device call less setup and packing). In order:
#   1. build the CUDA flavour of the extension;
#   2. the benchmark suite's train steps (--device cuda --naive --only train), alone on the
#      GPU because its timings are reported;
#   3. side by side, because only their results count: the CUDA tests, compute-sanitizer's
#      memcheck, initcheck and synccheck over scripts/sanitizer_probe.py (racecheck checks
#      shared memory, which no convlab kernel uses), the algorithm error table and, when
#      DATA_ROOT is set, the parity runs (scripts/gpu_parity.sh, PARITY_MODELS);
#   4. with the time left, alone again: the suite's conv and pooling layers.
# Whatever passes the deadline is stopped and marked TIMEOUT. Logs and reports (checkpoints
# left out) are packed into $OUT/gpu_check.tar.gz after every step, so a run cut off from
# outside still returns what finished; $OUT/summary.txt holds the verdicts. Without $OUT,
# everything stays in /tmp/gpu_check.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_HOME=/usr/local/cuda; fi
deadline=$((SECONDS + ${GPU_CHECK_SECONDS:-540}))
work=/tmp/gpu_check
rm -rf "$work" && mkdir -p "$work"
summary="$work/summary.txt"

pack() {  # a device call returns at most 8 files from $OUT: one archive and the summary
  [ -n "${OUT:-}" ] || return 0
  (
    flock 9  # steps finish side by side; one packs at a time
    # Logs still being written are packed as they stand (tar exits 1 for them).
    tar czf "$OUT/gpu_check.tar.gz.part" --exclude='*.ckpt' --warning=no-file-changed \
      -C "$work" .
    [ $? -le 1 ] && mv "$OUT/gpu_check.tar.gz.part" "$OUT/gpu_check.tar.gz"
    cp "$summary" "$OUT/summary.txt"
  ) 9> /tmp/gpu_check.pack.lock
}

step() {  # [cap=S] step NAME COMMAND...: run until the deadline (or for at most S seconds),
          # log to NAME.log, record the verdict
  local name="$1"; shift
  local started=$SECONDS left=$((deadline - SECONDS)) verdict
  if [ -n "${cap:-}" ] && [ "$cap" -lt "$left" ]; then left=$cap; fi
  if [ "$left" -le 0 ]; then
    echo "SKIPPED $name (deadline passed)" >> "$summary"; return
  fi
  timeout --kill-after=10 "$left" "$@" > "$work/$name.log" 2>&1
  case $? in
    0) verdict=PASS ;;
    124|137) verdict=TIMEOUT ;;
    *) verdict=FAIL ;;
  esac
  echo "$verdict $name ($((SECONDS - started)) s)" >> "$summary"
  pack
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"
  compute-sanitizer --version | tail -1
  uname -r  # 4.4.0 is gVisor, where compute-sanitizer was seen refusing the GPU
  date -u +%FT%TZ
} > "$work/machine.txt" 2>&1
cat "$work/machine.txt"
: > "$summary"

step build python3 -c "import ops, torch; assert torch.cuda.is_available(); print(ops.load_extension())"
if ! grep -q '^PASS build' "$summary"; then
  cat "$work/build.log" "$summary"; pack; exit 1
fi
# Capped, so that a slow benchmark still leaves the tests and parity their time.
cap=${GPU_BENCHMARK_SECONDS:-180} step benchmark_train \
  python3 -m benchmarks.suite --device cuda --naive --only train --out "$work/benchmark_train"

# pytest-xdist spreads the CUDA tests over a few processes when the machine has it.
xdist=(); python3 -c "import xdist" 2>/dev/null && xdist=(-n 4)
step cuda_tests python3 -m pytest -q -rfE -p no:cacheprovider -k cuda "${xdist[@]}" tests &
# Without torch's caching allocator every tensor is its own allocation, so memcheck sees an
# access just past a tensor's end (otherwise that lands in the same cached segment), and
# initcheck a read of an element never written (otherwise memory an earlier tensor wrote
# counts as initialised).
step memcheck env PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool memcheck --error-exitcode 1 python3 scripts/sanitizer_probe.py &
step initcheck env PYTORCH_NO_CUDA_MEMORY_CACHING=1 compute-sanitizer --tool initcheck --error-exitcode 1 python3 scripts/sanitizer_probe.py &
step synccheck compute-sanitizer --tool synccheck --error-exitcode 1 python3 scripts/sanitizer_probe.py &
step algorithm_errors python3 benchmarks/algorithm_errors.py --device cuda --out "$work/algorithm_errors" &
if [ -n "${DATA_ROOT:-}" ]; then
  step parity env OUT="$work/parity" bash scripts/gpu_parity.sh &
else
  echo "SKIPPED parity (DATA_ROOT not set)" >> "$summary"
fi
wait
step benchmark_layers \
  python3 -m benchmarks.suite --device cuda --only conv,pool --out "$work/benchmark_layers"

echo "==== results"
grep -h -E '^[0-9]+ (passed|failed)|passed|failed' "$work/cuda_tests.log" | tail -1
grep -H 'ERROR SUMMARY' "$work/memcheck.log" "$work/initcheck.log" "$work/synccheck.log"
cat "$work"/parity/*/parity.md 2>/dev/null
cat "$work/benchmark_train/results.md" 2>/dev/null
sed -n '/^| goal/,/^$/p' "$work/benchmark_layers/results.md" 2>/dev/null
echo "==== gpu_check summary"
cat "$summary"
! grep -q -v '^PASS' "$summary"
